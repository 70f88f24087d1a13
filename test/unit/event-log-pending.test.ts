// Which deliveries a previous run left without an outcome, and how each goes on after a restart: read from
// the activity records alone, as the event log gives them back.
import {describe, expect, it} from 'vitest'
import {
  attemptRecord,
  eventRecord,
  outcomeRecord,
  resumedRecord,
  settledRecord,
  type Activity,
  type EventRef,
} from '../../src/core/activity.js'
import {reachedOutcome, PendingDeliveries, resumeStep} from '../../src/core/event-log/pending.js'
import {FANOUT_TIMEOUT_MS} from '../../src/core/delivery/policy.js'

const T0 = Date.parse('2026-01-01T00:00:00Z')
const ref: EventRef = {broker: 'default/default', arrival: 7, id: 'order-1', type: 'com.example.order', source: '/shop'}
const orders = {trigger: 'default/orders'}
const audit = {trigger: 'default/audit'}
const event = {specversion: '1.0', id: 'order-1', type: 'com.example.order', source: '/shop', extensions: {}} as const

/** Numbers and timestamps records as the journal does: `at` is ms after T0. */
function log(...entries: [number, Activity][]): Activity[] {
  return entries.map(([ms, record], i) => ({...record, seq: i + 1, at: new Date(T0 + ms).toISOString()}))
}

const accepted = (matched = [orders.trigger]): Activity =>
  eventRecord(ref, 'ingress', undefined, undefined, {matched, notMatched: []}, event)
const tried = (
  who: {trigger: string},
  target: 'subscriber' | 'reply' | 'dead-letter-sink',
  n: number,
  status: number,
  next?: number,
): Activity => attemptRecord(ref, who, target, target === 'dead-letter-sink' ? 'http://dls' : 'http://sub', n, status, undefined, 3, next)

function pendingOf(records: Activity[]): PendingDeliveries {
  const pending = new PendingDeliveries()
  for (const record of records) pending.add(record)
  return pending
}

