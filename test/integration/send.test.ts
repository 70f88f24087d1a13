// `kne send`'s client against a real mesh over HTTP: progress while a synchronous broker retries (on a
// virtual clock), --async, --timeout, the flows --to can name, and where the data comes from.
import {describe, expect, it} from 'vitest'
import {describeProgress, send, type DeliveryProgress, type SendOptions} from '../../src/client/send.js'
import {VirtualClock, type Mesh} from '../../src/index.js'
import {useMesh} from '../helpers/mesh.js'
import type {Responder} from '../helpers/subscriber.js'

const kit = useMesh()
const {subscriber} = kit
const meshOf = (yaml: string, clock?: VirtualClock): Promise<Mesh> => kit.mesh(yaml, {clock})

const failing: Responder = (_req, res) => {
  res.writeHead(503).end('busy')
}

function brokerTo(url: string, retry: number): string {
  return (
    'apiVersion: eventing.knative.dev/v1\nkind: Broker\nmetadata:\n  name: default\n---\n' +
    `apiVersion: eventing.knative.dev/v1\nkind: Trigger\nmetadata:\n  name: orders\nspec:\n  broker: default\n  subscriber:\n    uri: ${url}\n` +
    `  delivery:\n    retry: ${retry}\n    backoffPolicy: exponential\n    backoffDelay: PT0.2S\n`
  )
}

function options(mesh: Mesh, extra: Partial<SendOptions> = {}): SendOptions {
  return {
    type: 'com.example.order',
    to: 'broker:default',
    namespace: 'default',
    mode: 'binary',
    dataDir: '/nonexistent',
    env: {KNE_URL: mesh.url},
    ...extra,
  }
}

/** Progress lines as they come, and a way to wait for one. */
function progressLog(): {lines: string[]; onProgress: (p: DeliveryProgress) => void; seen: (text: string) => Promise<void>} {
  const lines: string[] = []
  const waiters: {text: string; resolve: () => void}[] = []
  return {
    lines,
    onProgress(p) {
      const line = describeProgress(p)
      lines.push(line)
      for (const w of waiters.filter((w) => line.includes(w.text))) w.resolve()
    },
    seen: (text) => (lines.some((l) => l.includes(text)) ? Promise.resolve() : new Promise((resolve) => waiters.push({text, resolve}))),
  }
}

describe('kne send on a synchronous broker', () => {
  it('reports each attempt while the broker retries, with the attempts allowed and the wait before the next', async () => {
    const down = await subscriber(failing)
    const clock = new VirtualClock()
    const mesh = await meshOf(brokerTo(down.url, 3), clock)
    const log = progressLog()
    const sending = send(options(mesh), log.onProgress)
    await log.seen('attempt 1 of 4 answered 503, next in 0.2 s')
    expect(log.lines[0]).toBe('waiting for 1 delivery')
    await clock.advanceToNext()
    await log.seen('attempt 2 of 4 answered 503, next in 0.4 s')
    await clock.advanceToNext()
    await log.seen('waiting for 1 delivery, attempt 3 of 4 answered 503, next in 0.8 s')
    await clock.advanceToNext()
    const report = await sending
    expect(report.response.status).toBe(500)
    expect(down.received).toHaveLength(4)
  })

  it('--async returns once the mesh has accepted the event, while its delivery is still being retried', async () => {
    const down = await subscriber(failing)
    const clock = new VirtualClock()
    const mesh = await meshOf(brokerTo(down.url, 10), clock)
    const report = await send(options(mesh, {async: true, id: 'order-7'}))
    expect(report).toMatchObject({id: 'order-7', awaited: false, response: {status: 202}})
    // the delivery goes on in the mesh: its retries are still ahead on the virtual clock
    expect(mesh.runtime.inFlightCount).toBe(1)
  })

  it('--timeout gives up with exit 6 and says where the deliveries stand', async () => {
    const down = await subscriber(failing)
    const mesh = await meshOf(brokerTo(down.url, 10), new VirtualClock())
    const error = await send(options(mesh, {timeoutMs: 200}), () => undefined).catch((e: unknown) => e)
    expect(error).toMatchObject({exitCode: 6, code: 'SEND_TIMEOUT'})
    expect((error as Error).message).toMatch(
      /no answer from .*\/default\/default within 0\.2 s; the mesh accepted the event and goes on delivering it: waiting for 1 delivery, attempt 1 of 11 answered 503, next in 0\.2 s/,
    )
  })
})

