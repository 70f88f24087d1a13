import {describe, expect, it} from 'vitest'
import {stringify} from 'yaml'
import {
  buildRegistry,
  exportEventTypes,
  lintRegistry,
  ObservedTypes,
  sendLine,
  triggerCreateLine,
  type LintReport,
} from '../../src/core/registry/index.js'
import {parseManifests} from '../../src/core/resources/parse.js'
import {crdValidator, hasCrds} from '../helpers/crds.js'

function manifests(yaml: string) {
  const parsed = parseManifests(yaml, 'test.yaml')
  expect(parsed.errors).toEqual([])
  return parsed.resources
}

function broker(name = 'default', delivery = ''): string {
  return `apiVersion: eventing.knative.dev/v1\nkind: Broker\nmetadata: {name: ${name}}\n${delivery ? `spec:\n  delivery: ${delivery}\n` : ''}---\n`
}

function trigger(name: string, spec: string): string {
  return `apiVersion: eventing.knative.dev/v1\nkind: Trigger\nmetadata: {name: ${name}}\nspec:\n  broker: default\n${spec}---\n`
}

function eventType(name: string, type: string, reference = '{apiVersion: eventing.knative.dev/v1, kind: Broker, name: default}'): string {
  return `apiVersion: eventing.knative.dev/v1beta2\nkind: EventType\nmetadata: {name: ${name}}\nspec:\n  type: ${type}\n  source: /shop\n  reference: ${reference}\n---\n`
}

const DLS = '{deadLetterSink: {uri: "http://127.0.0.1:9000/dead"}}'

function lint(yaml: string, observed?: ObservedTypes, services: Record<string, string> = {}): LintReport {
  const resources = manifests(yaml)
  return lintRegistry({resources, registry: buildRegistry({resources, observed: observed?.list()}), services})
}

function checks(report: LintReport): string[] {
  return report.problems.map((p) => `${p.severity} ${p.check} ${p.resource}`)
}

