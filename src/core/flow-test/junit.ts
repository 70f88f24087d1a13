// A kne test run as JUnit XML, the report GitHub (dorny/test-reporter, mikepenz/action-junit-report), GitLab
// (artifacts:reports:junit) and Jenkins' junit plugin render: one <testsuite> per test file, one <testcase> per
// test, in the subset of the format all three read (Jenkins' schema, plus the testcase `file` GitLab reads).
import type {FlowStepResult, FlowTestFailure, FlowTestResult, FlowTestRun} from './report.js'
import {failureOf, printable} from './text.js'

/** The run as a JUnit XML document (UTF-8, ends with a newline). */
export function renderJunit(run: FlowTestRun): string {
  const timestamp = junitTimestamp(run.startedAt)
  const lines = ['<?xml version="1.0" encoding="UTF-8"?>']
  lines.push(`<testsuites${attributes({name: 'kne test', ...counts(run.tests), time: seconds(run.durationMs)})}>`)
  for (const [file, tests] of byFile(run.tests)) {
    const time = seconds(tests.reduce((sum, test) => sum + test.durationMs, 0))
    lines.push(`  <testsuite${attributes({name: file, ...counts(tests), skipped: 0, time, timestamp})}>`)
    for (const test of tests) lines.push(...testcase(test))
    lines.push('  </testsuite>')
  }
  lines.push('</testsuites>', '')
  return lines.join('\n')
}

function testcase(test: FlowTestResult): string[] {
  const open = `    <testcase${attributes({name: test.name, classname: test.file, time: seconds(test.durationMs), file: test.file})}`
  const out = systemOut(test)
  if (test.status === 'passed' && out === undefined) return [`${open}/>`]
  const lines = [`${open}>`]
  if (test.status !== 'passed') {
    const element = test.status === 'error' ? 'error' : 'failure'
    const {failure, step} = failureOf(test)
    // the kind of step that failed (`expect`, ...) says more than a class name would
    const type = step?.kind ?? element
    lines.push(`      <${element}${attributes({message: failure.message, type})}>${text(failureText(failure, step))}</${element}>`)
  }
  if (out !== undefined) lines.push(`      <system-out>${text(out)}</system-out>`)
  lines.push('    </testcase>')
  return lines
}

/** The failure's whole story, as CI systems show it under the message: where, which field, then why. */
function failureText(failure: FlowTestFailure, step: FlowStepResult | undefined): string {
  const lines = [failure.message]
  if (step) lines.push(`at step ${step.step} (${step.kind}): ${step.summary}`)
  else if (failure.step !== undefined) lines.push(`at step ${failure.step}`)
  if (failure.field !== undefined) lines.push(`field: ${failure.field}`)
  if (failure.details.length > 0) lines.push('', ...failure.details)
  return lines.join('\n')
}

/** Each step on a line, and the time on the mesh's clock: what the test did, for the CI system's log view. */
function systemOut(test: FlowTestResult): string | undefined {
  if (test.steps.length === 0) return undefined
  const lines = test.steps.map((step) => `step ${step.step} ${step.kind} ${step.status}: ${step.summary}`)
  lines.push(`mesh clock: ${test.meshMs} ms`)
  return lines.join('\n')
}

function counts(tests: FlowTestResult[]): {tests: number; failures: number; errors: number} {
  return {
    tests: tests.length,
    failures: tests.filter((test) => test.status === 'failed').length,
    errors: tests.filter((test) => test.status === 'error').length,
  }
}

/** The tests grouped by file, files in the order the run first reached them. */
function byFile(tests: FlowTestResult[]): Map<string, FlowTestResult[]> {
  const files = new Map<string, FlowTestResult[]>()
  for (const test of tests) {
    const group = files.get(test.file)
    if (group) group.push(test)
    else files.set(test.file, [test])
  }
  return files
}

/** JUnit's times are seconds (GitLab and Jenkins read a decimal, not milliseconds). */
function seconds(ms: number): string {
  return Number.isFinite(ms) && ms > 0 ? (ms / 1000).toFixed(3) : '0.000'
}

/** The start as an ISO 8601 date-time in UTC; none for a date that does not parse. */
function junitTimestamp(iso: string): string | undefined {
  const date = new Date(iso)
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString()
}

function attributes(values: Record<string, string | number | undefined>): string {
  let out = ''
  for (const [name, value] of Object.entries(values)) if (value !== undefined) out += ` ${name}="${attribute(String(value))}"`
  return out
}

// An attribute keeps its tabs and line breaks only as character references: a parser turns literal ones into spaces.
function attribute(value: string): string {
  return text(value).replace(/"/g, '&quot;').replace(/'/g, '&apos;').replace(/\t/g, '&#9;').replace(/\n/g, '&#10;')
}

// `>` is escaped too, so `]]>` (not allowed in XML text) never appears; a literal CR would be read back as LF.
function text(value: string): string {
  return printable(value).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\r/g, '&#13;')
}
