// What the mesh records about every event's path: accepted (or rejected) at ingress, routed to the
// triggers that matched, each delivery attempt, and one terminal outcome per matched trigger.
import type {CloudEvent} from './cloudevent.js'
import {eventToJsonObject} from './codec/json.js'

/** Fields every record about an accepted event carries, so streams can be filtered without lookups. */
export interface EventRef {
  /** `namespace/name` of the broker. */
  broker: string
  /** Mesh-wide number of this arrival (event ids may repeat; arrivals do not). */
  arrival: number
  id: string
  type: string
  source: string
}

export type Outcome = 'delivered' | 'replied' | 'dead-lettered' | 'failed'

export type ActivityBody =
  | (EventRef & {kind: 'event'; via: 'ingress' | 'reply'; replyTo?: {arrival: number; trigger: string}; event: CloudEvent})
  | {kind: 'rejected'; broker?: string; status: number; error: string; via: 'ingress' | 'reply'}
  | (EventRef & {kind: 'routed'; matched: string[]; notMatched: string[]})
  | (EventRef & {kind: 'attempt'; trigger: string; target: 'subscriber' | 'reply' | 'dead-letter-sink'; url: string; attempt: number;
      status?: number; error?: string; durationMs: number; nextDelayMs?: number})
  | (EventRef & {kind: 'outcome'; trigger: string; outcome: Outcome; status?: number; error?: string; replyArrival?: number})
  | (EventRef & {kind: 'settled'; outcomes: Record<string, Outcome>})

export type Activity = ActivityBody & {seq: number; at: string}

/** Activity as it travels over the control API: events in the CloudEvents JSON format. */
export type ActivityJson = Exclude<Activity, {kind: 'event'}> | (Omit<Extract<Activity, {kind: 'event'}>, 'event'> & {event: Record<string, unknown>})

// Records keep the CloudEvent itself; it is rendered to JSON only when someone reads it.
export function activityToJson(record: Activity): ActivityJson {
  return record.kind === 'event' ? {...record, event: eventToJsonObject(record.event)} : record
}

export interface ActivitySelector {
  /** `namespace/name`. */
  broker?: string
  type?: string
  source?: string
}

/** Whether a record is about an event the selector picks (records not about one event match on broker alone). */
export function selectsActivity(selector: ActivitySelector, record: ActivityBody | ActivityJson): boolean {
  if (selector.broker !== undefined && record.broker !== selector.broker) return false
  if (record.kind === 'rejected') return selector.type === undefined && selector.source === undefined
  if (selector.type !== undefined && record.type !== selector.type) return false
  if (selector.source !== undefined && record.source !== selector.source) return false
  return true
}
