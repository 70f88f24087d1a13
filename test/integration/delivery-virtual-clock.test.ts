// Long retry schedules on a virtual clock, through the library API: the mesh delivers over real HTTP to
// real subscribers, but every wait between attempts is virtual, so minutes of backoff take milliseconds.
import {describe, expect, it} from 'vitest'
import {VirtualClock, type ActivityJson, type Mesh, type MeshOptions} from '../../src/index.js'
import {useMesh} from '../helpers/mesh.js'
import {binaryHeaders, post, type Responder} from '../helpers/subscriber.js'

const kit = useMesh()
const {subscriber} = kit
const meshOn = (clock: VirtualClock, yaml: string, options: MeshOptions = {}): Promise<Mesh> => kit.mesh(yaml, {...options, clock})

const status =
  (code: number, body = ''): Responder =>
  (_req, res) => {
    res.writeHead(code).end(body)
  }

function manifests(subscriberUrl: string, {broker = '', delivery = ''} = {}): string {
  return (
    `apiVersion: eventing.knative.dev/v1\nkind: Broker\nmetadata:\n  name: default\n${broker}---\n` +
    `apiVersion: eventing.knative.dev/v1\nkind: Trigger\nmetadata:\n  name: orders\nspec:\n  broker: default\n  subscriber:\n    uri: ${subscriberUrl}\n${delivery}`
  )
}

function records(mesh: Mesh): ActivityJson[] {
  return mesh.journal.since() as ActivityJson[]
}

