// What the mesh does with an accepted event, in a broker or a channel alike: fan-out to every subscriber
// that gets it (a broker's matching triggers, all of a channel's subscriptions), answering after every
// delivery finished (Knative's default synchronous in-memory channel) or at once (the opt-in async
// handler), with counters, deliveries in flight, the 15-minute fan-out limit and a drain.
import type {
  BrokerCounters,
  ChannelCounters,
  DeliveryCounters,
  FailedDelivery,
  InFlightDelivery,
  IngressCounters,
  SubscriptionCounters,
  TriggerCounters,
} from '../core/api.js'
import {
  eventRecord,
  NO_TRIGGERS,
  outcomeRecord,
  rejectedRecord,
  resumedRecord,
  settledRecord,
  type Activity,
  type EventRef,
  type Outcome,
  type Redelivers,
  type Routing,
  type Subscriber,
} from '../core/activity.js'
import type {ResumeStep} from '../core/event-log/pending.js'
import {afterBinaryHop, eventBytes, type CloudEvent} from '../core/cloudevent.js'
import {FANOUT_TIMEOUT_MESSAGE, FANOUT_TIMEOUT_MS} from '../core/delivery/policy.js'
import type {BrokerRoute, ChannelRoute, MeshAddressable, SubscriptionRoute, TriggerRoute} from '../core/topology.js'
import {acceptedForDelivery, brokerIngress, LOOP_STATUS, matchTriggers} from './broker.js'
import {perObject} from '../core/memo.js'
import {formatBytes} from '../core/quantity.js'
import {Cancellation} from './cancellation.js'
import {
  deliver,
  subscriberOf,
  type ArrivalOrigin,
  type DeliveryCallback,
  type DeliveryResult,
  type DispatchContext,
  type PublishAnswer,
} from './dispatcher.js'
import type {Journal} from './journal.js'
import {latencyOf} from './latency.js'
import type {EventTrace} from './tracing.js'
import type {SpanParent} from '../core/trace-context.js'

export const FAILED_HISTORY_LIMIT = 100

/** The outcomes of a fan-out that delivered to no one. */
const NO_OUTCOMES: Record<string, Outcome> = Object.freeze({})

/**
 * Hops one event may take inside the mesh (replies, deliveries to the mesh's own addresses). A channel has
 * no TTL, so a loop through channels would never end; this bounds it far above any real flow.
 */
export const MAX_MESH_HOPS = 1000

/**
 * An in-memory hop runs on its sender's call stack, which overflows after a few hundred; every this many
 * hops an event waits for the next turn of the event loop instead, so that a long chain (a trigger whose
 * subscriber is its own broker) cannot overflow it.
 */
export const HOPS_PER_STACK = 50

export interface MeshRuntimeOptions {
  journal: Journal
  /** Dispatch context shared by every delivery; each delivery gets its own cancellation. */
  dispatch: Omit<DispatchContext, 'publish'>
  /** Upper bound on events an asynchronous broker or channel holds before answering 429. */
  maxPendingEvents: number
  /** Upper bound on the bytes of those events; an event is accepted into an empty backlog whatever its size. */
  maxPendingBytes: number
  now(): number
}

/** Seconds a producer refused with 429 is asked to wait. */
export const OVERLOAD_RETRY_AFTER = '1'

/** What ingress answers; a synchronous 500 names the deliveries that failed. */
export type IngressAnswer = PublishAnswer & {failed?: (Subscriber & {status?: number; error?: string})[]}

type Via = 'ingress' | 'reply'
type Route = TriggerRoute | SubscriptionRoute

/** Where a redelivery goes: one trigger of its broker, or one subscription of its channel, as the topology has them now. */
export type RedeliveryRoute =
  | {kind: 'trigger'; broker: BrokerRoute; trigger: TriggerRoute}
  | {kind: 'subscription'; channel: ChannelRoute; subscription: SubscriptionRoute}
type Delivered<R extends Route> = {route: R; result: DeliveryResult}
/** Starts one delivery of a fan-out; it reports its end through `done`, once. */
type DeliverOne<R extends Route> = (route: R, signal: Cancellation, deadline: number, done: DeliveryCallback) => void

