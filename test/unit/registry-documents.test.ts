// The registry as xRegistry and AsyncAPI documents, and documents read back as EventTypes (pure: no files, no
// mesh). The built CLI's round trip of the bookstore sample and the AsyncAPI parser's verdict are in
// test/e2e/registry-standards.test.ts.
import {describe, expect, it} from 'vitest'
import {DiagnosticSeverity, Parser} from '@asyncapi/parser'
import {parse, stringify} from 'yaml'
import {
  buildRegistry,
  eventTypesFromDocument,
  exportEventTypes,
  ObservedTypes,
  toAsyncApi,
  toXRegistry,
  xregistryPath,
  XREGISTRY_MODEL,
} from '../../src/core/registry/index.js'
import {parseManifests} from '../../src/core/resources/parse.js'
import type {ManifestResource} from '../../src/core/resources/types.js'
import {crdValidator, hasCrds} from '../helpers/crds.js'

const MESH = 'http://127.0.0.1:8080'

const PROJECT = `apiVersion: eventing.knative.dev/v1
kind: Broker
metadata: {name: default}
---
apiVersion: eventing.knative.dev/v1
kind: Trigger
metadata: {name: orders}
spec:
  broker: default
  filter: {attributes: {type: com.example.order.created}}
  subscriber: {uri: http://127.0.0.1:9/orders}
---
apiVersion: eventing.knative.dev/v1beta2
kind: EventType
metadata: {name: order-created}
spec:
  type: com.example.order.created
  source: /shop
  schemaData: '{"type": "object", "required": ["id"], "properties": {"id": {"type": "integer"}}}'
  reference: {apiVersion: eventing.knative.dev/v1, kind: Broker, name: default}
  description: An order was placed
---
apiVersion: eventing.knative.dev/v1beta3
kind: EventType
metadata: {name: order-shipped, namespace: shipping}
spec:
  description: An order left the warehouse
  attributes:
    - {name: type, required: true, value: com.example.order.shipped}
    - {name: source, required: true, value: "/warehouse/{site}"}
    - {name: specversion, required: true, value: "1.0"}
    - {name: id, required: true}
    - {name: carrier, required: false}
    - {name: region, required: true, value: eu}
`

function resources(yaml = PROJECT): ManifestResource[] {
  const parsed = parseManifests(yaml, 'test.yaml')
  expect(parsed.errors).toEqual([])
  return [...parsed.resources, ...parsed.others]
}

function documentInput(yaml = PROJECT, observed?: ObservedTypes) {
  const all = resources(yaml)
  return {entries: buildRegistry({resources: all, observed: observed?.list()}).entries, resources: all, meshUrl: MESH}
}

type Json = Record<string, any> // eslint-disable-line @typescript-eslint/no-explicit-any -- documents are read field by field
const asJson = (value: unknown): Json => value as Json

