// An index of the events a broker or a channel accepted, fed one activity record at a time: per arrival its
// attributes, where and when it arrived, and per trigger or subscription how its delivery ended (or that it
// has not yet), with the links between an event and its redeliveries. Queries pick events by attribute, place,
// time and outcome, newest first. Bounded in events and in bytes: past either bound the oldest go first,
// counted. What `kne events list`, `kne events show` and `kne redeliver` read.
import type {Activity, Outcome, Redelivers, Sender, Subscriber} from '../activity.js'

/** How a delivery stands: its outcome, or `pending` until it has one. */
export type DeliveryState = Outcome | 'pending'

/** The outcomes a query can ask for (`replied` counts as delivered). */
export const QUERY_OUTCOMES = ['delivered', 'dead-lettered', 'failed', 'pending'] as const
export type QueryOutcome = (typeof QUERY_OUTCOMES)[number]

/** One trigger's or subscription's delivery of an event. */
export type EventDelivery = Subscriber & {
  outcome: DeliveryState
  /** Attempts to reach the subscriber (not the reply's or the dead-letter sink's). */
  attempts: number
  status?: number
  error?: string
  /** Arrivals that redelivered the event to this trigger or subscription (kne redeliver), oldest first. */
  redeliveredAs?: number[]
}

export interface EventSummary {
  arrival: number
  id: string
  type: string
  source: string
  /** `namespace/name` of the broker, or of the channel, it arrived at. */
  broker?: string
  channel?: string
  /** When it arrived (ISO time of the mesh's clock). */
  at: string
  via: 'ingress' | 'reply'
  /** A reply: to which delivery. */
  replyTo?: Sender
  /** An in-mesh hop: from which delivery (a trigger or subscription whose subscriber or dead-letter sink is the mesh's). */
  from?: Sender
  /** A redelivery: of which arrival, to whom. */
  redelivers?: Redelivers
  /** Every trigger it matched (a broker), or subscription it went to (a channel), with how that ended. */
  deliveries: EventDelivery[]
  /** Every delivery has its outcome. */
  settled: boolean
  /** Sequence numbers of its first and last records (its redeliveries' and replies' event records included). */
  firstSeq: number
  lastSeq: number
}

/** What picks events; every field left out picks all. */
export interface EventQuery {
  type?: string
  source?: string
  id?: string
  /** `namespace/name`. */
  broker?: string
  channel?: string
  trigger?: string
  subscription?: string
  /** Events with at least one delivery in one of these states (`delivered` takes in `replied`). */
  outcomes?: readonly QueryOutcome[]
  /** Epoch milliseconds: arrived at or after. */
  since?: number
  /** Epoch milliseconds: arrived before. */
  until?: number
  /** At most this many, newest first (default 50). */
  limit?: number
}

export interface EventQueryResult {
  /** Newest first. */
  events: EventSummary[]
  /** Events the query picks, `limit` aside. */
  matched: number
  /** Events the index dropped (oldest first) to stay within its bounds: no query finds them. */
  dropped: number
}

export const DEFAULT_QUERY_LIMIT = 50
/** Enough for the event log's default 256 MiB, at about 1 KiB of records per small event. */
export const DEFAULT_INDEX_EVENTS = 250_000
export const DEFAULT_INDEX_BYTES = 128 * 1024 * 1024

export interface EventIndexBounds {
  events?: number
  bytes?: number
}

// What a summary costs besides its strings and deliveries (measured: about 490 bytes of heap for a small event with one trigger).
const SUMMARY_BYTES = 320
const DELIVERY_BYTES = 96

export class EventIndex {
  private readonly summaries = new ArrivalSlots<EventSummary>()
  private keptBytes = 0
  private droppedCount = 0
  readonly maxEvents: number
  readonly maxBytes: number

  constructor(bounds: EventIndexBounds = {}) {
    this.maxEvents = Math.max(1, bounds.events ?? DEFAULT_INDEX_EVENTS)
    this.maxBytes = bounds.bytes ?? DEFAULT_INDEX_BYTES
  }

  get size(): number {
    return this.summaries.size
  }

  get dropped(): number {
    return this.droppedCount
  }

  get bytes(): number {
    return this.keptBytes
  }

  /** The summary of an arrival the index still holds. */
  get(arrival: number): EventSummary | undefined {
    return this.summaries.get(arrival)
  }