/**
 * An arrival a previous run of the mesh accepted and did not settle, as a restart resumes it: on the routes
 * of the current topology, within what is left of its fan-out window.
 */
export interface ResumedArrival {
  ref: EventRef
  /** Where it arrived, as the mesh serves it now (undefined when it is gone: every delivery is then in `ended`). */
  target: MeshAddressable | undefined
  /** The event as accepted (its record's). */
  event: CloudEvent
  windowLeftMs: number
  /** Outcomes recorded before the restart, by trigger or subscription key. */
  outcomes: Record<string, Outcome>
  /** The deliveries that go on, each from where it stopped. */
  deliveries: {route: TriggerRoute | SubscriptionRoute; step: ResumeStep}[]
  /**
   * Deliveries that end without another attempt: one whose trigger or subscription is gone (with its step, for
   * the resumed record, and a failed result with the reason), or whose last step the mesh itself accepted.
   */
  ended: {who: Subscriber; result: Pick<DeliveryResult, 'outcome' | 'status' | 'error' | 'replyArrival'>; step?: ResumeStep}[]
}

/** The origin of an event that came over HTTP (shared: most events). */
const FROM_OUTSIDE: ArrivalOrigin = Object.freeze({})

export class MeshRuntime {
  private arrivals = 0
  readonly triggerCounters = new Map<string, TriggerCounters>()
  readonly subscriptionCounters = new Map<string, SubscriptionCounters>()
  readonly brokerCounters = new Map<string, BrokerCounters>()
  readonly channelCounters = new Map<string, ChannelCounters>()
  /** The most recent failed deliveries, oldest first. */
  readonly failures: FailedDelivery[] = []
  /** Deliveries under way, with what cancels each. */
  private readonly running = new Map<InFlightDelivery, Cancellation>()
  /** Fan-outs under way, and who waits for there to be none (idle). */
  private settling = 0
  private idleWaiters: (() => void)[] = []
  private stopReason: Error | undefined
  private sweeper: NodeJS.Timeout | undefined
  /** What every delivery shares; a delivery sends to one of the mesh's own addresses through `publish`. */
  private readonly dispatch: DispatchContext

  constructor(private readonly options: MeshRuntimeOptions) {
    this.dispatch = {
      ...options.dispatch,
      publish: (target, event, headers, via, origin, parent) => this.accept(target, event, headers, via, origin, parent),
    }
  }

  /** Deliveries under way. */
  get inFlight(): IterableIterator<InFlightDelivery> {
    return this.running.keys()
  }

  get inFlightCount(): number {
    return this.running.size
  }

  /** Accepts an event into a broker or a channel the mesh serves (an in-memory hop: always answers through a promise). */
  async accept(
    target: MeshAddressable,
    incoming: CloudEvent,
    headers: Record<string, string>,
    via: Via = 'ingress',
    origin: ArrivalOrigin = FROM_OUTSIDE,
    parent?: SpanParent,
  ): Promise<IngressAnswer> {
    if (origin.hops !== undefined && origin.hops % HOPS_PER_STACK === 0) await new Promise<void>((resolve) => setImmediate(resolve))
    return target.kind === 'broker'
      ? this.publish(target.route, incoming, headers, via, origin, parent)
      : this.publishToChannel(target.route, incoming, headers, via, origin, parent)
  }

