// kne/testing in a Node test suite: useMesh runs real meshes with real stand-ins over HTTP, and the
// matchers (through vitest's expect.extend and Jest's own expect) pass and fail as kne test does, with the
// same message and explanation lines, on the virtual clock unless told otherwise.
import {execFile} from 'node:child_process'
import {readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {promisify} from 'node:util'
import {expect as jestExpect} from 'expect'
import {describe, expect, it, onTestFinished} from 'vitest'
import {startVitest} from 'vitest/node'
import {runFlowTests} from '../../src/index.js'
import {KneTestMesh, kneMatchers, setupKneMatchers, useMesh} from '../../src/testing/index.js'
import type {} from '../../src/testing/jest.js'
import type {} from '../../src/testing/vitest.js'
import {repoRoot} from '../helpers/cli.js'
import {tempDir} from '../helpers/temp.js'

setupKneMatchers(expect, {onTestFinished})
jestExpect.extend(kneMatchers)

const service = (name: string): string => `    ref:\n      apiVersion: v1\n      kind: Service\n      name: ${name}\n`
const trigger = (name: string, type: string, subscriber: string, delivery = ''): string =>
  `apiVersion: eventing.knative.dev/v1\nkind: Trigger\nmetadata:\n  name: ${name}\nspec:\n  broker: default\n  filter:\n    attributes:\n      type: ${type}\n  subscriber:\n${service(subscriber)}${delivery}`
/** orders → order-processor; vip (10 exponential retries from PT0.5S, dead-letter sink) → payments; audit for cancellations. */
const MANIFESTS = [
  'apiVersion: eventing.knative.dev/v1\nkind: Broker\nmetadata:\n  name: default\n',
  trigger('orders', 'com.example.order.created', 'order-processor'),
  trigger(
    'vip',
    'com.example.order.created',
    'payments',
    `  delivery:\n    retry: 10\n    backoffPolicy: exponential\n    backoffDelay: PT0.5S\n    deadLetterSink:\n${service('dead-letters').replaceAll('\n    ', '\n      ').replace(/^ {4}/, '      ')}`,
  ),
  trigger('audit', 'com.example.order.cancelled', 'audit'),
].join('---\n')

/** The message a rejected assertion carries. */
async function failure(assertion: Promise<unknown>): Promise<string> {
  const error = await assertion.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error, 'the assertion should have failed').toBeInstanceOf(Error)
  return (error as Error).message
}

