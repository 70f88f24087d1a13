// What a broker adds to the mesh's fan-out: Knative's ingress defaults (TTL, arrival time) and routing
// through its triggers' filters (semantics §1.2, §2.5, §2.7).
import {afterBinaryHop, attributeValue, withExtension, type CloudEvent} from '../core/cloudevent.js'
import {filterDelivers} from '../core/filters/index.js'
import type {BrokerRoute, TriggerRoute} from '../core/topology.js'

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

/** The event as broker ingress hands it on (the TTL spent, the arrival time set), or why ingress refuses it. */
export function brokerIngress(incoming: CloudEvent, now: number): {event: CloudEvent; ttl: number} | {status: 400; error: string} {
  const ttl = nextTtl(incoming)
  if (ttl <= 0) {
    return {status: 400, error: `${TTL_EXTENSION} is exhausted: the event has passed through the broker ${MAX_TTL} times (a reply loop?) and is dropped`}
  }
  const hopped = afterBinaryHop(incoming)
  // one copy of the extensions for both ingress defaults (this runs for every event)
  const event = {...hopped, extensions: {...hopped.extensions, [TTL_EXTENSION]: ttl, [ARRIVAL_TIME_EXTENSION]: new Date(now).toISOString()}}
  return {event, ttl}
}

/** broker-filter removes the TTL before filtering and before the subscriber sees the event. */
export function asDelivered(event: CloudEvent): CloudEvent {
  return withExtension(event, TTL_EXTENSION, undefined)
}

/** The triggers whose filters pass the event, and the keys of those whose filters do not. */
export function matchTriggers(broker: BrokerRoute, delivered: CloudEvent): {matched: TriggerRoute[]; notMatched: string[]} {
  const matched: TriggerRoute[] = []
  const notMatched: string[] = []
  for (const trigger of broker.index.candidates(delivered)) {
    if (filterDelivers(trigger.filter.evaluate(delivered))) matched.push(trigger)
    else notMatched.push(trigger.key)
  }
  return {matched, notMatched}
}
