// What a broker does with an accepted event: Knative's ingress defaults (TTL, arrival time), routing
// through its triggers' filters, and fan-out to every match — answering after all deliveries finish
// (Knative's default synchronous channel) or at once (the opt-in async handler).
import type {EventRef, Outcome} from '../core/activity.js'
import {afterBinaryHop, attributeValue, withExtension, type CloudEvent} from '../core/cloudevent.js'
import {filterDelivers} from '../core/filters/index.js'
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
}

export interface InFlightDelivery {
  arrival: number
  id: string
  broker: string
  trigger: string
}

export interface BrokerRuntimeOptions {
  journal: Journal
  dispatch: Omit<DispatchContext, 'publishReply'>
  /** Upper bound on events an asynchronous broker holds before answering 429. */
  maxPendingEvents: number
  now(): number
}

export class BrokerRuntime {
  private arrivals = 0
  private pendingAsync = 0
  readonly triggerCounters = new Map<string, TriggerCounters>()
  readonly brokerCounters = new Map<string, BrokerCounters>()
  readonly inFlight = new Set<InFlightDelivery>()
  private readonly settling = new Set<Promise<unknown>>()
  private readonly dispatch: DispatchContext

  constructor(private readonly options: BrokerRuntimeOptions) {
    this.dispatch = {...options.dispatch, publishReply: (broker, reply, headers, replyTo) => this.publish(broker, reply, headers, 'reply', replyTo)}
  }

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
    if (broker.async && this.pendingAsync >= this.options.maxPendingEvents) {
      counters.rejected++
      const error = `broker ${broker.key} is at capacity (${this.options.maxPendingEvents} events waiting for delivery); retry later`
      this.options.journal.append({kind: 'rejected', broker: broker.key, status: 429, error, via})
      return {status: 429, error}
    }
    counters.accepted++
    let event = withExtension(afterBinaryHop(incoming), TTL_EXTENSION, ttl)
    event = withExtension(event, ARRIVAL_TIME_EXTENSION, new Date(this.options.now()).toISOString())
    const ref: EventRef = {broker: broker.key, arrival: ++this.arrivals, id: event.id, type: event.type, source: event.source}
    this.options.journal.append({kind: 'event', ...ref, via, replyTo, event})
    const tracked = this.fanOut(broker, ref, event, ttl, headers).finally(() => {
      this.settling.delete(tracked)
      if (broker.async) this.pendingAsync--
    })
    this.settling.add(tracked)
    if (broker.async) {
      this.pendingAsync++
      return {status: 202, arrival: ref.arrival}
    }
    const results = await tracked
    const failed = results.filter(({result}) => result.outcome === 'failed')
      .map(({trigger, result}) => ({trigger, status: result.status, error: result.error}))
    if (failed.length > 0) {
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
    const results = await Promise.all(matched.map(async (trigger) => {
      const counters = this.triggerCountersFor(trigger.key)
      counters.matched++
      counters.inFlight++
      const flight: InFlightDelivery = {arrival: ref.arrival, id: ref.id, broker: broker.key, trigger: trigger.key}
      this.inFlight.add(flight)
      try {
        const result = await deliver({ref, broker, trigger, event: delivered, ttl, headers}, this.dispatch)
        countOutcome(counters, result.outcome)
        return {trigger: trigger.key, result}
      } finally {
        counters.inFlight--
        this.inFlight.delete(flight)
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
    if (!c) this.brokerCounters.set(key, c = {accepted: 0, rejected: 0})
    return c
  }
}

function countOutcome(counters: TriggerCounters, outcome: Outcome): void {
  if (outcome === 'delivered') counters.delivered++
  else if (outcome === 'replied') counters.replied++
  else if (outcome === 'dead-lettered') counters.deadLettered++
  else counters.failed++
}
