import {describe, expect, it} from 'vitest'
import type {CloudEvent} from '../../src/core/cloudevent.js'
import {buildRegistry, DEFAULT_OBSERVATION_LIMITS, ObservedTypes, type RegistryEntry} from '../../src/core/registry/index.js'
import {parseManifests} from '../../src/core/resources/parse.js'

function manifests(yaml: string) {
  const parsed = parseManifests(yaml, 'test.yaml')
  expect(parsed.errors).toEqual([])
  return parsed.resources
}

const BROKER = `apiVersion: eventing.knative.dev/v1
kind: Broker
metadata: {name: default}
---
`

function trigger(name: string, filter: string): string {
  return `apiVersion: eventing.knative.dev/v1
kind: Trigger
metadata: {name: ${name}}
spec:
  broker: default
${filter}
  subscriber: {uri: http://127.0.0.1:9999/${name}}
---
`
}

function event(type: string, extra: Partial<CloudEvent> = {}, data?: unknown): CloudEvent {
  return {
    specversion: '1.0',
    id: Math.random().toString(36).slice(2),
    source: '/shop',
    type,
    extensions: {},
    ...(data === undefined ? {} : {datacontenttype: 'application/json', data: Buffer.from(JSON.stringify(data))}),
    ...extra,
  }
}

function only(entries: RegistryEntry[], type: string): RegistryEntry {
  const found = entries.filter((e) => e.type === type)
  expect(found).toHaveLength(1)
  return found[0]!
}