  /**
   * Accepts an already decoded and validated event into a broker: what ingress answers, at once when it is
   * known (a refusal, an asynchronous broker), else once every delivery has ended. `parent`: the trace
   * context it arrived with (traceparent), which its deliveries continue; without one it starts a trace.
   */
  publish(
    broker: BrokerRoute,
    incoming: CloudEvent,
    headers: Record<string, string>,
    via: Via = 'ingress',
    origin: ArrivalOrigin = FROM_OUTSIDE,
    parent?: SpanParent,
  ): IngressAnswer | Promise<IngressAnswer> {
    const counters = this.brokerCountersFor(broker.key)
    const ingress = brokerIngress(incoming, this.options.now())
    if ('error' in ingress) return this.reject(counters, {broker: broker.key}, via, ingress.status, ingress.error, true)
    const bytes = eventBytes(ingress.event)
    const refused = this.refuse(counters, 'broker', broker.key, broker.async, via, origin, bytes)
    if (refused) return refused
    const {delivered, ttl} = ingress
    const {tracing} = this.dispatch
    const arrived = tracing.ingress(parent, 'broker', broker.key, ingress.event)
    const {matched, notMatched} = matchTriggers(broker, delivered)
    const trace = tracing.filtered(arrived, broker.triggers, matched)
    const ref = this.arrive('broker', broker.key, ingress.event, via, origin, {matched: matchedKeys(matched), notMatched})
    if (!this.options.journal.lastKept) return this.traced(trace, this.refuseUnkept(counters, ref))
    const hops = origin.hops ?? 0
    return this.settle(counters, broker.async, origin === FROM_OUTSIDE, ref, bytes, matched, trace, (trigger, signal, deadline, done) =>
      deliver(
        {
          ref,
          route: trigger,
          broker,
          ttl,
          event: delivered,
          headers,
          deadline,
          addresses: broker.addresses,
          hops,
          signal,
          trace: tracing.forTrigger(trace, trigger.key),
        },
        this.dispatch,
        done,
      ),
    )
  }

  /**
   * Accepts an event into a channel: every subscription gets it, unchanged (a channel adds no TTL and no
   * arrival time, semantics §4.1). Answers as `publish` does.
   */
  publishToChannel(
    channel: ChannelRoute,
    incoming: CloudEvent,
    headers: Record<string, string>,
    via: Via = 'ingress',
    origin: ArrivalOrigin = FROM_OUTSIDE,
    parent?: SpanParent,
  ): IngressAnswer | Promise<IngressAnswer> {
    const counters = this.channelCountersFor(channel.key)
    const bytes = eventBytes(incoming)
    const refused = this.refuse(counters, 'channel', channel.key, channel.async, via, origin, bytes)
    if (refused) return refused
    // the channel dispatcher sends binary mode, so subscribers see every extension as a string
    const event = afterBinaryHop(incoming)
    const trace = this.dispatch.tracing.ingress(parent, 'channel', channel.key, event)
    const ref = this.arrive('channel', channel.key, event, via, origin, undefined)
    if (!this.options.journal.lastKept) return this.traced(trace, this.refuseUnkept(counters, ref))
    const hops = origin.hops ?? 0
    return this.settle(
      counters,
      channel.async,
      origin === FROM_OUTSIDE,
      ref,
      bytes,
      channel.subscriptions,
      trace,
      (subscription, signal, deadline, done) =>
        deliver(
          {ref, route: subscription, event, headers, deadline, addresses: channel.addresses, hops, signal, trace},
          this.dispatch,
          done,
        ),
    )
  }

  /**
   * Sends an event again, as a new arrival, to one trigger or subscription only (filters are not evaluated
   * again), with the route's current delivery spec. `event` is the event as its first arrival recorded it
   * (a broker's: as ingress accepted it, its TTL and arrival time kept, so the subscriber sees what it saw
   * then). Answers at once: 202 with the new arrival, or why it is refused (the backlog bounds of an
   * asynchronous ingress apply).
   */
  redeliver(to: RedeliveryRoute, event: CloudEvent, redelivers: Redelivers): IngressAnswer {
    const bytes = eventBytes(event)
    if (to.kind === 'trigger') {
      const {broker, trigger} = to
      const counters = this.brokerCountersFor(broker.key)
      const refused = this.refuse(counters, 'broker', broker.key, true, 'ingress', FROM_OUTSIDE, bytes)
      if (refused) return refused
      // broker-filter removes the TTL before delivering; the reply inherits it
      const {delivered, ttl} = acceptedForDelivery(event)
      const ref = this.arrive(
        'broker',
        broker.key,
        event,
        'ingress',
        FROM_OUTSIDE,
        {matched: matchedKeys([trigger]), notMatched: NO_TRIGGERS},
        redelivers,
      )
      // a redelivery starts a trace of its own
      const trace = this.dispatch.tracing.ingress(undefined, 'broker', broker.key, event)
      if (!this.options.journal.lastKept) return this.traced(trace, this.refuseUnkept(counters, ref))
      return this.settle(counters, true, true, ref, bytes, [trigger], trace, (route, signal, deadline, done) =>
        deliver(
          {ref, route, broker, ttl, event: delivered, headers: {}, deadline, addresses: broker.addresses, hops: 0, signal, trace},
          this.dispatch,
          done,
        ),
      ) as IngressAnswer
    }
    const {channel, subscription} = to
    const counters = this.channelCountersFor(channel.key)
    const refused = this.refuse(counters, 'channel', channel.key, true, 'ingress', FROM_OUTSIDE, bytes)
    if (refused) return refused
    const ref = this.arrive('channel', channel.key, event, 'ingress', FROM_OUTSIDE, undefined, redelivers)
    const trace = this.dispatch.tracing.ingress(undefined, 'channel', channel.key, event)
    if (!this.options.journal.lastKept) return this.traced(trace, this.refuseUnkept(counters, ref))
    return this.settle(counters, true, true, ref, bytes, [subscription], trace, (route, signal, deadline, done) =>
      deliver({ref, route, event, headers: {}, deadline, addresses: channel.addresses, hops: 0, signal, trace}, this.dispatch, done),
    ) as IngressAnswer
  }