  /** Takes in one record (records of other kinds, or about arrivals the index does not hold, change nothing). */
  add(record: Activity): void {
    switch (record.kind) {
      case 'event':
        return this.arrived(record)
      case 'attempt': {
        const summary = this.summaries.get(record.arrival)
        if (!summary) return
        summary.lastSeq = record.seq
        if (record.target !== 'subscriber') return
        const delivery = deliveryOf(summary, record)
        delivery.attempts = Math.max(delivery.attempts, record.attempt)
        return
      }
      case 'outcome': {
        const summary = this.summaries.get(record.arrival)
        if (!summary) return
        summary.lastSeq = record.seq
        const before = summaryBytes(summary)
        const delivery = deliveryOf(summary, record)
        delivery.outcome = record.outcome
        delivery.status = record.status
        delivery.error = record.error
        this.keptBytes += summaryBytes(summary) - before
        return
      }
      case 'settled': {
        const summary = this.summaries.get(record.arrival)
        if (!summary) return
        summary.lastSeq = record.seq
        const before = summaryBytes(summary)
        for (const [key, outcome] of Object.entries(record.outcomes)) {
          const delivery = summary.deliveries.find((d) => (d.trigger ?? d.subscription) === key)
          if (delivery) delivery.outcome = outcome
          else summary.deliveries.push(summary.channel === undefined ? newDelivery({trigger: key}) : newDelivery({subscription: key}))
        }
        summary.settled = true
        this.keptBytes += summaryBytes(summary) - before
        return
      }
      default: {
        // a record of a kind added later (a resumed delivery) that names an arrival still extends its path
        const arrival = (record as {arrival?: unknown}).arrival
        const summary = typeof arrival === 'number' ? this.summaries.get(arrival) : undefined
        if (summary) {
          summary.lastSeq = record.seq
          summary.settled = summary.deliveries.every((d) => d.outcome !== 'pending')
        }
      }
    }
  }

  private arrived(record: Extract<Activity, {kind: 'event'}>): void {
    const summary: EventSummary = {
      arrival: record.arrival,
      id: record.id,
      type: record.type,
      source: record.source,
      broker: record.broker,
      channel: record.channel,
      at: record.at,
      via: record.via,
      replyTo: record.replyTo,
      from: record.from === undefined ? undefined : senderOf(record.from),
      redelivers: record.redelivers,
      deliveries: (record.matched ?? []).map((trigger) => newDelivery({trigger})),
      // a broker's event no trigger matched is done at once; a channel's learns its subscriptions from their records
      settled: false,
      firstSeq: record.seq,
      lastSeq: record.seq,
    }
    const replaced = this.summaries.set(record.arrival, summary)
    if (replaced !== undefined) this.keptBytes -= summaryBytes(replaced)
    this.keptBytes += summaryBytes(summary)
    if (record.replyTo !== undefined) this.extendPath(record.replyTo.arrival, record.seq)
    if (record.from !== undefined) this.extendPath(record.from.arrival, record.seq)
    if (record.redelivers) {
      const earlier = this.extendPath(record.redelivers.arrival, record.seq)
      if (earlier) {
        const before = summaryBytes(earlier)
        const delivery = deliveryOf(earlier, record.redelivers)
        ;(delivery.redeliveredAs ??= []).push(record.arrival)
        this.keptBytes += summaryBytes(earlier) - before
      }
    }
    this.bound()
  }

  /** The arrival an event came from (a reply's, a hop's, a redelivery's) takes the event's record in as the last step of its path. */
  private extendPath(arrival: number, seq: number): EventSummary | undefined {
    const earlier = this.summaries.get(arrival)
    if (earlier) earlier.lastSeq = Math.max(earlier.lastSeq, seq)
    return earlier
  }

  private bound(): void {
    while (this.summaries.size > this.maxEvents || (this.keptBytes > this.maxBytes && this.summaries.size > 1)) {
      const summary = this.summaries.dropOldest()!
      this.keptBytes -= summaryBytes(summary)
      this.droppedCount++
    }
  }

