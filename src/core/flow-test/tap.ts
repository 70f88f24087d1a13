// A kne test run as TAP version 14 (testanything.org/tap-version-14-specification): a plan, one test point per
// test in run order, and for each test that did not pass a YAML block with why.
import {stringify} from 'yaml'
import type {FlowTestResult, FlowTestRun} from './report.js'
import {failureOf, printable} from './text.js'

/** The run as a TAP 14 stream (ends with a newline). */
export function renderTap(run: FlowTestRun): string {
  const lines = ['TAP version 14', `1..${run.tests.length}`]
  run.tests.forEach((test, index) => {
    lines.push(`${test.status === 'passed' ? 'ok' : 'not ok'} ${index + 1} - ${description(test.name)}`)
    if (test.status !== 'passed') lines.push(...diagnostics(test))
  })
  // as TAP consumers count: every `not ok` is a fail, the YAML block's severity tells an error from a failure
  const passed = run.tests.filter((test) => test.status === 'passed').length
  lines.push(
    `# tests ${run.tests.length}`,
    `# pass ${passed}`,
    `# fail ${run.tests.length - passed}`,
    `# duration_ms ${Math.max(0, Math.round(run.durationMs))}`,
    '',
  )
  return lines.join('\n')
}

// TAP 14: `#` starts a directive and `\` escapes, in a description that must stay on its line.
function description(name: string): string {
  return printable(name)
    .replace(/\r\n|\r|\n/g, ' ')
    .replace(/\\/g, '\\\\')
    .replace(/#/g, '\\#')
}

/** The YAML diagnostic block under a test point: message, where (file, step, field), and the details. */
function diagnostics(test: FlowTestResult): string[] {
  const {failure, step} = failureOf(test)
  const block: Record<string, unknown> = {
    message: printable(failure.message),
    severity: test.status === 'error' ? 'error' : 'fail',
    file: printable(test.file),
  }
  if (failure.step !== undefined) block.step = failure.step
  if (step) block.summary = printable(`${step.kind}: ${step.summary}`)
  if (failure.field !== undefined) block.field = printable(failure.field)
  if (failure.details.length > 0) block.details = failure.details.map(printable)
  block.duration_ms = Math.max(0, Math.round(test.durationMs))
  const yaml = stringify(block, {lineWidth: 0}).trimEnd()
  return ['  ---', ...yaml.split('\n').map((line) => `  ${line}`), '  ...']
}
