// What a broker does with an accepted event: Knative's ingress defaults (TTL, arrival time), routing
// through its triggers' filters, and fan-out to every match — answering after all deliveries finish
// (Knative's default synchronous channel) or at once (the opt-in async handler).
import type {EventRef, Outcome} from '../core/activity.js'
import {afterBinaryHop, attributeValue, withExtension, type CloudEvent} from '../core/cloudevent.js'
import {filterDelivers} from '../core/filters/index.js'
import {FANOUT_TIMEOUT_MESSAGE, FANOUT_TIMEOUT_MS} from '../core/delivery/policy.js'
import type {BrokerRoute, TriggerRoute} from '../core/topology.js'
import {deliver, type DeliveryResult, type DispatchContext, type PublishAnswer} from './dispatcher.js'
import type {Journal} from './journal.js'

/** Knative broker ingress default and maximum hop budget (MAX_TTL). */
export const MAX_TTL = 255
export const TTL_EXTENSION = 'knativebrokerttl'
export const ARRIVAL_TIME_EXTENSION = 'knativearrivaltime'

/** Ingress's TTL defaulter: absent or unreadable → 255, otherwise one less (never below 0). */
export function nextTtl(event: CloudEvent): number {
  const value = attributeValue(event, TTL_EXTENSION)
  const text = typeof value === 'boolean' ? '' : String(value ?? '')
  if (value === undefined || !/^[+-]?\d+$/.test(text.trim())) return MAX_TTL
  return Math.max(0, Number(text) - 1)
}

export interface TriggerCounters {
  matched: number
  delivered: number
  replied: number
  deadLettered: number
  failed: number
  inFlight: number
}

export interface BrokerCounters {
  accepted: number
  rejected: number
  /** Accepted events whose fan-out has not settled yet (what an asynchronous broker's bound applies to). */
  pending: number
}

export interface InFlightDelivery {
  arrival: number
  id: string
  broker: string
  trigger: string
}

/** A delivery that ended `failed`: kept (the most recent ones) so status can name what was lost. */
export interface FailedDelivery extends InFlightDelivery {
  type: string
  status?: number
  error?: string
  at: string
}

export const FAILED_HISTORY_LIMIT = 100

export interface BrokerRuntimeOptions {
  journal: Journal
  /** Dispatch context shared by every delivery; each delivery gets its own signal. */
  dispatch: Omit<DispatchContext, 'publishReply' | 'signal'>
  /** Upper bound on events an asynchronous broker holds before answering 429. */
  maxPendingEvents: number
  now(): number
}

/** Seconds a producer refused with 429 is asked to wait. */
export const OVERLOAD_RETRY_AFTER = '1'

interface Running {
  controller: AbortController
  deadline: number
}

export class BrokerRuntime {
  private arrivals = 0
  readonly triggerCounters = new Map<string, TriggerCounters>()
  readonly brokerCounters = new Map<string, BrokerCounters>()
  readonly inFlight = new Set<InFlightDelivery>()
  /** The most recent failed deliveries, oldest first. */
  readonly failures: FailedDelivery[] = []
  private readonly running = new Map<InFlightDelivery, Running>()
  private readonly settling = new Set<Promise<unknown>>()
  private stopReason: Error | undefined
  private sweeper: NodeJS.Timeout | undefined

  constructor(private readonly options: BrokerRuntimeOptions) {}

  /** Accepts an already decoded and validated event into a broker; resolves with what ingress answers. */
  async publish(broker: BrokerRoute, incoming: CloudEvent, headers: Record<string, string>, via: 'ingress' | 'reply',
    replyTo?: {arrival: number; trigger: string}): Promise<PublishAnswer & {failed?: {trigger: string; status?: number; error?: string}[]}> {
    const counters = this.brokerCountersFor(broker.key)
    const ttl = nextTtl(incoming)
    if (ttl <= 0) {
      counters.rejected++
      const error = `${TTL_EXTENSION} is exhausted: the event has passed through the broker ${MAX_TTL} times (a reply loop?) and is dropped`
      this.options.journal.append({kind: 'rejected', broker: broker.key, status: 400, error, via})
      return {status: 400, error}
    }
    // an asynchronous broker answers before delivering, so its backlog is bounded: past the bound it refuses (429)
    if (broker.async && counters.pending >= this.options.maxPendingEvents) {
      counters.rejected++
      const error = `broker ${broker.key} is at capacity (${this.options.maxPendingEvents} events waiting for delivery); retry later`
      this.options.journal.append({kind: 'rejected', broker: broker.key, status: 429, error, via})
      return {status: 429, error, retryAfter: OVERLOAD_RETRY_AFTER}
    }
    counters.accepted++
    counters.pending++
    let event = withExtension(afterBinaryHop(incoming), TTL_EXTENSION, ttl)
    event = withExtension(event, ARRIVAL_TIME_EXTENSION, new Date(this.options.now()).toISOString())
    const ref: EventRef = {broker: broker.key, arrival: ++this.arrivals, id: event.id, type: event.type, source: event.source}
    this.options.journal.append({kind: 'event', ...ref, via, replyTo, event})
    const tracked = this.fanOut(broker, ref, event, ttl, headers).finally(() => {
      this.settling.delete(tracked)
      counters.pending--
    })
    this.settling.add(tracked)
    if (broker.async) return {status: 202, arrival: ref.arrival}
    const results = await tracked
    const failed = results.filter(({result}) => result.outcome === 'failed')
      .map(({trigger, result}) => ({trigger, status: result.status, error: result.error}))
    if (failed.length > 0) {
      // the synchronous channel answers 500 when any subscription finally failed (semantics §0)
      return {status: 500, arrival: ref.arrival, error: `delivery failed for ${failed.map((f) => `trigger ${f.trigger}`).join(', ')}`, failed}
    }
    return {status: 202, arrival: ref.arrival}
  }