  /** The events the query picks, newest first. */
  query(query: EventQuery = {}): EventQueryResult {
    const limit = query.limit ?? DEFAULT_QUERY_LIMIT
    const since = query.since === undefined ? undefined : new Date(query.since).toISOString()
    const until = query.until === undefined ? undefined : new Date(query.until).toISOString()
    const events: EventSummary[] = []
    let matched = 0
    const all = this.summaries.values()
    for (let i = all.length - 1; i >= 0; i--) {
      const summary = all[i]!
      // ISO times of one format compare as text
      if (since !== undefined && summary.at < since) continue
      if (until !== undefined && summary.at >= until) continue
      if (!picks(query, summary)) continue
      matched++
      if (events.length < limit) events.push(summary)
    }
    return {events, matched, dropped: this.droppedCount}
  }

  /** The events with this arrival number or event id, newest first (an id several arrivals share gives them all). */
  find(key: string | number): EventSummary[] {
    const arrival = typeof key === 'number' ? key : /^\d+$/.test(key) ? Number(key) : undefined
    if (arrival !== undefined) {
      const summary = this.summaries.get(arrival)
      if (summary) return [summary]
    }
    const id = String(key)
    return this.summaries
      .values()
      .filter((s) => s.id === id)
      .reverse()
  }
}

/** Whether a summary passes a query's attribute, place and outcome filters (its time is checked apart). */
export function picks(query: EventQuery, summary: EventSummary): boolean {
  if (query.type !== undefined && summary.type !== query.type) return false
  if (query.source !== undefined && summary.source !== query.source) return false
  if (query.id !== undefined && summary.id !== query.id) return false
  if (query.broker !== undefined && summary.broker !== query.broker) return false
  if (query.channel !== undefined && summary.channel !== query.channel) return false
  const deliveries = summary.deliveries.filter(
    (d) =>
      (query.trigger === undefined || d.trigger === query.trigger) &&
      (query.subscription === undefined || d.subscription === query.subscription),
  )
  if ((query.trigger !== undefined || query.subscription !== undefined) && deliveries.length === 0) return false
  const outcomes = query.outcomes
  return outcomes === undefined || outcomes.length === 0 || deliveries.some((d) => outcomes.includes(queryOutcome(d.outcome)))
}

/** A delivery's state as queries name it: `replied` is delivered. */
export function queryOutcome(state: DeliveryState): QueryOutcome {
  return state === 'replied' ? 'delivered' : state
}

/** `namespace/name` of whom a delivery is for. */
export function subscriberKey(who: Subscriber): string {
  return who.trigger ?? who.subscription
}

/**
 * Values by arrival number, oldest first. Arrivals only grow, so a value's slot is its arrival less the first
 * slot's: no hashing, and the oldest goes in constant time (a Map finds its first entry after many deletes by
 * skipping every deleted one, which made each new event past the index's bound cost a scan).
 */
export class ArrivalSlots<T> {
  private slots: (T | undefined)[] = []
  /** Slots before this one are empty (dropped). */
  private head = 0
  /** The arrival number of slots[0]. */
  private firstArrival = 0
  private count = 0

  get size(): number {
    return this.count
  }

  get(arrival: number): T | undefined {
    const at = arrival - this.firstArrival
    return at >= 0 ? this.slots[at] : undefined
  }

  /** Puts the value at its arrival; answers the value it replaces. */
  set(arrival: number, value: T): T | undefined {
    if (this.count === 0) {
      this.slots = []
      this.head = 0
      this.firstArrival = arrival
    }
    let at = arrival - this.firstArrival
    if (at < 0) {
      // older than every arrival held (not in the usual order): room is made in front
      this.slots = [...(new Array(-at).fill(undefined) as undefined[]), ...this.slots]
      this.head -= at
      this.firstArrival = arrival
      at = 0
    }
    if (at < this.head) this.head = at
    while (this.slots.length < at) this.slots.push(undefined)
    const replaced = this.slots[at]
    this.slots[at] = value
    if (replaced === undefined) this.count++
    return replaced
  }

  /** Removes and answers the oldest value. */
  dropOldest(): T | undefined {
    if (this.count === 0) return undefined
    while (this.slots[this.head] === undefined) this.head++
    const oldest = this.slots[this.head]
    this.slots[this.head++] = undefined
    this.count--
    // the emptied front is given back once it is most of the array
    if (this.head >= 4096 && this.head * 2 >= this.slots.length) {
      this.slots = this.slots.slice(this.head)
      this.firstArrival += this.head
      this.head = 0
    }
    return oldest
  }