describe('kne registry lint checks', () => {
  it('is clean for a broker with a dead-letter sink and a trigger consuming the only type', () => {
    const report = lint(
      broker('default', DLS) +
        eventType('created', 'com.example.created') +
        trigger('orders', '  filter: {attributes: {type: com.example.created}}\n  subscriber: {uri: http://127.0.0.1:9001}\n'),
    )
    expect(report.problems).toEqual([])
    expect(report.checked).toEqual({brokers: 1, triggers: 1, sources: 0, types: 1})
  })

  it('reports references that do not resolve as kne validate does: missing brokers are errors, unmapped services warnings', () => {
    const report = lint(
      broker('default', DLS) +
        trigger('orders', '  subscriber: {ref: {apiVersion: serving.knative.dev/v1, kind: Service, name: order-processor}}\n') +
        `apiVersion: eventing.knative.dev/v1\nkind: Trigger\nmetadata: {name: lost}\nspec:\n  broker: nowhere\n  subscriber: {uri: http://127.0.0.1:9001}\n---\n` +
        `apiVersion: sources.knative.dev/v1\nkind: PingSource\nmetadata: {name: beat}\nspec:\n  sink: {ref: {apiVersion: eventing.knative.dev/v1, kind: Broker, name: missing}}\n`,
    )
    expect(checks(report).filter((c) => !c.includes('unconsumed-type'))).toEqual([
      'error missing-broker Trigger default/lost',
      'error unresolved-sink PingSource default/beat',
      'warning unresolved-sink Trigger default/orders',
    ])
    expect(report.problems.find((p) => p.resource === 'Trigger default/orders')!.message).toMatch(
      /spec.subscriber: .*order-processor.*no local URL/,
    )
    // mapped in kne.yaml, the service resolves
    const mapped = lint(
      broker('default', DLS) +
        trigger('orders', '  subscriber: {ref: {apiVersion: serving.knative.dev/v1, kind: Service, name: order-processor}}\n'),
      undefined,
      {'order-processor': 'http://127.0.0.1:3000'},
    )
    expect(mapped.problems).toEqual([])
    // kne validate --lint has reported references already
    const resources = manifests(
      broker('default', DLS) +
        `apiVersion: eventing.knative.dev/v1\nkind: Trigger\nmetadata: {name: lost}\nspec:\n  broker: nowhere\n  subscriber: {uri: http://127.0.0.1:9001}\n`,
    )
    expect(lintRegistry({resources, registry: buildRegistry({resources}), references: false}).problems).toEqual([])
  })

  it("warns about brokers without a dead-letter sink, and triggers whose own delivery drops the broker's", () => {
    const report = lint(broker() + trigger('a', '  subscriber: {uri: http://127.0.0.1:9001}\n'))
    expect(checks(report)).toContain('warning no-dead-letter-sink Broker default/default')
    expect(report.problems.find((p) => p.check === 'no-dead-letter-sink')!.message).toMatch(/1 trigger a are lost/)
    const replaced = lint(broker('default', DLS) + trigger('b', '  subscriber: {uri: http://127.0.0.1:9001}\n  delivery: {retry: 2}\n'))
    expect(checks(replaced)).toEqual(['warning no-dead-letter-sink Trigger default/b'])
  })

  it('warns about trigger filters no known type satisfies, and types no trigger consumes', () => {
    const report = lint(
      broker('default', DLS) +
        eventType('created', 'com.example.created') +
        trigger('typo', '  filters: [{exact: {type: com.example.craeted}}]\n  subscriber: {uri: http://127.0.0.1:9001}\n'),
    )
    expect(checks(report)).toEqual([
      'warning unconsumed-type EventType default/com.example.created (Broker/default)',
      'warning unsatisfiable-filter Trigger default/typo',
    ])
    expect(report.errors).toBe(0)
  })

  it('finds reply loops: a subscriber replying with a type its own trigger accepts, and cycles between triggers', () => {
    const observed = new ObservedTypes()
    const at = '2024-01-01T00:00:00Z'
    const reply = (type: string, trigger: string): void =>
      observed.record(
        {specversion: '1.0', id: '1', source: '/svc', type, extensions: {}},
        {broker: 'default/default', via: 'reply', replyTrigger: `default/${trigger}`, at},
      )
    reply('com.example.any', 'echo')
    reply('com.example.pong', 'ping')
    reply('com.example.ping', 'pong')
    const report = lint(
      broker('default', DLS) +
        trigger('echo', '  filters: [{prefix: {type: com.example.}}]\n  subscriber: {uri: http://127.0.0.1:9001}\n') +
        trigger('ping', '  filter: {attributes: {type: com.example.ping}}\n  subscriber: {uri: http://127.0.0.1:9002}\n') +
        trigger('pong', '  filter: {attributes: {type: com.example.pong}}\n  subscriber: {uri: http://127.0.0.1:9003}\n'),
      observed,
    )
    const loops = report.problems.filter((p) => p.check === 'reply-loop')
    expect(loops.map((p) => `${p.severity} ${p.resource}`)).toEqual(expect.arrayContaining(['error Trigger default/echo']))
    expect(
      loops.some((p) =>
        /ping replies com.example.pong.*pong replies com.example.ping|pong replies com.example.ping.*ping replies com.example.pong/.test(
          p.message,
        ),
      ),
    ).toBe(true)
    expect(report.errors).toBeGreaterThanOrEqual(2)
  })

  it('calls a trigger whose subscriber is its own broker a loop', () => {
    const report = lint(
      broker('default', DLS) +
        trigger('again', '  subscriber: {ref: {apiVersion: eventing.knative.dev/v1, kind: Broker, name: default}}\n'),
    )
    expect(checks(report)).toContain('error reply-loop Trigger default/again')
  })

  it('reports observations that contradict a declaration', () => {
    const observed = new ObservedTypes()
    observed.record(
      {specversion: '1.0', id: '1', source: '/elsewhere', type: 'com.example.created', extensions: {}},
      {broker: 'default/default', via: 'ingress', at: '2024-01-01T00:00:00Z'},
    )
    const report = lint(
      broker('default', DLS) + eventType('created', 'com.example.created') + trigger('t', '  subscriber: {uri: http://127.0.0.1:9001}\n'),
      observed,
    )
    expect(checks(report)).toEqual(['warning declared-mismatch EventType default/com.example.created (Broker/default)'])
  })

  it('reports a declared schema that does not compile, and an observed event whose data breaks the declared schema', () => {
    const observed = new ObservedTypes()
    observed.record(
      {
        specversion: '1.0',
        id: 'o-1',
        source: '/shop',
        type: 'com.example.created',
        datacontenttype: 'application/json',
        data: new TextEncoder().encode('{"total": "twelve"}'),
        extensions: {},
      },
      {broker: 'default/default', via: 'ingress', at: '2024-01-01T00:00:00Z'},
    )
    const typed = (name: string, type: string, schemaData: string): string =>
      eventType(name, type).replace('\n---\n', `\n  schemaData: '${schemaData}'\n---\n`)
    const report = lint(
      broker('default', DLS) +
        typed('created', 'com.example.created', '{"type": "object", "required": ["total"], "properties": {"total": {"type": "number"}}}') +
        typed('broken', 'com.example.broken', '{"type": "objekt"}') +
        trigger('t', '  subscriber: {uri: http://127.0.0.1:9001}\n'),
      observed,
    )
    expect(checks(report)).toEqual([
      'error invalid-schema EventType default/broken',
      'warning schema-violation EventType default/com.example.created (Broker/default)',
    ])
    expect(report.problems[1]!.message).toBe(
      'the latest observed event (id o-1) does not match the declared schema: data/total: must be number',
    )
  })
})