describe('toXRegistry', () => {
  const doc = asJson(toXRegistry(documentInput()))

  it('has a message group per broker (and per namespace for types without a reference), with CloudEvents message definitions', () => {
    expect(doc.specversion).toMatch(/^1\.0/)
    expect(Object.keys(doc.messagegroups)).toEqual(['default.broker.default', 'shipping'])
    const created = doc.messagegroups['default.broker.default'].messages['com.example.order.created']
    expect(created).toMatchObject({
      messageid: 'com.example.order.created',
      xid: '/messagegroups/default.broker.default/messages/com.example.order.created',
      envelope: 'CloudEvents/1.0',
      description: 'An order was placed',
      envelopemetadata: {
        type: {value: 'com.example.order.created', required: true},
        source: {value: '/shop', required: true},
        specversion: {value: '1.0', required: true},
        id: {required: true},
      },
      dataschemaformat: 'JsonSchema/draft/2020-12',
      dataschemaxid: '/schemagroups/default.broker.default/schemas/com.example.order.created',
    })
    const shipped = doc.messagegroups.shipping.messages['com.example.order.shipped']
    expect(shipped.envelopemetadata).toMatchObject({
      source: {type: 'uritemplate', value: '/warehouse/{site}', required: true},
      carrier: {required: false},
      region: {value: 'eu', required: true},
    })
  })

  it('keeps the data schemas in schema groups and each broker as an HTTP endpoint that references its message group', () => {
    expect(doc.schemagroups['default.broker.default'].schemas['com.example.order.created']).toMatchObject({
      format: 'JsonSchema/draft/2020-12',
      schema: {type: 'object', required: ['id']},
    })
    expect(doc.endpoints['default.broker.default']).toMatchObject({
      usage: ['producer'],
      envelope: 'CloudEvents/1.0',
      protocol: 'HTTP/1.1',
      protocoloptions: {endpoints: [{uri: `${MESH}/default/default`}], method: 'POST'},
      messagegroups: ['/messagegroups/default.broker.default'],
    })
    expect(doc.messagegroupscount).toBe(2)
  })

  it('is served path by path: nested collections by count and URL unless ?inline, the model, 404 for what is not there', () => {
    const served = toXRegistry(documentInput(), {baseUrl: `${MESH}/_kne/v1/xregistry`})
    const root = xregistryPath(served, '/', false).body as Json
    expect(root).toMatchObject({messagegroupscount: 2, messagegroupsurl: `${MESH}/_kne/v1/xregistry/messagegroups`})
    expect(root).not.toHaveProperty('messagegroups')
    expect(xregistryPath(served, '', true).body).toHaveProperty('messagegroups.shipping.messages')
    expect(xregistryPath(served, '/model', false).body).toEqual(XREGISTRY_MODEL)
    const group = xregistryPath(served, '/messagegroups/shipping', false).body as Json
    expect(group).toMatchObject({messagescount: 1, self: `${MESH}/_kne/v1/xregistry/messagegroups/shipping`})
    expect(group).not.toHaveProperty('messages')
    expect(xregistryPath(served, '/messagegroups/shipping/messages/com.example.order.shipped', false)).toMatchObject({
      status: 200,
      body: {messageid: 'com.example.order.shipped'},
    })
    expect(xregistryPath(served, '/messagegroups/nope', false).status).toBe(404)
    expect(xregistryPath(served, '/messagegroups/shipping/schemas', false).status).toBe(404)
    expect(xregistryPath(served, '/messagegroups/__proto__', false).status).toBe(404)
  })
})

