// kne test's human output: a line per test (✓, ✗ or !), and under a test that did not pass its failed step,
// what was expected and what the mesh did instead; then one line for the run.
import type {ChalkInstance} from 'chalk'
import type {FlowTestResult, FlowTestRun} from '../core/flow-test/report.js'
import {formatMs} from './render.js'

export function renderFlowTestResult(result: FlowTestResult, c: ChalkInstance): string[] {
  const mark = result.status === 'passed' ? c.green('✓') : result.status === 'failed' ? c.red('✗') : c.red('!')
  const timing = result.status === 'error' ? '' : c.dim(` (${formatMs(result.durationMs)}, mesh time ${formatMs(result.meshMs)})`)
  const lines = [`${mark} ${result.name} ${c.dim(`— ${result.file}`)}${timing}`]
  const {failure} = result
  if (failure === undefined) return lines
  const step = failure.step === undefined ? undefined : result.steps.find((s) => s.step === failure.step)
  if (step !== undefined && result.status !== 'error') {
    for (const s of result.steps.filter((s) => s.step < step.step)) lines.push(c.dim(`    ${s.step}. ${s.summary}`))
    lines.push(`    ${c.red(`${step.step}. ${step.summary}`)}`)
  }
  lines.push(`    ${c.red(failure.message)}`)
  for (const detail of failure.details) lines.push(`    ${detail}`)
  return lines
}

export function renderFlowTestSummary(run: FlowTestRun, c: ChalkInstance): string {
  const parts = [
    c.green(`${run.passed} passed`),
    ...(run.failed > 0 ? [c.red(`${run.failed} failed`)] : []),
    ...(run.errors > 0 ? [c.red(`${run.errors} could not run`)] : []),
  ]
  const total = run.tests.length
  return `${total} test${total === 1 ? '' : 's'}: ${parts.join(', ')} ${c.dim(`(${formatMs(run.durationMs)})`)}`
}