describe('exporting the registry as EventType manifests', () => {
  const yaml =
    broker() +
    eventType('declared-one', 'com.example.declared') +
    `apiVersion: sources.knative.dev/v1\nkind: PingSource\nmetadata: {name: beat}\nspec:\n  contentType: application/json\n  data: '{"n": 1}'\n  ceOverrides: {extensions: {team: ops}}\n  sink: {ref: {apiVersion: eventing.knative.dev/v1, kind: Broker, name: default}}\n`

  function registry() {
    const resources = manifests(yaml)
    const observed = new ObservedTypes()
    for (let i = 0; i < 3; i++) {
      observed.record(
        {
          specversion: '1.0',
          id: `${i}`,
          source: `/orders/${i}`,
          type: 'com.example.Order_Created',
          datacontenttype: 'application/json',
          extensions: {},
          data: Buffer.from(JSON.stringify({id: i, email: 'a@example.com'})),
        },
        {broker: 'default/default', via: 'ingress', at: '2024-01-01T00:00:00Z'},
      )
    }
    observed.record(
      {specversion: '1.0', id: 'r', source: '/svc', type: 'com.example.reply', extensions: {}},
      {broker: 'default/default', via: 'reply', replyTrigger: 'default/t', at: '2024-01-01T00:00:00Z'},
    )
    return buildRegistry({resources, observed: observed.list()})
  }

  it('writes v1beta2 manifests that keep the inferred schema, and v1beta3 manifests with the four required attributes', () => {
    const {entries} = registry()
    const v2 = exportEventTypes(entries, {defaultNamespace: 'default'})
    const observed = v2.find((e) => e.type === 'com.example.Order_Created')!
    expect(observed.name).toBe('com.example.order-created')
    expect(observed.manifest).toMatchObject({
      apiVersion: 'eventing.knative.dev/v1beta2',
      kind: 'EventType',
      metadata: {name: 'com.example.order-created'},
      spec: {
        type: 'com.example.Order_Created',
        source: '/orders/{order}',
        reference: {apiVersion: 'eventing.knative.dev/v1', kind: 'Broker', name: 'default'},
        description: 'Observed by kne at Broker/default',
      },
    })
    expect(JSON.parse(observed.manifest.spec.schemaData as string).properties.email).toEqual({type: 'string', format: 'email'})
    expect(v2.find((e) => e.type === 'com.example.declared')!.name).toBe('declared-one')
    expect(v2.find((e) => e.type === 'com.example.reply')!.manifest.spec.reference).toMatchObject({kind: 'Trigger', name: 't'})

    const v3 = exportEventTypes(entries, {version: 'v1beta3'})
    for (const e of v3) {
      const names = (e.manifest.spec.attributes as {name: string}[]).map((a) => a.name)
      expect(names.slice(0, 4)).toEqual(['type', 'source', 'specversion', 'id'])
    }
    const ping = v3.find((e) => e.type === 'dev.knative.sources.ping')!
    expect(ping.manifest.spec.attributes).toEqual(
      expect.arrayContaining([
        {name: 'team', required: true, value: 'ops'},
        {name: 'source', required: true, value: '/apis/v1/namespaces/default/pingsources/beat'},
      ]),
    )
    expect(ping.notes[0]).toMatch(/v1beta3 has no field for the data schema/)
  })

  it.skipIf(!hasCrds)("every exported manifest validates against Knative's EventType CRD, in both versions", () => {
    const {entries} = registry()
    for (const version of ['v1beta2', 'v1beta3'] as const) {
      for (const e of exportEventTypes(entries, {version})) {
        expect(crdValidator().validate(e.manifest as unknown as Record<string, unknown>), `${version} ${e.type}`).toEqual([])
      }
    }
  })

  it("round-trips: exported manifests load with kne's model and give back the same types, sources and schemas", () => {
    const {entries} = registry()
    const exported = exportEventTypes(entries)
    const reloaded = buildRegistry({resources: manifests(exported.map((e) => stringify(e.manifest)).join('---\n'))})
    for (const e of exported) {
      const back = reloaded.entries.find((r) => r.type === e.type)!
      expect(back.origins).toEqual(['declared'])
      expect(back.source ?? back.sourcePattern).toBe(e.entry.source ?? e.entry.sourcePattern)
      expect(back.schema).toEqual(e.entry.schema)
      expect(back.reference).toEqual(e.entry.reference)
    }
  })

  it('prints ready-to-paste trigger create and send lines', () => {
    const {entries} = registry()
    const order = entries.find((e) => e.type === 'com.example.Order_Created')!
    expect(triggerCreateLine(order, {sink: 'http://127.0.0.1:8081', namespace: 'default'})).toBe(
      'kne trigger create order-created --broker default --filter type=com.example.Order_Created --sink http://127.0.0.1:8081',
    )
    expect(sendLine(order)).toBe(
      `kne send --type com.example.Order_Created --source /orders/2 --to broker:default --data '{"id":2,"email":"a@example.com"}'`,
    )
    const ping = entries.find((e) => e.type === 'dev.knative.sources.ping')!
    expect(sendLine(ping)).toBe(
      `kne send --type dev.knative.sources.ping --source /apis/v1/namespaces/default/pingsources/beat --to broker:default -e team=ops --data '{"n":1}'`,
    )
  })
})
