import {mkdirSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {Chalk} from 'chalk'
import {describe, expect, it} from 'vitest'
import {activityToJson} from '../../src/core/activity.js'
import {renderActivity} from '../../src/client/render.js'
import {loadManifests} from '../../src/index.js'
import {startDev} from '../../src/mesh/dev.js'
import {useMesh} from '../helpers/mesh.js'
import {binaryHeaders, post} from '../helpers/subscriber.js'
import {tempDir} from '../helpers/temp.js'

const kit = useMesh()

const ORDER_SCHEMA = {
  type: 'object',
  required: ['orderId', 'total'],
  properties: {orderId: {type: 'string', format: 'uuid'}, total: {type: 'number', minimum: 0}},
}

function orderManifests(subscriberUrl: string, schemaData = JSON.stringify(ORDER_SCHEMA)): string {
  return `apiVersion: eventing.knative.dev/v1
kind: Broker
metadata: {name: default}
---
apiVersion: eventing.knative.dev/v1
kind: Trigger
metadata: {name: orders}
spec:
  broker: default
  subscriber: {uri: ${subscriberUrl}}
---
apiVersion: eventing.knative.dev/v1beta2
kind: EventType
metadata: {name: order-created}
spec:
  type: com.example.order.created
  reference: {apiVersion: eventing.knative.dev/v1, kind: Broker, name: default}
  schemaData: '${schemaData}'
`
}

const order = (data: unknown, id = `id-${Math.random().toString(36).slice(2)}`): [Record<string, string>, string] => [
  binaryHeaders('com.example.order.created', {'ce-id': id, 'content-type': 'application/json'}),
  JSON.stringify(data),
]
const GOOD = {orderId: '3f1c2a9e-8b4d-4c6e-9f7a-1b2c3d4e5f60', total: 12.5}
const BAD = {orderId: 'not-a-uuid', total: 'twelve'}

describe('schema enforcement at ingress (registry.validate)', () => {
  it('reject: a bad order event is answered 400 with the violations and not delivered; a good one 202 and delivered', async () => {
    const orders = await kit.subscriber()
    const mesh = await kit.mesh(orderManifests(orders.url), {validateEvents: 'reject'})
    const ingress = `${mesh.url}/default/default`

    const bad = await post(ingress, ...order(BAD, 'bad-1'))
    expect(bad.status).toBe(400)
    const body = JSON.parse(bad.text) as {error: string; violations: {path: string; message: string}[]}
    expect(body.violations).toEqual([
      {path: '/orderId', message: 'must match format "uuid"'},
      {path: '/total', message: 'must be number'},
    ])
    expect(body.error).toContain('com.example.order.created')
    const missing = JSON.parse((await post(ingress, ...order({total: 1}))).text) as {violations: unknown[]}
    expect(missing.violations).toEqual([{path: '/orderId', message: 'is required'}])

    expect((await post(ingress, ...order(GOOD, 'good-1'))).status).toBe(202)
    const [delivered] = await orders.waitFor(1)
    expect(delivered!.headers['ce-id']).toBe('good-1')
    await mesh.idle()
    expect(orders.received).toHaveLength(1)
    const rejected = mesh.journal.since(0).filter((r) => r.kind === 'rejected')
    expect(rejected).toHaveLength(2)
    expect(mesh.status().brokers[0]!.counters.rejected).toBe(2)
  })

  it('reject: reports at most the first 10 violations and how many more there were', async () => {
    const schema = {type: 'object', properties: Object.fromEntries(Array.from({length: 15}, (_, i) => [`f${i}`, {type: 'string'}]))}
    const mesh = await kit.mesh(orderManifests('http://127.0.0.1:9', JSON.stringify(schema)), {validateEvents: 'reject'})
    const data = Object.fromEntries(Array.from({length: 15}, (_, i) => [`f${i}`, i]))
    const answer = await post(`${mesh.url}/default/default`, ...order(data))
    expect(answer.status).toBe(400)
    const body = JSON.parse(answer.text) as {violations: unknown[]; moreViolations: number}
    expect(body.violations).toHaveLength(10)
    expect(body.moreViolations).toBe(5)
  })

  it('warn: the event is delivered and the violations are in the activity, before its event record', async () => {
    const orders = await kit.subscriber()
    const mesh = await kit.mesh(orderManifests(orders.url), {validateEvents: 'warn'})
    expect((await post(`${mesh.url}/default/default`, ...order(BAD, 'warned-1'))).status).toBe(202)
    await orders.waitFor(1)
    const records = mesh.journal.since(0)
    const warning = records.findIndex((r) => r.kind === 'invalid-data')
    expect(records[warning]).toMatchObject({
      kind: 'invalid-data',
      broker: 'default/default',
      id: 'warned-1',
      type: 'com.example.order.created',
      total: 2,
      violations: [
        {path: '/orderId', message: 'must match format "uuid"'},
        {path: '/total', message: 'must be number'},
      ],
    })
    expect(records[warning + 1]).toMatchObject({kind: 'event', id: 'warned-1'})
    // what kne tail prints for it
    const line = renderActivity(activityToJson(records[warning]!), new Chalk({level: 0}))
    expect(line).toContain('default/default ⚠ data does not match the schema of com.example.order.created id=warned-1')
    expect(line).toContain('! data/total: must be number')
  })

  it('off (the default): nothing is checked', async () => {
    const orders = await kit.subscriber()
    const mesh = await kit.mesh(orderManifests(orders.url))
    expect(mesh.eventSchemas).toBeUndefined()
    expect((await post(`${mesh.url}/default/default`, ...order(BAD))).status).toBe(202)
  })

  it('a schema that does not compile is a load problem naming the file, resource and field; the mesh serves, the type is not checked', async () => {
    const orders = await kit.subscriber()
    const logged: string[] = []
    const mesh = await kit.mesh(orderManifests(orders.url, '{"type": "objekt"}'), {
      validateEvents: 'reject',
      log: (line) => logged.push(line),
    })
    expect(mesh.schemaProblems).toHaveLength(1)
    expect(logged.join('\n')).toMatch(/test\.yaml.*EventType default\/order-created: spec\.schemaData: the JSON Schema does not compile/)
    expect((await post(`${mesh.url}/default/default`, ...order(BAD))).status).toBe(202)
    await orders.waitFor(1)
  })

  it('a channel checks too, and a schema URI naming a local file is read relative to its manifest', async () => {
    const dir = tempDir()
    mkdirSync(join(dir, 'schemas'))
    writeFileSync(join(dir, 'schemas', 'order.json'), JSON.stringify(ORDER_SCHEMA))
    writeFileSync(
      join(dir, 'channel.yaml'),
      `apiVersion: messaging.knative.dev/v1
kind: InMemoryChannel
metadata: {name: orders}
---
apiVersion: eventing.knative.dev/v1beta2
kind: EventType
metadata: {name: order-created}
spec:
  type: com.example.order.created
  schema: ./schemas/order.json
`,
    )
    const loaded = loadManifests([dir])
    expect(loaded.errors).toEqual([])
    const mesh = await kit.start({resources: loaded.resources, validateEvents: 'reject'})
    const ingress = `${mesh.url}/channels/default/orders`
    expect((await post(ingress, ...order(BAD))).status).toBe(400)
    expect((await post(ingress, ...order(GOOD))).status).toBe(202)
  })

  it("kne dev takes kne.yaml's registry.validate, --validate-events wins over it, and a reload can change it", async () => {
    const orders = await kit.subscriber()
    const dir = tempDir()
    mkdirSync(join(dir, 'knative'))
    writeFileSync(join(dir, 'knative', 'all.yaml'), orderManifests(orders.url))
    writeFileSync(join(dir, 'kne.yaml'), 'port: 0\nregistry:\n  validate: reject\n')
    const dev = (validateEvents?: 'off') =>
      startDev({files: [], config: join(dir, 'kne.yaml'), port: 0, cwd: dir, log: () => {}, output: () => {}, validateEvents})
    const fromFile = await dev()
    kit.defer(() => fromFile.mesh.close())
    expect((await post(`${fromFile.mesh.url}/default/default`, ...order(BAD))).status).toBe(400)
    const flagged = await dev('off')
    kit.defer(() => flagged.mesh.close())
    expect((await post(`${flagged.mesh.url}/default/default`, ...order(BAD))).status).toBe(202)
    // what a reload of kne.yaml applies
    fromFile.mesh.apply(fromFile.mesh.resources, {validateEvents: 'warn'})
    expect((await post(`${fromFile.mesh.url}/default/default`, ...order(BAD, 'after-reload'))).status).toBe(202)
    expect(fromFile.mesh.journal.since(0).some((r) => r.kind === 'invalid-data' && r.id === 'after-reload')).toBe(true)
  })
})