  /** Refusals every ingress shares: a chain of in-mesh hops too long, or an asynchronous backlog at its bound. */
  private refuse(
    counters: IngressCounters,
    kind: 'broker' | 'channel',
    key: string,
    async: boolean,
    via: Via,
    origin: ArrivalOrigin,
    bytes: number,
  ): IngressAnswer | undefined {
    if ((origin.hops ?? 0) >= MAX_MESH_HOPS) {
      const error = `the event has taken ${MAX_MESH_HOPS} hops inside the mesh (a loop: a subscriber or reply that leads back here?) and is dropped`
      return this.reject(counters, where(kind, key), via, LOOP_STATUS, error, true)
    }
    // an asynchronous ingress answers before delivering, so its backlog is bounded: past the bound it refuses (429)
    if (async && counters.pending >= this.options.maxPendingEvents) {
      const answer = this.reject(
        counters,
        where(kind, key),
        via,
        429,
        `${kind} ${key} is at capacity (${this.options.maxPendingEvents} events waiting for delivery); retry later`,
      )
      return {...answer, retryAfter: OVERLOAD_RETRY_AFTER}
    }
    if (async && counters.pending > 0 && counters.pendingBytes + bytes > this.options.maxPendingBytes) {
      const answer = this.reject(
        counters,
        where(kind, key),
        via,
        429,
        `${kind} ${key} is at capacity (${formatBytes(counters.pendingBytes)} of events waiting for delivery, at most ${formatBytes(this.options.maxPendingBytes)}); retry later`,
      )
      return {...answer, retryAfter: OVERLOAD_RETRY_AFTER}
    }
    return undefined
  }

  /**
   * The event log could not keep the event's record (a full disk): the event is not delivered, and its
   * producer is answered 503 to send it again later; its arrival is settled with no delivery.
   */
  private refuseUnkept(counters: IngressCounters, ref: EventRef): IngressAnswer {
    this.options.journal.append(settledRecord(ref, NO_OUTCOMES))
    return this.unkept(counters, ref)
  }

  /**
   * A synchronous ingress's deliveries ended but the event log cannot write the event's record: its producer
   * is answered 503 to send it again (the deliveries were made: at-least-once).
   */
  private unkept(counters: IngressCounters, ref: EventRef): IngressAnswer {
    const error = `kne could not keep the event in its event log (${this.options.journal.sinkFailure?.message ?? 'write failed'}); send it again later`
    return this.reject(counters, ref.broker !== undefined ? {broker: ref.broker} : {channel: ref.channel!}, 'ingress', 503, error)
  }

  private reject(
    counters: IngressCounters,
    where: {broker: string} | {channel: string},
    via: Via,
    status: number,
    error: string,
    loop = false,
  ): IngressAnswer {
    counters.rejected++
    this.options.journal.append(rejectedRecord(where, status, error, via))
    return loop ? {status, error, loop: error} : {status, error}
  }