describe('eventTypesFromDocument', () => {
  it('reads kne’s xRegistry export back to the EventTypes it came from (v1beta2 with its schema, v1beta3 with its attributes)', () => {
    const input = documentInput()
    const read = eventTypesFromDocument(JSON.stringify(toXRegistry(input)), {namespace: 'default'})
    expect(read.problems).toEqual([])
    expect(read.format).toBe('xregistry')
    const original = exportEventTypes(input.entries, {defaultNamespace: 'default'})
    const v1beta3 = exportEventTypes(input.entries, {defaultNamespace: 'default', version: 'v1beta3'})
    const byName = new Map(read.eventTypes.map((e) => [e.name, e.manifest]))
    expect(byName.get('order-created')).toEqual(original.find((e) => e.name === 'order-created')!.manifest)
    expect(byName.get('order-shipped')).toEqual(v1beta3.find((e) => e.name === 'order-shipped')!.manifest)
    // what the v1beta3 EventType cannot hold is said, not dropped silently
    expect(read.unmapped).toEqual([])
  })

  it.skipIf(!hasCrds)("writes manifests Knative's EventType CRD accepts, also from a document kne did not write", () => {
    const read = eventTypesFromDocument(FOREIGN_XREGISTRY, {namespace: 'default'})
    expect(read.problems).toEqual([])
    expect(read.eventTypes.map((e) => [e.name, e.manifest.apiVersion])).toEqual([
      ['com.example.order.created', 'eventing.knative.dev/v1beta2'],
      ['com.example.order.cancelled', 'eventing.knative.dev/v1beta3'],
    ])
    for (const e of read.eventTypes) expect(crdValidator().validate(e.manifest as unknown as Record<string, unknown>)).toEqual([])
  })

  it('reads a schema resource the message references, its inline schema, and reports what it leaves out', () => {
    const read = eventTypesFromDocument(FOREIGN_XREGISTRY, {namespace: 'default'})
    const [created, cancelled] = read.eventTypes
    expect(created!.manifest.spec).toEqual({
      type: 'com.example.order.created',
      source: 'https://shop.example.com/orders',
      schemaData: `${JSON.stringify({type: 'object', required: ['id']}, null, 2)}\n`,
      description: 'An order was placed',
    })
    expect(cancelled!.manifest.spec.attributes).toEqual([
      {name: 'type', required: true, value: 'com.example.order.cancelled'},
      {name: 'source', required: true, value: 'https://shop.example.com/orders'},
      {name: 'specversion', required: true, value: '1.0'},
      {name: 'id', required: true},
      {name: 'reason', required: true},
      {name: 'datacontenttype', required: false, value: 'application/json'},
    ])
    expect(read.unmapped).toEqual([
      {path: '/messagegroups/orders/messages/avro', message: 'envelope "Avro/1.0": only CloudEvents/1.0 messages are event types'},
      {path: '/endpoints/shop', message: "an endpoint: kne's brokers and channels come from their manifests, not from a registry"},
      {path: '/messagegroups/orders/messages/cancelled', message: 'its data schema: a v1beta3 EventType has no field for it'},
    ])
  })

  it('accepts xRegistry 0.5 documents (format and metadata.attributes), JSON or YAML', () => {
    const old = {
      specversion: '0.5-wip',
      messagegroups: {
        g: {
          format: 'CloudEvents/1.0',
          messages: {m: {metadata: {attributes: {type: {value: 'com.example.old'}, source: {value: '/old'}}}}},
        },
      },
    }
    for (const text of [JSON.stringify(old), stringify(old)]) {
      const read = eventTypesFromDocument(text, {namespace: 'default'})
      expect(read.problems).toEqual([])
      expect(read.eventTypes.map((e) => e.manifest.spec)).toEqual([{type: 'com.example.old', source: '/old'}])
    }
  })

  it('names the path inside the document of every problem, and maps nothing then', () => {
    const read = eventTypesFromDocument(
      {
        messagegroups: {
          orders: {
            envelope: 'CloudEvents/1.0',
            messages: {
              created: {envelopemetadata: {type: {required: true}, source: {value: '/shop'}}},
              paid: {
                envelopemetadata: {type: {value: 'com.example.paid'}},
                dataschemaformat: 'JsonSchema/draft-07',
                dataschemauri: '#/schemagroups/orders/schemas/paid',
              },
              refunded: {envelopemetadata: {type: {value: 'com.example.refunded'}, 'Bad-Name': {value: 'x'}}},
              shipped: {basemessage: 'https://elsewhere.example.com/messagegroups/x/messages/y'},
              fine: {envelopemetadata: {type: {value: 'com.example.fine'}, amount: {value: {currency: 'EUR'}}}},
            },
          },
        },
      },
      {namespace: 'default'},
    )
    expect(read.problems).toEqual([
      {
        path: '/messagegroups/orders/messages/created/envelopemetadata/type',
        message: 'no type value: an EventType needs the type its events carry',
      },
      {
        path: '/messagegroups/orders/messages/paid/dataschemauri',
        message: 'references /schemagroups/orders/schemas/paid, which the document does not have',
      },
      {
        path: '/messagegroups/orders/messages/refunded/envelopemetadata/Bad-Name',
        message: '"Bad-Name" is not a CloudEvents attribute name (lower-case letters and digits)',
      },
      {
        path: '/messagegroups/orders/messages/shipped/basemessage',
        message: 'https://elsewhere.example.com/messagegroups/x/messages/y is outside the document: kne cannot resolve it',
      },
      {
        path: '/messagegroups/orders/messages/fine/envelopemetadata/amount/value',
        message: 'an attribute value must be a string, number or boolean',
      },
    ])
  })

  it('says what a document is not, and never throws on one', () => {
    expect(eventTypesFromDocument('{"openapi": "3.1.0"}', {namespace: 'default'}).problems[0]!.message).toMatch(
      /neither AsyncAPI .* nor xRegistry/,
    )
    expect(eventTypesFromDocument('asyncapi: 2.6.0\n', {namespace: 'default'}).problems).toEqual([
      {path: '/asyncapi', message: 'AsyncAPI "2.6.0": kne reads AsyncAPI 3 documents'},
    ])
    expect(eventTypesFromDocument('[1, 2]', {namespace: 'default'}).problems[0]!.path).toBe('')
    expect(eventTypesFromDocument('key: [unclosed', {namespace: 'default'}).problems[0]!.message).toMatch(/neither JSON nor YAML/)
    expect(eventTypesFromDocument({messagegroups: []}, {namespace: 'default'}).problems).toEqual([
      {path: '/messagegroups', message: 'must be an object keyed by id, not an array'},
    ])
    const deep = `{"messagegroups": {"g": {"envelope": "CloudEvents/1.0", "messages": {"m": {"envelopemetadata": {"type": {"value": "t"}}, "dataschemaformat": "Avro/1.9", "dataschema": ${'['.repeat(200_000)}${']'.repeat(200_000)}}}}}}`
    expect(eventTypesFromDocument(deep, {namespace: 'default'}).problems).toEqual([
      {path: '', message: expect.stringContaining('nested too deeply for kne to read') as unknown},
    ])
    const looping = {
      messagegroups: {
        g: {
          envelope: 'CloudEvents/1.0',
          messages: {a: {basemessage: '/messagegroups/g/messages/b'}, b: {basemessage: '/messagegroups/g/messages/a'}},
        },
      },
    }
    expect(eventTypesFromDocument(looping, {namespace: 'default'}).problems.length).toBeGreaterThan(0)
  })

  it('reads AsyncAPI 3: messages with a fixed ce-type, their ce-* headers and payload, following local $refs', () => {
    const read = eventTypesFromDocument(FOREIGN_ASYNCAPI, {namespace: 'default'})
    expect(read.format).toBe('asyncapi')
    expect(read.problems).toEqual([])
    expect(read.eventTypes).toHaveLength(1)
    expect(read.eventTypes[0]!.manifest).toEqual({
      apiVersion: 'eventing.knative.dev/v1beta3',
      kind: 'EventType',
      metadata: {name: 'com.example.order.created'},
      spec: {
        description: 'An order was placed',
        attributes: [
          {name: 'type', required: true, value: 'com.example.order.created'},
          {name: 'source', required: true, value: '/shop'},
          {name: 'specversion', required: true, value: '1.0'},
          {name: 'id', required: true},
          {name: 'tenant', required: true},
          {name: 'datacontenttype', required: false, value: 'application/json'},
        ],
      },
    })
    expect(read.unmapped).toEqual([
      {
        path: '/components/messages/Heartbeat',
        message: 'no ce-type header with one fixed value (const or a one-value enum): not an event type kne can declare',
      },
      {path: '/components/messages/OrderCreated', message: 'its data schema: a v1beta3 EventType has no field for it'},
    ])
    const external = eventTypesFromDocument(
      {asyncapi: '3.0.0', channels: {c: {messages: {m: {$ref: 'https://example.com/messages.yaml#/M'}}}}},
      {namespace: 'default'},
    )
    expect(external.problems).toEqual([
      {path: '/channels/c/messages/m/$ref', message: 'https://example.com/messages.yaml#/M is outside the document: kne cannot resolve it'},
    ])
  })

  it("reads kne's own AsyncAPI export back to its types, names and references", () => {
    const input = documentInput()
    const read = eventTypesFromDocument(stringify(toAsyncApi(input)), {namespace: 'default'})
    expect(read.problems).toEqual([])
    expect(
      read.eventTypes.map((e) => [e.name, e.namespace, e.manifest.apiVersion, asJson(e.manifest.spec).reference?.name ?? null]),
    ).toEqual([
      ['order-created', 'default', 'eventing.knative.dev/v1beta2', 'default'],
      ['order-shipped', 'shipping', 'eventing.knative.dev/v1beta3', null],
    ])
  })
})

