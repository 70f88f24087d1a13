// kne test results as the runner reports them, for the reporters' tests: whole runs with passes, failures,
// errors, nasty characters and unicode, so each report can be checked against what the run said.
import type {FlowStepResult, FlowTestResult, FlowTestRun} from '../../src/core/flow-test/report.js'

/** A result with a passing send and expect, overridden by `fields`. */
export function flowTest(fields: Partial<FlowTestResult> = {}): FlowTestResult {
  return {
    file: 'test/orders.kne.yaml',
    name: 'orders are routed',
    status: 'passed',
    durationMs: 42,
    meshMs: 3000,
    steps: [
      {step: 1, kind: 'send', summary: 'sent com.example.order.created to broker default', status: 'passed'},
      {step: 2, kind: 'expect', summary: 'delivered to order-processor: com.example.order.created', status: 'passed'},
    ],
    ...fields,
  }
}

/** A run of these tests, its counts taken from them. */
export function flowRun(tests: FlowTestResult[], startedAt = '2026-12-04T19:00:00.000Z'): FlowTestRun {
  return {
    tests,
    passed: tests.filter((test) => test.status === 'passed').length,
    failed: tests.filter((test) => test.status === 'failed').length,
    errors: tests.filter((test) => test.status === 'error').length,
    durationMs: tests.reduce((sum, test) => sum + test.durationMs, 0) + 5,
    startedAt,
  }
}

/** Every control character XML 1.0 forbids, a lone surrogate, the CDATA terminator and the markup characters. */
export const NASTY = `<order id="1"> & 'x' ]]> \u0000\u0001\u0007\u0008\u000b\u000c\u001b\u001f \ud800 \uffff end`

const failedSteps: FlowStepResult[] = [
  {step: 1, kind: 'send', summary: 'sent com.example.order.created to broker default', status: 'passed'},
  {step: 2, kind: 'expect', summary: `delivered to payments: ${NASTY}`, status: 'failed'},
  {step: 3, kind: 'expect', summary: 'dead-lettered by trigger vip', status: 'skipped'},
]

/** A test whose second step failed, its message and details full of characters XML and TAP must escape. */
export const failedTest = flowTest({
  name: 'payments are retried',
  status: 'failed',
  durationMs: 1234,
  steps: failedSteps,
  failure: {
    message: `expected an event delivered to payments, none was: ${NASTY}`,
    step: 2,
    details: [
      'event 7f3c (com.example.order.created) from /test:',
      '  trigger payments: matched (type = com.example.order.created)',
      `  attempt 1: 500 ${NASTY}`,
      '\ttab, CR\r and a line ending in ]]>',
    ],
  },
})

/** A test that could not run: a bad field in its file. */
export const errorTest = flowTest({
  file: 'test/broken.kne.yaml',
  name: 'broken file',
  status: 'error',
  durationMs: 3,
  meshMs: 0,
  steps: [],
  failure: {message: 'steps[2].expect.delivered.to: required', step: 2, field: 'steps[2].expect.delivered.to', details: []},
})

/** Names in several scripts, an emoji (a surrogate pair) and TAP's own special characters. */
export const unicodeTest = flowTest({
  file: 'test/ünïcødé/注文.kne.yaml',
  name: 'Bestellung → 注文 📦 #1 \\ עברית',
})
