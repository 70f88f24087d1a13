// What the mesh holds in memory, bounded in bytes: the activity history (a byte budget, oldest records
// first, large event data kept only in part).
import {afterEach, describe, expect, it} from 'vitest'
import {createMesh, parseManifests, type ActivityJson, type Mesh} from '../../src/index.js'
import {binaryHeaders, post, startSubscriber, type Responder, type Subscriber} from '../helpers/subscriber.js'

const cleanups: (() => Promise<unknown>)[] = []
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!()
})

const KiB = 1024

async function subscriber(responder?: Responder): Promise<Subscriber> {
  const s = await startSubscriber(responder)
  cleanups.push(() => s.close())
  return s
}

async function meshFrom(subscriberUrl: string, options: Parameters<typeof createMesh>[0] = {}, brokerExtra = ''): Promise<Mesh> {
  const parsed = parseManifests(`apiVersion: eventing.knative.dev/v1\nkind: Broker\nmetadata:\n  name: default\n${brokerExtra}---\n`
    + `apiVersion: eventing.knative.dev/v1\nkind: Trigger\nmetadata:\n  name: t\nspec:\n  broker: default\n  subscriber:\n    uri: ${subscriberUrl}\n`, 'test.yaml')
  expect(parsed.errors).toEqual([])
  const mesh = await createMesh({...options, resources: parsed.resources})
  cleanups.push(() => mesh.close())
  return mesh
}

/** Sends `count` text events with `data`, `concurrency` at a time; ids are `<prefix>-<i>`. */
async function sendEvents(mesh: Mesh, count: number, data: string, {prefix = 'e', concurrency = 8} = {}): Promise<void> {
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < count) {
      const i = next++
      const sent = await post(`${mesh.url}/default/default`, {...binaryHeaders('com.example.big', {'ce-id': `${prefix}-${i}`}), 'content-type': 'text/plain'}, data)
      expect(sent.status).toBe(202)
    }
  }
  await Promise.all(Array.from({length: concurrency}, worker))
}

async function history(mesh: Mesh, query = ''): Promise<ActivityJson[]> {
  const response = await fetch(`${mesh.url}/_kne/v1/activity${query}`)
  return (await response.text()).split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as ActivityJson)
}

function eventIds(records: ActivityJson[]): string[] {
  return records.flatMap((r) => (r.kind === 'event' ? [r.id] : []))
}

describe('the activity history, bounded in bytes', () => {
  it('drops the oldest records first once the records it keeps exceed --history-bytes', async () => {
    const sink = await subscriber()
    const mesh = await meshFrom(sink.url, {historyBytes: 128 * KiB})
    await sendEvents(mesh, 20, 'x'.repeat(16 * KiB), {concurrency: 1})
    const kept = await history(mesh)
    // 20 events of 16 KiB do not fit in 128 KiB: the newest do, each with all its records
    const ids = eventIds(kept)
    expect(ids.length).toBeGreaterThanOrEqual(5)
    expect(ids.length).toBeLessThan(8)
    expect(ids).toEqual(Array.from({length: ids.length}, (_, i) => `e-${20 - ids.length + i}`))
    expect(kept.map((r) => r.seq)).toEqual(kept.map((_, i) => kept[0]!.seq + i))
    expect(kept.at(-1)).toMatchObject({kind: 'settled', arrival: 20})
    expect(sink.received).toHaveLength(20)
  })

  it('keeps the first 64 KiB of a larger event\'s data, with its real size, and hands live followers the whole event', async () => {
    const sink = await subscriber()
    const mesh = await meshFrom(sink.url)
    const live: ActivityJson[] = []
    mesh.journal.subscribe((record) => live.push(record as ActivityJson))
    const text = 'é'.repeat(50 * KiB) // 100 KiB of two-byte characters
    expect((await post(`${mesh.url}/default/default`, {...binaryHeaders('com.example.big', {'ce-id': 'big'}), 'content-type': 'text/plain'}, text)).status).toBe(202)
    expect((await post(`${mesh.url}/default/default`, {...binaryHeaders('com.example.small', {'ce-id': 'small'}), 'content-type': 'text/plain'}, 'hello')).status).toBe(202)
    const [big, small] = (await history(mesh)).filter((r) => r.kind === 'event')
    expect(big).toMatchObject({id: 'big', dataTruncated: true, dataBytes: 100 * KiB})
    const kept = (big as Extract<ActivityJson, {kind: 'event'}>).event.data as string
    expect(text.startsWith(kept)).toBe(true) // cut between characters, so still text
    expect(Buffer.byteLength(kept)).toBe(64 * KiB)
    expect(small).not.toHaveProperty('dataTruncated')
    expect(sink.received[0]!.body.toString()).toBe(text) // the subscriber got it all
    expect(live[0]).toMatchObject({id: 'big'})
    expect(live[0]).not.toHaveProperty('dataTruncated')
    // the kept start has a buffer of its own: the 100 KiB body is not held through it
    const record = mesh.journal.since().find((r) => r.kind === 'event' && r.id === 'big')!
    expect(record.kind === 'event' && record.event.data!.buffer.byteLength).toBeLessThanOrEqual(64 * KiB)
  })
})