describe('kne send --to and its data', () => {
  it('sends to a sequence, a parallel and a channel by name, as --sink names them', async () => {
    const step = await subscriber()
    const mesh = await meshOf(
      'apiVersion: flows.knative.dev/v1\nkind: Sequence\nmetadata:\n  name: checkout\nspec:\n  steps:\n' +
        `    - uri: ${step.url}\n---\n` +
        `apiVersion: flows.knative.dev/v1\nkind: Parallel\nmetadata:\n  name: fanout\nspec:\n  branches:\n    - subscriber:\n        uri: ${step.url}\n---\n` +
        'apiVersion: messaging.knative.dev/v1\nkind: InMemoryChannel\nmetadata:\n  name: reviews\n---\n' +
        `apiVersion: messaging.knative.dev/v1\nkind: Subscription\nmetadata:\n  name: reviews-step\nspec:\n  channel:\n    apiVersion: messaging.knative.dev/v1\n    kind: InMemoryChannel\n    name: reviews\n  subscriber:\n    uri: ${step.url}\n`,
    )
    for (const to of ['sequence:checkout', 'parallel:fanout', 'channel:reviews']) {
      const report = await send(options(mesh, {to, data: '{"n":1}'}))
      expect(report.response.status, to).toBe(202)
    }
    expect(step.received.map((r) => r.headers['ce-type'])).toEqual(['com.example.order', 'com.example.order', 'com.example.order'])
  })

  it('names the flag once in an unknown prefix', async () => {
    const mesh = await meshOf(brokerTo('http://127.0.0.1:1', 0))
    await expect(send(options(mesh, {to: 'kafka:orders'}))).rejects.toThrow(
      /^--to "kafka:orders": unknown prefix "kafka" \(use broker, channel, sequence, parallel/,
    )
  })

  it('refuses data that looks like JSON but does not parse, unless --content-type says what it is', async () => {
    const sink = await subscriber()
    const mesh = await meshOf(brokerTo(sink.url, 0))
    const refused = await send(options(mesh, {data: '{bad json'})).catch((e: unknown) => e)
    expect(refused).toMatchObject({exitCode: 2, code: 'INVALID_EVENT'})
    expect((refused as Error).message).toContain('the data is not valid JSON')
    expect(sink.received).toHaveLength(0)
    await send(options(mesh, {data: '{bad json', contentType: 'text/plain'}))
    expect(sink.received[0]!.headers['content-type']).toBe('text/plain')
    expect(sink.received[0]!.body.toString()).toBe('{bad json')
  })

  it('reads stdin only for --data - or --data-file -, never when no data is given', async () => {
    const sink = await subscriber()
    const mesh = await meshOf(brokerTo(sink.url, 0))
    // a stdin that must not be touched: reading it would throw
    const untouchable: AsyncIterable<Buffer> = {
      [Symbol.asyncIterator]: () => {
        throw new Error('stdin was read')
      },
    }
    await send(options(mesh, {stdin: untouchable}))
    expect(sink.received[0]!.body.length).toBe(0)
    const piped = async function* (): AsyncGenerator<Buffer> {
      yield Buffer.from('{"from":')
      yield Buffer.from('"stdin"}')
    }
    await send(options(mesh, {data: '-', stdin: piped()}))
    await send(options(mesh, {dataFile: '-', stdin: piped()}))
    expect(sink.received.slice(1).map((r) => JSON.parse(r.body.toString()))).toEqual([{from: 'stdin'}, {from: 'stdin'}])
  })
})
