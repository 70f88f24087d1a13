// A mesh restarted from the records a previous run appended goes on where that run stopped: deliveries
// under way resume from their next attempt after the rest of their wait, on the current topology, and the
// history, numbers, counters and registry come back. The "crash" is a copy of the first mesh's records up to
// a point; the first mesh is then never driven again (its clock stands still), as if it had been killed.
import {Chalk} from 'chalk'
import {describe, expect, it} from 'vitest'
import {tail} from '../../src/client/tail.js'
import {renderActivity} from '../../src/client/render.js'
import {activityToJson} from '../../src/core/activity.js'
import {FANOUT_TIMEOUT_MESSAGE} from '../../src/core/delivery/policy.js'
import {decodeJsonEvent} from '../../src/core/codec/json.js'
import {VirtualClock, type Activity, type ActivityJson, type Mesh} from '../../src/index.js'
import {useMesh} from '../helpers/mesh.js'
import {channel, subscription, trigger} from '../helpers/flows.js'
import {acceptEmpty, binaryHeaders, heldResponder, post, type Responder} from '../helpers/subscriber.js'

const kit = useMesh()
const plain = new Chalk({level: 0})

const failWith =
  (code: number): Responder =>
  (_req, res) => {
    res.writeHead(code).end('busy')
  }

const ASYNC = '  annotations:\n    messaging.knative.dev/async-handler: "true"\n'

function shop(
  subscriberUrl: string,
  {dls, triggers = ['orders'], async = true}: {dls?: string; triggers?: string[]; async?: boolean} = {},
): string {
  const delivery = `  delivery:\n    retry: 5\n    backoffPolicy: exponential\n    backoffDelay: PT1S\n${dls ? `    deadLetterSink:\n      uri: ${dls}\n` : ''}`
  return (
    `apiVersion: eventing.knative.dev/v1\nkind: Broker\nmetadata:\n  name: default\n${async ? ASYNC : ''}spec:\n${delivery}` +
    triggers
      .map(
        (name) =>
          `---\napiVersion: eventing.knative.dev/v1\nkind: Trigger\nmetadata:\n  name: ${name}\nspec:\n  broker: default\n  subscriber:\n    uri: ${subscriberUrl}\n`,
      )
      .join('')
  )
}

/** Every record a mesh appends, whole, as the event log keeps it. */
function recorded(mesh: Mesh): Activity[] {
  const records: Activity[] = []
  mesh.journal.subscribe((record) => records.push(record))
  return records
}

/** Records as they come back from the log: JSON, the event decoded again. */
function fromLog(records: Activity[]): Activity[] {
  return records.map((record) => {
    const json = JSON.parse(JSON.stringify(activityToJson(record))) as Record<string, unknown>
    if (record.kind !== 'event') return json as unknown as Activity
    const decoded = decodeJsonEvent(json.event)
    if (!decoded.ok) throw new Error(decoded.error)
    return {...json, event: decoded.event} as unknown as Activity
  })
}

const attempts = (mesh: Mesh, target = 'subscriber'): [number, number | undefined, number | undefined][] =>
  mesh.journal
    .since()
    .flatMap((r) =>
      r.kind === 'attempt' && r.target === target
        ? [[r.attempt, r.status, r.nextDelayMs] as [number, number | undefined, number | undefined]]
        : [],
    )

const send = (mesh: Mesh, id: string): Promise<{status: number}> =>
  post(`${mesh.url}/default/default`, binaryHeaders('com.example.order', {'ce-id': id}))

