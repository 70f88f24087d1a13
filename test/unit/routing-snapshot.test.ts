// Routing snapshots without a mesh or a file: which triggers each event reaches and why, the YAML they are
// written as (and read back from), and the sentences a change of routing becomes.
import {describe, expect, it} from 'vitest'
import type {CloudEvent} from '../../src/core/cloudevent.js'
import {KneError} from '../../src/core/errors.js'
import {buildRegistry} from '../../src/core/registry/index.js'
import {parseManifests} from '../../src/core/resources/parse.js'
import {
  computeRoutingSnapshot,
  defaultSnapshotInputs,
  diffRoutingSnapshots,
  parseRoutingSnapshot,
  parseSnapshotStep,
  renderRoutingSnapshot,
  type RoutingSnapshot,
  type SnapshotInput,
} from '../../src/core/routing-snapshot.js'
import {compileTopology} from '../../src/core/topology.js'

const SERVICES = {billing: 'http://127.0.0.1:9001', audit: 'http://127.0.0.1:9002', enrich: 'http://127.0.0.1:9003'}

function broker(name: string, namespace = 'default'): string {
  return `apiVersion: eventing.knative.dev/v1
kind: Broker
metadata: {name: ${name}, namespace: ${namespace}}
`
}

function trigger(name: string, filter: string, options: {broker?: string; subscriber?: string} = {}): string {
  return `apiVersion: eventing.knative.dev/v1
kind: Trigger
metadata: {name: ${name}}
spec:
  broker: ${options.broker ?? 'default'}
${filter
  .split('\n')
  .filter(Boolean)
  .map((l) => `  ${l}`)
  .join('\n')}
  subscriber: ${options.subscriber ?? `{ref: {apiVersion: v1, kind: Service, name: ${name === 'audit' ? 'audit' : 'billing'}}}`}
`
}

function snapshot(documents: string[], inputs: SnapshotInput[] = [orderCreated()]): RoutingSnapshot {
  const parsed = parseManifests(documents.join('---\n'), 'test.yaml')
  expect(parsed.errors).toEqual([])
  return computeRoutingSnapshot(compileTopology(parsed.resources, {meshUrl: 'http://127.0.0.1:8080', services: SERVICES}), inputs)
}

function event(type: string, source = '/shop', extensions: Record<string, string> = {}): SnapshotInput {
  const e: CloudEvent = {specversion: '1.0', id: 'x', type, source, extensions}
  return {event: e}
}

const orderCreated = (): SnapshotInput => event('com.example.order.created')

const BILLING = trigger('billing', 'filter: {attributes: {type: com.example.order.created}}')
const AUDIT = trigger('audit', 'filters: [{prefix: {type: com.example.audit.}}]')