describe('useMesh', () => {
  it('runs the manifests with stand-ins by Service name, and tells what each received', async () => {
    const mesh = await useMesh(MANIFESTS, {subscribers: {'order-processor': {}, payments: {}, 'dead-letters': {}}})
    const sent = await mesh.send({type: 'com.example.order.created', source: '/shop', id: 'o-1', data: {id: 1}})
    expect(sent).toMatchObject({id: 'o-1', status: 202})
    await mesh.idle()
    expect(mesh.received('order-processor').map((e) => e.id)).toEqual(['o-1'])
    expect(mesh.requests('payments').map((r) => r.answer.status)).toEqual([202])
    expect(mesh.received('dead-letters')).toEqual([])
    expect(mesh.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(Object.keys(mesh.subscribers).sort()).toEqual(['dead-letters', 'order-processor', 'payments'])
    expect(() => mesh.received('nobody')).toThrow('no stand-in nobody: the stand-ins are order-processor, payments, dead-letters')
  })

  it('reads a folder of manifests with its kne.yaml, and refuses bad manifests, stand-ins and sends with the field', async () => {
    const mesh = await useMesh('examples/orders/knative', {cwd: repoRoot, subscribers: {audit: {}}})
    await mesh.send({type: 'com.example.order.cancelled', data: {id: 3}})
    await expect(mesh).toHaveDelivered({to: 'audit', trigger: 'audit', type: 'com.example.order.cancelled'})
    await expect(mesh.send({type: ''})).rejects.toThrow('send: send.type: must be a non-empty string')
    await expect(mesh.send({type: 'x', to: 'broker:nope'})).rejects.toThrow('broker:nope did not take the event')
    await expect(useMesh(MANIFESTS, {subscribers: {payments: {failFirts: 2}}})).rejects.toThrow(
      'subscribers.payments.failFirts: unknown field (did you mean failFirst?)',
    )
    await expect(useMesh('apiVersion: eventing.knative.dev/v1\nkind: Trigger\nmetadata:\n  name: t\n')).rejects.toThrow(
      'useMesh: the manifests are not valid',
    )
    await expect(mesh.advance('soon')).rejects.toThrow('advance: "soon" is not a duration')
  })

  it("runs docs/flow-tests.md's example on examples/orders", async () => {
    const mesh = await useMesh('knative/', {
      cwd: join(repoRoot, 'examples', 'orders'),
      subscribers: {'order-processor': {}, payments: {status: 503}, 'dead-letters': {}},
    })
    await mesh.send({broker: 'default', type: 'com.example.order.created', data: {id: 2}})
    await expect(mesh).toHaveDelivered({to: 'order-processor', data: {id: 2}})
    await expect(mesh).toHaveDeadLettered({trigger: 'payments', deadLetterSink: 'dead-letters', count: 1})
    await expect(mesh).not.toHaveDelivered({to: 'audit'})
    await expect(mesh).toHaveRouted({type: 'com.example.order.created'}, {to: ['order-processor', 'payments']})
  })

  it('stands in for a URL the manifests give literally, and for anything below it', async () => {
    const yaml = MANIFESTS.replace(service('order-processor'), '    uri: http://orders.example.com/in\n')
    const mesh = await useMesh(yaml, {subscribers: {'http://orders.example.com': {}}})
    await mesh.send({type: 'com.example.order.created', data: {id: 11}})
    await expect(mesh).toHaveDelivered({to: 'http://orders.example.com', trigger: 'orders'})
    expect(mesh.requests('http://orders.example.com').map((r) => r.path)).toEqual(['/in'])
  })

  it('lets virtual time pass with advance, as a wait step', async () => {
    const mesh = await useMesh(MANIFESTS, {subscribers: {payments: {delay: '5s'}, 'order-processor': {}}})
    const started = mesh.clock.now()
    await mesh.advance('90s')
    expect(mesh.clock.now() - started).toBe(90_000)
  })
})

describe('matchers on vitest expect', () => {
  it('passes for what the mesh did, and .not for what it did not', async () => {
    const mesh = await useMesh(MANIFESTS, {subscribers: {'order-processor': {}, payments: {failFirst: 2}, 'dead-letters': {}, audit: {}}})
    await mesh.send({broker: 'default', type: 'com.example.order.created', source: '/shop', data: {id: 1, total: 30}})
    await expect(mesh).toHaveDelivered({to: 'order-processor', type: 'com.example.order.created', data: {id: 1}})
    await expect(mesh).toHaveDelivered({to: 'payments', trigger: 'vip', count: 1})
    await expect(mesh).not.toHaveDelivered({to: 'audit'})
    await expect(mesh).not.toHaveDeadLettered({trigger: 'vip'})
    await expect(mesh).not.toHaveFailed()
    await expect(mesh).toHaveRouted({type: 'com.example.order.created'}, {to: ['orders', 'default/vip']})
    await expect(mesh).not.toHaveRouted({type: 'com.example.order.created'}, {to: ['orders']})
    expect(mesh.requests('payments').map((r) => r.answer.status)).toEqual([503, 503, 202])
  })

  it('dead-letters after 10 exponential retries on the virtual clock at once, and checks replies', async () => {
    const mesh = await useMesh(MANIFESTS, {
      subscribers: {
        'order-processor': {reply: {type: 'com.example.order.accepted', data: {ok: true}}},
        payments: {status: 503},
        'dead-letters': {},
      },
    })
    const started = mesh.clock.now()
    await mesh.send({type: 'com.example.order.created', data: {id: 2}})
    await expect(mesh).toHaveDeadLettered({trigger: 'vip', to: 'payments', deadLetterSink: 'dead-letters', data: {id: 2}, count: 1})
    await expect(mesh).toHaveReplied({trigger: 'orders', type: 'com.example.order.accepted', data: {ok: true}})
    // 0.5 s doubled ten times: 511.5 s of waits, passed on the virtual clock
    expect(mesh.clock.now() - started).toBeGreaterThanOrEqual(511_500)
    expect(mesh.requests('payments')).toHaveLength(11)
    expect(mesh.received('dead-letters')[0]?.extensions).toMatchObject({knativeerrorcode: '503'})
  })

  it('tells failed deliveries (no dead-letter sink) from dead-lettered ones, and .not with a count asks for another number', async () => {
    const mesh = await useMesh(MANIFESTS, {subscribers: {'order-processor': {status: 500}, payments: {}, 'dead-letters': {}}})
    await mesh.send({type: 'com.example.order.created', data: {id: 9}})
    await expect(mesh).toHaveFailed({trigger: 'orders', to: 'order-processor', count: 1})
    await expect(mesh).not.toHaveDeadLettered()
    await expect(mesh).not.toHaveReplied()
    await expect(mesh).not.toHaveDelivered({to: 'payments', count: 2})
    const message = await failure(expect(mesh).not.toHaveDelivered({to: 'payments', count: 1}))
    expect(message).toBe('expected not delivered to payments ×1, but the mesh made exactly 1')
    const failed = await failure(expect(mesh).not.toHaveFailed({trigger: 'orders'}))
    expect(failed.split('\n')[0]).toBe('expected failed by trigger orders ×0, but the mesh made 1 such delivery')
  })

  it('checks a whole expect step as a test file writes it: several outcomes, inOrder and within', async () => {
    const mesh = await useMesh(MANIFESTS, {subscribers: {'order-processor': {}, payments: {status: 503}, 'dead-letters': {}}})
    await mesh.send({type: 'com.example.order.created', data: {id: 10}})
    await expect(mesh).toMeetExpectations({
      delivered: {to: 'order-processor'},
      deadLettered: {trigger: 'vip', count: 1},
      notDelivered: {to: 'payments'},
    })
    await expect(mesh).toMeetExpectations({delivered: {to: 'order-processor'}, deadLettered: {trigger: 'vip'}, inOrder: true})
    const order = await failure(
      expect(mesh).toMeetExpectations({deadLettered: {trigger: 'vip'}, delivered: {to: 'order-processor'}, inOrder: true}),
    )
    expect(order.split('\n')[0]).toBe(
      'expected in order: delivered to order-processor after dead-lettered by trigger vip, but it happened before',
    )
    await expect(mesh).not.toMeetExpectations({deadLettered: {trigger: 'vip'}, within: '1m'})
    await expect(expect(mesh).toMeetExpectations({delivred: {}} as never)).rejects.toThrow(
      'toMeetExpectations: delivred: unknown field (did you mean delivered?)',
    )
  })

  it('counts only what happened within a bound after the last send', async () => {
    const mesh = await useMesh(MANIFESTS, {subscribers: {'order-processor': {}, payments: {failFirst: 3}, 'dead-letters': {}}})
    await mesh.send({type: 'com.example.order.created', data: {id: 4}})
    // retries at 0.5, 1 and 2 s after the failures: the fourth attempt (at 3.5 s) succeeds
    await expect(mesh).not.toHaveDelivered({to: 'payments', within: '3s'})
    await expect(mesh).toHaveDelivered({to: 'payments', within: '4s'})
    await expect(expect(mesh).toHaveDelivered({to: 'payments', within: 'later'})).rejects.toThrow('within: must be a duration')
  })

  it('fails with the expected outcome, the event’s path and the nearest candidates', async () => {
    const mesh = await useMesh(MANIFESTS, {subscribers: {'order-processor': {}, payments: {}, 'dead-letters': {}, audit: {}}})
    await mesh.send({type: 'com.example.order.created', id: 'o-5', data: {id: 5}})
    const message = await failure(expect(mesh).toHaveDelivered({to: 'audit', type: 'com.example.order.created'}))
    expect(message.split('\n')).toEqual(
      expect.arrayContaining([
        'expected delivered to audit: com.example.order.created, but the mesh made no such delivery',
        'what the mesh did with the event:',
        '  arrival 1: com.example.order.created id=o-5 at broker default/default data {"id":5}',
        '    → default/orders → order-processor attempt 1: HTTP 202',
        '    default/vip: delivered',
        'nearest candidates:',
        '  delivered to order-processor (trigger default/orders, arrival 1, com.example.order.created, 1 attempt)',
        '    to: want audit, saw order-processor',
      ]),
    )
    // the trigger whose filter did not pass says why
    expect(message).toMatch(
      /trigger default\/audit → .*\n\s+NOT DELIVERED \(fail\)[\s\S]*✗ type: want "com\.example\.order\.cancelled", saw "com\.example\.order\.created"/,
    )
    const not = await failure(expect(mesh).not.toHaveDelivered({to: 'payments'}))
    expect(not.split('\n').slice(0, 2)).toEqual([
      'expected not delivered to payments, but the mesh delivered 1 such event',
      'what the mesh did:',
    ])
    const count = await failure(expect(mesh).toHaveDelivered({to: 'payments', count: 2}))
    expect(count).toContain('expected delivered to payments ×2, but the mesh made 1 such delivery')
    const routed = await failure(expect(mesh).toHaveRouted({type: 'com.example.order.created'}, {to: ['orders']}))
    expect(routed.split('\n').slice(0, 3)).toEqual([
      'expected com.example.order.created routed to trigger orders, but it reached default/orders, default/vip',
      'what the mesh did with the event:',
      '  arrival 1: com.example.order.created id=o-5 at broker default/default data {"id":5}',
    ])
    const none = await failure(expect(mesh).toHaveRouted({type: 'com.example.order.shipped'}, {to: []}))
    expect(none).toContain(
      'expected com.example.order.shipped routed to no trigger, but no event that has the attributes asked for arrived at a broker',
    )
  })

  it('fails with the same lines kne test prints for the same test', async () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'manifests.yaml'), MANIFESTS)
    const file = join(dir, 'orders.kne.yaml')
    writeFileSync(
      file,
      [
        'name: an order reaches audit',
        'manifests: [manifests.yaml]',
        'subscribers: {order-processor: {}, payments: {failFirst: 1}, dead-letters: {}, audit: {}}',
        'steps:',
        '  - send: {broker: default, type: com.example.order.created, id: o-6, data: {id: 6}}',
        '  - expect:',
        '      deadLettered: {to: payments, type: com.example.order.created}',
      ].join('\n'),
    )
    const run = await runFlowTests({paths: [file], cwd: dir})
    const printed = run.tests[0]!.failure!
    const mesh = await useMesh(MANIFESTS, {subscribers: {'order-processor': {}, payments: {failFirst: 1}, 'dead-letters': {}, audit: {}}})
    await mesh.send({type: 'com.example.order.created', id: 'o-6', data: {id: 6}})
    const message = await failure(expect(mesh).toHaveDeadLettered({to: 'payments', type: 'com.example.order.created'}))
    expect(message).toBe([printed.message, ...printed.details].join('\n'))
  })

  it('refuses what it cannot check with the field, and a value that is not a mesh', async () => {
    const mesh = await useMesh(MANIFESTS, {subscribers: {payments: {}}})
    await expect(expect(mesh).toHaveDelivered({tpye: 'x'} as never)).rejects.toThrow(
      'toHaveDelivered: tpye: unknown field (did you mean type?)',
    )
    await expect(expect({url: 'x'} as unknown as KneTestMesh).toHaveDelivered({})).rejects.toThrow(
      'toHaveDelivered: expect() takes the mesh useMesh returned, got Object',
    )
    await expect(expect(mesh).toHaveRouted({type: 'x'}, {} as never)).rejects.toThrow(
      'toHaveRouted: the second argument names the triggers',
    )
  })

  it('runs on the wall clock with realTime', async () => {
    const mesh = await useMesh(MANIFESTS, {
      realTime: true,
      subscribers: {'order-processor': {}, payments: {failFirst: 1}, 'dead-letters': {}},
    })
    expect(mesh.clock.constructor.name).not.toBe('VirtualClock')
    await mesh.send({type: 'com.example.order.created', data: {id: 7}})
    await expect(mesh).toHaveDelivered({to: 'payments', count: 1})
  })
})

