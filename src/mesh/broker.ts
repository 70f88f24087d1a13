// What a broker adds to the mesh's fan-out: Knative's ingress defaults (TTL, arrival time) and routing
// through its triggers' filters (semantics §1.2, §2.5, §2.7).
import {NO_TRIGGERS} from '../core/activity.js'
import {attributeValue, type CloudEvent, type ExtensionValue} from '../core/cloudevent.js'
import {isoTime} from '../core/memo.js'
import {filterDelivers} from '../core/filters/index.js'
import type {BrokerRoute, TriggerRoute} from '../core/topology.js'

/** Knative broker ingress default and maximum hop budget (MAX_TTL). */
export const MAX_TTL = 255
export const TTL_EXTENSION = 'knativebrokerttl'
export const ARRIVAL_TIME_EXTENSION = 'knativearrivaltime'

/**
 * What ingress answers an event whose TTL is spent (Knative's 400, which no sender retries). kne answers the
 * same at its hop limit, and from a synchronous ingress whose delivery ended on either: a retry from further
 * up would only run the loop again.
 */
export const LOOP_STATUS = 400

/** Ingress's TTL defaulter: absent or unreadable → 255, otherwise one less (never below 0). */
export function nextTtl(event: CloudEvent): number {
  const value = attributeValue(event, TTL_EXTENSION)
  if (value === undefined || typeof value === 'boolean') return MAX_TTL
  const text = String(value)
  if (!/^[+-]?\d+$/.test(text.trim())) return MAX_TTL
  return Math.max(0, Number(text) - 1)
}

/**
 * The event as broker ingress hands it on (every extension a string after the binary hop, the TTL spent,
 * the arrival time set), the same event as triggers' filters and subscribers see it (broker-filter removes
 * the TTL), or why ingress refuses it.
 */
export function brokerIngress(
  incoming: CloudEvent,
  now: number,
): {event: CloudEvent; delivered: CloudEvent; ttl: number} | {status: typeof LOOP_STATUS; error: string} {
  const ttl = nextTtl(incoming)
  if (ttl <= 0) {
    const arrived = String(attributeValue(incoming, TTL_EXTENSION))
    return {
      status: LOOP_STATUS,
      error: `${TTL_EXTENSION} is exhausted: the event arrived with ${TTL_EXTENSION} ${arrived}, and each pass through a broker spends one (a reply loop?); it is dropped`,
    }
  }
  const arrival = isoTime(now)
  // both extension sets in one pass, in the incoming order (this runs for every event)
  const extensions: Record<string, ExtensionValue> = {}
  const deliveredExtensions: Record<string, ExtensionValue> = {}
  let hasTtl = false
  let hasArrival = false
  for (const name in incoming.extensions) {
    if (name === TTL_EXTENSION) {
      extensions[name] = ttl
      hasTtl = true
    } else if (name === ARRIVAL_TIME_EXTENSION) {
      extensions[name] = deliveredExtensions[name] = arrival
      hasArrival = true
    } else {
      const value = incoming.extensions[name]!
      extensions[name] = deliveredExtensions[name] = typeof value === 'string' ? value : String(value)
    }
  }
  if (!hasTtl) extensions[TTL_EXTENSION] = ttl
  if (!hasArrival) extensions[ARRIVAL_TIME_EXTENSION] = deliveredExtensions[ARRIVAL_TIME_EXTENSION] = arrival
  return {event: {...incoming, extensions}, delivered: {...incoming, extensions: deliveredExtensions}, ttl}
}

/**
 * An event as ingress accepted it (as its record keeps it), split again into the event triggers deliver
 * (without the TTL, as broker-filter removes it) and the TTL a reply inherits: how a restart resumes it.
 */
export function acceptedForDelivery(accepted: CloudEvent): {delivered: CloudEvent; ttl: number} {
  const {[TTL_EXTENSION]: ttl, ...extensions} = accepted.extensions
  const n = Number(ttl)
  return {delivered: {...accepted, extensions}, ttl: Number.isInteger(n) && n > 0 ? n : MAX_TTL}
}

/** The triggers whose filters pass the event, and the keys of those whose filters do not. */
export function matchTriggers(broker: BrokerRoute, delivered: CloudEvent): {matched: TriggerRoute[]; notMatched: string[]} {
  const matched: TriggerRoute[] = []
  let notMatched: string[] | undefined
  for (const {value: trigger} of broker.index.candidateEntries(delivered)) {
    if (filterDelivers(trigger.filter.evaluate(delivered))) matched.push(trigger)
    else (notMatched ??= []).push(trigger.key)
  }
  return {matched, notMatched: notMatched ?? NO_TRIGGERS}
}