describe('computing a routing snapshot', () => {
  it('records per broker the triggers an event reaches with the filter that decided, and the ones it misses with why', () => {
    const shot = snapshot([broker('default'), BILLING, AUDIT])
    expect(shot.events).toEqual([
      {
        type: 'com.example.order.created',
        source: '/shop',
        brokers: [
          {
            broker: 'default',
            reaches: [{trigger: 'billing', filter: {attributes: {type: 'com.example.order.created'}}, subscriber: 'svc:billing'}],
            misses: [
              {
                trigger: 'audit',
                filter: {filters: [{prefix: {type: 'com.example.audit.'}}]},
                why: 'type "com.example.order.created" does not start with "com.example.audit."',
              },
            ],
          },
        ],
      },
    ])
  })

  it('explains the decision of each dialect: attributes, exact, suffix, CESQL, all, any, not, and no filter', () => {
    const triggers = [
      trigger('t-attributes', 'filter: {attributes: {type: com.example.order.created, tier: gold}}'),
      trigger('t-exact', 'filters: [{exact: {source: /billing}}]'),
      trigger('t-suffix', 'filters: [{suffix: {type: .deleted}}]'),
      trigger('t-cesql', `filters: [{cesql: "tier = 'gold'"}]`),
      trigger('t-any', 'filters: [{any: [{exact: {type: a}}, {exact: {type: b}}]}]'),
      trigger('t-not', 'filters: [{not: {prefix: {type: com.example.}}}]'),
      trigger('t-all', 'filters: [{all: [{prefix: {type: com.}}, {exact: {subject: x}}]}]'),
      trigger('t-none', ''),
    ]
    const shot = snapshot([broker('default'), ...triggers], [event('com.example.order.created', '/shop', {tier: 'silver'})])
    const [only] = shot.events[0]!.brokers
    expect(only!.reaches.map((r) => [r.trigger, r.filter])).toEqual([['t-none', 'none']])
    expect(Object.fromEntries(only!.misses.map((m) => [m.trigger, m.why]))).toEqual({
      't-all': 'subject is "", not "x"',
      't-any': 'any: none matches (type is "com.example.order.created", not "a"; type is "com.example.order.created", not "b")',
      't-attributes': 'tier is "silver", not "gold"',
      't-cesql': `cesql "tier = 'gold'" is false`,
      't-exact': 'source is "/shop", not "/billing"',
      't-not': 'not: the inner filter matches',
      't-suffix': 'type "com.example.order.created" does not end with ".deleted"',
    })
  })

  it('follows a trigger into a Sequence, a Parallel and a channel: the steps and branches the event goes to', () => {
    const flows = `apiVersion: flows.knative.dev/v1
kind: Sequence
metadata: {name: enrich}
spec:
  steps: [{ref: {apiVersion: v1, kind: Service, name: enrich}}, {ref: {apiVersion: v1, kind: Service, name: billing}}]
---
apiVersion: flows.knative.dev/v1
kind: Parallel
metadata: {name: fan}
spec:
  branches:
    - {filter: {ref: {apiVersion: v1, kind: Service, name: enrich}}, subscriber: {ref: {apiVersion: v1, kind: Service, name: billing}}}
    - {subscriber: {ref: {apiVersion: v1, kind: Service, name: audit}}}
---
apiVersion: messaging.knative.dev/v1
kind: InMemoryChannel
metadata: {name: orders}
---
apiVersion: messaging.knative.dev/v1
kind: Subscription
metadata: {name: to-audit}
spec:
  channel: {apiVersion: messaging.knative.dev/v1, kind: InMemoryChannel, name: orders}
  subscriber: {ref: {apiVersion: v1, kind: Service, name: audit}}
`
    const shot = snapshot([
      broker('default'),
      flows,
      trigger('to-sequence', '', {subscriber: '{ref: {apiVersion: flows.knative.dev/v1, kind: Sequence, name: enrich}}'}),
      trigger('to-parallel', '', {subscriber: '{ref: {apiVersion: flows.knative.dev/v1, kind: Parallel, name: fan}}'}),
      trigger('to-channel', '', {subscriber: '{ref: {apiVersion: messaging.knative.dev/v1, kind: InMemoryChannel, name: orders}}'}),
    ])
    const then = Object.fromEntries(shot.events[0]!.brokers[0]!.reaches.map((r) => [r.trigger, r.then]))
    expect(then).toEqual({
      'to-sequence': ['Sequence enrich: step 0 svc:enrich'],
      'to-parallel': [
        'Parallel fan: branch 0 filter svc:enrich',
        'Parallel fan: branch 1 (no filter: every event)',
        'Parallel fan: branch 1 svc:audit',
      ],
      'to-channel': ['InMemoryChannel orders: subscription to-audit → svc:audit'],
    })
  })

  it('says a loop once instead of following it: a trigger back to its broker, a channel subscribed to itself', () => {
    const channel = `apiVersion: messaging.knative.dev/v1
kind: InMemoryChannel
metadata: {name: round}
---
apiVersion: messaging.knative.dev/v1
kind: Subscription
metadata: {name: again}
spec:
  channel: {apiVersion: messaging.knative.dev/v1, kind: InMemoryChannel, name: round}
  subscriber: {ref: {apiVersion: messaging.knative.dev/v1, kind: InMemoryChannel, name: round}}
`
    const shot = snapshot([
      broker('default'),
      channel,
      trigger('back', '', {subscriber: '{ref: {apiVersion: eventing.knative.dev/v1, kind: Broker, name: default}}'}),
      trigger('round', '', {subscriber: '{ref: {apiVersion: messaging.knative.dev/v1, kind: InMemoryChannel, name: round}}'}),
    ])
    expect(Object.fromEntries(shot.events[0]!.brokers[0]!.reaches.map((r) => [r.trigger, r.then]))).toEqual({
      back: ['broker default again: a loop, not followed'],
      round: ['InMemoryChannel round: subscription again → inmemorychannel:round', 'channel round again: a loop, not followed'],
    })
  })

  it('routes an event recorded on a channel to its subscriptions, and one recorded on a broker only there', () => {
    const channel = `apiVersion: messaging.knative.dev/v1
kind: InMemoryChannel
metadata: {name: orders}
---
apiVersion: messaging.knative.dev/v1
kind: Subscription
metadata: {name: to-audit}
spec:
  channel: {apiVersion: messaging.knative.dev/v1, kind: InMemoryChannel, name: orders}
  subscriber: {uri: http://127.0.0.1:9002}
`
    const shot = snapshot(
      [broker('default'), broker('other'), channel, BILLING],
      [
        {...event('on.channel'), channel: 'default/orders'},
        {...orderCreated(), broker: 'default/default'},
      ],
    )
    expect(shot.events.map((e) => [e.type, e.brokers.map((b) => b.broker), e.channels])).toEqual([
      ['com.example.order.created', ['default'], undefined],
      ['on.channel', [], [{channel: 'orders', reaches: [{subscription: 'to-audit', subscriber: 'http://127.0.0.1:9002'}]}]],
    ])
  })

  it('records events with the same attributes once, in a stable order whatever order they came in', () => {
    const a = snapshot([broker('default'), BILLING], [event('b.type'), event('a.type'), event('b.type'), event('a.type', '/other')])
    const b = snapshot([broker('default'), BILLING], [event('a.type', '/other'), event('a.type'), event('b.type')])
    expect(a).toEqual(b)
    expect(a.events.map((e) => `${e.type} ${e.source}`)).toEqual(['a.type /other', 'a.type /shop', 'b.type /shop'])
  })
})

