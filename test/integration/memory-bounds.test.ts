// What the mesh holds in memory, bounded in bytes: the activity history (a byte budget, oldest records
// first, large event data kept only in part), its replay to slow readers (a chunk at a time, never the
// whole history at once) and an asynchronous broker's backlog.
import {get, type IncomingMessage} from 'node:http'
import {setFlagsFromString} from 'node:v8'
import {runInNewContext} from 'node:vm'
import {describe, expect, it} from 'vitest'
import {createMesh, type ActivityJson, type Mesh} from '../../src/index.js'
import {useMesh} from '../helpers/mesh.js'
import {binaryHeaders, heldResponder, post} from '../helpers/subscriber.js'

const kit = useMesh()

const KiB = 1024
const MiB = 1024 * KiB

const {subscriber} = kit

async function meshFrom(subscriberUrl: string, options: Parameters<typeof createMesh>[0] = {}, brokerExtra = ''): Promise<Mesh> {
  return kit.mesh(
    `apiVersion: eventing.knative.dev/v1\nkind: Broker\nmetadata:\n  name: default\n${brokerExtra}---\n` +
      `apiVersion: eventing.knative.dev/v1\nkind: Trigger\nmetadata:\n  name: t\nspec:\n  broker: default\n  subscriber:\n    uri: ${subscriberUrl}\n`,
    options,
  )
}

const ASYNC = '  annotations:\n    messaging.knative.dev/async-handler: "true"\n'

/** Sends `count` text events with `data`, `concurrency` at a time; ids are `<prefix>-<i>`. */
async function sendEvents(mesh: Mesh, count: number, data: string, {prefix = 'e', concurrency = 8} = {}): Promise<void> {
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < count) {
      const i = next++
      const sent = await post(
        `${mesh.url}/default/default`,
        {...binaryHeaders('com.example.big', {'ce-id': `${prefix}-${i}`}), 'content-type': 'text/plain'},
        data,
      )
      expect(sent.status).toBe(202)
    }
  }
  await Promise.all(Array.from({length: concurrency}, worker))
}

async function history(mesh: Mesh, query = ''): Promise<ActivityJson[]> {
  const response = await fetch(`${mesh.url}/_kne/v1/activity${query}`)
  return (await response.text())
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as ActivityJson)
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

  it("keeps the first 64 KiB of a larger event's data, with its real size, and hands live followers the whole event", async () => {
    const sink = await subscriber()
    const mesh = await meshFrom(sink.url)
    const live: ActivityJson[] = []
    mesh.journal.subscribe((record) => live.push(record as ActivityJson))
    const text = 'é'.repeat(50 * KiB) // 100 KiB of two-byte characters
    expect(
      (
        await post(
          `${mesh.url}/default/default`,
          {...binaryHeaders('com.example.big', {'ce-id': 'big'}), 'content-type': 'text/plain'},
          text,
        )
      ).status,
    ).toBe(202)
    expect(
      (
        await post(
          `${mesh.url}/default/default`,
          {...binaryHeaders('com.example.small', {'ce-id': 'small'}), 'content-type': 'text/plain'},
          'hello',
        )
      ).status,
    ).toBe(202)
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

describe('replaying the history (GET /_kne/v1/activity, kne tail --history)', () => {
  it('writes a large history a chunk at a time to a slow reader, answering ingress meanwhile and buffering little', async () => {
    setFlagsFromString('--expose-gc')
    const gc = runInNewContext('gc') as () => void
    const sink = await subscriber()
    const mesh = await meshFrom(sink.url)
    // control characters take six bytes each in JSON: ~8 MB of NDJSON, more than the sockets buffer
    await sendEvents(mesh, 20, '\u0001'.repeat(64 * KiB))
    await mesh.idle()
    const expected = mesh.journal.next - 1
    gc()
    const before = process.memoryUsage().arrayBuffers
    // a reader that takes the response and then stops reading
    const response = await new Promise<IncomingMessage>((resolve) => get(`${mesh.url}/_kne/v1/activity`, resolve))
    response.pause()
    expect((await post(`${mesh.url}/default/default`, binaryHeaders('com.example.during', {'ce-id': 'during'}))).status).toBe(202)
    for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve))
    gc()
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(4 * MiB)
    let text = ''
    response.setEncoding('utf8')
    response.on('data', (chunk: string) => {
      text += chunk
    })
    await new Promise((resolve) => response.on('end', resolve).resume())
    const records = text
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as ActivityJson)
    // the history as it was when asked for, every record whole and in order
    expect(records.map((r) => r.seq)).toEqual(Array.from({length: expected}, (_, i) => i + 1))
    expect(eventIds(records)).not.toContain('during')
  })

  it('follows with the history first, then the subscribed line, then what arrived meanwhile, missing nothing', async () => {
    const sink = await subscriber()
    const mesh = await meshFrom(sink.url)
    await sendEvents(mesh, 30, 'x'.repeat(32 * KiB), {prefix: 'before'})
    await mesh.idle()
    const response = await new Promise<IncomingMessage>((resolve) => get(`${mesh.url}/_kne/v1/activity?follow=true&since=1`, resolve))
    // events accepted while the history is still being written
    const during = sendEvents(mesh, 5, 'small', {prefix: 'during'})
    const lines: {kind: string; id?: string; seq?: number; next?: number}[] = []
    let buffered = ''
    await new Promise<void>((resolve) => {
      response.setEncoding('utf8')
      response.on('data', (chunk: string) => {
        buffered += chunk
        let newline: number
        while ((newline = buffered.indexOf('\n')) >= 0) {
          lines.push(JSON.parse(buffered.slice(0, newline)) as {kind: string})
          buffered = buffered.slice(newline + 1)
        }
        if (lines.filter((l) => l.kind === 'settled').length === 35) resolve()
      })
    })
    await during
    response.destroy()
    const subscribed = lines.findIndex((l) => l.kind === 'subscribed')
    expect(subscribed).toBeGreaterThan(0)
    const {next} = lines[subscribed]!
    expect(lines.slice(0, subscribed).map((l) => l.seq)).toEqual(Array.from({length: next! - 1}, (_, i) => i + 1))
    expect(lines.slice(subscribed + 1).map((l) => l.seq)).toEqual(Array.from({length: lines.length - subscribed - 1}, (_, i) => next! + i))
    expect(new Set(lines.filter((l) => l.kind === 'event').map((l) => l.id)).size).toBe(35)
  })
})

