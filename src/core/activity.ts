// What the mesh records about every event's path: accepted (or rejected) by a broker or a channel (for a
// broker, with the triggers that matched), each delivery attempt, and one terminal outcome per trigger or
// subscription, then one record when all of them are done.
// Hops that stay inside the mesh (a reply, a trigger whose subscriber is a channel, a Sequence's steps)
// name the delivery they came from, so the records of one event's journey can be followed.
import {eventBytes, type CloudEvent} from './cloudevent.js'
import {encodeJsonEvent, eventToJsonObject} from './codec/json.js'
import type {DataCheck, DataViolation} from './registry/violations.js'

/** Fields every record about an accepted event carries, so streams can be filtered without lookups. */
export interface EventRef {
  /** `namespace/name` of the broker the event arrived at (records about a channel carry `channel` instead). */
  broker?: string
  /** `namespace/name` of the channel: a Channel, an InMemoryChannel, or a channel a Sequence or Parallel runs on. */
  channel?: string
  /** Mesh-wide number of this arrival (event ids may repeat; arrivals do not). */
  arrival: number
  id: string
  type: string
  source: string
  /** Sequence number of the arrival's event record (records leave it out: the event log keeps its segment until the arrival settles). */
  seq?: number
}

/** Who a delivery is for: a trigger of a broker, or a subscription to a channel (`namespace/name`). */
export type Subscriber = {trigger: string; subscription?: undefined} | {subscription: string; trigger?: undefined}

/** The delivery an event came from when it arrived in memory: the arrival it was delivered for, and to whom. */
export type Sender = Subscriber & {arrival: number}

/** What a redelivery sends again: the earlier arrival, and the trigger or subscription it goes to once more. */
export type Redelivers = Subscriber & {arrival: number}

export type Outcome = 'delivered' | 'replied' | 'dead-lettered' | 'failed'

export type DeliveryTarget = 'subscriber' | 'reply' | 'dead-letter-sink'

export type ActivityBody =
  | (EventRef & {
      kind: 'event'
      via: 'ingress' | 'reply'
      replyTo?: Sender
      /** Sent here in memory as the subscriber or dead-letter sink of another delivery (not as a reply). */
      from?: Sender & {target: Exclude<DeliveryTarget, 'reply'>}
      /** At a broker: the triggers whose filters pass the event, and those whose filters do not (a channel has no filters). */
      matched?: string[]
      notMatched?: string[]
      /** A redelivery (kne redeliver): the arrival whose event this sends again, and to whom. */
      redelivers?: Redelivers
      event: CloudEvent
      /** Set by the history on an event whose data it keeps only the start of; `dataBytes` is the data's real size. */
      dataTruncated?: true
      dataBytes?: number
    })
  | {kind: 'rejected'; broker?: string; channel?: string; status: number; error: string; via: 'ingress' | 'reply'}
  /**
   * An event whose data breaks its type's declared schema, accepted all the same (registry.validate: warn):
   * the first violations and how many there were. The event's own record follows.
   */
  | {
      kind: 'invalid-data'
      broker?: string
      channel?: string
      id: string
      type: string
      source: string
      violations: DataViolation[]
      total: number
    }
  /** A request to a broker, channel or flow the mesh does not serve (404), with the ones of that kind it does; the event's id, type and source when it was one. */
  | {kind: 'not-found'; status: 404; path: string; error: string; serves: readonly string[]; id?: string; type?: string; source?: string}
  | (EventRef &
      Subscriber & {
        kind: 'attempt'
        target: DeliveryTarget
        url: string
        attempt: number
        status?: number
        error?: string
        durationMs: number
        nextDelayMs?: number
      })
  | (EventRef &
      Subscriber & {
        kind: 'outcome'
        outcome: Outcome
        status?: number
        error?: string
        replyArrival?: number
        /** The subscriber replied, and the subscription has no reply destination: Knative drops such replies. */
        replyDropped?: true
      })
  | (EventRef & {kind: 'settled'; outcomes: Record<string, Outcome>})
  /**
   * A delivery a previous run of the mesh left without an outcome, taken up again after a restart: the
   * attempt it goes on with (at the subscriber, or at the dead-letter sink once the subscriber's attempts ran
   * out), after what was left of the retry's wait. `mayRepeat`: the previous run may have sent that attempt
   * already (it crashed before recording the answer), so the receiver may get the event twice.
   */
  | (EventRef &
      Subscriber & {
        kind: 'resumed'
        target: Exclude<DeliveryTarget, 'reply'>
        attempt: number
        waitMs: number
        mayRepeat: boolean
      })
  /**
   * What a resource that a kind's own plugin serves did with one request (an EventTransform's transform): its
   * `Kind namespace/name`, the incoming event's id, type and source when it was one, the status answered,
   * and the plugin's one-line account of what happened.
   */
  | {
      kind: 'handled'
      resource: string
      id?: string
      type?: string
      source?: string
      status: number
      outcome: Outcome
      summary: string
      error?: string
    }