describe('the events a snapshot routes by default', () => {
  it('one per registry entry where its EventType says it arrives, then one per type a trigger requires that the registry lacks', () => {
    const eventType = `apiVersion: eventing.knative.dev/v1beta2
kind: EventType
metadata: {name: created}
spec:
  type: com.example.order.created
  source: /shop
  reference: {apiVersion: eventing.knative.dev/v1, kind: Broker, name: default}
`
    const parsed = parseManifests(
      [
        broker('default'),
        broker('other'),
        eventType,
        BILLING,
        trigger('refunds', 'filters: [{exact: {type: com.example.refund, source: /pay}}]', {broker: 'other'}),
      ].join('---\n'),
      't.yaml',
    )
    const topology = compileTopology(parsed.resources, {meshUrl: 'http://127.0.0.1:8080', services: SERVICES})
    const inputs = defaultSnapshotInputs(buildRegistry({resources: parsed.resources}).entries, topology)
    expect(inputs.map((i) => [i.event.type, i.event.source, i.broker])).toEqual([
      ['com.example.order.created', '/shop', 'default/default'],
      ['com.example.refund', '/pay', 'default/other'],
    ])
  })
})

describe('the snapshot file', () => {
  it('reads back what it writes, and a snapshot compared with itself has no changes', () => {
    const shot = snapshot(
      [broker('default'), BILLING, AUDIT, trigger('cel', `filters: [{cesql: "source LIKE '/sh%'"}]`)],
      [orderCreated(), event('com.example.audit.log', '/audit', {tier: '1.0'})],
    )
    const text = renderRoutingSnapshot(shot)
    expect(text).toContain('filter: {attributes: {type: com.example.order.created}}')
    expect(text).not.toMatch(/[&*]a\d/) // no YAML anchors: every entry reads on its own
    const read = parseRoutingSnapshot(text, 'routing.snap.yaml')
    expect(read).toEqual(shot)
    expect(diffRoutingSnapshots(read, shot)).toEqual({changes: [], notes: []})
    expect(renderRoutingSnapshot(read)).toBe(text)
  })

  it('refuses a file that is not a snapshot, naming the file and the field', () => {
    const bad = (text: string): string => {
      try {
        parseRoutingSnapshot(text, 'r.snap.yaml')
      } catch (error) {
        expect(error).toBeInstanceOf(KneError)
        expect((error as KneError).code).toBe('SNAPSHOT_FILE')
        return (error as Error).message
      }
      throw new Error('parsed')
    }
    expect(bad('events: [{type: a}]')).toMatch(/^r\.snap\.yaml: events\[0\]\.source: expected a text value/)
    expect(bad('events: [{type: a, source: b, brokers: [{broker: x, reaches: [1], misses: []}]}]')).toMatch(
      /events\[0\]\.brokers\[0\]\.reaches\[0\]: expected a mapping/,
    )
    expect(
      bad('events: [{type: a, source: b, brokers: [{broker: x, reaches: [{trigger: t, subscriber: s, then: [{}]}], misses: []}]}]'),
    ).toMatch(/events\[0\]\.brokers\[0\]\.reaches\[0\]\.then: expected a list of text lines/)
    expect(bad('events: [{type: a, source: b, brokers: [], channels: [{channel: c, reaches: [{subscription: s}]}]}]')).toMatch(
      /events\[0\]\.channels\[0\]\.reaches\[0\]\.subscriber: expected a text value/,
    )
    expect(bad('[1, 2]')).toMatch(/expected a mapping with an events list/)
    expect(bad('events: [')).toMatch(/^r\.snap\.yaml: invalid YAML: /)
    expect(bad('a: &x {b: 1}\nevents: [*x]')).toMatch(/invalid YAML: .*alias/i)
  })
})