describe("observing events (the mesh's eventtype auto-create)", () => {
  it('counts per type and broker, keeps first and last seen, sources, attributes, schema and one example', () => {
    const observed = new ObservedTypes()
    observed.record(event('com.example.order.created', {subject: 'o-1'}, {id: 1, total: 9.5}), {
      broker: 'default/default',
      via: 'ingress',
      at: '2024-01-01T00:00:00.000Z',
    })
    observed.record(
      event('com.example.order.created', {extensions: {knativearrivaltime: 'x', tenant: 'acme'}}, {id: 2, total: 3, coupon: 'A'}),
      {broker: 'default/default', via: 'ingress', at: '2024-01-01T00:00:05.000Z'},
    )
    const [type] = observed.list()
    expect(type).toMatchObject({
      type: 'com.example.order.created',
      reference: {kind: 'Broker', name: 'default', namespace: 'default'},
      count: 2,
      firstSeen: '2024-01-01T00:00:00.000Z',
      lastSeen: '2024-01-01T00:00:05.000Z',
      via: {ingress: 2, reply: 0},
      inferredFrom: 2,
    })
    expect(type!.sources).toEqual([{value: '/shop', count: 2}])
    expect(type!.attributes.find((a) => a.name === 'subject')).toEqual({name: 'subject', present: 1, values: ['o-1'], moreValues: false})
    expect(type!.attributes.find((a) => a.name === 'id')!.values).toEqual([]) // ids say nothing about the type
    expect(type!.attributes.some((a) => a.name === 'knativearrivaltime')).toBe(false) // the broker's, not the producer's
    expect(type!.schema).toHaveProperty('required', ['id', 'total'])
    expect(type!.example).toMatchObject({type: 'com.example.order.created', data: {id: 2, total: 3, coupon: 'A'}, tenant: 'acme'})
    expect(type!.example).not.toHaveProperty('knativearrivaltime')
  })

  it("registers a reply with the trigger as its reference (Knative's broker-filter auto-create)", () => {
    const observed = new ObservedTypes()
    observed.record(event('com.example.order.confirmed'), {
      broker: 'shop/orders',
      via: 'reply',
      replyTrigger: 'shop/confirm',
      at: '2024-01-01T00:00:00Z',
    })
    expect(observed.list()[0]).toMatchObject({
      reference: {kind: 'Trigger', name: 'confirm', namespace: 'shop'},
      broker: 'shop/orders',
      via: {ingress: 0, reply: 1},
    })
  })

  it('records events that enter a channel with the channel as their reference', () => {
    const observed = new ObservedTypes()
    observed.record(event('com.example.audit'), {channel: 'shop/audit-log', via: 'ingress', at: '2024-01-01T00:00:00Z'})
    const [type] = observed.list()
    expect(type!.reference).toEqual({apiVersion: 'messaging.knative.dev/v1', kind: 'Channel', name: 'audit-log', namespace: 'shop'})
    expect(type!.broker).toBeUndefined()
    const {entries} = buildRegistry({resources: [], observed: observed.list()})
    expect(entries[0]).toMatchObject({type: 'com.example.audit', namespace: 'shop', consumers: []})
  })

  it('classifies data: JSON into the schema, text, binary, none, invalid JSON, and too large to infer', () => {
    const observed = new ObservedTypes({...DEFAULT_OBSERVATION_LIMITS, maxInferenceBytes: 100, maxExampleBytes: 50})
    const at = {broker: 'default/default', via: 'ingress' as const, at: '2024-01-01T00:00:00Z'}
    observed.record(event('t', {}, {a: 1}), at)
    observed.record(event('t', {datacontenttype: 'text/plain', data: Buffer.from('hello')}), at)
    observed.record(event('t', {datacontenttype: 'application/octet-stream', data: Buffer.from([0xff, 0xfe])}), at)
    observed.record(event('t'), at)
    observed.record(event('t', {datacontenttype: 'application/json', data: Buffer.from('{not json')}), at)
    observed.record(event('t', {}, {big: 'x'.repeat(200)}), at)
    const [type] = observed.list()
    expect(type!.data).toEqual({json: 1, text: 1, binary: 1, none: 1, invalid: 1, skipped: 1})
    expect(type!.inferredFrom).toBe(1)
    // the latest example had data over the example limit: its attributes are kept, not its data
    expect(type!.example).not.toHaveProperty('data')
  })

  it("parses every event's data at first, then a sample of a busy type's", () => {
    const observed = new ObservedTypes({...DEFAULT_OBSERVATION_LIMITS, inferAll: 10, sampleEvery: 5})
    for (let i = 1; i <= 30; i++)
      observed.record(event('t', {}, {n: i}), {broker: 'default/default', via: 'ingress', at: '2024-01-01T00:00:00Z'})
    const [type] = observed.list()
    expect(type!.inferredFrom).toBe(14) // events 1-10, then 15, 20, 25, 30
    expect(type!.data).toMatchObject({json: 14, skipped: 16})
    expect(type!.count).toBe(30)
  })

  it('stays bounded: types, sources and attribute values', () => {
    const observed = new ObservedTypes({
      ...DEFAULT_OBSERVATION_LIMITS,
      maxTypes: 3,
      maxSourcesPerType: 2,
      maxAttributesPerType: 12,
      maxValuesPerAttribute: 2,
    })
    const at = {broker: 'default/default', via: 'ingress' as const, at: '2024-01-01T00:00:00Z'}
    for (let i = 0; i < 10; i++) observed.record(event(`t${i}`), at)
    expect(observed.size).toBe(3)
    expect(observed.dropped).toBe(7)
    for (let i = 0; i < 10; i++) observed.record(event('t0', {source: `/s/${i}`, subject: `s${i}`}), at)
    const t0 = observed.list().find((t) => t.type === 't0')!
    expect(t0.sources).toHaveLength(2)
    expect(t0.moreSources).toBe(true)
    expect(t0.attributes.find((a) => a.name === 'subject')).toMatchObject({values: ['s0', 's1'], moreValues: true})
  })
})

