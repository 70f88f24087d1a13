// kne test in this process: a passing, a failing and a bad test file, their human output, --json and exit codes,
// and long retry schedules that pass in virtual time.
import {mkdirSync, writeFileSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {describe, expect, it} from 'vitest'
import type {FlowTestRun} from '../../src/core/flow-test/report.js'
import {jsonOf, runKne} from '../helpers/command.js'
import {tempDir} from '../helpers/temp.js'

const BROKER = `apiVersion: eventing.knative.dev/v1
kind: Broker
metadata:
  name: default
`

function trigger(name: string, type: string, service: string, delivery = ''): string {
  return `---
apiVersion: eventing.knative.dev/v1
kind: Trigger
metadata:
  name: ${name}
spec:
  broker: default
  filter:
    attributes:
      type: ${type}
  subscriber:
    ref: {apiVersion: v1, kind: Service, name: ${service}}
${delivery}`
}

/** A project folder: kne.yaml, knative/ with the manifests, and the files given (path → text). */
function project(manifests: string, files: Record<string, string>): string {
  const dir = tempDir('kne-flowtest-')
  writeFileSync(join(dir, 'kne.yaml'), 'manifests: knative\n')
  mkdirSync(join(dir, 'knative'))
  writeFileSync(join(dir, 'knative', 'resources.yaml'), manifests)
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), {recursive: true})
    writeFileSync(join(dir, path), text)
  }
  return dir
}

const ORDERS =
  BROKER + trigger('orders', 'com.example.order.created', 'order-processor') + trigger('vip', 'com.example.order.vip', 'payments')

const PASSING = `name: an order reaches the order processor
subscribers:
  order-processor: {}
  payments: {}
steps:
  - send: {broker: default, type: com.example.order.created, data: {id: 1, total: 30}}
  - expect:
      delivered: {to: order-processor, type: com.example.order.created, data: {id: 1}}
      notDelivered: {to: payments}
`

const FAILING = `name: an order reaches payments
subscribers:
  order-processor: {}
  payments: {}
steps:
  - send: {broker: default, type: com.example.order.created, data: {id: 2}}
  - expect:
      delivered: {to: payments, type: com.example.order.created}
  - expect:
      delivered: {to: order-processor}
`