describe('pending deliveries after a restart', () => {
  it('finds nothing to do for a fan-out that settled', () => {
    const records = log(
      [0, accepted([orders.trigger, audit.trigger])],
      [5, tried(orders, 'subscriber', 1, 200)],
      [5, outcomeRecord(ref, orders, {outcome: 'delivered', status: 200})],
      [6, tried(audit, 'subscriber', 1, 202)],
      [6, outcomeRecord(ref, audit, {outcome: 'delivered', status: 202})],
      [6, settledRecord(ref, {[orders.trigger]: 'delivered', [audit.trigger]: 'delivered'})],
    )
    expect(pendingOf(records).arrivals()).toEqual([])
  })

  it('sends an event an asynchronous broker accepted and never delivered, from its first attempt, which may repeat', () => {
    const pending = pendingOf(log([0, accepted()]))
    const [arrival] = pending.arrivals()
    expect(arrival!.event.arrival).toBe(7)
    expect(arrival!.deliveries).toEqual([{who: orders}])
    expect(resumeStep(arrival!.deliveries[0]!, T0 + 60_000)).toEqual({target: 'subscriber', attempt: 1, waitMs: 0, mayRepeat: true})
  })

  it('goes on with a scheduled retry after the rest of its wait; an attempt whose time has not come cannot have been sent', () => {
    const records = log([0, accepted()], [10, tried(orders, 'subscriber', 1, 503, 1000)], [1010, tried(orders, 'subscriber', 2, 503, 2000)])
    const [arrival] = pendingOf(records).arrivals()
    const delivery = arrival!.deliveries[0]!
    expect(delivery.subscriber).toMatchObject({attempt: 2, nextDelayMs: 2000})
    // the retry was due at 3010 ms
    expect(resumeStep(delivery, T0 + 2500)).toEqual({target: 'subscriber', attempt: 3, waitMs: 510, mayRepeat: false})
    expect(resumeStep(delivery, T0 + 3010)).toEqual({target: 'subscriber', attempt: 3, waitMs: 0, mayRepeat: true})
    expect(resumeStep(delivery, T0 + 90_000)).toEqual({target: 'subscriber', attempt: 3, waitMs: 0, mayRepeat: true})
  })

  it('dead-letters an event whose attempts ran out before the dead-letter sink was called, with the last failure', () => {
    const records = log([0, accepted()], [10, tried(orders, 'subscriber', 1, 503, 1000)], [1010, tried(orders, 'subscriber', 2, 500)])
    const [arrival] = pendingOf(records).arrivals()
    expect(resumeStep(arrival!.deliveries[0]!, T0 + 5000)).toEqual({
      target: 'dead-letter-sink',
      attempt: 1,
      waitMs: 0,
      mayRepeat: true,
      failure: {url: 'http://sub', status: 500, error: undefined},
    })
  })

  it("goes on with the dead-letter sink's own retries", () => {
    const records = log([0, accepted()], [10, tried(orders, 'subscriber', 1, 500)], [20, tried(orders, 'dead-letter-sink', 1, 503, 400)])
    const [arrival] = pendingOf(records).arrivals()
    expect(resumeStep(arrival!.deliveries[0]!, T0 + 100)).toEqual({
      target: 'dead-letter-sink',
      attempt: 2,
      waitMs: 320,
      mayRepeat: false,
      failure: {url: 'http://sub', status: 500, error: undefined},
    })
  })

  it('asks the subscriber again when it answered but no outcome followed (its reply was under way), marked as a repeat', () => {
    const answered = log([0, accepted()], [10, tried(orders, 'subscriber', 1, 200)])
    expect(resumeStep(pendingOf(answered).arrivals()[0]!.deliveries[0]!, T0 + 50)).toEqual({
      target: 'subscriber',
      attempt: 2,
      waitMs: 0,
      mayRepeat: true,
    })
    const replying = log([0, accepted()], [10, tried(orders, 'subscriber', 1, 200)], [12, tried(orders, 'reply', 1, 503, 200)])
    expect(resumeStep(pendingOf(replying).arrivals()[0]!.deliveries[0]!, T0 + 50)).toEqual({
      target: 'subscriber',
      attempt: 2,
      waitMs: 0,
      mayRepeat: true,
    })
  })

  it('keeps the outcomes of a fan-out that settled only in part, and resumes the rest', () => {
    const records = log(
      [0, accepted([orders.trigger, audit.trigger])],
      [5, tried(audit, 'subscriber', 1, 200)],
      [5, outcomeRecord(ref, audit, {outcome: 'delivered', status: 200})],
      [6, tried(orders, 'subscriber', 1, 503, 200)],
    )
    const [arrival] = pendingOf(records).arrivals()
    expect(arrival!.outcomes).toEqual({[audit.trigger]: 'delivered'})
    expect(arrival!.deliveries.map((d) => d.who)).toEqual([orders])
  })

  it("names a channel's subscriptions only from their records: the rest come from the channel as it is now", () => {
    const onChannel: EventRef = {channel: 'default/orders', arrival: 3, id: 'c1', type: 't', source: '/s'}
    const records = log(
      [0, eventRecord(onChannel, 'ingress', undefined, undefined, undefined, event)],
      [5, attemptRecord(onChannel, {subscription: 'default/a'}, 'subscriber', 'http://a', 1, 503, undefined, 1, 100)],
    )
    const [arrival] = pendingOf(records).arrivals()
    expect(arrival!.routesKnown).toBe(false)
    expect(arrival!.deliveries.map((d) => d.who)).toEqual([{subscription: 'default/a'}])
  })

  it("knows a channel redelivery's one subscription from its event record", () => {
    const onChannel: EventRef = {channel: 'default/orders', arrival: 4, id: 'c1', type: 't', source: '/s'}
    const redelivers = {arrival: 3, subscription: 'default/a'}
    const [arrival] = pendingOf(log([0, eventRecord(onChannel, 'ingress', undefined, undefined, undefined, event, redelivers)])).arrivals()
    expect(arrival!.routesKnown).toBe(true)
    expect(arrival!.deliveries).toEqual([{who: {subscription: 'default/a'}}])
  })

  it('leaves what is left of the 15-minute fan-out window: the time the old run ran counts, downtime does not', () => {
    const records = log([0, accepted()], [60_000, tried(orders, 'subscriber', 1, 503, 600_000)])
    const pending = pendingOf(records)
    expect(pending.lastAt).toBe(T0 + 60_000)
    expect(pending.windowLeftMs(pending.arrivals()[0]!)).toBe(FANOUT_TIMEOUT_MS - 60_000)

    // restarted an hour later: it resumed, ran two more minutes, and stopped again
    const later = log(
      [0, accepted()],
      [60_000, tried(orders, 'subscriber', 1, 503, 1000)],
      [3_660_000, resumedRecord(ref, orders, {target: 'subscriber', attempt: 2, waitMs: 0, mayRepeat: true})],
      [3_780_000, tried(orders, 'subscriber', 2, 503, 1000)],
    )
    const again = pendingOf(later)
    expect(again.windowLeftMs(again.arrivals()[0]!)).toBe(FANOUT_TIMEOUT_MS - 180_000)
  })

  it('is 0 once the window is spent', () => {
    const records = log([0, accepted()], [FANOUT_TIMEOUT_MS + 5, tried(orders, 'subscriber', 1, 503, 1000)])
    const pending = pendingOf(records)
    expect(pending.windowLeftMs(pending.arrivals()[0]!)).toBe(0)
  })

  it('ends a delivery whose reply or in-mesh hop the mesh had accepted, unless an answer was recorded after it', () => {
    const reply = (arrival: number, target?: 'subscriber'): Activity =>
      eventRecord(
        {...ref, arrival, id: `r${arrival}`},
        target ? 'ingress' : 'reply',
        target ? undefined : {arrival: 7, ...orders},
        target ? {arrival: 7, ...orders, target} : undefined,
        {matched: [], notMatched: []},
        event,
      )
    const replied = pendingOf(log([0, accepted()], [10, tried(orders, 'subscriber', 1, 200)], [11, reply(8)]))
    expect(reachedOutcome(replied.arrivals()[0]!.deliveries[0]!)).toEqual({outcome: 'replied', replyArrival: 8})
    const handed = pendingOf(log([0, accepted()], [11, reply(9, 'subscriber')]))
    expect(reachedOutcome(handed.arrivals()[0]!.deliveries[0]!)).toEqual({outcome: 'delivered'})
    // the hop's broker answered 500 (its own fan-out failed): the retry goes on as usual
    const refused = pendingOf(log([0, accepted()], [11, reply(9, 'subscriber')], [20, tried(orders, 'subscriber', 1, 500, 1000)]))
    const delivery = refused.arrivals()[0]!.deliveries[0]!
    expect(reachedOutcome(delivery)).toBeUndefined()
    expect(resumeStep(delivery, T0 + 20)).toMatchObject({target: 'subscriber', attempt: 2, waitMs: 1000})
  })

  it('ends a delivery whose dead-letter sink answered 2xx as dead-lettered, with the failure that sent it there', () => {
    const records = log([0, accepted()], [10, tried(orders, 'subscriber', 1, 503)], [20, tried(orders, 'dead-letter-sink', 1, 202)])
    expect(reachedOutcome(pendingOf(records).arrivals()[0]!.deliveries[0]!)).toEqual({
      outcome: 'dead-lettered',
      status: 503,
      error: 'HTTP 503; sent to the dead-letter sink http://dls',
    })
  })
})
