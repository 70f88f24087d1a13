// Which deliveries a previous run of the mesh left without an outcome, read from the activity records it
// appended, and how each goes on after a restart: the next attempt, the retry wait left, the part of the
// 15-minute fan-out window left (downtime does not count), and whether the attempt it goes on with may have
// been sent already (delivery is at-least-once: the previous run may have crashed before recording an answer).
import type {Activity, DeliveryTarget, Outcome, Subscriber} from '../activity.js'
import {attemptError, deadLetteredError, FANOUT_TIMEOUT_MS, isSuccess} from '../delivery/policy.js'

export type EventActivity = Extract<Activity, {kind: 'event'}>
type AttemptActivity = Extract<Activity, {kind: 'attempt'}>

/** One delivery of an unsettled arrival that has no outcome yet: the last attempt recorded at each target. */
export interface PendingDelivery {
  who: Subscriber
  subscriber?: AttemptActivity
  reply?: AttemptActivity
  deadLetter?: AttemptActivity
  /**
   * The arrival its last step made in the mesh itself (a reply into a broker, or a subscriber or dead-letter
   * sink that is one of the mesh's brokers or channels), when no answer was recorded after it: that step took.
   */
  handedOn?: {target: DeliveryTarget; arrival: number}
}

/** An arrival whose fan-out had not settled when the previous run stopped. */
export interface PendingArrival {
  /** The event record: the event whole, where it arrived, and (at a broker) the triggers it matched. */
  event: EventActivity
  /** Outcomes recorded already, by trigger or subscription key. */
  outcomes: Record<string, Outcome>
  /** Deliveries with no outcome: at a broker, every matched trigger without one; at a channel, those with a record. */
  deliveries: PendingDelivery[]
  /**
   * At a channel the records do not name the subscriptions of a fan-out (its event record has no `matched`):
   * those with no record yet are not among `deliveries`, and the caller takes them from the channel as it is now.
   */
  routesKnown: boolean
  /** The mesh's downtime (restarts) before this arrival, as counted when it arrived. */
  downBeforeMs: number
}

/** How a pending delivery goes on, at a given time. */
export interface ResumeStep {
  /** The subscriber (again), or the dead-letter sink once the subscriber's attempts (or its reply's) ran out. */
  target: Exclude<DeliveryTarget, 'reply'>
  /** Number of the next attempt at that target. */
  attempt: number
  /** What is left of the retry's wait (the last attempt's time and nextDelayMs), never below 0. */
  waitMs: number
  /** The previous run may have sent this attempt before it stopped: the receiver may get it twice. */
  mayRepeat: boolean
  /** For the dead-letter sink: the failed attempt that sends the event there. */
  failure?: {url: string; status?: number; error?: string}
}

/**
 * Follows the records of a previous run, oldest first, one at a time (a log may be far larger than memory
 * allows to hold): keeps only the arrivals not settled yet, each with its event and its deliveries' last attempts.
 */
export class PendingDeliveries {
  private readonly open = new Map<number, PendingArrival>()
  private lastRecordAt = Number.NaN
  private lastKind: Activity['kind'] | undefined
  /** Time the mesh was down, summed over the restarts the records show. */
  private downMs = 0

  add(record: Activity): void {
    const at = Date.parse(record.at)
    // a restart's resumed records come together, first thing: the gap before them is downtime
    if (record.kind === 'resumed' && this.lastKind !== 'resumed' && !Number.isNaN(at) && !Number.isNaN(this.lastRecordAt))
      this.downMs += Math.max(0, at - this.lastRecordAt)
    if (!Number.isNaN(at)) this.lastRecordAt = at
    this.lastKind = record.kind
    switch (record.kind) {
      case 'event':
        this.handOn(record)
        this.open.set(record.arrival, {
          event: record,
          outcomes: {},
          // a channel's redelivery goes to the one subscription it names, not to every subscription
          deliveries: record.redelivers?.subscription === undefined ? [] : [{who: {subscription: record.redelivers.subscription}}],
          routesKnown: record.matched !== undefined || record.redelivers !== undefined,
          downBeforeMs: this.downMs,
        })
        return
      case 'settled':
        this.open.delete(record.arrival)
        return
      case 'outcome': {
        const arrival = this.open.get(record.arrival)
        if (arrival === undefined) return
        const key = keyOf(record)
        arrival.outcomes[key] = record.outcome
        const i = arrival.deliveries.findIndex((d) => keyOf(d.who) === key)
        if (i >= 0) arrival.deliveries.splice(i, 1)
        return
      }
      case 'attempt': {
        const arrival = this.open.get(record.arrival)
        if (arrival === undefined || keyOf(record) in arrival.outcomes) return
        const delivery = deliveryOf(arrival, record)
        delivery.handedOn = undefined
        if (record.target === 'subscriber') delivery.subscriber = record
        else if (record.target === 'reply') delivery.reply = record
        else delivery.deadLetter = record
        return
      }
      default:
    }
  }

  /** A reply or an in-mesh hop arrived: the delivery it came from has done that step. */
  private handOn(record: EventActivity): void {
    const sender = record.replyTo ?? record.from
    if (sender === undefined) return
    const arrival = this.open.get(sender.arrival)
    if (arrival === undefined || keyOf(sender) in arrival.outcomes) return
    deliveryOf(arrival, sender).handedOn = {target: record.from?.target ?? 'reply', arrival: record.arrival}
  }

