// `kne tail`'s client against a real mesh: picking one event by id out of the history (what a script that
// just sent it needs), and one trigger's view of the activity.
import {describe, expect, it} from 'vitest'
import {tail} from '../../src/client/tail.js'
import type {ActivityJson, Mesh} from '../../src/index.js'
import {useMesh} from '../helpers/mesh.js'
import {binaryHeaders, post} from '../helpers/subscriber.js'

const kit = useMesh()

async function shop(): Promise<Mesh> {
  const sink = await kit.subscriber()
  const trigger = (name: string, type: string): string =>
    `apiVersion: eventing.knative.dev/v1\nkind: Trigger\nmetadata:\n  name: ${name}\nspec:\n  broker: default\n` +
    `  filter:\n    attributes:\n      type: ${type}\n  subscriber:\n    uri: ${sink.url}\n---\n`
  return kit.mesh(
    'apiVersion: eventing.knative.dev/v1\nkind: Broker\nmetadata:\n  name: default\n---\n' +
      trigger('orders', 'com.example.order') +
      trigger('refunds', 'com.example.refund'),
  )
}

describe('kne tail filters', () => {
  it('--id picks the event a script sent, not an older one of the same type', async () => {
    const mesh = await shop()
    for (const id of ['older', 'mine'])
      expect((await post(`${mesh.url}/default/default`, binaryHeaders('com.example.order', {'ce-id': id}))).status).toBe(202)
    const seen: ActivityJson[] = []
    const result = await tail(mesh.url, {selector: {id: 'mine'}, history: true, count: 1}, (r) => void seen.push(r))
    expect(result).toMatchObject({settled: 1, meshStopped: false})
    expect(seen.map((r) => r.kind)).toEqual(['event', 'attempt', 'outcome', 'settled'])
    expect(new Set(seen.map((r) => r.kind !== 'rejected' && r.id))).toEqual(new Set(['mine']))
  })

  it('--trigger shows the events a trigger matched and only its deliveries', async () => {
    const mesh = await shop()
    await post(`${mesh.url}/default/default`, binaryHeaders('com.example.order', {'ce-id': 'o-1'}))
    await post(`${mesh.url}/default/default`, binaryHeaders('com.example.refund', {'ce-id': 'r-1'}))
    const seen: ActivityJson[] = []
    await tail(mesh.url, {selector: {trigger: 'default/refunds'}, history: true, count: 1}, (r) => void seen.push(r))
    expect(seen.map((r) => [r.kind, r.kind !== 'rejected' && r.id])).toEqual([
      ['event', 'r-1'],
      ['attempt', 'r-1'],
      ['outcome', 'r-1'],
      ['settled', 'r-1'],
    ])
    expect(
      seen.filter((r) => r.kind === 'attempt' || r.kind === 'outcome').every((r) => 'trigger' in r && r.trigger === 'default/refunds'),
    ).toBe(true)
  })
})