describe('restart without loss', () => {
  it('resumes a retry schedule after the rest of its wait, dead-letters after the remaining attempts, and counts as one uninterrupted run would', async () => {
    const failing = await kit.subscriber(failWith(503))
    const dls = await kit.subscriber()
    const first = new VirtualClock()
    const before = await kit.mesh(shop(failing.url, {dls: dls.url}), {clock: first})
    const log = recorded(before)
    expect((await send(before, 'order-1')).status).toBe(202)
    // attempts 1 to 3 fail; the third schedules a retry in 4 s; the mesh dies 1 s into that wait
    await first.whenSleeping(1)
    await first.advanceToNext()
    await first.whenSleeping(1)
    await first.advanceToNext()
    await first.whenSleeping(1)
    expect(attempts(before)).toEqual([
      [1, 503, 1000],
      [2, 503, 2000],
      [3, 503, 4000],
    ])
    await first.advance(1000)
    const crash = log.slice()
    expect(failing.received).toHaveLength(3)

    // restarted 2 s later: 1 s of the 4 s wait is left
    const second = new VirtualClock(first.now() + 2000)
    const after = await kit.mesh(shop(failing.url, {dls: dls.url}), {clock: second, restore: fromLog(crash)})
    expect(after.restored).toMatchObject({records: crash.length, arrivals: 1, deliveries: 1})
    const resumed = after.journal.since().find((r) => r.kind === 'resumed')
    expect(resumed).toMatchObject({
      kind: 'resumed',
      arrival: 1,
      trigger: 'default/orders',
      target: 'subscriber',
      attempt: 4,
      waitMs: 1000,
      mayRepeat: false,
    })
    expect(resumed!.seq).toBe(crash.length + 1)

    await second.whenSleeping(1)
    expect(second.requestedSleeps).toEqual([1000])
    await second.advance(999)
    expect(failing.received).toHaveLength(3)
    await second.advance(1)
    await failing.waitFor(4)
    // attempts 4 to 6 (retry 5), then the dead-letter sink
    await second.runUntil(dls.waitFor(1))
    expect(second.requestedSleeps).toEqual([1000, 8000, 16_000])
    expect(attempts(after)).toEqual([
      [1, 503, 1000],
      [2, 503, 2000],
      [3, 503, 4000],
      [4, 503, 8000],
      [5, 503, 16_000],
      [6, 503, undefined],
    ])
    expect(dls.received[0]!.headers).toMatchObject({'ce-id': 'order-1', 'ce-knativeerrorcode': '503', 'ce-knativeerrordest': failing.url})
    await after.idle()
    const settled = after.journal.since().filter((r) => r.kind === 'settled')
    expect(settled).toMatchObject([{arrival: 1, outcomes: {'default/orders': 'dead-lettered'}}])

    // the same event, never interrupted
    const once = new VirtualClock()
    const uninterrupted = await kit.mesh(shop(failing.url, {dls: dls.url}), {clock: once})
    expect((await send(uninterrupted, 'order-1')).status).toBe(202)
    await once.runUntil(dls.waitFor(2))
    await uninterrupted.idle()
    const counters = (mesh: Mesh): unknown => ({
      brokers: mesh.status().brokers.map((b) => b.counters),
      triggers: mesh.status().triggers.map((t) => t.counters),
    })
    expect(counters(after)).toEqual(counters(uninterrupted))
    expect(counters(after)).toMatchObject({brokers: [{accepted: 1, pending: 0}], triggers: [{matched: 1, deadLettered: 1, inFlight: 0}]})
  })

  it("shows the resumed delivery in kne tail's activity, one line naming the event", async () => {
    const failing = await kit.subscriber(failWith(503))
    const first = new VirtualClock()
    const before = await kit.mesh(shop(failing.url), {clock: first})
    const log = recorded(before)
    await send(before, 'order-2')
    await first.whenSleeping(1)
    const second = new VirtualClock(first.now() + 60_000)
    const after = await kit.mesh(shop(failing.url), {clock: second, restore: fromLog(log)})
    const seen: ActivityJson[] = []
    const stop = new AbortController()
    await tail(after.url, {selector: {id: 'order-2'}, history: true, signal: stop.signal}, (r) => {
      seen.push(r)
      if (r.kind === 'resumed') stop.abort()
    })
    // the previous run's records come first, from the restored history, with their own numbers
    const upToResumed = seen.slice(0, seen.findIndex((r) => r.kind === 'resumed') + 1)
    expect(upToResumed.map((r) => [r.kind, r.seq])).toEqual([
      ['event', 1],
      ['attempt', 2],
      ['resumed', 3],
    ])
    const lines = seen.filter((r) => r.kind === 'resumed').map((r) => renderActivity(r, plain))
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(
      /^\d\d:\d\d:\d\d\.\d{3} {3}↻ default\/orders id=order-2 resumed after a restart: attempt 2 now \(the previous run may have sent it already: it may arrive twice\)$/,
    )
  })

  it('delivers an event an asynchronous broker accepted and had not delivered, counted as pending until it is', async () => {
    const held = heldResponder()
    const subscriber = await kit.subscriber(held.responder)
    const before = await kit.mesh(shop(subscriber.url), {clock: new VirtualClock()})
    const log = recorded(before)
    expect((await send(before, 'order-3')).status).toBe(202)
    await subscriber.waitFor(1)
    // killed while the first attempt was in flight: only the event's record is in the log
    expect(log.map((r) => r.kind)).toEqual(['event'])
    const crash = log.slice()

    const again = heldResponder()
    subscriber.respond(again.responder)
    const after = await kit.mesh(shop(subscriber.url), {clock: new VirtualClock(), restore: fromLog(crash)})
    await subscriber.waitFor(2)
    expect(subscriber.received[1]!.headers['ce-id']).toBe('order-3')
    expect(after.status().brokers[0]!.counters).toMatchObject({accepted: 1, pending: 1})
    expect(after.status().inFlight).toMatchObject([{arrival: 1, id: 'order-3', trigger: 'default/orders'}])
    again.release()
    await after.idle()
    expect(after.status().brokers[0]!.counters).toMatchObject({accepted: 1, pending: 0, pendingBytes: 0})
    expect(after.status().triggers[0]!.counters).toMatchObject({matched: 1, delivered: 1, inFlight: 0})
    expect(after.journal.since(crash.length + 1).map((r) => r.kind)).toEqual(['resumed', 'attempt', 'outcome', 'settled'])
    expect(after.journal.since().find((r) => r.kind === 'resumed')).toMatchObject({attempt: 1, waitMs: 0, mayRepeat: true})
    held.release()
  })

  it('ends a delivery whose trigger no longer exists failed, with the reason, and settles the arrival', async () => {
    const failing = await kit.subscriber(failWith(503))
    const first = new VirtualClock()
    const before = await kit.mesh(shop(failing.url, {triggers: ['orders', 'audit']}), {clock: first})
    const log = recorded(before)
    await send(before, 'order-4')
    await first.whenSleeping(2)
    const after = await kit.mesh(shop(failing.url, {triggers: ['audit']}), {
      clock: new VirtualClock(first.now() + 500),
      restore: fromLog(log),
    })
    const outcome = after.journal.since().find((r) => r.kind === 'outcome' && r.trigger === 'default/orders')
    expect(outcome).toMatchObject({outcome: 'failed', error: 'trigger default/orders no longer exists'})
    expect(after.status().failed).toMatchObject([
      {arrival: 1, id: 'order-4', trigger: 'default/orders', error: 'trigger default/orders no longer exists'},
    ])
    // the other trigger still exists and goes on with its retries (it keeps failing: 503)
    await (after.clock as VirtualClock).runUntil(after.idle())
    const settled = after.journal.since().find((r) => r.kind === 'settled')
    expect(settled).toMatchObject({arrival: 1, outcomes: {'default/orders': 'failed', 'default/audit': 'failed'}})
  })

  it('does not deliver a settled fan-out again, and restores the history, its numbers, the counters and the registry', async () => {
    const subscriber = await kit.subscriber()
    const before = await kit.mesh(shop(subscriber.url, {async: false}), {clock: new VirtualClock()})
    const log = recorded(before)
    expect((await send(before, 'order-5')).status).toBe(202)
    expect((await post(`${before.url}/default/default`, {'content-type': 'text/plain'}, 'not an event')).status).toBe(400)
    await before.idle()
    const crash = log.slice()

    const after = await kit.mesh(shop(subscriber.url, {async: false}), {clock: new VirtualClock(), restore: fromLog(crash)})
    expect(after.restored).toMatchObject({records: crash.length, arrivals: 0, deliveries: 0})
    expect(subscriber.received).toHaveLength(1)
    expect(after.journal.since().map((r) => [r.seq, r.kind])).toEqual(crash.map((r) => [r.seq, r.kind]))
    expect(after.journal.next).toBe(crash.length + 1)
    expect(after.status().brokers[0]!.counters).toEqual(before.status().brokers[0]!.counters)
    expect(after.status().triggers[0]!.counters).toEqual(before.status().triggers[0]!.counters)
    expect(after.eventTypes!.snapshot()).toEqual(before.eventTypes!.snapshot())

    // the next event goes on from the previous run's numbers
    expect(await send(after, 'order-6')).toMatchObject({status: 202})
    const next = after.journal.since(crash.length + 1)
    expect(next[0]).toMatchObject({kind: 'event', seq: crash.length + 1, arrival: 2, id: 'order-6'})
  })

  it("resumes a channel's subscriptions: the one with records from its next attempt, the one without from its first", async () => {
    const retrying = await kit.subscriber(failWith(503))
    const held = heldResponder()
    const slow = await kit.subscriber(held.responder)
    const pipe = (): string =>
      channel('pipe', ASYNC) +
      subscription('a', 'pipe', retrying.url, '  delivery:\n    retry: 2\n    backoffPolicy: exponential\n    backoffDelay: PT1S\n') +
      subscription('b', 'pipe', slow.url)
    const first = new VirtualClock()
    const before = await kit.mesh(pipe(), {clock: first})
    const log = recorded(before)
    expect((await post(`${before.url}/channels/default/pipe`, binaryHeaders('com.example.order', {'ce-id': 'order-7'}))).status).toBe(202)
    await first.whenSleeping(1)
    await slow.waitFor(1)
    const crash = log.slice()

    retrying.respond(acceptEmpty)
    slow.respond(acceptEmpty)
    const second = new VirtualClock(first.now() + 400)
    const after = await kit.mesh(pipe(), {clock: second, restore: fromLog(crash)})
    const resumed = after.journal.since().filter((r) => r.kind === 'resumed')
    expect(resumed).toMatchObject([
      {subscription: 'default/a', attempt: 2, waitMs: 600, mayRepeat: false},
      {subscription: 'default/b', attempt: 1, waitMs: 0, mayRepeat: true},
    ])
    await second.runUntil(after.idle())
    expect(retrying.received).toHaveLength(2)
    expect(slow.received).toHaveLength(2)
    expect(after.journal.since().find((r) => r.kind === 'settled')).toMatchObject({
      channel: 'default/pipe',
      outcomes: {'default/a': 'delivered', 'default/b': 'delivered'},
    })
    expect(after.status().channels[0]!.counters).toMatchObject({accepted: 1, pending: 0})
    held.release()
  })

  it("does not ask a subscriber again once its reply was accepted: the reply's own arrival resumes instead", async () => {
    const replying = await kit.subscriber((_req, res) => {
      res.writeHead(200, {'ce-specversion': '1.0', 'ce-id': 'shipment-1', 'ce-source': '/orders', 'ce-type': 'com.example.shipment'}).end()
    })
    const held = heldResponder()
    const shipping = await kit.subscriber(held.responder)
    const yaml =
      'apiVersion: eventing.knative.dev/v1\nkind: Broker\nmetadata:\n  name: default\n---\n' +
      trigger('orders', replying.url, 'com.example.order') +
      trigger('shipping', shipping.url, 'com.example.shipment')
    const before = await kit.mesh(yaml, {clock: new VirtualClock()})
    const log = recorded(before)
    // a synchronous broker: the reply's delivery is under way, so neither the reply nor the order has an outcome
    void send(before, 'order-8').catch(() => undefined)
    await shipping.waitFor(1)
    const crash = log.slice()
    expect(crash.map((r) => r.kind)).toEqual(['event', 'attempt', 'event'])

    shipping.respond(acceptEmpty)
    const after = await kit.mesh(yaml, {clock: new VirtualClock(), restore: fromLog(crash)})
    await after.idle()
    expect(replying.received).toHaveLength(1)
    expect(shipping.received.map((r) => r.headers['ce-id'])).toEqual(['shipment-1', 'shipment-1'])
    const settled = after.journal.since().filter((r) => r.kind === 'settled')
    expect(settled).toMatchObject([
      {arrival: 1, outcomes: {'default/orders': 'replied'}},
      {arrival: 2, outcomes: {'default/shipping': 'delivered'}},
    ])
    expect(after.journal.since().find((r) => r.kind === 'outcome' && r.trigger === 'default/orders')).toMatchObject({
      outcome: 'replied',
      replyArrival: 2,
    })
    expect(after.status().triggers.map((t) => [t.name, t.counters.replied, t.counters.delivered])).toEqual([
      ['orders', 1, 0],
      ['shipping', 0, 1],
    ])
    held.release()
  })

  it('gives a resumed fan-out what was left of its 15 minutes, not counting the time kne was down', async () => {
    const failing = await kit.subscriber(failWith(503))
    const slow =
      'apiVersion: eventing.knative.dev/v1\nkind: Broker\nmetadata:\n  name: default\n' +
      `${ASYNC}spec:\n  delivery:\n    retry: 5\n    backoffPolicy: exponential\n    backoffDelay: PT10M\n---\n` +
      trigger('orders', failing.url)
    const first = new VirtualClock()
    const before = await kit.mesh(slow, {clock: first})
    const log = recorded(before)
    await send(before, 'order-9')
    await first.whenSleeping(1)
    await first.advanceToNext()
    await first.whenSleeping(1)
    // attempt 2 ran 10 minutes into the fan-out and scheduled a retry in 20; kne is back an hour later
    expect(attempts(before)).toEqual([
      [1, 503, 600_000],
      [2, 503, 1_200_000],
    ])
    const second = new VirtualClock(first.now() + 3_600_000)
    const after = await kit.mesh(slow, {clock: second, restore: fromLog(log)})
    expect(after.journal.since().find((r) => r.kind === 'resumed')).toMatchObject({attempt: 3, waitMs: 0, mayRepeat: true})
    await second.runUntil(after.idle())
    expect(failing.received).toHaveLength(3)
    // attempt 3 asks for 40 minutes; the 5 minutes left of the window end it
    expect(second.requestedSleeps).toEqual([300_000])
    expect(after.journal.since().find((r) => r.kind === 'outcome')).toMatchObject({outcome: 'failed', error: FANOUT_TIMEOUT_MESSAGE})
  })

  it('dead-letters an event whose attempts had run out when kne stopped, before its dead-letter sink was called', async () => {
    const failing = await kit.subscriber(failWith(503))
    const dls = await kit.subscriber()
    const first = new VirtualClock()
    const before = await kit.mesh(shop(failing.url, {dls: dls.url}), {clock: first})
    const log = recorded(before)
    await send(before, 'order-10')
    await first.runUntil(dls.waitFor(1))
    // the log as it was when the last attempt had been recorded: the dead letter came after it
    const last = log.findIndex((r) => r.kind === 'attempt' && r.attempt === 6)
    expect(log[last]).toMatchObject({status: 503})
    expect(log[last]!.kind === 'attempt' && log[last]!.nextDelayMs).toBeUndefined()
    const crash = log.slice(0, last + 1)

    const after = await kit.mesh(shop(failing.url, {dls: dls.url}), {clock: new VirtualClock(first.now()), restore: fromLog(crash)})
    expect(after.journal.since().find((r) => r.kind === 'resumed')).toMatchObject({target: 'dead-letter-sink', attempt: 1, mayRepeat: true})
    await after.idle()
    expect(failing.received).toHaveLength(6)
    expect(dls.received).toHaveLength(2)
    expect(dls.received[1]!.headers).toMatchObject({'ce-id': 'order-10', 'ce-knativeerrorcode': '503', 'ce-knativeerrordest': failing.url})
    expect(after.journal.since().find((r) => r.kind === 'outcome')).toMatchObject({outcome: 'dead-lettered', status: 503})
    expect(after.status().triggers[0]!.counters).toMatchObject({matched: 1, deadLettered: 1, inFlight: 0})
  })

  it('starts, and resumes the other events, when a record cannot be restored', async () => {
    const subscriber = await kit.subscriber()
    const before = await kit.mesh(shop(subscriber.url), {clock: new VirtualClock()})
    const log = recorded(before)
    const held = heldResponder()
    subscriber.respond(held.responder)
    await send(before, 'order-11')
    await send(before, 'order-12')
    await subscriber.waitFor(2)
    const [first, second] = fromLog(log)
    // a record that lost its event (the log's checks should never let one through, but it must not stop kne)
    const broken = {...first!, event: undefined} as unknown as Activity

    subscriber.respond(acceptEmpty)
    const lines: string[] = []
    const after = await kit.mesh(shop(subscriber.url), {
      clock: new VirtualClock(),
      restore: [broken, second!],
      log: (line) => lines.push(line),
    })
    await after.idle()
    expect(lines).toEqual([expect.stringMatching(/^event log record 1 could not be restored and is left out: /)])
    expect(after.restored).toMatchObject({records: 2, skipped: 1, arrivals: 1})
    expect(subscriber.received.slice(2).map((r) => r.headers['ce-id'])).toEqual(['order-12'])
    held.release()
  })
})