describe('toAsyncApi', () => {
  it('describes each trigger as a receive operation with its filter, and producers as send operations', () => {
    const observed = new ObservedTypes()
    observed.record(
      {
        specversion: '1.0',
        id: '1',
        source: '/shop',
        type: 'com.example.order.created',
        datacontenttype: 'application/json',
        extensions: {},
        data: new TextEncoder().encode('{"id": 7}'),
      },
      {broker: 'default/default', via: 'ingress', at: '2026-01-01T00:00:00Z'},
    )
    const doc = asJson(toAsyncApi(documentInput(PROJECT, observed)))
    expect(doc.asyncapi).toBe('3.0.0')
    expect(doc.servers.mesh).toMatchObject({host: '127.0.0.1:8080', protocol: 'http'})
    expect(doc.channels['default.broker.default'].address).toBe('/default/default')
    const messages = doc.channels['default.broker.default'].messages
    expect(Object.keys(messages)).toEqual(['com.example.order.created'])
    expect(messages['com.example.order.created'].examples[0]).toMatchObject({
      name: 'observed',
      headers: {'ce-type': 'com.example.order.created', 'ce-source': '/shop', 'content-type': 'application/json'},
      payload: {id: 7},
    })
    const operations = Object.values(doc.operations as Record<string, Json>)
    expect(operations.find((o) => o.action === 'receive')).toMatchObject({
      title: 'Trigger default/orders receives',
      description: expect.stringContaining('Filter: type=com.example.order.created.'),
      messages: [{$ref: '#/channels/default.broker.default/messages/com.example.order.created'}],
      'x-kne-filter': {filter: {attributes: {type: 'com.example.order.created'}}},
    })
    expect(operations.find((o) => o.action === 'send')).toMatchObject({title: 'Source /shop sends', bindings: {http: {method: 'POST'}}})
  })

  it('gives channels and their subscriptions too; with sources, replies, templates and types without a reference, @asyncapi/parser accepts it', async () => {
    const yaml = `${PROJECT}---
apiVersion: messaging.knative.dev/v1
kind: InMemoryChannel
metadata: {name: audit}
---
apiVersion: messaging.knative.dev/v1
kind: Subscription
metadata: {name: audit-log}
spec:
  channel: {apiVersion: messaging.knative.dev/v1, kind: InMemoryChannel, name: audit}
  subscriber: {uri: http://127.0.0.1:9/audit}
---
apiVersion: eventing.knative.dev/v1beta2
kind: EventType
metadata: {name: audited}
spec:
  type: com.example.audited
  schemaData: not a JSON Schema
  reference: {apiVersion: messaging.knative.dev/v1, kind: InMemoryChannel, name: audit}
---
apiVersion: sources.knative.dev/v1
kind: PingSource
metadata: {name: heartbeat}
spec:
  schedule: "*/5 * * * *"
  contentType: application/json
  data: '{"beat": 1}'
  sink: {ref: {apiVersion: eventing.knative.dev/v1, kind: Broker, name: default}}
`
    const observed = new ObservedTypes()
    observed.record(
      {specversion: '1.0', id: '2', source: '/svc', type: 'com.example.order.confirmed', extensions: {}},
      {broker: 'default/default', via: 'reply', replyTrigger: 'default/orders', at: '2026-01-01T00:00:00Z'},
    )
    const text = stringify(toAsyncApi(documentInput(yaml, observed)))
    const doc = asJson(parse(text))
    expect(doc.channels['default.inmemorychannel.audit'].address).toBe('/channels/default/audit')
    expect(doc.operations['receive.default.audit-log']).toMatchObject({
      title: 'Subscription default/audit-log receives',
      messages: [{$ref: '#/channels/default.inmemorychannel.audit/messages/com.example.audited'}],
    })
    expect(doc.channels.shipping.address).toBeNull()
    // a reply flows into the trigger's broker
    expect(Object.keys(doc.channels['default.broker.default'].messages)).toContain('com.example.order.confirmed')
    expect(doc.operations['send.default.broker.default.Trigger.default.orders'].title).toBe('Trigger default/orders sends')
    const {diagnostics} = await new Parser().parse(text)
    expect(
      diagnostics.filter((d) => Number(d.severity) === Number(DiagnosticSeverity.Error)).map((d) => `${d.path.join('/')}: ${d.message}`),
    ).toEqual([])
  })

  it('limits the document to one broker', () => {
    const doc = asJson(toAsyncApi({...documentInput(), broker: 'default/default'}))
    expect(Object.keys(doc.channels)).toEqual(['default.broker.default'])
    expect(doc.info.title).toBe('Broker default/default')
  })
})