  private arrive(
    kind: 'broker' | 'channel',
    key: string,
    event: CloudEvent,
    via: Via,
    origin: ArrivalOrigin,
    routed: Routing | undefined,
    redelivers?: Redelivers,
  ): EventRef {
    const arrival = ++this.arrivals
    const {journal} = this.options
    const seq = journal.next
    // literals rather than a spread: this runs for every event
    const ref: EventRef =
      kind === 'broker'
        ? {broker: key, arrival, id: event.id, type: event.type, source: event.source, seq}
        : {channel: key, arrival, id: event.id, type: event.type, source: event.source, seq}
    journal.append(eventRecord(ref, via, origin.replyTo, origin.from, routed, event, redelivers))
    return ref
  }

  /**
   * Tracks a fan-out until it settles. An asynchronous ingress answers 202 at once (no promise on this, the
   * usual path); a synchronous one after the fan-out, with 202, or 500 when a delivery failed.
   */
  private settle<R extends Route>(
    counters: IngressCounters,
    async: boolean,
    outside: boolean,
    ref: EventRef,
    bytes: number,
    routes: readonly R[],
    trace: EventTrace,
    deliverOne: DeliverOne<R>,
  ): IngressAnswer | Promise<IngressAnswer> {
    // a producer outside the mesh is told its event was accepted only once the event log holds its record
    if (async && outside && !this.options.journal.commit(ref.seq)) return this.traced(trace, this.refuseUnkept(counters, ref))
    counters.accepted++
    counters.pending++
    counters.pendingBytes += bytes
    this.settling++
    // an error here is a bug: it still ends the fan-out, and a synchronous ingress's caller sees it
    if (async) {
      this.fanOut(ref, routes, deliverOne, () => this.settled(counters, bytes))
      return this.traced(trace, {status: 202, arrival: ref.arrival})
    }
    return new Promise((resolve, reject) =>
      this.fanOut(ref, routes, deliverOne, (error, results) => {
        this.settled(counters, bytes)
        if (error !== undefined) {
          this.traced(trace, {status: 500, error: error.message})
          reject(error)
        } else if (outside && !this.options.journal.commit(ref.seq)) resolve(this.traced(trace, this.unkept(counters, ref)))
        else resolve(this.traced(trace, answerAfterDeliveries(ref, results!)))
      }),
    )
  }

  /** What ingress answers, with the event's ingress span ended on it. */
  private traced(trace: EventTrace, answer: IngressAnswer): IngressAnswer {
    this.dispatch.tracing.answered(trace, answer.status, answer.error)
    return answer
  }

  private settled(counters: IngressCounters, bytes: number): void {
    counters.pending--
    counters.pendingBytes -= bytes
    if (--this.settling > 0) return
    const waiters = this.idleWaiters
    this.idleWaiters = []
    for (const resolve of waiters) resolve()
  }

  /**
   * Delivers to every route in parallel, each with its own cancellation, all within one 15-minute window;
   * reports once: when every delivery ended, or at the first error.
   */
  private fanOut<R extends Route>(
    ref: EventRef,
    routes: readonly R[],
    deliverOne: DeliverOne<R>,
    done: (error: Error | undefined, results?: Delivered<R>[]) => void,
    resumed?: {deadline: number; earlier: Record<string, Outcome>},
  ): void {
    const deadline = resumed?.deadline ?? this.options.now() + FANOUT_TIMEOUT_MS
    const results: Delivered<R>[] = []
    let waiting = routes.length
    const allDone = (): void => {
      try {
        const outcomes = resumed === undefined ? outcomesOf(results) : {...resumed.earlier, ...outcomesOf(results)}
        this.options.journal.append(settledRecord(ref, outcomes))
      } catch (error) {
        return done(error as Error)
      }
      done(undefined, results)
    }
    if (waiting === 0) return allDone()
    for (let i = 0; i < routes.length; i++) {
      this.deliverCounted(ref, routes[i]!, deadline, deliverOne, (error, delivered) => {
        if (waiting === 0) return // the fan-out already ended with an error
        if (error !== undefined) {
          waiting = 0
          return done(error)
        }
        results[i] = delivered!
        if (--waiting === 0) allDone()
      })
    }
  }