  /** Epoch ms of the last record the previous run appended (NaN before any): the latest moment it is known to have run. */
  get lastAt(): number {
    return this.lastRecordAt
  }

  /** The arrivals not settled, oldest first; at a broker every matched trigger without an outcome is a delivery. */
  arrivals(): PendingArrival[] {
    const out: PendingArrival[] = []
    for (const arrival of this.open.values()) {
      if (arrival.event.matched !== undefined) {
        for (const trigger of arrival.event.matched) {
          if (!(trigger in arrival.outcomes) && !arrival.deliveries.some((d) => d.who.trigger === trigger))
            arrival.deliveries.push({who: {trigger}})
        }
      }
      out.push(arrival)
    }
    return out
  }

  /**
   * What is left of an arrival's 15-minute fan-out window: the time it ran before the previous run's last
   * record counts, the time the mesh was down does not.
   */
  windowLeftMs(arrival: PendingArrival): number {
    const ran = this.lastRecordAt - Date.parse(arrival.event.at) - (this.downMs - arrival.downBeforeMs)
    return Math.max(0, FANOUT_TIMEOUT_MS - (Number.isNaN(ran) ? 0 : ran))
  }
}

/**
 * The outcome a delivery had reached before the restart, though it was not recorded: its last step was
 * accepted by the mesh itself (its reply, or its subscriber or dead-letter sink being one of the mesh's
 * brokers or channels; that arrival is in the log and goes on by itself), or its dead-letter sink answered
 * 2xx. That step is not sent again. A synchronous broker or channel answers only after its own fan-out;
 * after a restart its acceptance is the answer.
 */
export function reachedOutcome(
  delivery: PendingDelivery,
): {outcome: Outcome; status?: number; error?: string; replyArrival?: number} | undefined {
  const {handedOn, deadLetter} = delivery
  if (handedOn !== undefined) {
    if (handedOn.target === 'reply') return {outcome: 'replied', replyArrival: handedOn.arrival}
    return {outcome: handedOn.target === 'subscriber' ? 'delivered' : 'dead-lettered'}
  }
  if (deadLetter === undefined || !isSuccess(deadLetter.status)) return undefined
  const failed = delivery.reply ?? delivery.subscriber
  return {
    outcome: 'dead-lettered',
    status: failed?.status,
    error: deadLetteredError(attemptError(failed?.status, failed?.error), deadLetter.url),
  }
}

/** How a pending delivery goes on at `now` (epoch ms of the mesh's clock). */
export function resumeStep(delivery: PendingDelivery, now: number): ResumeStep {
  const {subscriber, reply, deadLetter} = delivery
  if (deadLetter !== undefined) {
    // the dead-letter sink's own retries go on (a 2xx from it is reachedOutcome's); the failure that sent it there is the reply's when there was one
    const failed = reply ?? subscriber
    return {
      ...retryStep('dead-letter-sink', deadLetter, now),
      failure: failed && {url: failed.url, status: failed.status, error: failed.error},
    }
  }
  // a reply is not recorded whole: the subscriber is asked again, and replies again
  if (reply !== undefined) return {target: 'subscriber', attempt: (subscriber?.attempt ?? 0) + 1, waitMs: 0, mayRepeat: true}
  // nothing recorded: the first attempt starts when the event is accepted, and may have been under way
  if (subscriber === undefined) return {target: 'subscriber', attempt: 1, waitMs: 0, mayRepeat: true}
  if (isSuccess(subscriber.status) || subscriber.nextDelayMs !== undefined) return retryStep('subscriber', subscriber, now)
  // the last attempt failed and no retry was left: the dead-letter sink was next
  return {
    target: 'dead-letter-sink',
    attempt: 1,
    waitMs: 0,
    mayRepeat: true,
    failure: {url: subscriber.url, status: subscriber.status, error: subscriber.error},
  }
}

/**
 * The attempt after `last` at the same target: after the rest of its wait when it scheduled a retry, else at
 * once (it succeeded or was the last, and the outcome that follows was never recorded). Only an attempt whose
 * time has not come yet cannot have been sent.
 */
function retryStep(target: Exclude<DeliveryTarget, 'reply'>, last: AttemptActivity, now: number): ResumeStep {
  const waitMs = last.nextDelayMs === undefined ? 0 : Math.max(0, Date.parse(last.at) + last.nextDelayMs - now)
  return {target, attempt: last.attempt + 1, waitMs: Number.isNaN(waitMs) ? 0 : waitMs, mayRepeat: waitMs === 0}
}

function deliveryOf(arrival: PendingArrival, who: Subscriber): PendingDelivery {
  const key = keyOf(who)
  let delivery = arrival.deliveries.find((d) => keyOf(d.who) === key)
  if (delivery === undefined) {
    delivery = {who: who.trigger !== undefined ? {trigger: who.trigger} : {subscription: who.subscription}}
    arrival.deliveries.push(delivery)
  }
  return delivery
}

/** The key a settled record's outcomes use: the trigger's or the subscription's `namespace/name`. */
function keyOf(who: Subscriber): string {
  return who.trigger ?? who.subscription
}