  /** Every value, oldest first. */
  values(): T[] {
    const values: T[] = []
    for (let i = this.head; i < this.slots.length; i++) {
      const value = this.slots[i]
      if (value !== undefined) values.push(value)
    }
    return values
  }
}

// every field in the literal, so that setting status and error later keeps the object's shape (and its size)
function newDelivery(who: Subscriber): EventDelivery {
  return who.trigger !== undefined
    ? {trigger: who.trigger, outcome: 'pending', attempts: 0, status: undefined, error: undefined, redeliveredAs: undefined}
    : {subscription: who.subscription, outcome: 'pending', attempts: 0, status: undefined, error: undefined, redeliveredAs: undefined}
}

/** The summary's delivery for a trigger or subscription, added when its first record names one it did not know (a channel's). */
function deliveryOf(summary: EventSummary, who: Subscriber): EventDelivery {
  const key = subscriberKey(who)
  let delivery = summary.deliveries.find((d) => subscriberKey(d) === key)
  if (!delivery) summary.deliveries.push((delivery = newDelivery(who)))
  return delivery
}

function senderOf(from: Sender): Sender {
  return from.trigger !== undefined
    ? {arrival: from.arrival, trigger: from.trigger}
    : {arrival: from.arrival, subscription: from.subscription}
}

function summaryBytes(summary: EventSummary): number {
  let bytes = SUMMARY_BYTES + summary.id.length + summary.type.length + summary.source.length
  for (const d of summary.deliveries) bytes += DELIVERY_BYTES + (d.error?.length ?? 0) + 8 * (d.redeliveredAs?.length ?? 0)
  return bytes
}

// ---------------------------------------------------------------------------------------------------
// Redelivery: which deliveries of which events go again

/** A delivery a redelivery may send again, or why it does not. */
export type RedeliveryChoice = Subscriber & {
  arrival: number
  id: string
  type: string
  /** Its outcome that makes it a candidate. */
  outcome: DeliveryState
  /** Why it is not sent again (already redelivered, ...); absent when it is. */
  skipped?: string
}

export interface RedeliveryPlanOptions {
  /** Outcomes to send again (default dead-lettered and failed). */
  outcomes?: readonly QueryOutcome[]
  /** Only this trigger's or subscription's deliveries (`namespace/name`). */
  subscriber?: string
}

export const DEFAULT_REDELIVER_OUTCOMES: readonly QueryOutcome[] = ['dead-lettered', 'failed']

/**
 * For each event, oldest first, its deliveries whose outcome is one of `outcomes` (and of `subscriber`, when
 * given); one that was redelivered already is skipped when that redelivery was delivered or is under way.
 */
export function planRedelivery(
  index: EventIndex,
  events: readonly EventSummary[],
  options: RedeliveryPlanOptions = {},
): RedeliveryChoice[] {
  const outcomes = options.outcomes && options.outcomes.length > 0 ? options.outcomes : DEFAULT_REDELIVER_OUTCOMES
  const choices: RedeliveryChoice[] = []
  for (const summary of [...events].sort((a, b) => a.arrival - b.arrival)) {
    for (const delivery of summary.deliveries) {
      if (options.subscriber !== undefined && subscriberKey(delivery) !== options.subscriber) continue
      if (!outcomes.includes(queryOutcome(delivery.outcome))) continue
      const who: Subscriber = delivery.trigger !== undefined ? {trigger: delivery.trigger} : {subscription: delivery.subscription}
      const choice: RedeliveryChoice = {arrival: summary.arrival, id: summary.id, type: summary.type, ...who, outcome: delivery.outcome}
      const earlier = redeliveryThatHolds(index, delivery)
      if (earlier) choice.skipped = earlier
      choices.push(choice)
    }
  }
  return choices
}

/** Why a delivery needs no redelivery: one of its redeliveries was delivered, or is still under way. */
function redeliveryThatHolds(index: EventIndex, delivery: EventDelivery): string | undefined {
  for (const arrival of delivery.redeliveredAs ?? []) {
    const again = index.get(arrival)?.deliveries.find((d) => subscriberKey(d) === subscriberKey(delivery))
    if (again === undefined) continue
    const state = queryOutcome(again.outcome)
    if (state === 'delivered') return `already redelivered as arrival ${arrival}, and delivered`
    if (state === 'pending') return `already being redelivered as arrival ${arrival}`
  }
  return undefined
}
