// The start-up lines kne dev prints for the sources and services it runs.
import type {LocalServiceStatus} from './runtime.js'
import type {SourceStatus} from '../../../core/api.js'

export function describeSources(sources: readonly SourceStatus[], services: readonly LocalServiceStatus[]): string[] {
  const lines: string[] = []
  for (const s of services) {
    const binding = s.boundBy ? `  K_SINK=${s.sinkUri} (SinkBinding ${s.boundBy})` : ''
    lines.push(`  Service ${s.name}  ${s.url}  ${s.process.state}${s.process.pid ? ` (pid ${s.process.pid})` : ''}${binding}`)
  }
  for (const s of sources) {
    const state = s.ready ? 'Ready' : `not Ready: ${s.reason}: ${s.message}`
    lines.push(`  ${s.kind} ${s.namespace}/${s.name}  → ${s.sinkUri ?? '?'}  ${state}`)
  }
  return lines
}