describe("matchers on Jest's expect", () => {
  it('pass and fail as on vitest, with the same message', async () => {
    const mesh = await useMesh(MANIFESTS, {subscribers: {'order-processor': {}, payments: {status: 503}, 'dead-letters': {}, audit: {}}})
    await mesh.send({type: 'com.example.order.created', id: 'o-8', data: {id: 8}})
    await jestExpect(mesh).toHaveDeadLettered({trigger: 'vip', count: 1})
    await jestExpect(mesh).toHaveDelivered({to: 'order-processor', data: {id: 8}})
    await jestExpect(mesh).not.toHaveDelivered({to: 'audit'})
    await jestExpect(mesh).toHaveRouted({type: 'com.example.order.created'}, {to: ['orders', 'vip']})
    const jest = await failure(jestExpect(mesh).toHaveDelivered({to: 'payments'}))
    const vitest = await failure(expect(mesh).toHaveDelivered({to: 'payments'}))
    expect(jest).toBe(vitest)
    expect(jest).toContain('expected delivered to payments, but the mesh made no such delivery\nwhat the mesh did with the event:')
    expect(await failure(jestExpect(mesh).not.toHaveDeadLettered({trigger: 'vip'}))).toBe(
      await failure(expect(mesh).not.toHaveDeadLettered({trigger: 'vip'})),
    )
  })
})