export type Activity = ActivityBody & {seq: number; at: string}

// Record builders. Each writes every field of its kind in one literal, seq and at included (the journal
// stamps them): V8 then keeps all of them inside the object, where fields added later would go to a side
// store. The records of an event are most of what a retained event costs, so the usual case (a broker's
// event from a producer, its trigger's first attempt answered) has a literal of its own without the
// fields it leaves empty. Elsewhere absent fields are undefined, which JSON leaves out.
/** The empty list of trigger keys, shared (frozen) so that records and routings do not each own one. */
export const NO_TRIGGERS: string[] = Object.freeze([]) as unknown as string[]

export function eventRecord(
  ref: EventRef,
  via: 'ingress' | 'reply',
  replyTo: Sender | undefined,
  from: (Sender & {target: Exclude<DeliveryTarget, 'reply'>}) | undefined,
  routing: Routing | undefined,
  event: CloudEvent,
  redelivers?: Redelivers,
): Activity {
  // the empty list is shared, so that a record does not own one
  const matched = routing === undefined ? undefined : routing.matched.length === 0 ? NO_TRIGGERS : routing.matched
  const notMatched = routing === undefined ? undefined : routing.notMatched.length === 0 ? NO_TRIGGERS : routing.notMatched
  if (ref.channel === undefined && replyTo === undefined && from === undefined && redelivers === undefined && routing !== undefined) {
    return {
      kind: 'event',
      broker: ref.broker,
      arrival: ref.arrival,
      id: ref.id,
      type: ref.type,
      source: ref.source,
      via,
      matched,
      notMatched,
      event,
      seq: 0,
      at: '',
    }
  }
  return {
    kind: 'event',
    broker: ref.broker,
    channel: ref.channel,
    arrival: ref.arrival,
    id: ref.id,
    type: ref.type,
    source: ref.source,
    via,
    replyTo,
    from,
    matched,
    notMatched,
    redelivers,
    event,
    seq: 0,
    at: '',
  }
}

/** Trigger keys of a broker's routing decision, as records carry them. */
export interface Routing {
  matched: string[]
  notMatched: string[]
}

export function rejectedRecord(
  where: {broker?: string; channel?: string},
  status: number,
  error: string,
  via: 'ingress' | 'reply',
): Activity {
  return {kind: 'rejected', broker: where.broker, channel: where.channel, status, error, via, seq: 0, at: ''}
}

export function invalidDataRecord(where: {broker?: string; channel?: string}, event: CloudEvent, check: DataCheck): Activity {
  return {
    kind: 'invalid-data',
    broker: where.broker,
    channel: where.channel,
    id: event.id,
    type: event.type,
    source: event.source,
    violations: check.violations,
    total: check.total,
    seq: 0,
    at: '',
  }
}

export function notFoundRecord(path: string, error: string, serves: readonly string[], event: CloudEvent | undefined): Activity {
  return {kind: 'not-found', status: 404, path, error, serves, id: event?.id, type: event?.type, source: event?.source, seq: 0, at: ''}
}

export function handledRecord(
  resource: string,
  event: {id: string; type: string; source: string} | undefined,
  result: {status: number; outcome: Outcome; summary: string; error?: string},
): Activity {
  return {
    kind: 'handled',
    resource,
    id: event?.id,
    type: event?.type,
    source: event?.source,
    status: result.status,
    outcome: result.outcome,
    summary: result.summary,
    error: result.error,
    seq: 0,
    at: '',
  }
}

/** What a request to an address the mesh does not serve is told, and what kne dev and kne tail print. */
export function notFoundMessage(record: {error: string; serves: readonly string[]}): string {
  return `${record.error}${record.serves.length ? `; this mesh serves ${record.serves.join(', ')}` : ''}`
}