describe("an asynchronous broker's backlog, bounded in bytes", () => {
  it('answers 429 once the events waiting for delivery hold --max-pending-bytes, and accepts again as they drain', async () => {
    const {release, responder} = heldResponder()
    const held = await subscriber(responder)
    const mesh = await meshFrom(held.url, {maxPendingBytes: 100 * KiB}, ASYNC)
    const data = 'x'.repeat(30 * KiB)
    const codes: number[] = []
    let refused: {status: number; headers: Headers; text: string} | undefined
    for (let i = 0; i < 5; i++) {
      const sent = await post(`${mesh.url}/default/default`, {...binaryHeaders('com.example.big'), 'content-type': 'text/plain'}, data)
      codes.push(sent.status)
      if (sent.status === 429) refused ??= sent
    }
    // three events of 30 KiB fit in 100 KiB, a fourth does not
    expect(codes).toEqual([202, 202, 202, 429, 429])
    expect(refused!.headers.get('retry-after')).toBe('1')
    expect(JSON.parse(refused!.text).error).toMatch(/at capacity \(90\.\d KiB of events waiting for delivery, at most 100 KiB\)/)
    expect(mesh.status().brokers[0]!.counters).toMatchObject({accepted: 3, rejected: 2, pending: 3})
    release()
    await mesh.idle()
    expect(mesh.status().brokers[0]!.counters).toMatchObject({pending: 0, pendingBytes: 0})
    expect(
      (await post(`${mesh.url}/default/default`, {...binaryHeaders('com.example.big'), 'content-type': 'text/plain'}, data)).status,
    ).toBe(202)
  })

  it('accepts one event larger than the bound when nothing is waiting', async () => {
    const sink = await subscriber()
    const mesh = await meshFrom(sink.url, {maxPendingBytes: 10 * KiB}, ASYNC)
    expect(
      (await post(`${mesh.url}/default/default`, {...binaryHeaders('com.example.big'), 'content-type': 'text/plain'}, 'x'.repeat(20 * KiB)))
        .status,
    ).toBe(202)
    await sink.waitFor(1)
  })
})
