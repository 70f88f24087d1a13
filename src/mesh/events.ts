// The mesh's events: find the events it accepted (mesh.events.query), show one whole with every record of its
// path (mesh.events.show), and send events again to the deliveries that failed (mesh.events.redeliver). The
// records come from the event log when the mesh keeps one, else from its bounded in-memory history; an index
// of summaries is fed from them as they come, on each request.
import {activityToJson, MAX_RETAINED_DATA_BYTES, type Activity} from '../core/activity.js'
import type {CloudEvent} from '../core/cloudevent.js'
import {eventToJsonObject} from '../core/codec/json.js'
import type {
  ArrivalExplanation,
  EventDetail,
  EventShowAnswer,
  EventsAnswer,
  RedeliverAnswer,
  RedeliverRequest,
  Redelivery,
} from '../core/api.js'
import {formatBytes} from '../core/quantity.js'
import {
  DEFAULT_REDELIVER_OUTCOMES,
  EventIndex,
  planRedelivery,
  type EventIndexBounds,
  type EventQuery,
  type EventSummary,
  type RedeliveryChoice,
} from '../core/event-log/index.js'
import type {Topology} from '../core/topology.js'
import {explainEvent} from './explain.js'
import type {Journal} from './journal.js'
import type {MeshRuntime, RedeliveryRoute} from './runtime.js'

/** Where the records come from: a position is the record's seq (the event log's store, or the journal's history). */
export interface ActivitySource {
  /** Records with seq >= from, oldest first. */
  read(from?: number): Iterable<Activity>
}

/** The journal's history as a source: what the mesh still holds in memory (an event's data cut at 64 KiB). */
export function journalSource(journal: Journal): ActivitySource {
  return {read: (from) => journal.since(from)}
}

/** What the events facade needs of the mesh. */
export interface EventsHost {
  readonly topology: Topology
  readonly runtime: MeshRuntime
  readonly draining: boolean
}

export interface MeshEventsOptions {
  /** The event log (EventLogStore); without one, the journal's history. */
  log?: ActivitySource
  bounds?: EventIndexBounds
}

/** Finds events in a source of records (a running mesh's, or a log folder read offline). */
export class EventFinder {
  private current: EventIndex
  /** The seq the next read starts from. */
  private next = 1

  constructor(
    protected readonly source: ActivitySource,
    readonly from: 'history' | 'log',
    private readonly options: {bounds?: EventIndexBounds; explain?: (record: Activity) => ArrivalExplanation | undefined} = {},
  ) {
    this.current = new EventIndex(options.bounds)
  }

  /** Fed by the mesh's journal as records are appended, once the index has read the source to its end. */
  protected following = false

  /** The index, with the records appended since the last request; a gap (the history moved on past them) starts it again. */
  protected index(): EventIndex {
    if (this.following) return this.current
    let first = true
    for (const record of this.source.read(this.next)) {
      if (first && record.seq > this.next && this.next > 1) this.current = new EventIndex(this.options.bounds)
      first = false
      this.current.add(record)
      this.next = record.seq + 1
    }
    return this.current
  }

  /**
   * Takes in the records of a pass over the whole source made elsewhere (a restart's restore reads the log
   * once for all), then follows the journal: no request has to read the log again.
   */
  *indexing(records: Iterable<Activity>): Generator<Activity> {
    for (const record of records) {
      if (record.seq >= this.next) {
        this.current.add(record)
        this.next = record.seq + 1
      }
      yield record
    }
    if (this.from === 'log') this.following = true
  }

  /** A record just appended, taken in at once while following (read from the source otherwise). */
  protected follow(record: Activity): void {
    if (!this.following || record.seq < this.next) return
    this.current.add(record)
    this.next = record.seq + 1
  }

  /** Summaries of the events the query picks, newest first. */
  query(query: EventQuery = {}): EventsAnswer {
    return {...this.index().query(query), from: this.from}
  }

  /** Every arrival with this arrival number or event id, newest first, whole, with its path. */
  show(key: string | number): EventShowAnswer {
    const summaries = this.index().find(key)
    return {key: String(key), from: this.from, events: summaries.map((summary) => this.detail(summary))}
  }

  private detail(summary: EventSummary): EventDetail {
    const path: Activity[] = []
    for (const record of this.source.read(summary.firstSeq)) {
      if (record.seq > summary.lastSeq) break
      if (belongsTo(record, summary.arrival)) path.push(record)
    }
    const arrived = path[0]?.kind === 'event' && path[0].arrival === summary.arrival ? path[0] : undefined
    if (arrived?.kind !== 'event') return {summary, path: path.map(activityToJson)}
    const explanation = this.options.explain?.(arrived)
    return {
      summary,
      event: eventToJsonObject(arrived.event),
      ...(arrived.dataTruncated ? {dataTruncated: true, dataBytes: arrived.dataBytes} : {}),
      path: path.map(activityToJson),
      ...(explanation ? {explanation} : {}),
    }
  }

