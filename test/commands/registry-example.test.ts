// kne registry example and kne send --example in process against a mesh in this process: which example is
// used (declared, observed, made from the schema), and that what arrives at a real subscriber fits the schema.
import {mkdirSync, mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {Ajv2020} from 'ajv/dist/2020.js'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import type {Mesh} from '../../src/index.js'
import {freshDataDir, jsonOf, meshForProject, runKne} from '../helpers/command.js'
import {startSubscriber, type Subscriber} from '../helpers/subscriber.js'

const ORDER_SCHEMA = {
  type: 'object',
  required: ['orderId', 'placedAt', 'customer', 'items', 'status'],
  properties: {
    orderId: {type: 'string', format: 'uuid'},
    placedAt: {type: 'string', format: 'date-time'},
    status: {enum: ['placed', 'paid']},
    customer: {type: 'object', required: ['email'], properties: {email: {type: 'string', format: 'email'}, vip: {type: 'boolean'}}},
    items: {type: 'array', minItems: 1, items: {$ref: '#/$defs/item'}},
    note: {type: 'string'},
  },
  $defs: {
    item: {
      type: 'object',
      required: ['sku', 'quantity'],
      properties: {sku: {type: 'string', minLength: 3}, quantity: {type: 'integer', minimum: 1}},
    },
  },
}

describe('kne registry example and kne send --example', () => {
  let orders: Subscriber
  let mesh: Mesh
  const env = {KNE_DATA_DIR: freshDataDir()}
  const kne = (args: string[]) => runKne(args, {env})
  const validate = new Ajv2020({strict: false, allErrors: true}).compile(ORDER_SCHEMA)

  beforeAll(async () => {
    orders = await startSubscriber()
    const project = mkdtempSync(join(tmpdir(), 'kne-example-'))
    writeFileSync(join(project, 'kne.yaml'), `namespace: shop\nmanifests: knative\nservices: {orders: "${orders.url}"}\n`)
    mkdirSync(join(project, 'knative'))
    const eventType = (name: string, type: string, schema?: unknown): string =>
      `apiVersion: eventing.knative.dev/v1beta2\nkind: EventType\nmetadata: {name: ${name}}\nspec:\n  type: ${type}\n  source: /shop\n` +
      `  reference: {apiVersion: eventing.knative.dev/v1, kind: Broker, name: default}\n` +
      (schema === undefined ? '' : `  schemaData: '${JSON.stringify(schema)}'\n`)
    writeFileSync(
      join(project, 'knative', 'all.yaml'),
      [
        'apiVersion: eventing.knative.dev/v1\nkind: Broker\nmetadata: {name: default}\n',
        'apiVersion: eventing.knative.dev/v1\nkind: Trigger\nmetadata: {name: orders}\nspec:\n  broker: default\n' +
          '  filter: {attributes: {type: com.example.order.created}}\n' +
          '  subscriber: {ref: {apiVersion: serving.knative.dev/v1, kind: Service, name: orders}}\n',
        eventType('order-created', 'com.example.order.created', ORDER_SCHEMA),
        eventType('order-updated', 'com.example.order.updated', ORDER_SCHEMA),
        eventType('order-paid', 'com.example.order.paid', {type: 'object', examples: [{orderId: 'o-7', amount: 12.5}]}),
        eventType('order-shipped', 'com.example.order.shipped'),
      ].join('---\n'),
    )
    mesh = await meshForProject(project, env.KNE_DATA_DIR)
  })

  afterAll(async () => {
    await mesh?.close()
    await orders?.close()
  })

  it('makes an example from the schema with every required field, valid against it, and says so', async () => {
    // (a type nothing sends in these tests: once an event was seen, that is the example)
    const result = await kne(['registry', 'example', 'com.example.order.updated', '-n', 'shop'])
    expect(result.code).toBe(0)
    const event = JSON.parse(result.stdout) as Record<string, unknown>
    expect(event).toMatchObject({type: 'com.example.order.updated', source: '/shop', datacontenttype: 'application/json'})
    expect(validate(event.data), JSON.stringify(validate.errors)).toBe(true)
    expect(Object.keys(event.data as object).sort()).toEqual(['customer', 'items', 'orderId', 'placedAt', 'status'])
    expect(result.stderr).toContain("made from the EventType's schema, with every required field")
  })

  it("prefers the schema's own example (declared)", async () => {
    const result = jsonOf(await kne(['registry', 'example', 'com.example.order.paid', '--json']))
    expect(result).toMatchObject({origin: 'declared', event: {data: {orderId: 'o-7', amount: 12.5}}})
  })

  it('send --example delivers a schema-valid event to the subscriber and says which example it used; then the observed one is the example', async () => {
    const result = await kne(['send', '--example', 'com.example.order.created', '-n', 'shop', '--subject', 'o-1', '--json'])
    expect(result.code).toBe(0)
    const report = jsonOf(result)
    expect(report.example).toMatchObject({origin: 'schema', reference: 'Broker/default'})
    const [received] = await orders.waitFor(1)
    expect(received!.headers['ce-type']).toBe('com.example.order.created')
    expect(received!.headers['ce-id']).toBe(report.id)
    expect(received!.headers['ce-subject']).toBe('o-1')
    expect(validate(JSON.parse(received!.body.toString())), JSON.stringify(validate.errors)).toBe(true)

    const again = jsonOf(await kne(['registry', 'example', 'com.example.order.created', '--json']))
    expect(again).toMatchObject({origin: 'observed', from: 'the latest event kne dev saw', event: {id: report.id, subject: 'o-1'}})
    expect(again.event).not.toHaveProperty('knativebrokerttl')
  })

  it('exits 2 for an unknown type and for a type with neither a schema nor an event seen', async () => {
    const unknown = await kne(['registry', 'example', 'com.example.order.creatd'])
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toContain('com.example.order.created')
    const none = await kne(['send', '--example', 'com.example.order.shipped', '-n', 'shop'])
    expect(none.code).toBe(2)
    expect(none.stderr).toContain('no example of com.example.order.shipped')
  })
})