  /** One delivery of a fan-out, counted and tracked while it runs; reports its end once. */
  private deliverCounted<R extends Route>(
    ref: EventRef,
    route: R,
    deadline: number,
    deliverOne: DeliverOne<R>,
    done: (error: Error | undefined, delivered?: Delivered<R>) => void,
  ): void {
    const counters = route.kind === 'trigger' ? this.triggerCountersFor(route.key) : this.subscriptionCountersFor(route.key)
    counters.matched++
    counters.inFlight++
    const flight = flightOf(ref, route.kind, route.key)
    const started = this.options.now()
    const cancellation = new Cancellation(deadline)
    if (this.stopReason) cancellation.abort(this.stopReason)
    this.running.set(flight, cancellation)
    this.startSweeper()
    const ended: DeliveryCallback = (error, result) => {
      if (!this.running.delete(flight)) return // reported already
      counters.inFlight--
      if (error !== undefined) return done(error)
      latencyOf(counters).observe(this.options.now() - started)
      countOutcome(counters, result!.outcome)
      if (result!.outcome === 'failed') this.recordFailure(flight, ref, result!)
      done(undefined, {route, result: result!})
    }
    try {
      deliverOne(route, cancellation, deadline, ended)
    } catch (error) {
      ended(error as Error)
    }
  }

  /** Sequence number of the oldest event record whose arrival has a delivery under way: the event log keeps it. */
  oldestUnsettledSeq(): number | undefined {
    let oldest: number | undefined
    for (const flight of this.running.keys())
      if (flight.seq !== undefined && (oldest === undefined || flight.seq < oldest)) oldest = flight.seq
    return oldest
  }

  /** Resolves when every fan-out in progress has settled (callers race it with a drain timeout). */
  idle(): Promise<void> {
    if (this.settling === 0) return Promise.resolve()
    return new Promise((resolve) => this.idleWaiters.push(resolve))
  }

  /** Gives up on every delivery under way and any started later: each ends `failed` with this reason. */
  stop(reason: Error): void {
    this.stopReason = reason
    for (const cancellation of this.running.values()) cancellation.abort(reason)
  }

  /** Counts an event a broker's ingress refused before accepting it (e.g. not a valid CloudEvent). */
  recordRejection(brokerKey: string | undefined): void {
    if (brokerKey) this.brokerCountersFor(brokerKey).rejected++
  }

  /** Counts an event a channel's ingress refused before accepting it. */
  recordChannelRejection(channelKey: string): void {
    this.channelCountersFor(channelKey).rejected++
  }

  triggerCountersFor(key: string): TriggerCounters {
    return countersIn(this.triggerCounters, key, newDeliveryCounters)
  }

  subscriptionCountersFor(key: string): SubscriptionCounters {
    return countersIn(this.subscriptionCounters, key, newDeliveryCounters)
  }

  brokerCountersFor(key: string): BrokerCounters {
    return countersIn(this.brokerCounters, key, newIngressCounters)
  }

  channelCountersFor(key: string): ChannelCounters {
    return countersIn(this.channelCounters, key, newIngressCounters)
  }

  private recordFailure(flight: InFlightDelivery, ref: EventRef, result: DeliveryResult): void {
    this.keepFailure({
      ...flight,
      type: ref.type,
      status: result.status,
      error: result.error,
      at: new Date(this.options.now()).toISOString(),
    })
  }

  private keepFailure(failure: FailedDelivery): void {
    this.failures.push(failure)
    if (this.failures.length > FAILED_HISTORY_LIMIT) this.failures.shift()
  }

  /**
   * Counts a record a previous run of the mesh appended, as that run counted it: arrivals accepted and
   * refused, and each delivery's outcome (deliveries that go on after the restart are counted as they run).
   */
  restoreCounts(record: Activity): void {
    if (record.kind === 'event') {
      ;(record.broker !== undefined ? this.brokerCountersFor(record.broker) : this.channelCountersFor(record.channel!)).accepted++
      if (record.arrival > this.arrivals) this.arrivals = record.arrival
    } else if (record.kind === 'rejected') {
      if (record.broker !== undefined) this.brokerCountersFor(record.broker).rejected++
      else if (record.channel !== undefined) this.channelCountersFor(record.channel).rejected++
    } else if (record.kind === 'outcome') {
      const counters =
        record.trigger !== undefined ? this.triggerCountersFor(record.trigger) : this.subscriptionCountersFor(record.subscription)
      counters.matched++
      countOutcome(counters, record.outcome)
      if (record.outcome === 'failed') {
        const {arrival, id, broker, channel, type, status, error, at} = record
        this.keepFailure({...flightFor({arrival, id, broker, channel}, record), type, status, error, at})
      }
    }
  }