  /** The event as its arrival recorded it, whole, or why it cannot be sent again. */
  protected eventOf(summary: EventSummary): CloudEvent | string {
    for (const record of this.source.read(summary.firstSeq)) {
      if (record.kind !== 'event' || record.arrival !== summary.arrival) break
      if (record.dataTruncated)
        return `the history kept only the first ${formatBytes(MAX_RETAINED_DATA_BYTES)} of its data (${formatBytes(record.dataBytes ?? 0)}); kne dev --persist keeps events whole`
      return record.event
    }
    return 'its record is no longer kept'
  }
}

/** A running mesh's events: found in its event log or history, explained against its triggers, and redelivered. */
export class MeshEvents extends EventFinder {
  constructor(
    private readonly host: EventsHost,
    journal: Journal,
    options: MeshEventsOptions = {},
  ) {
    super(options.log ?? journalSource(journal), options.log ? 'log' : 'history', {
      bounds: options.bounds,
      explain: (record) => explainEvent(host.topology, record),
    })
    // a log is read once (by the restore when the mesh starts, else on the first request); from then on the journal feeds the index
    if (options.log)
      journal.subscribe((record) => {
        // a record the log could not keep (ingress answered 503) is not one of the log's events
        if (journal.lastKept) this.follow(record)
      })
  }

  protected override index(): EventIndex {
    const index = super.index()
    if (this.from === 'log') this.following = true
    return index
  }

  /**
   * Sends events again to their deliveries that ended with one of the outcomes (default dead-lettered and
   * failed), each as a new arrival for that one trigger or subscription, with its current delivery spec;
   * with dryRun, lists them and sends nothing.
   */
  redeliver(request: RedeliverRequest = {}): RedeliverAnswer {
    const index = this.index()
    const outcomes = request.outcomes && request.outcomes.length > 0 ? request.outcomes : DEFAULT_REDELIVER_OUTCOMES
    const notFound: string[] = []
    let events: EventSummary[]
    if (request.arrivals && request.arrivals.length > 0) {
      events = []
      for (const key of request.arrivals) {
        const found = index.find(key)
        if (found.length === 0) notFound.push(String(key))
        for (const summary of found) if (!events.includes(summary)) events.push(summary)
      }
    } else {
      const filter = {...request.filter, limit: request.filter?.limit ?? Number.MAX_SAFE_INTEGER}
      events = index.query({...filter, outcomes: filter.outcomes ?? outcomes}).events
    }
    const subscriber = request.trigger ?? request.subscription
    const choices = planRedelivery(index, events, {outcomes, subscriber})
    const dryRun = request.dryRun === true
    const redeliveries = choices.map((choice) => (choice.skipped ? choice : this.redeliverOne(index.get(choice.arrival)!, choice, dryRun)))
    return {dryRun, redeliveries, notFound}
  }

  private redeliverOne(summary: EventSummary, choice: RedeliveryChoice, dryRun: boolean): Redelivery {
    const route = this.routeOf(summary, choice)
    if (typeof route === 'string') return {...choice, error: route}
    const event = this.eventOf(summary)
    if (typeof event === 'string') return {...choice, error: event}
    if (dryRun) return choice
    if (this.host.draining) return {...choice, status: 503, error: 'the mesh is shutting down'}
    const who = choice.trigger !== undefined ? {trigger: choice.trigger} : {subscription: choice.subscription}
    const answer = this.host.runtime.redeliver(route, event, {arrival: summary.arrival, ...who})
    if (answer.arrival === undefined) return {...choice, status: answer.status, error: answer.error}
    // the new arrival's record is in: the next catch-up links it to this delivery, so a second redeliver skips it
    return {...choice, redelivery: answer.arrival, status: answer.status}
  }

  /** The trigger or subscription as the topology has it now, or why there is none. */
  private routeOf(summary: EventSummary, choice: RedeliveryChoice): RedeliveryRoute | string {
    const {topology} = this.host
    if (choice.trigger !== undefined) {
      const broker = summary.broker === undefined ? undefined : topology.brokers.get(summary.broker)
      if (!broker) return `broker ${summary.broker} no longer exists`
      const trigger = broker.triggers.find((t) => t.key === choice.trigger)
      return trigger ? {kind: 'trigger', broker, trigger} : `trigger ${choice.trigger} no longer exists on broker ${broker.key}`
    }
    const channel = summary.channel === undefined ? undefined : topology.channels.get(summary.channel)
    if (!channel) return `channel ${summary.channel} no longer exists`
    const subscription = channel.subscriptions.find((s) => s.key === choice.subscription)
    return subscription
      ? {kind: 'subscription', channel, subscription}
      : `subscription ${choice.subscription} no longer exists on channel ${channel.key}`
  }
}

/** Whether a record is a step of an arrival's path: about it, or a reply, hop or redelivery it led to. */
function belongsTo(record: Activity, arrival: number): boolean {
  if (record.kind === 'event')
    return (
      record.arrival === arrival ||
      record.replyTo?.arrival === arrival ||
      record.from?.arrival === arrival ||
      record.redelivers?.arrival === arrival
    )
  return (record as {arrival?: unknown}).arrival === arrival
}
