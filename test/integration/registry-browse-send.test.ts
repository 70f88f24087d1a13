// `kne registry browse` → "Send the example event", against a running mesh over real HTTP: the wait is
// bounded even when a synchronous broker's subscriber is down (retries run on a virtual clock that never
// advances here), each attempt is reported as it happens, and the result reads as sentences, not JSON.
import {describe, expect, it} from 'vitest'
import {parseManifests, VirtualClock, type Mesh} from '../../src/index.js'
import {sendExample} from '../../src/client/registry-browse.js'
import {buildRegistry, type RegistryEntry} from '../../src/core/registry/index.js'
import {useMesh} from '../helpers/mesh.js'
import {startSubscriber, type Subscriber} from '../helpers/subscriber.js'

const kit = useMesh()
const subscriber = (): Promise<Subscriber> => kit.subscriber()

const yaml = (subscriberUrl: string): string => `apiVersion: eventing.knative.dev/v1
kind: Broker
metadata: {name: default}
---
apiVersion: eventing.knative.dev/v1
kind: Trigger
metadata: {name: orders}
spec:
  broker: default
  subscriber: {uri: "${subscriberUrl}"}
---
apiVersion: eventing.knative.dev/v1beta2
kind: EventType
metadata: {name: order-created}
spec:
  type: com.example.order.created
  source: /shop
  reference: {apiVersion: eventing.knative.dev/v1, kind: Broker, name: BROKER}
`

async function setUp(subscriberUrl: string, broker = 'default'): Promise<{mesh: Mesh; entry: RegistryEntry}> {
  const parsed = parseManifests(yaml(subscriberUrl).replace('BROKER', broker), 'test.yaml')
  expect(parsed.errors).toEqual([])
  const mesh = await kit.start({resources: parsed.resources, clock: new VirtualClock(), log: () => undefined})
  const entry = buildRegistry({resources: parsed.resources}).entries[0]!
  return {
    mesh,
    entry: {
      ...entry,
      example: {specversion: '1.0', type: entry.type, source: '/shop', id: 'x', datacontenttype: 'application/json', data: {id: 1}},
    },
  }
}

describe('registry browse: send the example event', () => {
  it('gives the prompt back after the bound when the subscriber is down, reporting each attempt', async () => {
    const down = await startSubscriber()
    await down.close() // nothing listens there any more: every attempt is refused
    const {mesh, entry} = await setUp(down.url)
    const progress: string[] = []
    const result = await sendExample(entry, {
      dataDir: '/nonexistent',
      env: {KNE_URL: mesh.url},
      waitMs: 500,
      progress: (line) => progress.push(line),
    })
    expect(progress).toEqual([expect.stringMatching(/^waiting for 1 delivery, attempt 1 of 11 failed \(.+\), next in 0.2 s$/)])
    const lines = result.split('\n')
    expect(lines[0]).toMatch(
      new RegExp(`^Sent event \\S+ \\(com\\.example\\.order\\.created\\) to ${mesh.url}/default/default: no answer within 500 ms`),
    )
    expect(lines[1]).toMatch(/^ {2}trigger default\/orders: still being delivered, attempt 1 of 11 failed \(.+\), next in 0.2 s$/)
    expect(lines[2]).toContain('kne tail --broker default -n default --type com.example.order.created')
  }, 10_000)

  it('says what the broker answered and what became of the delivery', async () => {
    const orders = await subscriber()
    const {mesh, entry} = await setUp(orders.url)
    const result = await sendExample(entry, {dataDir: '/nonexistent', env: {KNE_URL: mesh.url}})
    expect(result).toMatch(/: accepted \(202\)\n {2}trigger default\/orders: delivered \(200\)$/)
    expect((await orders.waitFor(1))[0]!.headers['ce-type']).toBe('com.example.order.created')
  })

  it('reads a refusal as a sentence, not as raw JSON', async () => {
    const orders = await subscriber()
    const {mesh, entry} = await setUp(orders.url, 'nope')
    const result = await sendExample(entry, {dataDir: '/nonexistent', env: {KNE_URL: mesh.url}})
    expect(result).toMatch(
      new RegExp(
        `^Not accepted: event \\S+ to ${mesh.url}/default/nope: 404 broker default/nope not found; this mesh serves default/default$`,
      ),
    )
  })
})