describe('what changed', () => {
  const before = snapshot([broker('default'), BILLING, AUDIT])

  it('a filter change that stops an event reaching a trigger names the trigger and the filter field, was and now', () => {
    const after = snapshot([broker('default'), trigger('billing', 'filter: {attributes: {type: com.example.order.updated}}'), AUDIT])
    expect(diffRoutingSnapshots(before, after).changes).toEqual([
      'com.example.order.created no longer reaches trigger billing (filter type changed: was com.example.order.created, now com.example.order.updated)',
      'com.example.order.created now reaches nothing at all',
    ])
  })

  it('a trigger removed, and a trigger added', () => {
    expect(diffRoutingSnapshots(before, snapshot([broker('default'), AUDIT])).changes).toEqual([
      'com.example.order.created no longer reaches trigger billing: the trigger is gone',
      'com.example.order.created now reaches nothing at all',
    ])
    const added = snapshot([broker('default'), BILLING, AUDIT, trigger('everything', '', {subscriber: '{uri: http://127.0.0.1:9002}'})])
    expect(diffRoutingSnapshots(before, added).changes).toEqual([
      'com.example.order.created now reaches trigger everything (a new trigger without a filter)',
    ])
  })

  it('a broker renamed: the event no longer reaches the trigger there, which is now on the new broker', () => {
    const after = snapshot([
      broker('main'),
      trigger('billing', 'filter: {attributes: {type: com.example.order.created}}', {broker: 'main'}),
      trigger('audit', 'filters: [{prefix: {type: com.example.audit.}}]', {broker: 'main'}),
    ])
    expect(diffRoutingSnapshots(before, after).changes).toEqual([
      'com.example.order.created no longer reaches trigger billing: broker default is gone; trigger billing is now on broker main',
    ])
  })

  it('an event type that no longer reaches anything, and one that is new', () => {
    const was = snapshot([broker('default'), BILLING, AUDIT], [orderCreated(), event('com.example.audit.log')])
    const now = snapshot(
      [broker('default'), BILLING, trigger('audit', 'filters: [{prefix: {type: com.example.audits.}}]')],
      [orderCreated(), event('com.example.audit.log'), event('com.example.refund')],
    )
    expect(diffRoutingSnapshots(was, now).changes).toEqual([
      'com.example.audit.log no longer reaches trigger audit (filter prefix type changed: was com.example.audit., now com.example.audits.)',
      'com.example.audit.log now reaches nothing at all',
      'com.example.refund is a new event in the snapshot: it reaches nothing',
    ])
  })

  it('a CESQL expression changed so that an event now reaches the trigger', () => {
    const was = snapshot([broker('default'), trigger('cel', `filters: [{cesql: "source = '/billing'"}]`)])
    const now = snapshot([broker('default'), trigger('cel', `filters: [{cesql: "source = '/shop'"}]`)])
    expect(diffRoutingSnapshots(was, now).changes).toEqual([
      `com.example.order.created now reaches trigger cel (filter cesql changed: was source = '/billing', now source = '/shop')`,
    ])
  })

  it('a trigger moved from spec.filter to spec.filters still reaches the event, by a changed filter', () => {
    const now = snapshot([broker('default'), trigger('billing', 'filters: [{exact: {type: com.example.order.created}}]'), AUDIT])
    expect(diffRoutingSnapshots(before, now).changes).toEqual([
      'com.example.order.created still reaches trigger billing, by a changed filter (filter type removed (was com.example.order.created); filter type added: com.example.order.created)',
    ])
  })

  it('a new subscriber for a reached trigger is a change; a trigger the event misses, added or refiltered, is only a note', () => {
    const now = snapshot([
      broker('default'),
      trigger('billing', 'filter: {attributes: {type: com.example.order.created}}', {subscriber: '{uri: http://127.0.0.1:9009}'}),
      trigger('audit', 'filters: [{prefix: {type: com.example.audit.v2.}}]'),
      trigger('refunds', 'filter: {attributes: {type: com.example.refund}}'),
    ])
    expect(diffRoutingSnapshots(before, now)).toEqual({
      changes: ['com.example.order.created reaches trigger billing, which now delivers to http://127.0.0.1:9009 (was svc:billing)'],
      notes: [
        'com.example.order.created still does not reach trigger audit (filter prefix type changed: was com.example.audit., now com.example.audit.v2.)',
        'com.example.order.created does not reach trigger refunds, a new trigger (type is "com.example.order.created", not "com.example.refund")',
      ],
    })
  })
})

describe('the snapshot step of a flow test', () => {
  it('takes {file, events?} or a file name, and names the field that is wrong', () => {
    expect(parseSnapshotStep({file: 'r.snap.yaml', events: 'events.yaml'}, 'steps[2].snapshot')).toEqual({
      kind: 'snapshot',
      file: 'r.snap.yaml',
      events: 'events.yaml',
    })
    expect(parseSnapshotStep('r.snap.yaml', 'steps[0].snapshot')).toEqual({kind: 'snapshot', file: 'r.snap.yaml'})
    expect(parseSnapshotStep({file: 'r', event: 'x'}, 'steps[1].snapshot')).toEqual({
      error: {field: 'steps[1].snapshot.event', message: 'unknown field (did you mean events?): expected file, events'},
    })
    expect(parseSnapshotStep({events: 'x'}, 'steps[1].snapshot')).toEqual({
      error: {field: 'steps[1].snapshot.file', message: 'expected the snapshot file name'},
    })
  })
})
