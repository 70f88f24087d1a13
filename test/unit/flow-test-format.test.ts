// The test file format: what a valid file reads as, and every problem located by document, step and field.
import {describe, expect, it} from 'vitest'
import {describeProblem, parseFlowTests} from '../../src/core/flow-test/format.js'

const problems = (text: string): string[] => parseFlowTests(text, 'orders.kne.yaml').problems.map((p) => describeProblem(p))

describe('flow test format', () => {
  it("reads the issue's example: stand-ins, a send and expectations with within", () => {
    const {tests, problems} = parseFlowTests(
      `name: orders are routed and failures dead-lettered
manifests: [../knative]
subscribers:
  order-processor: {status: 200}
  payments: {failFirst: 2, delay: 500ms}
  dead-letters: {}
  http://audit.example.com/in: {reply: {type: com.example.audited, data: {ok: true}}}
steps:
  - send: {broker: default, type: com.example.order.created, source: /test, data: {id: 1}, extensions: {tenant: acme}}
  - expect:
      delivered: {to: order-processor, type: com.example.order.created, data: {id: 1}}
  - expect:
      deadLettered: {trigger: vip, count: 1}
  - expect:
      notDelivered: {to: audit}
      within: 2s
  - wait: PT1M
`,
      'orders.kne.yaml',
    )
    expect(problems).toEqual([])
    expect(tests).toHaveLength(1)
    const [test] = tests
    expect(test!.manifests).toEqual(['../knative'])
    expect(test!.subscribers).toEqual({
      'order-processor': {status: 200},
      payments: {failFirst: 2, delayMs: 500},
      'dead-letters': {},
      'http://audit.example.com/in': {reply: {type: 'com.example.audited', data: '{"ok":true}'}},
    })
    expect(test!.steps).toEqual([
      {
        kind: 'send',
        to: 'broker:default',
        type: 'com.example.order.created',
        source: '/test',
        data: '{"id":1}',
        extensions: {tenant: 'acme'},
      },
      {
        kind: 'expect',
        inOrder: false,
        expectations: [{kind: 'delivered', to: 'order-processor', type: 'com.example.order.created', data: {id: 1}}],
      },
      {kind: 'expect', inOrder: false, expectations: [{kind: 'deadLettered', trigger: 'vip', count: 1}]},
      {kind: 'expect', inOrder: false, withinMs: 2000, expectations: [{kind: 'notDelivered', to: 'audit'}]},
      {kind: 'wait', ms: 60_000},
    ])
  })

  it('reads several tests from one file, one per YAML document, and lists of expectations in order', () => {
    const {tests, problems} = parseFlowTests(
      `name: first
steps:
  - send: {channel: orders, type: a}
---
name: second
steps:
  - send: {to: "sequence:pipeline", type: b}
  - expect:
      inOrder: true
      delivered: [{to: step-1}, {to: step-2}]
`,
      'f.kne.yaml',
    )
    expect(problems).toEqual([])
    expect(tests.map((t) => [t.name, t.document])).toEqual([
      ['first', 1],
      ['second', 2],
    ])
    expect(tests[0]!.steps[0]).toMatchObject({to: 'channel:orders', source: '/kne-test'})
    expect(tests[1]!.steps[1]).toEqual({
      kind: 'expect',
      inOrder: true,
      expectations: [
        {kind: 'delivered', to: 'step-1'},
        {kind: 'delivered', to: 'step-2'},
      ],
    })
  })

  it('names the file, the step and the field of each problem, with "did you mean" for unknown fields', () => {
    expect(
      problems(`name: bad
subscriber: {}
steps:
  - send: {brokr: default, type: x}
  - expect:
      delivered: {to: a, tpye: x}
  - expect:
      deliverd: {to: a}
  - expect:
      notDelivered: {to: a, count: 2}
  - expect:
      delivered: {count: -1}
      within: soon
`),
    ).toEqual([
      'orders.kne.yaml, subscriber: unknown field (did you mean subscribers?): expected name, manifests, subscribers, steps',
      'orders.kne.yaml, step 1, steps[0].send.brokr: unknown field (did you mean broker?): expected broker, channel, to, type, source, id, subject, dataschema, datacontenttype, data, extensions',
      'orders.kne.yaml, step 2, steps[1].expect.delivered.tpye: unknown field (did you mean type?): expected to, trigger, subscription, broker, channel, count, type, source, id, subject, dataschema, datacontenttype, extensions, data',
      'orders.kne.yaml, step 3, steps[2].expect.deliverd: unknown field (did you mean delivered?): expected delivered, replied, deadLettered, failed, notDelivered, within, inOrder',
      'orders.kne.yaml, step 3, steps[2].expect: needs one or more of delivered, replied, deadLettered, failed, notDelivered',
      'orders.kne.yaml, step 4, steps[3].expect.notDelivered.count: unknown field: notDelivered means none',
      'orders.kne.yaml, step 5, steps[4].expect.delivered.count: must be a whole number >= 0, got -1',
      'orders.kne.yaml, step 5, steps[4].expect.within: must be a duration such as 2s, 500ms or PT2S, got "soon"',
    ])
  })

  it("checks stand-ins with kne sink's own rules, named by the file's fields", () => {
    expect(
      problems(`name: s
subscribers:
  a: {status: 200, failFirst: 1}
  b: {failRate: 3}
  c: {delay: forever}
  d: 5
  e: {reply: {type: ""}}
steps: [{wait: 1s}]
`),
    ).toEqual([
      'orders.kne.yaml, subscribers.a.status: with failFirst or failRate, status is the failing answer; use a status from 300 to 599',
      'orders.kne.yaml, subscribers.b.failRate: expected a number from 0 to 1, such as 0.3',
      'orders.kne.yaml, subscribers.c.delay: must be a duration such as 2s, 500ms or PT2S, got "forever"',
      'orders.kne.yaml, subscribers.d: must be a mapping of status, failFirst, failRate, seed, delay, retryAfter, reply ({} accepts everything)',
      'orders.kne.yaml, subscribers.e.reply.type: the reply would not be a valid CloudEvent: type: REQUIRED but missing or empty',
    ])
  })

  it('refuses a missing name or steps, a step with two kinds, bad extensions, and a duplicate name in another document', () => {
    expect(
      problems(`steps:
  - send: {broker: a, channel: b, type: x}
    wait: 1s
---
name: t
steps: []
---
name: t
steps:
  - send: {broker: a, type: x, extensions: {type: y, "Bad-Name": 1}}
---
- not a mapping
`),
    ).toEqual([
      'orders.kne.yaml, name: missing: every test has a name',
      'orders.kne.yaml, step 1, steps[0]: a step has one of send, wait, not several',
      'orders.kne.yaml (document 2), steps: must be a list of steps (send, expect, wait)',
      'orders.kne.yaml (document 3), step 1, steps[0].send.extensions.type: type is a CloudEvents attribute: give it as a field of its own',
      'orders.kne.yaml (document 3), step 1, steps[0].send.extensions.Bad-Name: an extension name has only lowercase letters and digits',
      'orders.kne.yaml (document 4): a test must be a mapping with name and steps',
      'orders.kne.yaml (document 3), name: "t" is the name of document 2 too',
    ])
  })

  it('reports YAML that does not parse, and a file with no test', () => {
    expect(problems('name: [unclosed\n')[0]).toMatch(/^orders\.kne\.yaml: invalid YAML/)
    expect(problems('')).toEqual(['orders.kne.yaml: no test in the file: expected name and steps'])
  })
})