export function attemptRecord(
  ref: EventRef,
  who: Subscriber,
  target: DeliveryTarget,
  url: string,
  attempt: number,
  status: number | undefined,
  error: string | undefined,
  durationMs: number,
  nextDelayMs: number | undefined,
): Activity {
  if (ref.channel === undefined && who.trigger !== undefined && error === undefined && nextDelayMs === undefined) {
    return {
      kind: 'attempt',
      broker: ref.broker,
      arrival: ref.arrival,
      id: ref.id,
      type: ref.type,
      source: ref.source,
      trigger: who.trigger,
      target,
      url,
      attempt,
      status,
      durationMs,
      seq: 0,
      at: '',
    }
  }
  return {
    kind: 'attempt',
    broker: ref.broker,
    channel: ref.channel,
    arrival: ref.arrival,
    id: ref.id,
    type: ref.type,
    source: ref.source,
    trigger: who.trigger,
    subscription: who.subscription,
    target,
    url,
    attempt,
    status,
    error,
    durationMs,
    nextDelayMs,
    seq: 0,
    at: '',
  } as Activity
}

export function outcomeRecord(
  ref: EventRef,
  who: Subscriber,
  result: {outcome: Outcome; status?: number; error?: string; replyArrival?: number; replyDropped?: true},
): Activity {
  if (
    ref.channel === undefined &&
    who.trigger !== undefined &&
    result.error === undefined &&
    result.replyArrival === undefined &&
    result.replyDropped === undefined
  ) {
    return {
      kind: 'outcome',
      broker: ref.broker,
      arrival: ref.arrival,
      id: ref.id,
      type: ref.type,
      source: ref.source,
      trigger: who.trigger,
      outcome: result.outcome,
      status: result.status,
      seq: 0,
      at: '',
    }
  }
  return {
    kind: 'outcome',
    broker: ref.broker,
    channel: ref.channel,
    arrival: ref.arrival,
    id: ref.id,
    type: ref.type,
    source: ref.source,
    trigger: who.trigger,
    subscription: who.subscription,
    outcome: result.outcome,
    status: result.status,
    error: result.error,
    replyArrival: result.replyArrival,
    replyDropped: result.replyDropped,
    seq: 0,
    at: '',
  } as Activity
}

export function resumedRecord(
  ref: EventRef,
  who: Subscriber,
  step: {target: Exclude<DeliveryTarget, 'reply'>; attempt: number; waitMs: number; mayRepeat: boolean},
): Activity {
  return {
    kind: 'resumed',
    broker: ref.broker,
    channel: ref.channel,
    arrival: ref.arrival,
    id: ref.id,
    type: ref.type,
    source: ref.source,
    trigger: who.trigger,
    subscription: who.subscription,
    target: step.target,
    attempt: step.attempt,
    waitMs: step.waitMs,
    mayRepeat: step.mayRepeat,
    seq: 0,
    at: '',
  } as Activity
}

export function settledRecord(ref: EventRef, outcomes: Record<string, Outcome>): Activity {
  if (ref.channel === undefined) {
    return {
      kind: 'settled',
      broker: ref.broker,
      arrival: ref.arrival,
      id: ref.id,
      type: ref.type,
      source: ref.source,
      outcomes,
      seq: 0,
      at: '',
    }
  }
  return {
    kind: 'settled',
    broker: ref.broker,
    channel: ref.channel,
    arrival: ref.arrival,
    id: ref.id,
    type: ref.type,
    source: ref.source,
    outcomes,
    seq: 0,
    at: '',
  }
}

/** The most of an event's data the history keeps: a record of a larger event keeps its first bytes and says so. */
export const MAX_RETAINED_DATA_BYTES = 64 * 1024

/**
 * The record as the history keeps it: the same record, or for an event whose data is over
 * MAX_RETAINED_DATA_BYTES a copy with the data cut there (at a UTF-8 character boundary, so text stays text)
 * in a buffer of its own, so that the whole body can be freed.
 */
export function retainedRecord(record: Activity): Activity {
  if (record.kind !== 'event' || record.event.data === undefined || record.event.data.byteLength <= MAX_RETAINED_DATA_BYTES) return record
  const data = record.event.data
  let end = MAX_RETAINED_DATA_BYTES
  // a UTF-8 continuation byte (10xxxxxx) at the cut: step back to the start of its character
  while (end > MAX_RETAINED_DATA_BYTES - 3 && (data[end]! & 0xc0) === 0x80) end--
  return {...record, event: {...record.event, data: new Uint8Array(data.subarray(0, end))}, dataTruncated: true, dataBytes: data.byteLength}
}