  /**
   * Goes on with an arrival a previous run accepted and did not settle (a restart): a `resumed` record for each
   * delivery left, which then goes on from its next attempt; the settled record names every route's outcome,
   * those recorded before the restart too. Nobody waits for the answer: the producer's request is long gone.
   */
  resume(arrival: ResumedArrival): void {
    const {ref, target} = arrival
    const counters = ref.broker !== undefined ? this.brokerCountersFor(ref.broker) : this.channelCountersFor(ref.channel!)
    const earlier = {...arrival.outcomes}
    for (const {who, result, step} of arrival.ended) {
      const delivery = who.trigger !== undefined ? this.triggerCountersFor(who.trigger) : this.subscriptionCountersFor(who.subscription)
      delivery.matched++
      countOutcome(delivery, result.outcome)
      if (step !== undefined) this.options.journal.append(resumedRecord(ref, who, step))
      this.options.journal.append(outcomeRecord(ref, who, result))
      if (result.outcome === 'failed') this.recordFailure(flightFor(ref, who), ref, result)
      earlier[who.trigger ?? who.subscription] = result.outcome
    }
    const steps = new Map(arrival.deliveries.map(({route, step}) => [route, step]))
    const routes = arrival.deliveries.map(({route}) => route)
    const resumed = {deadline: this.options.now() + arrival.windowLeftMs, earlier}
    const bytes = eventBytes(arrival.event)
    counters.pending++
    counters.pendingBytes += bytes
    this.settling++
    const started = (route: Route): ResumeStep => {
      const step = steps.get(route)!
      this.options.journal.append(resumedRecord(ref, subscriberOf(route), step))
      return step
    }
    const settled = (): void => this.settled(counters, bytes)
    if (target === undefined) {
      this.fanOut(ref, [], () => undefined, settled, resumed)
    } else if (target.kind === 'broker') {
      const broker = target.route
      const trace = this.resumedTrace('broker', broker.key, arrival.event)
      const {delivered, ttl} = acceptedForDelivery(arrival.event)
      const triggers = routes.filter((route): route is TriggerRoute => route.kind === 'trigger')
      this.fanOut(
        ref,
        triggers,
        (trigger, signal, deadline, done) =>
          deliver(
            {
              ref,
              route: trigger,
              broker,
              ttl,
              event: delivered,
              headers: {},
              deadline,
              addresses: broker.addresses,
              hops: 0,
              signal,
              resume: started(trigger),
              trace,
            },
            this.dispatch,
            done,
          ),
        settled,
        resumed,
      )
    } else {
      const channel = target.route
      const trace = this.resumedTrace('channel', channel.key, arrival.event)
      const subscriptions = routes.filter((route): route is SubscriptionRoute => route.kind === 'subscription')
      this.fanOut(
        ref,
        subscriptions,
        (subscription, signal, deadline, done) =>
          deliver(
            {
              ref,
              route: subscription,
              event: arrival.event,
              headers: {},
              deadline,
              addresses: channel.addresses,
              hops: 0,
              signal,
              resume: started(subscription),
              trace,
            },
            this.dispatch,
            done,
          ),
        settled,
        resumed,
      )
    }
  }

  /** A resumed arrival's trace: a new one (the producer's context was not kept), its ingress span ended at once. */
  private resumedTrace(kind: 'broker' | 'channel', key: string, event: CloudEvent): EventTrace {
    const {tracing} = this.dispatch
    const trace = tracing.ingress(undefined, kind, key, event)
    tracing.answered(trace, 202, undefined)
    return trace
  }

  /**
   * Knative cancels a fan-out still running after 15 minutes. Waits end at the deadline by themselves; a
   * request still open then is cut by this once-a-second check (on the mesh's clock, virtual or not).
   */
  private startSweeper(): void {
    if (this.sweeper) return
    this.sweeper = setInterval(() => {
      const now = this.options.now()
      for (const cancellation of this.running.values()) {
        if (now >= cancellation.deadline && !cancellation.aborted) cancellation.abort(new Error(FANOUT_TIMEOUT_MESSAGE))
      }
      if (this.running.size === 0) {
        clearInterval(this.sweeper)
        this.sweeper = undefined
      }
    }, 1000)
    this.sweeper.unref()
  }
}

