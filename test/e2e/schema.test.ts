// Schema enforcement and example events from the built CLI: kne dev --validate-events reject answers 400 for a
// bad order event and 202 for a good one, reports an unusable schema at load and keeps serving, and
// kne send --example delivers an event that its schema accepts.
import {mkdirSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {Ajv2020} from 'ajv/dist/2020.js'
import {afterAll, describe, expect, it} from 'vitest'
import {isolatedEnv, LongRunning, runCliIn} from '../helpers/cli.js'
import {startSubscriber, type Subscriber} from '../helpers/subscriber.js'
import {tempDir} from '../helpers/temp.js'

const ORDER_SCHEMA = {
  type: 'object',
  required: ['orderId', 'total', 'placedAt'],
  properties: {
    orderId: {type: 'string', format: 'uuid'},
    total: {type: 'number', minimum: 0},
    placedAt: {type: 'string', format: 'date-time'},
  },
}

describe('schema enforcement from the built CLI', () => {
  const running: LongRunning[] = []
  let orders: Subscriber | undefined
  afterAll(async () => {
    for (const p of running) p.kill()
    await orders?.close()
  })

  it('kne dev --validate-events reject: 400 for a bad order, 202 for a good one; send --example delivers a valid event', async () => {
    orders = await startSubscriber()
    const dir = tempDir()
    mkdirSync(join(dir, 'knative', 'schemas'), {recursive: true})
    writeFileSync(join(dir, 'kne.yaml'), `port: 0\nmanifests: knative\nservices: {orders: "${orders.url}"}\n`)
    writeFileSync(join(dir, 'knative', 'schemas', 'order.json'), JSON.stringify(ORDER_SCHEMA))
    writeFileSync(
      join(dir, 'knative', 'shop.yaml'),
      `apiVersion: eventing.knative.dev/v1
kind: Broker
metadata: {name: default}
---
apiVersion: eventing.knative.dev/v1
kind: Trigger
metadata: {name: orders}
spec:
  broker: default
  filter: {attributes: {type: com.example.order.created}}
  subscriber: {ref: {apiVersion: serving.knative.dev/v1, kind: Service, name: orders}}
---
apiVersion: eventing.knative.dev/v1beta2
kind: EventType
metadata: {name: order-created}
spec:
  type: com.example.order.created
  source: /shop
  schema: ./schemas/order.json
  reference: {apiVersion: eventing.knative.dev/v1, kind: Broker, name: default}
---
apiVersion: eventing.knative.dev/v1beta2
kind: EventType
metadata: {name: order-broken}
spec:
  type: com.example.order.broken
  schemaData: '{"type": "objekt"}'
`,
    )
    const env = isolatedEnv()
    const dev = new LongRunning(['dev', '--validate-events', 'reject'], env, dir)
    running.push(dev)
    const [, url] = await dev.waitFor(/Ready on (http:\/\/127\.0\.0\.1:\d+)/)
    expect(dev.stderr).toMatch(/shop\.yaml.*EventType default\/order-broken: spec\.schemaData: the JSON Schema does not compile/)

    const validate = new Ajv2020({strict: false}).compile(ORDER_SCHEMA)
    // before any event: made from the schema file the EventType names
    const example = await runCliIn(dir, ['registry', 'example', 'com.example.order.created', '--json'], env)
    expect(example.code, example.stderr).toBe(0)
    const made = JSON.parse(example.stdout) as {origin: string; event: {data: unknown}}
    expect(made.origin).toBe('schema')
    expect(validate(made.event.data), JSON.stringify(validate.errors)).toBe(true)

    const post = (id: string, data: unknown) =>
      fetch(`${url}/default/default`, {
        method: 'POST',
        headers: {
          'ce-specversion': '1.0',
          'ce-id': id,
          'ce-source': '/shop',
          'ce-type': 'com.example.order.created',
          'content-type': 'application/json',
        },
        body: JSON.stringify(data),
      })
    const bad = await post('bad-1', {orderId: 42, total: -1})
    expect(bad.status).toBe(400)
    expect(((await bad.json()) as {violations: {path: string}[]}).violations.map((v) => v.path)).toEqual([
      '/placedAt',
      '/orderId',
      '/total',
    ])
    const good = await post('good-1', {orderId: '3f1c2a9e-8b4d-4c6e-9f7a-1b2c3d4e5f60', total: 3, placedAt: '2024-01-01T12:00:00Z'})
    expect(good.status).toBe(202)
    await orders.waitFor(1)

    const sent = await runCliIn(dir, ['send', '--example', 'com.example.order.created'], env)
    expect(sent.code, sent.stderr).toBe(0)
    // the good order is the latest observed event: the example
    expect(sent.stderr).toContain('the latest event kne dev saw')
    const [, second] = await orders.waitFor(2)
    expect(validate(JSON.parse(second!.body.toString())), JSON.stringify(validate.errors)).toBe(true)
    expect(second!.headers['ce-id']).not.toBe('good-1')
  }, 60_000)
})