describe('retry schedules on a virtual clock', () => {
  it('runs the stock broker delivery (10 retries, exponential from PT0.2S) and then dead-letters, with every wait exact', async () => {
    const failing = await subscriber(status(503, 'busy'))
    const dls = await subscriber()
    const clock = new VirtualClock()
    const mesh = await meshOn(
      clock,
      manifests(failing.url, {
        broker: `spec:\n  delivery:\n    retry: 10\n    backoffPolicy: exponential\n    backoffDelay: PT0.2S\n    deadLetterSink:\n      uri: ${dls.url}\n`,
      }),
    )
    const started = clock.now()
    const answer = await clock.runUntil(post(`${mesh.url}/default/default`, binaryHeaders('com.example.order', {'ce-id': 'order-1'})))
    expect(answer.status).toBe(202)
    expect(failing.received).toHaveLength(11)
    expect(clock.requestedSleeps).toEqual([200, 400, 800, 1600, 3200, 6400, 12_800, 25_600, 51_200, 102_400])
    expect(clock.now() - started).toBe(204_600)
    // each attempt is recorded at its virtual time, with the wait before the next
    const attempts = records(mesh).filter((r) => r.kind === 'attempt' && r.target === 'subscriber')
    expect(attempts.map((a) => a.kind === 'attempt' && [a.attempt, a.status, a.nextDelayMs])).toEqual([
      [1, 503, 200],
      [2, 503, 400],
      [3, 503, 800],
      [4, 503, 1600],
      [5, 503, 3200],
      [6, 503, 6400],
      [7, 503, 12_800],
      [8, 503, 25_600],
      [9, 503, 51_200],
      [10, 503, 102_400],
      [11, 503, undefined],
    ])
    const times = attempts.map((a) => Date.parse(a.at) - started)
    expect(times).toEqual([0, 200, 600, 1400, 3000, 6200, 12_600, 25_400, 51_000, 102_200, 204_600])
    const [dead] = await dls.waitFor(1)
    expect(dead!.headers['ce-id']).toBe('order-1')
    expect(dead!.headers['ce-knativeerrorcode']).toBe('503')
    expect(dead!.headers['ce-knativeerrordest']).toBe(failing.url)
    expect(dead!.headers['ce-knativeerrordata']).toBe(Buffer.from('busy').toString('base64'))
    expect(mesh.status().triggers[0]!.counters).toMatchObject({matched: 1, deadLettered: 1, failed: 0, inFlight: 0})
  })

  it('applies the stock default to a Broker without spec.delivery, and kne.yaml brokerDefaults in its place', async () => {
    const failing = await subscriber(status(500))
    const stock = new VirtualClock()
    const mesh = await meshOn(stock, manifests(failing.url))
    expect((await stock.runUntil(post(`${mesh.url}/default/default`, binaryHeaders('com.example.x')))).status).toBe(500)
    expect(stock.requestedSleeps).toEqual([200, 400, 800, 1600, 3200, 6400, 12_800, 25_600, 51_200, 102_400])

    const configured = new VirtualClock()
    const other = await meshOn(configured, manifests(failing.url), {
      brokerDelivery: {retry: 3, backoffPolicy: 'linear', backoffDelay: 'PT10S'},
    })
    expect((await configured.runUntil(post(`${other.url}/default/default`, binaryHeaders('com.example.x')))).status).toBe(500)
    expect(configured.requestedSleeps).toEqual([0, 10_000, 20_000])
  })

  it('waits 0, d, 2d… for linear backoff and retries back to back without a backoff policy', async () => {
    const failing = await subscriber(status(500))
    const linear = new VirtualClock()
    const mesh = await meshOn(
      linear,
      manifests(failing.url, {delivery: '  delivery:\n    retry: 5\n    backoffPolicy: linear\n    backoffDelay: PT1.5S\n'}),
    )
    await linear.runUntil(post(`${mesh.url}/default/default`, binaryHeaders('com.example.x')))
    expect(linear.requestedSleeps).toEqual([0, 1500, 3000, 4500, 6000])

    const none = new VirtualClock()
    const other = await meshOn(none, manifests(failing.url, {delivery: '  delivery:\n    retry: 3\n'}))
    await none.runUntil(post(`${other.url}/default/default`, binaryHeaders('com.example.x')))
    expect(none.requestedSleeps).toEqual([0, 0, 0])
    expect(failing.received).toHaveLength(6 + 4)
  })

  it('honours Retry-After as an HTTP-date on 429, measured against the mesh clock and capped by retryAfterMax', async () => {
    const clock = new VirtualClock(Date.parse('2024-01-01T00:00:00Z'))
    const dates = ['Mon, 01 Jan 2024 00:00:30 GMT', 'Mon, 01 Jan 2024 00:10:00 GMT', 'garbage']
    const limited = await subscriber((_req, res, i) => {
      if (i < 3) res.writeHead(429, {'Retry-After': dates[i]!}).end()
      else res.writeHead(200).end()
    })
    const mesh = await meshOn(
      clock,
      manifests(limited.url, {
        delivery: '  delivery:\n    retry: 5\n    backoffPolicy: exponential\n    backoffDelay: PT1S\n    retryAfterMax: PT2M\n',
      }),
    )
    const answer = await clock.runUntil(post(`${mesh.url}/default/default`, binaryHeaders('com.example.x')))
    expect(answer.status).toBe(202)
    // 30 s until the date; then 10 minutes capped to 2; then unreadable → the backoff (4 s) alone
    expect(clock.requestedSleeps).toEqual([30_000, 120_000, 4000])
  })

  it('ends a fan-out still retrying after 15 minutes as failed, without trying the dead-letter sink', async () => {
    const failing = await subscriber(status(503))
    const dls = await subscriber()
    const clock = new VirtualClock()
    const mesh = await meshOn(
      clock,
      manifests(failing.url, {
        delivery: `  delivery:\n    retry: 20\n    backoffPolicy: exponential\n    backoffDelay: PT1S\n    deadLetterSink:\n      uri: ${dls.url}\n`,
      }),
    )
    const started = clock.now()
    const answer = await clock.runUntil(post(`${mesh.url}/default/default`, binaryHeaders('com.example.x', {'ce-id': 'slow-1'})))
    expect(answer.status).toBe(500)
    expect(clock.now() - started).toBe(15 * 60_000)
    // waits 1+2+…+256 s = 511 s, then the 512 s wait is cut at the 900 s mark
    expect(clock.requestedSleeps).toEqual([1000, 2000, 4000, 8000, 16_000, 32_000, 64_000, 128_000, 256_000, 389_000])
    expect(failing.received).toHaveLength(10)
    expect(dls.received).toHaveLength(0)
    const outcome = records(mesh).find((r) => r.kind === 'outcome')
    expect(outcome).toMatchObject({outcome: 'failed', id: 'slow-1'})
    expect(outcome?.kind === 'outcome' && outcome.error).toContain('15-minute')
    expect(mesh.status().failed).toMatchObject([{id: 'slow-1', trigger: 'default/orders', status: 503}])
  })

  it('lets an asynchronous broker be driven step by step: whenSleeping, then advanceToNext', async () => {
    const flapping = await subscriber((_req, res, i) => {
      res.writeHead(i % 2 === 0 ? 503 : 200).end()
    })
    const clock = new VirtualClock()
    const mesh = await meshOn(
      clock,
      manifests(flapping.url, {
        broker: '  annotations:\n    messaging.knative.dev/async-handler: "true"\n',
        delivery: '  delivery:\n    retry: 3\n    backoffPolicy: exponential\n    backoffDelay: PT30S\n',
      }),
    )
    expect((await post(`${mesh.url}/default/default`, binaryHeaders('com.example.x'))).status).toBe(202)
    await clock.whenSleeping()
    expect(clock.nextWakeIn).toBe(30_000)
    expect(mesh.status().inFlight).toHaveLength(1)
    expect(await clock.advanceToNext()).toBe(30_000)
    await mesh.idle()
    expect(flapping.received).toHaveLength(2)
    expect(mesh.status().triggers[0]!.counters).toMatchObject({delivered: 1, inFlight: 0})
  })
})