function flightOf(
  ref: Pick<EventRef, 'arrival' | 'id' | 'broker' | 'channel' | 'seq'>,
  kind: Route['kind'],
  key: string,
): InFlightDelivery {
  return kind === 'trigger'
    ? {arrival: ref.arrival, id: ref.id, broker: ref.broker, channel: ref.channel, seq: ref.seq, trigger: key}
    : {arrival: ref.arrival, id: ref.id, broker: ref.broker, channel: ref.channel, seq: ref.seq, subscription: key}
}

/** A trigger's or a subscription's delivery under way, as status names it. */
function flightFor(ref: Pick<EventRef, 'arrival' | 'id' | 'broker' | 'channel'>, who: Subscriber): InFlightDelivery {
  return who.trigger !== undefined ? flightOf(ref, 'trigger', who.trigger) : flightOf(ref, 'subscription', who.subscription)
}

function where(kind: 'broker' | 'channel', key: string): {broker: string} | {channel: string} {
  return kind === 'broker' ? {broker: key} : {channel: key}
}

/**
 * A synchronous ingress's answer once its fan-out ended: 202, or 500 naming the deliveries that failed
 * (semantics §0); LOOP_STATUS with the reason when one of them ended on loop protection.
 */
function answerAfterDeliveries(ref: EventRef, results: Delivered<Route>[]): IngressAnswer {
  if (results.every(({result}) => result.outcome !== 'failed')) return {status: 202, arrival: ref.arrival}
  const failedResults = results.filter(({result}) => result.outcome === 'failed')
  const failed = failedResults.map(({route, result}) => ({...subscriberOf(route), status: result.status, error: result.error}))
  const names = failed.map((f) => (f.trigger !== undefined ? `trigger ${f.trigger}` : `subscription ${f.subscription}`)).join(', ')
  const loop = failedResults.find(({result}) => result.loop !== undefined)?.result.loop
  if (loop !== undefined) return {status: LOOP_STATUS, arrival: ref.arrival, error: `delivery failed for ${names}: ${loop}`, failed, loop}
  return {status: 500, arrival: ref.arrival, error: `delivery failed for ${names}`, failed}
}

const singleKey = perObject((trigger: TriggerRoute) => Object.freeze([trigger.key]) as unknown as string[])

/** Matched triggers' keys; the usual single match reuses one list per trigger instead of a new one per event. */
function matchedKeys(matched: TriggerRoute[]): string[] {
  return matched.length === 1 ? singleKey(matched[0]!) : matched.map((t) => t.key)
}

const singleOutcomes = perObject((_route: Route): Partial<Record<Outcome, Record<string, Outcome>>> => ({}))

/** Each route's outcome, by its key; a single delivery's reuses one object per route and outcome. */
function outcomesOf(results: Delivered<Route>[]): Record<string, Outcome> {
  if (results.length === 1) {
    const {
      route,
      result: {outcome},
    } = results[0]!
    return (singleOutcomes(route)[outcome] ??= Object.freeze({[route.key]: outcome}))
  }
  const outcomes: Record<string, Outcome> = {}
  for (const {route, result} of results) outcomes[route.key] = result.outcome
  return outcomes
}

function newDeliveryCounters(): DeliveryCounters {
  return {matched: 0, delivered: 0, replied: 0, deadLettered: 0, failed: 0, inFlight: 0}
}

function newIngressCounters(): IngressCounters {
  return {accepted: 0, rejected: 0, pending: 0, pendingBytes: 0}
}

function countersIn<C>(map: Map<string, C>, key: string, create: () => C): C {
  let c = map.get(key)
  if (!c) map.set(key, (c = create()))
  return c
}

function countOutcome(counters: DeliveryCounters, outcome: Outcome): void {
  if (outcome === 'delivered') counters.delivered++
  else if (outcome === 'replied') counters.replied++
  else if (outcome === 'dead-lettered') counters.deadLettered++
  else counters.failed++
}