describe('closing', () => {
  it('closes a failed test’s mesh and stand-ins: vitest with globals finds onTestFinished, no hooks passed', async () => {
    const exitCode = process.exitCode // the inner run fails one test on purpose and would mark this process failed
    const vitest = await startVitest('test', [], {
      config: false,
      cache: false,
      globals: true,
      pool: 'threads',
      root: repoRoot,
      watch: false,
      include: ['test/fixtures/kne-testing/failing-test.ts'],
      reporters: [{}],
      sequence: {shuffle: false},
    })
    try {
      const [file] = vitest.state.getFiles()
      const outcome = (task: {name: string; result?: {state?: string; errors?: {message: string}[]}}) => [
        task.name,
        task.result?.state,
        task.result?.errors?.[0]?.message.split('\n')[0],
      ]
      expect(file!.tasks.map(outcome)).toEqual([
        [
          'opens a mesh with a stand-in, then fails',
          'fail',
          'expected delivered to payments: com.example.order.shipped, but the mesh made no such delivery',
        ],
        ['finds the mesh and the stand-in refusing connections', 'pass', undefined],
      ])
    } finally {
      await vitest.close()
      process.exitCode = exitCode
    }
  })

  it('closes the meshes made in a test with the afterEach it registers (jest has no onTestFinished), and closes once', async () => {
    const afterEach: (() => unknown)[] = []
    const mesh = await useMesh(MANIFESTS, {subscribers: {payments: {}}, hooks: {afterEach: (fn) => afterEach.push(fn)}})
    expect(mesh).toBeInstanceOf(KneTestMesh)
    const health = `${mesh.url}/_kne/v1/health`
    const standIn = mesh.subscribers.payments!
    expect((await fetch(health)).ok).toBe(true)
    expect(afterEach).toHaveLength(1)
    await Promise.all([afterEach[0]!(), mesh.close()])
    await expect(fetch(health)).rejects.toThrow('fetch failed')
    await expect(fetch(standIn)).rejects.toThrow('fetch failed')
  })
})