describe('building the registry: declared, source-provided and observed types', () => {
  it('reads v1beta2 and v1beta3 EventTypes, with schemaData as the declared schema', () => {
    const resources = manifests(`${BROKER}apiVersion: eventing.knative.dev/v1beta2
kind: EventType
metadata: {name: order-created}
spec:
  type: com.example.order.created
  source: /shop
  schema: https://schemas.example.com/order.json
  schemaData: '{"type": "object", "required": ["id"], "properties": {"id": {"type": "integer"}}}'
  description: An order was placed
  reference: {apiVersion: eventing.knative.dev/v1, kind: Broker, name: default}
---
apiVersion: eventing.knative.dev/v1beta3
kind: EventType
metadata: {name: order-paid}
spec:
  reference: {apiVersion: eventing.knative.dev/v1, kind: Broker, name: default}
  attributes:
  - {name: type, required: true, value: com.example.order.paid}
  - {name: source, required: true, value: '/shop/{region}'}
  - {name: specversion, required: true, value: '1.0'}
  - {name: id, required: true}
  - {name: tenant, required: true, value: acme}
`)
    const {entries} = buildRegistry({resources})
    const created = only(entries, 'com.example.order.created')
    expect(created).toMatchObject({
      origins: ['declared'],
      source: '/shop',
      description: 'An order was placed',
      schemaOrigin: 'declared',
      schemaUrl: 'https://schemas.example.com/order.json',
      broker: 'default/default',
      reference: {kind: 'Broker', name: 'default'},
    })
    expect(created.schema).toMatchObject({required: ['id']})
    expect(created.exampleOrigin).toBe('schema')
    expect(created.example).toHaveProperty('data', {id: 1})
    const paid = only(entries, 'com.example.order.paid')
    expect(paid.sourcePattern).toBe('/shop/{region}')
    expect(paid.source).toBeUndefined()
    expect(paid.attributes.find((a) => a.name === 'tenant')).toEqual({name: 'tenant', required: true, value: 'acme'})
  })

  it('gives PingSource and ApiServerSource types, attached to their sink, with ceOverrides', () => {
    const resources = manifests(`${BROKER}apiVersion: sources.knative.dev/v1
kind: PingSource
metadata: {name: heartbeat}
spec:
  schedule: '*/1 * * * *'
  contentType: application/json
  data: '{"beat": 1, "at": "2024-01-01T00:00:00Z"}'
  ceOverrides: {extensions: {team: platform}}
  sink: {ref: {apiVersion: eventing.knative.dev/v1, kind: Broker, name: default}}
---
apiVersion: sources.knative.dev/v1
kind: ApiServerSource
metadata: {name: events}
spec:
  mode: Resource
  resources: [{apiVersion: v1, kind: Event}]
  sink: {ref: {apiVersion: eventing.knative.dev/v1, kind: Broker, name: default}}
`)
    const {entries} = buildRegistry({resources})
    const ping = only(entries, 'dev.knative.sources.ping')
    expect(ping).toMatchObject({
      origins: ['source'],
      source: '/apis/v1/namespaces/default/pingsources/heartbeat',
      broker: 'default/default',
      schemaOrigin: 'source',
      exampleOrigin: 'source',
      producers: [{kind: 'PingSource', name: 'heartbeat', namespace: 'default', via: 'manifest'}],
    })
    expect(ping.description).toMatch(/cron schedule/)
    expect(ping.attributes.find((a) => a.name === 'team')).toEqual({name: 'team', required: true, value: 'platform'})
    expect(ping.attributes.find((a) => a.name === 'subject')).toMatchObject({absent: true})
    expect(ping.schema).toHaveProperty(['properties', 'at'], {type: 'string', format: 'date-time'})
    expect(ping.example).toMatchObject({type: 'dev.knative.sources.ping', team: 'platform', data: {beat: 1}})
    expect(entries.map((e) => e.type).filter((t) => t.startsWith('dev.knative.apiserver'))).toEqual([
      'dev.knative.apiserver.resource.add',
      'dev.knative.apiserver.resource.delete',
      'dev.knative.apiserver.resource.update',
    ])
    const add = only(entries, 'dev.knative.apiserver.resource.add')
    expect(add.attributes.find((a) => a.name === 'kind')).toEqual({name: 'kind', required: true, value: 'Event'})
    // the source kne's ApiServerSource sends from (its stand-in for the API server's address)
    expect(add.source).toBe('https://kubernetes.default.svc')
    expect(add.example).toMatchObject({
      type: 'dev.knative.apiserver.resource.add',
      kind: 'Event',
      apiversion: 'v1',
      data: {kind: 'Event', metadata: {name: 'example'}},
    })
  })

  it('merges a declared type with what was observed at the same broker, and notes disagreements', () => {
    const resources = manifests(`${BROKER}apiVersion: eventing.knative.dev/v1beta2
kind: EventType
metadata: {name: order-created}
spec:
  type: com.example.order.created
  source: /shop
  reference: {apiVersion: eventing.knative.dev/v1, kind: Broker, name: default}
`)
    const observed = new ObservedTypes()
    const at = {broker: 'default/default', via: 'ingress' as const, at: '2024-01-01T00:00:00Z'}
    observed.record(event('com.example.order.created', {}, {id: 1}), at)
    observed.record(event('com.example.order.created', {source: '/legacy-shop'}, {id: 2}), at)
    const {entries} = buildRegistry({resources, observed: observed.list()})
    const entry = only(entries, 'com.example.order.created')
    expect(entry.origins).toEqual(['declared', 'observed'])
    expect(entry.observed?.count).toBe(2)
    expect(entry.schemaOrigin).toBe('inferred')
    expect(entry.exampleOrigin).toBe('observed')
    expect(entry.sources).toEqual(['/shop', '/legacy-shop'])
    expect(entry.notes).toEqual(['observed sources the EventType does not declare: /legacy-shop'])
  })

  it('joins a declaration without a reference to the entries of its type, and keeps it alone otherwise', () => {
    const resources = manifests(`${BROKER}apiVersion: eventing.knative.dev/v1beta2
kind: EventType
metadata: {name: a}
spec: {type: com.example.a, description: Declared once}
---
apiVersion: eventing.knative.dev/v1beta2
kind: EventType
metadata: {name: b}
spec: {type: com.example.b}
`)
    const observed = new ObservedTypes()
    observed.record(event('com.example.a'), {broker: 'default/default', via: 'ingress', at: '2024-01-01T00:00:00Z'})
    const {entries} = buildRegistry({resources, observed: observed.list()})
    expect(entries.map((e) => `${e.type} ${e.reference?.kind ?? '-'} ${e.origins.join('+')}`)).toEqual([
      'com.example.a Broker declared+observed',
      'com.example.b - declared',
    ])
    expect(only(entries, 'com.example.a').description).toBe('Declared once')
  })

  it('turns several sources into a pattern and attributes sources to the resources that emit them', () => {
    const resources = manifests(
      `${BROKER}${['a', 'b']
        .map(
          (n) => `apiVersion: sources.knative.dev/v1
kind: PingSource
metadata: {name: ping-${n}}
spec:
  sink: {ref: {apiVersion: eventing.knative.dev/v1, kind: Broker, name: default}}
`,
        )
        .join('---\n')}`,
    )
    const observed = new ObservedTypes()
    observed.record(event('dev.knative.sources.ping', {source: '/apis/v1/namespaces/default/pingsources/ping-a'}), {
      broker: 'default/default',
      via: 'ingress',
      at: '2024-01-01T00:00:00Z',
    })
    const {entries} = buildRegistry({resources, observed: observed.list()})
    const ping = only(entries, 'dev.knative.sources.ping')
    expect(ping.sourcePattern).toBe('/apis/v1/namespaces/default/pingsources/{pingsource}')
    expect(ping.producers.map((p) => `${p.kind} ${p.name}`)).toEqual(['PingSource ping-a', 'PingSource ping-b'])
  })

  it('lists the triggers that consume each type, all dialects, with "may match" where it depends', () => {
    const resources = manifests(`${BROKER}apiVersion: eventing.knative.dev/v1beta2
kind: EventType
metadata: {name: order-created}
spec:
  type: com.example.order.created
  source: /shop
  reference: {apiVersion: eventing.knative.dev/v1, kind: Broker, name: default}
---
${trigger('legacy', '  filter: {attributes: {type: com.example.order.created}}')}${trigger('prefix', "  filters: [{prefix: {type: 'com.example.order.'}}]")}${trigger('sql', "  filters: [{cesql: \"source = '/shop' AND tenant = 'acme'\"}]")}${trigger('other', '  filter: {attributes: {type: com.example.invoice}}')}${trigger('everything', '')}`)
    const {entries, verdicts} = buildRegistry({resources})
    const entry = only(entries, 'com.example.order.created')
    expect(entry.consumers.map((c) => `${c.trigger} ${c.verdict}`)).toEqual([
      'default/everything matches',
      'default/legacy matches',
      'default/prefix matches',
      'default/sql may-match',
    ])
    expect(verdicts.find((v) => v.trigger === 'default/other')!.match.verdict).toBe('no-match')
  })

  it('names the EventTypes that cannot be used', () => {
    const resources = manifests(`apiVersion: eventing.knative.dev/v1beta3
kind: EventType
metadata: {name: nameless}
spec:
  attributes:
  - {name: type, required: true}
  - {name: source, required: true}
  - {name: specversion, required: true}
  - {name: id, required: true}
`)
    const {entries, problems} = buildRegistry({resources})
    expect(entries).toEqual([])
    expect(problems[0]).toMatch(/nameless.*no type value/)
  })
})
