import {describe, expect, it} from 'vitest'
import {createMesh, parseManifests, type Mesh} from '../../src/index.js'
import {buildRegistry, type ObservedRegistry} from '../../src/core/registry/index.js'
import {useMesh} from '../helpers/mesh.js'
import {binaryHeaders, post} from '../helpers/subscriber.js'

const kit = useMesh()
const {subscriber} = kit

async function meshFrom(
  yaml: string,
  options: Parameters<typeof createMesh>[0] = {},
): Promise<{mesh: Mesh; resources: ReturnType<typeof parseManifests>['resources']}> {
  const parsed = parseManifests(yaml, 'test.yaml')
  expect(parsed.errors).toEqual([])
  const mesh = await kit.start({...options, resources: parsed.resources})
  return {mesh, resources: parsed.resources}
}

async function registryOf(mesh: Mesh): Promise<ObservedRegistry> {
  const response = await fetch(`${mesh.url}/_kne/v1/registry`)
  expect(response.status).toBe(200)
  return (await response.json()) as ObservedRegistry
}

const json = (type: string, data: unknown, extra: Record<string, string> = {}): [Record<string, string>, string] => [
  binaryHeaders(type, {'content-type': 'application/json', ...extra}),
  JSON.stringify(data),
]

describe('the mesh observes the event types that pass through it', () => {
  it('records types at broker ingress: counts, sources, the inferred schema and an example, over real HTTP', async () => {
    const orders = await subscriber()
    const {mesh} = await meshFrom(`apiVersion: eventing.knative.dev/v1
kind: Broker
metadata: {name: default}
---
apiVersion: eventing.knative.dev/v1
kind: Trigger
metadata: {name: orders}
spec:
  broker: default
  filter: {attributes: {type: com.example.order.created}}
  subscriber: {uri: ${orders.url}}
`)
    const ingress = `${mesh.url}/default/default`
    expect(
      (
        await post(
          ingress,
          ...json('com.example.order.created', {id: 1, total: 10.5, placed: '2024-05-01T10:00:00Z'}, {'ce-source': '/shop/eu'}),
        )
      ).status,
    ).toBe(202)
    expect(
      (
        await post(
          ingress,
          ...json(
            'com.example.order.created',
            {id: 2, total: 3, placed: '2024-05-01T11:00:00Z', coupon: 'SPRING'},
            {'ce-source': '/shop/us'},
          ),
        )
      ).status,
    ).toBe(202)
    expect((await post(ingress, binaryHeaders('com.example.ping'))).status).toBe(202)
    expect((await post(ingress, {'ce-specversion': '1.0', 'ce-type': 'broken'}, '')).status).toBe(400) // rejected: not a type
    await orders.waitFor(2)

    const registry = await registryOf(mesh)
    expect(registry.types.map((t) => `${t.type} ${t.count}`)).toEqual(['com.example.order.created 2', 'com.example.ping 1'])
    const created = registry.types[0]!
    expect(created.reference).toEqual({apiVersion: 'eventing.knative.dev/v1', kind: 'Broker', name: 'default', namespace: 'default'})
    expect(created.sources.map((s) => s.value)).toEqual(['/shop/eu', '/shop/us'])
    expect(created.schema).toMatchObject({
      type: 'object',
      required: ['id', 'total', 'placed'],
      properties: {id: {type: 'integer'}, total: {type: 'number'}, placed: {type: 'string', format: 'date-time'}, coupon: {type: 'string'}},
    })
    expect(created.example).toMatchObject({type: 'com.example.order.created', source: '/shop/us', data: {id: 2}})
    expect(Date.parse(created.lastSeen)).toBeGreaterThanOrEqual(Date.parse(created.firstSeen))
    expect(registry.types[1]!.data.none).toBe(1)
  })

  it("records a subscriber's reply with its trigger as the reference, and the registry sees the loop it makes", async () => {
    const echo = await subscriber((req, res) => {
      // replies with a type its own trigger (prefix com.example.) accepts again
      res
        .writeHead(200, {
          'ce-specversion': '1.0',
          'ce-id': `r-${Math.random()}`,
          'ce-source': '/echo',
          'ce-type': 'com.example.echoed',
          'content-type': 'application/json',
        })
        .end(req.body)
    })
    const {mesh, resources} = await meshFrom(`apiVersion: eventing.knative.dev/v1
kind: Broker
metadata: {name: default, annotations: {messaging.knative.dev/async-handler: "true"}}
---
apiVersion: eventing.knative.dev/v1
kind: Trigger
metadata: {name: echo}
spec:
  broker: default
  filters: [{prefix: {type: com.example.}}]
  subscriber: {uri: ${echo.url}}
`)
    expect((await post(`${mesh.url}/default/default`, ...json('com.example.start', {n: 1}))).status).toBe(202)
    await echo.waitFor(3, 10_000) // the reply keeps coming back until the TTL runs out
    const observed = await registryOf(mesh)
    const reply = observed.types.find((t) => t.type === 'com.example.echoed')!
    expect(reply.reference).toMatchObject({kind: 'Trigger', name: 'echo', namespace: 'default'})
    expect(reply.broker).toBe('default/default')
    expect(reply.via.reply).toBeGreaterThanOrEqual(2)
    expect(reply.sources).toEqual([{value: '/echo', count: reply.count}])

    const registry = buildRegistry({resources, observed: observed.types})
    const entry = registry.entries.find((e) => e.type === 'com.example.echoed')!
    expect(entry.producers).toEqual([{kind: 'Trigger', name: 'echo', namespace: 'default', via: 'observed'}])
    expect(entry.consumers.map((c) => `${c.trigger} ${c.verdict}`)).toEqual(['default/echo matches'])
  })

  it('can be switched off', async () => {
    const {mesh} = await meshFrom('apiVersion: eventing.knative.dev/v1\nkind: Broker\nmetadata: {name: default}\n', {
      observeEventTypes: false,
    })
    expect(mesh.eventTypes).toBeUndefined()
    expect((await fetch(`${mesh.url}/_kne/v1/registry`)).status).toBe(404)
  })
})