describe('kne/testing as a package', () => {
  it('resolves through the export map to the built dist, runs a mesh and a matcher there, and closes the mesh with jest-style globals', async () => {
    // jest's globals: the afterEach kne/testing registers as it loads closes the test's meshes, not a beforeAll's
    const script = `
      const afterEach = []
      globalThis.afterEach = (fn) => afterEach.push(fn)
      let currentTestName
      globalThis.expect = {getState: () => ({currentTestName})}
      const testing = await import('kne/testing')
      const shared = await testing.useMesh(${JSON.stringify(MANIFESTS)}) // as in a beforeAll: no test is running
      currentTestName = 'a test'
      const mesh = await testing.useMesh(${JSON.stringify(MANIFESTS)}, {subscribers: {payments: {}}})
      await mesh.send({type: 'com.example.order.created'})
      const result = await testing.kneMatchers.toHaveDelivered.call({isNot: false}, mesh, {to: 'payments'})
      const health = mesh.url + '/_kne/v1/health'
      await Promise.all(afterEach.map((fn) => fn()))
      const closed = await fetch(health).then(() => false, () => true)
      const sharedOpen = (await fetch(shared.url + '/_kne/v1/health')).ok
      await shared.close()
      console.log(JSON.stringify({
        afterEach: afterEach.length,
        closed,
        sharedOpen,
        from: import.meta.resolve('kne/testing'),
        types: [import.meta.resolve('kne/testing/vitest'), import.meta.resolve('kne/testing/jest')],
        exports: Object.keys(testing).sort(),
        pass: result.pass,
      }))
      await mesh.close()`
    const {stdout} = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {cwd: repoRoot})
    const out = JSON.parse(stdout) as {
      afterEach: number
      closed: boolean
      sharedOpen: boolean
      from: string
      types: string[]
      exports: string[]
      pass: boolean
    }
    expect(out.from).toBe(`file://${join(repoRoot, 'dist', 'testing', 'index.js')}`)
    expect(out.types).toEqual([`file://${join(repoRoot, 'dist/testing/vitest.js')}`, `file://${join(repoRoot, 'dist/testing/jest.js')}`])
    expect(out.exports).toEqual(expect.arrayContaining(['KneTestMesh', 'kneMatchers', 'setupKneMatchers', 'useMesh']))
    expect(out).toMatchObject({pass: true, afterEach: 1, closed: true, sharedOpen: true})
    for (const types of ['index', 'vitest', 'jest'])
      expect(readFileSync(join(repoRoot, 'dist', 'testing', `${types}.d.ts`), 'utf8')).not.toBe('')
  })

  it('imports no test framework at run time', () => {
    for (const file of ['index', 'use-mesh', 'matchers', 'vitest', 'jest']) {
      const text = readFileSync(join(repoRoot, 'src', 'testing', `${file}.ts`), 'utf8')
      const imports = [...text.matchAll(/^import (type )?.*from '([^']+)'/gm)].filter(
        (m) => !m[2]!.startsWith('.') && !m[2]!.startsWith('node:'),
      )
      expect(imports.filter((m) => m[1] === undefined).map((m) => `${file}: ${m[2]}`)).toEqual([])
    }
  })
})