describe('kne test', () => {
  it('runs test/**/*.kne.yaml of the project and exits 0 when every test passes', async () => {
    const dir = project(ORDERS, {
      'test/orders.kne.yaml': PASSING,
      'test/more/again.kne.yaml': PASSING.replace('an order', 'again, an order'),
    })
    const result = await runKne(['test'], {cwd: dir})
    expect(result.code, result.stderr).toBe(0)
    expect(result.stdout).toContain('✓ an order reaches the order processor — test/orders.kne.yaml')
    expect(result.stdout).toContain('✓ again, an order reaches the order processor — test/more/again.kne.yaml')
    expect(result.stdout).toMatch(/2 tests: 2 passed/)
  })

  it('--json prints one FlowTestRun with each step', async () => {
    const dir = project(ORDERS, {'test/orders.kne.yaml': PASSING})
    const result = await runKne(['test', '--json'], {cwd: dir})
    expect(result.code).toBe(0)
    const run = jsonOf(result) as FlowTestRun
    expect(run).toMatchObject({passed: 1, failed: 0, errors: 0})
    expect(run.tests[0]).toMatchObject({
      file: 'test/orders.kne.yaml',
      name: 'an order reaches the order processor',
      status: 'passed',
      meshMs: 0,
      steps: [
        {step: 1, kind: 'send', status: 'passed', summary: 'sent com.example.order.created to broker:default: 202'},
        {
          step: 2,
          kind: 'expect',
          status: 'passed',
          summary: 'delivered to order-processor: com.example.order.created data {"id":1}; not delivered to payments',
        },
      ],
    })
  })

  it('exits 1 for a failed expectation, with what the mesh did and the nearest candidates; later steps are skipped', async () => {
    const dir = project(ORDERS, {'test/orders.kne.yaml': FAILING})
    const result = await runKne(['test', 'test/orders.kne.yaml'], {cwd: dir})
    expect(result.code).toBe(1)
    expect(result.stdout).toContain('✗ an order reaches payments — test/orders.kne.yaml')
    expect(result.stdout).toContain('expected delivered to payments: com.example.order.created, but the mesh made no such delivery')
    expect(result.stdout).toContain('trigger default/vip → payments')
    expect(result.stdout).toContain('✗ type: want "com.example.order.vip", saw "com.example.order.created"')
    expect(result.stdout).toContain('→ default/orders → order-processor attempt 1: HTTP 202')
    expect(result.stdout).toMatch(
      /nearest candidates:\n\s+delivered to order-processor \(trigger default\/orders, arrival 1, com.example.order.created, 1 attempt\)\n\s+to: want payments, saw order-processor/,
    )
    expect(result.stdout).toMatch(/1 test: 0 passed, 1 failed/)

    const json = await runKne(['test', 'test/orders.kne.yaml', '--json'], {cwd: dir})
    expect(json.code).toBe(1)
    const run = jsonOf(json) as FlowTestRun
    expect(run).toMatchObject({passed: 0, failed: 1, errors: 0})
    expect(run.tests[0]!.failure).toMatchObject({step: 2, message: expect.stringContaining('expected delivered to payments')})
    expect(run.tests[0]!.steps.map((s) => s.status)).toEqual(['passed', 'failed', 'skipped'])
  })

  it('exits 3 for a bad test file, naming file, step and field, and runs no test at all', async () => {
    const dir = project(ORDERS, {
      'test/a-good.kne.yaml': PASSING,
      'test/bad.kne.yaml': PASSING.replace('to: order-processor, type', 'to: order-processor, tpye'),
    })
    const result = await runKne(['test'], {cwd: dir})
    expect(result.code).toBe(3)
    expect(result.stdout).toContain('test/bad.kne.yaml, step 2, steps[1].expect.delivered.tpye: unknown field (did you mean type?)')
    expect(result.stdout).not.toContain('✓')
    const json = await runKne(['test', '--json'], {cwd: dir})
    expect(json.code).toBe(3)
    const run = jsonOf(json) as FlowTestRun
    expect(run.tests).toHaveLength(1)
    expect(run.tests[0]).toMatchObject({
      file: 'test/bad.kne.yaml',
      status: 'error',
      failure: {step: 2, field: 'steps[1].expect.delivered.tpye'},
    })
  })

  it('exits 3 for names the manifests and stand-ins do not have, with the nearest one', async () => {
    const dir = project(ORDERS, {
      'test/typos.kne.yaml': `name: typos
subscribers: {order-processor: {}}
steps:
  - send: {broker: defualt, type: com.example.order.created}
  - expect:
      delivered: {to: order-procesor, trigger: order}
`,
    })
    const result = await runKne(['test', '--json'], {cwd: dir})
    expect(result.code).toBe(3)
    const failure = jsonOf(result).tests[0].failure
    expect([failure.message, ...failure.details]).toEqual([
      'test/typos.kne.yaml, step 1, steps[0].send.to: broker:defualt: no such resource in the manifests (did you mean broker:default?)',
      'test/typos.kne.yaml, step 2, steps[1].expect.delivered.trigger: no trigger order in the manifests (did you mean orders?)',
      'test/typos.kne.yaml, step 2, steps[1].expect.delivered.to: order-procesor is neither a stand-in (subscribers) nor a service in kne.yaml, nor a URL (did you mean order-processor?)',
    ])
  })

  it('exits 3 when the manifests a test runs do not load, and 2 when there is no test file or path', async () => {
    const dir = project(ORDERS, {'test/orders.kne.yaml': PASSING.replace('steps:', 'manifests: [../missing]\nsteps:')})
    const result = await runKne(['test', '--json'], {cwd: dir})
    expect(result.code).toBe(3)
    expect(jsonOf(result).tests[0].failure).toMatchObject({field: 'manifests', message: expect.stringContaining('no such file or folder')})
    const empty = project(ORDERS, {})
    expect((await runKne(['test'], {cwd: empty})).code).toBe(2)
    expect(jsonOf(await runKne(['test', '--json'], {cwd: empty})).error.code).toBe('NO_TESTS')
    expect(jsonOf(await runKne(['test', 'nothing-here', '--json'], {cwd: empty})).error.code).toBe('NO_SUCH_PATH')
  })

  it('checks a Parallel’s branches, a reply, and a stand-in for a subscriber URL the manifests give literally', async () => {
    const manifests = `${BROKER}---
apiVersion: flows.knative.dev/v1
kind: Parallel
metadata:
  name: checks
spec:
  channelTemplate: {apiVersion: messaging.knative.dev/v1, kind: InMemoryChannel}
  branches:
    - subscriber: {ref: {apiVersion: v1, kind: Service, name: fraud}}
    - subscriber: {uri: "http://stock.example.com/check"}
  reply: {ref: {apiVersion: eventing.knative.dev/v1, kind: Broker, name: default}}
${trigger('checks', 'com.example.order.created', 'fraud').replace('{apiVersion: v1, kind: Service, name: fraud}', '{apiVersion: flows.knative.dev/v1, kind: Parallel, name: checks}')}`
    const dir = project(manifests, {
      'test/parallel.kne.yaml': `name: both checks see the order, and fraud answers
subscribers:
  fraud: {reply: {type: com.example.fraud.checked, data: {risk: low}}}
  http://stock.example.com: {}
steps:
  - send: {broker: default, type: com.example.order.created, data: {id: 7}}
  - expect:
      delivered:
        - {to: fraud, subscription: checks-kn-parallel-0, data: {id: 7}}
        - {to: "http://stock.example.com", subscription: checks-kn-parallel-1, data: {id: 7}}
      replied: {to: fraud, type: com.example.fraud.checked, data: {risk: low}}
`,
    })
    const result = await runKne(['test', '--json'], {cwd: dir})
    expect(result.code, JSON.stringify(jsonOf(result), null, 2)).toBe(0)
  })

  it('counts only what happened within a bound after the send, and fails a send the mesh does not take', async () => {
    const retrying =
      BROKER +
      trigger(
        'orders',
        'com.example.order.created',
        'order-processor',
        '  delivery:\n    retry: 1\n    backoffPolicy: exponential\n    backoffDelay: PT5S\n',
      )
    const dir = project(retrying, {
      'test/within.kne.yaml': `name: the retry comes after 5 s
subscribers: {order-processor: {failFirst: 1}}
steps:
  - send: {type: com.example.order.created}
  - expect:
      notDelivered: {to: order-processor}
      within: 2s
  - expect:
      delivered: {to: order-processor}
      within: PT6S
  - wait: 1m
---
name: an event whose hops are spent
steps:
  - send: {broker: default, type: com.example.order.created, extensions: {knativebrokerttl: 0}}
  - expect:
      delivered: {}
`,
    })
    const result = await runKne(['test', '--json'], {cwd: dir})
    expect(result.code).toBe(1)
    const run = jsonOf(result) as FlowTestRun
    // the send returns after the retry (5 s), the second expect watches until 6 s, then the wait: 66 s
    expect(run.tests[0]).toMatchObject({status: 'passed', meshMs: 66_000})
    expect(run.tests[1]).toMatchObject({
      status: 'failed',
      failure: {step: 1, message: expect.stringMatching(/^broker:default did not take the event: .* answered 400/)},
    })
    expect(run.tests[1]!.steps.map((s) => s.status)).toEqual(['failed', 'skipped'])
  })

  it('lets a PingSource tick in virtual time during a wait, and only then', async () => {
    const manifests = `${BROKER}---
apiVersion: sources.knative.dev/v1
kind: PingSource
metadata: {name: heartbeat}
spec:
  schedule: "* * * * *"
  data: '{"beat": true}'
  sink: {ref: {apiVersion: eventing.knative.dev/v1, kind: Broker, name: default}}
${trigger('monitor', 'dev.knative.sources.ping', 'monitor')}`
    const dir = project(manifests, {
      'test/ping.kne.yaml': `name: a beat a minute
subscribers: {monitor: {delay: 10s}}
steps:
  - expect:
      notDelivered: {to: monitor}
  - wait: 150s
  - expect:
      delivered: {to: monitor, data: {beat: true}, count: 2}
`,
    })
    const result = await runKne(['test', '--json'], {cwd: dir})
    expect(result.code, JSON.stringify(jsonOf(result), null, 2)).toBe(0)
    expect(jsonOf(result).tests[0].meshMs).toBe(150_000)
  })

  it('--real-time runs the same test on the wall clock', async () => {
    const dir = project(ORDERS, {'test/orders.kne.yaml': PASSING})
    const result = await runKne(['test', '--real-time', '--json'], {cwd: dir})
    expect(result.code).toBe(0)
    expect(jsonOf(result).tests[0].status).toBe('passed')
  })

  it('runs ten exponential retries in virtual time: the 15-minute fan-out window ends PT1S’s, PT0.5S’s reach the dead-letter sink', async () => {
    const delivery = (delay: string): string =>
      `  delivery:\n    retry: 10\n    backoffPolicy: exponential\n    backoffDelay: ${delay}\n    deadLetterSink:\n      ref: {apiVersion: v1, kind: Service, name: dead-letters}\n`
    const manifests =
      BROKER +
      trigger('slow', 'com.example.slow', 'payments', delivery('PT1S')) +
      trigger('fast', 'com.example.fast', 'payments', delivery('PT0.5S'))
    const dir = project(manifests, {
      'test/retries.kne.yaml': `name: PT1S — 1, 2, 4 … 512 s waits — outlasts Knative's 15-minute fan-out window
subscribers: {payments: {status: 503}, dead-letters: {}}
steps:
  - send: {broker: default, type: com.example.slow}
  - expect:
      failed: {trigger: slow, to: payments, count: 1}
      notDelivered: {to: dead-letters}
---
name: PT0.5S — 511.5 s of waits — dead-letters after the tenth retry
subscribers: {payments: {status: 503}, dead-letters: {}}
steps:
  - send: {broker: default, type: com.example.fast}
  - expect:
      deadLettered: {trigger: fast, to: payments, deadLetterSink: dead-letters, count: 1}
`,
    })
    const result = await runKne(['test', '--json'], {cwd: dir})
    expect(result.code, JSON.stringify(jsonOf(result), null, 2)).toBe(0)
    const run = jsonOf(result) as FlowTestRun
    // the mesh's own time, virtual: 15 minutes, and 0.5 × (2^10 − 1) s
    expect(run.tests.map((t) => [t.status, t.meshMs])).toEqual([
      ['passed', 900_000],
      ['passed', 511_500],
    ])
  })
})
