// Start-up summary of what the mesh serves: each broker's URL and each trigger's subscriber and readiness.
import type {ChalkInstance} from 'chalk'
import type {MeshStatus} from '../mesh/status.js'

export function renderTopology(status: MeshStatus, paths: readonly string[], c: ChalkInstance): string[] {
  const source = paths.length > 0 ? paths.join(', ') : 'built-in default broker'
  const lines = [`kne dev: ${status.brokers.length} broker(s), ${status.triggers.length} trigger(s) from ${source}`]
  for (const b of status.brokers) {
    const mode = b.async ? c.dim(' (async)') : ''
    const ready = b.ready ? '' : c.red(`  not Ready: ${b.reason}: ${b.message}`)
    lines.push(`  Broker  ${b.namespace}/${b.name}  ${c.cyan(b.url)}${mode}${ready}`)
  }
  for (const t of status.triggers) {
    const state = t.ready ? c.green('Ready') : c.red(`not Ready: ${t.reason}: ${t.message}`)
    lines.push(`  Trigger ${t.namespace}/${t.name}  → ${t.subscriberUri ?? '?'}  ${state}`)
  }
  return lines
}