// What keeping a record costs besides its event's or its error's text: the record object and, for an event,
// the event object, its extensions and its routing (fitted to V8's heap for events with 0 to 16 KiB of data).
const EVENT_RECORD_BYTES = 480
const RECORD_BYTES = 128

/** Bytes a record holds, estimated: what the history's byte budget counts. */
export function recordBytes(record: Activity): number {
  if (record.kind === 'event') return EVENT_RECORD_BYTES + eventBytes(record.event)
  if (record.kind === 'handled') return RECORD_BYTES + record.summary.length + (record.error?.length ?? 0)
  if (record.kind === 'invalid-data')
    return RECORD_BYTES + record.id.length + record.violations.reduce((n, v) => n + 32 + v.path.length + v.message.length, 0)
  return RECORD_BYTES + (record.kind === 'settled' || record.kind === 'resumed' ? 0 : (record.error?.length ?? 0))
}

/** Activity as it travels over the control API: events in the CloudEvents JSON format. */
export type ActivityJson =
  Exclude<Activity, {kind: 'event'}> | (Omit<Extract<Activity, {kind: 'event'}>, 'event'> & {event: Record<string, unknown>})

// Records keep the CloudEvent itself; it is rendered to JSON only when someone reads it.
export function activityToJson(record: Activity): ActivityJson {
  return record.kind === 'event' ? {...record, event: eventToJsonObject(record.event)} : record
}

/**
 * A record as one NDJSON line: the same JSON as activityToJson gives, but the event's JSON-format text is
 * spliced in rather than parsed into an object and stringified again (most of a stream's cost per event).
 */
export function activityJsonLine(record: Activity): string {
  if (record.kind !== 'event') return `${JSON.stringify(record)}\n`
  const {event, ...rest} = record
  const eventText = encodeJsonEvent(event)
  // JSON data is embedded as sent; a line break in it would split the line, so such events take the long way
  if (eventText.includes('\n') || eventText.includes('\r')) return `${JSON.stringify(activityToJson(record))}\n`
  return `${JSON.stringify(rest).slice(0, -1)},"event":${eventText}}\n`
}

export interface ActivitySelector {
  /** `namespace/name`. */
  broker?: string
  /** `namespace/name` of a channel (a flow's channels are named `<flow>-kn-sequence-<i>`, `<flow>-kn-parallel…`). */
  channel?: string
  type?: string
  source?: string
  /** The event's id. */
  id?: string
  /** `namespace/name` of a trigger: the events it matched, and its deliveries of them. */
  trigger?: string
}

/** Whether a record is about an event the selector picks (records not about one event match on broker alone). */
export function selectsActivity(selector: ActivitySelector, record: ActivityBody | ActivityJson): boolean {
  if (record.kind === 'not-found' || record.kind === 'handled') {
    return (
      selector.broker === undefined &&
      selector.channel === undefined &&
      selector.trigger === undefined &&
      (selector.type === undefined || record.type === selector.type) &&
      (selector.source === undefined || record.source === selector.source) &&
      (selector.id === undefined || record.id === selector.id)
    )
  }
  if (selector.broker !== undefined && record.broker !== selector.broker) return false
  if (selector.channel !== undefined && record.channel !== selector.channel) return false
  if (record.kind === 'rejected')
    return selector.type === undefined && selector.source === undefined && selector.id === undefined && selector.trigger === undefined
  if (record.kind === 'invalid-data')
    return (
      selector.trigger === undefined &&
      (selector.type === undefined || record.type === selector.type) &&
      (selector.source === undefined || record.source === selector.source) &&
      (selector.id === undefined || record.id === selector.id)
    )
  if (selector.type !== undefined && record.type !== selector.type) return false
  if (selector.source !== undefined && record.source !== selector.source) return false
  if (selector.id !== undefined && record.id !== selector.id) return false
  return selector.trigger === undefined || concernsTrigger(record, selector.trigger)
}

function concernsTrigger(
  record: Exclude<ActivityBody | ActivityJson, {kind: 'rejected'} | {kind: 'not-found'} | {kind: 'handled'} | {kind: 'invalid-data'}>,
  trigger: string,
): boolean {
  switch (record.kind) {
    case 'event':
      return record.matched?.includes(trigger) === true
    case 'settled':
      return trigger in record.outcomes
    default:
      return record.trigger === trigger
  }
}