const FOREIGN_XREGISTRY = JSON.stringify({
  specversion: '1.0-rc2',
  registryid: 'shop',
  endpoints: {shop: {endpointid: 'shop', usage: ['producer'], protocol: 'HTTP/1.1', messagegroups: ['/messagegroups/orders']}},
  messagegroups: {
    orders: {
      messagegroupid: 'orders',
      envelope: 'CloudEvents/1.0',
      messages: {
        created: {
          messageid: 'created',
          description: 'An order was placed',
          envelopemetadata: {
            type: {value: 'com.example.order.created', required: true},
            source: {value: 'https://shop.example.com/orders', required: true},
          },
          dataschemaformat: 'JsonSchema/draft-07',
          dataschemauri: '#/schemagroups/orders/schemas/created',
        },
        cancelled: {
          messageid: 'cancelled',
          envelopemetadata: {
            type: {value: 'com.example.order.cancelled', required: true},
            source: {value: 'https://shop.example.com/orders', required: true},
            reason: {required: true},
          },
          datacontenttype: 'application/json',
          dataschemaformat: 'JsonSchema/draft-07',
          dataschema: {type: 'object'},
        },
        avro: {messageid: 'avro', envelope: 'Avro/1.0'},
      },
    },
  },
  schemagroups: {
    orders: {
      schemagroupid: 'orders',
      schemas: {
        created: {
          schemaid: 'created',
          versions: {'1': {versionid: '1', format: 'JsonSchema/draft-07', schema: {type: 'object', required: ['id']}}},
        },
      },
    },
  },
})

const FOREIGN_ASYNCAPI = stringify({
  asyncapi: '3.0.0',
  info: {title: 'Shop', version: '1.0.0'},
  channels: {orders: {address: '/orders', messages: {created: {$ref: '#/components/messages/OrderCreated'}}}},
  components: {
    messages: {
      OrderCreated: {
        name: 'OrderCreated',
        summary: 'An order was placed',
        contentType: 'application/json',
        headers: {$ref: '#/components/schemas/OrderHeaders'},
        payload: {schemaFormat: 'application/schema+json;version=draft-07', schema: {type: 'object', required: ['id']}},
      },
      Heartbeat: {payload: {type: 'string'}},
    },
    schemas: {
      OrderHeaders: {
        type: 'object',
        required: ['ce-type', 'ce-source', 'ce-id', 'ce-specversion', 'ce-tenant'],
        properties: {
          'ce-type': {type: 'string', const: 'com.example.order.created'},
          'ce-source': {type: 'string', enum: ['/shop']},
          'ce-id': {type: 'string'},
          'ce-specversion': {type: 'string', const: '1.0'},
          'ce-tenant': {type: 'string'},
          'x-request-id': {type: 'string'},
        },
      },
    },
  },
})