  private async fanOut(broker: BrokerRoute, ref: EventRef, event: CloudEvent, ttl: number, headers: Record<string, string>): Promise<{trigger: string; result: DeliveryResult}[]> {
    // broker-filter removes the TTL before filtering and before the subscriber sees the event
    const delivered = withExtension(event, TTL_EXTENSION, undefined)
    const matched: TriggerRoute[] = []
    const notMatched: string[] = []
    for (const trigger of broker.index.candidates(delivered)) {
      if (filterDelivers(trigger.filter.evaluate(delivered))) matched.push(trigger)
      else notMatched.push(trigger.key)
    }
    this.options.journal.append({kind: 'routed', ...ref, matched: matched.map((t) => t.key), notMatched})
    const deadline = this.options.now() + FANOUT_TIMEOUT_MS
    const results = await Promise.all(matched.map(async (trigger) => {
      const counters = this.triggerCountersFor(trigger.key)
      counters.matched++
      counters.inFlight++
      const flight: InFlightDelivery = {arrival: ref.arrival, id: ref.id, broker: broker.key, trigger: trigger.key}
      const controller = new AbortController()
      if (this.stopReason) controller.abort(this.stopReason)
      this.inFlight.add(flight)
      this.running.set(flight, {controller, deadline})
      this.startSweeper()
      try {
        const result = await deliver({ref, broker, trigger, event: delivered, ttl, headers, deadline}, {
          ...this.options.dispatch, signal: controller.signal,
          publishReply: (to, reply, replyHeaders, replyTo) => this.publish(to, reply, replyHeaders, 'reply', replyTo),
        })
        countOutcome(counters, result.outcome)
        if (result.outcome === 'failed') this.recordFailure(flight, ref, result)
        return {trigger: trigger.key, result}
      } finally {
        counters.inFlight--
        this.inFlight.delete(flight)
        this.running.delete(flight)
      }
    }))
    const outcomes: Record<string, Outcome> = {}
    for (const {trigger, result} of results) outcomes[trigger] = result.outcome
    this.options.journal.append({kind: 'settled', ...ref, outcomes})
    return results
  }

  /** Resolves when every fan-out in progress has settled (callers race it with a drain timeout). */
  async idle(): Promise<void> {
    while (this.settling.size > 0) await Promise.allSettled([...this.settling])
  }

  /** Gives up on every delivery under way and any started later: each ends `failed` with this reason. */
  stop(reason: Error): void {
    this.stopReason = reason
    for (const {controller} of this.running.values()) controller.abort(reason)
  }

  recordRejection(brokerKey: string | undefined): void {
    if (brokerKey) this.brokerCountersFor(brokerKey).rejected++
  }

  triggerCountersFor(key: string): TriggerCounters {
    let c = this.triggerCounters.get(key)
    if (!c) this.triggerCounters.set(key, c = {matched: 0, delivered: 0, replied: 0, deadLettered: 0, failed: 0, inFlight: 0})
    return c
  }

  brokerCountersFor(key: string): BrokerCounters {
    let c = this.brokerCounters.get(key)
    if (!c) this.brokerCounters.set(key, c = {accepted: 0, rejected: 0, pending: 0})
    return c
  }

  private recordFailure(flight: InFlightDelivery, ref: EventRef, result: DeliveryResult): void {
    this.failures.push({...flight, type: ref.type, status: result.status, error: result.error, at: new Date(this.options.now()).toISOString()})
    if (this.failures.length > FAILED_HISTORY_LIMIT) this.failures.shift()
  }

  /**
   * Knative cancels a fan-out still running after 15 minutes. Waits end at the deadline by themselves; a
   * request still open then is cut by this once-a-second check (on the mesh's clock, virtual or not).
   */
  private startSweeper(): void {
    if (this.sweeper) return
    this.sweeper = setInterval(() => {
      const now = this.options.now()
      for (const {controller, deadline} of this.running.values()) {
        if (now >= deadline && !controller.signal.aborted) controller.abort(new Error(FANOUT_TIMEOUT_MESSAGE))
      }
      if (this.running.size === 0) {
        clearInterval(this.sweeper)
        this.sweeper = undefined
      }
    }, 1000)
    this.sweeper.unref()
  }
}

function countOutcome(counters: TriggerCounters, outcome: Outcome): void {
  if (outcome === 'delivered') counters.delivered++
  else if (outcome === 'replied') counters.replied++
  else if (outcome === 'dead-lettered') counters.deadLettered++
  else counters.failed++
}
