// What a stand-in subscriber answers (kne sink, kne test's subscribers): a fixed status, the first N failing,
// a seeded share failing, a delay, Retry-After, or a CloudEvent reply, decided request by request.
import type {CloudEvent} from './cloudevent.js'
import {isSuccess} from './delivery/policy.js'
import {buildEvent} from './event-builder.js'

export interface SinkBehaviour {
  /** The status of failing answers (default 503); with neither failFirst nor failRate, every answer uses it. */
  status?: number
  /** The first N requests fail. */
  failFirst?: number
  /** Each request (after failFirst) fails with this probability, drawn from a generator seeded with `seed`. */
  failRate?: number
  seed?: number
  /** Wait before every answer. */
  delayMs?: number
  /** Retry-After sent with failing answers: delay-seconds or an HTTP-date. */
  retryAfter?: string
  /** Successful answers carry this CloudEvent reply (a 200 with the event in binary mode). */
  reply?: {type: string; data?: string; source?: string}
}

export interface SinkAnswer {
  status: number
  /** Why: the rule that chose this answer. */
  reason: string
  retryAfter?: string
  reply?: CloudEvent
}

export const DEFAULT_FAILURE_STATUS = 503

/** A small seeded generator (mulberry32): the same seed gives the same failures. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
}

/** Checks a behaviour; returns the problem, or undefined when it is usable. */
export function checkSinkBehaviour(b: SinkBehaviour): string | undefined {
  if (b.status !== undefined && (!Number.isInteger(b.status) || b.status < 200 || b.status > 599))
    return `--status ${b.status}: expected an HTTP status from 200 to 599`
  if (b.status !== undefined && isSuccess(b.status) && (b.failFirst !== undefined || b.failRate !== undefined)) {
    return `--status ${b.status}: with --fail-first or --fail-rate, --status is the failing answer; use a status from 300 to 599`
  }
  if (b.failFirst !== undefined && (!Number.isInteger(b.failFirst) || b.failFirst < 0))
    return `--fail-first ${b.failFirst}: expected a whole number >= 0`
  if (b.failRate !== undefined && !(b.failRate >= 0 && b.failRate <= 1))
    return `--fail-rate ${b.failRate}: expected a number from 0 to 1, such as 0.3`
  if (b.delayMs !== undefined && !(b.delayMs >= 0)) return `--delay: expected a duration such as 2s or 500ms`
  if (b.reply !== undefined) {
    const built = buildEvent({type: b.reply.type, source: b.reply.source ?? 'kne-sink', data: b.reply.data})
    if (!built.ok) return `--reply-type: the reply would not be a valid CloudEvent: ${built.error}`
  }
  return undefined
}

/** Decides answers in arrival order: failFirst, then failRate, else the fixed status, else success. */
export function answerPlanner(b: SinkBehaviour): (n: number) => SinkAnswer {
  const random = b.failRate === undefined ? undefined : seededRandom(b.seed ?? 1)
  const failStatus = b.status ?? DEFAULT_FAILURE_STATUS
  const fixed = b.failFirst === undefined && b.failRate === undefined ? b.status : undefined
  return (n) => {
    let failing: string | undefined
    if (b.failFirst !== undefined && n <= b.failFirst) failing = `failing as told: request ${n} of --fail-first ${b.failFirst}`
    else if (random !== undefined && random() < b.failRate!) failing = `failing as told: drawn by --fail-rate ${b.failRate}`
    else if (fixed !== undefined && !isSuccess(fixed)) failing = `answering --status ${fixed} as told`
    if (failing) return {status: failStatus, reason: failing, retryAfter: b.retryAfter}
    const status = fixed ?? (b.reply ? 200 : 202)
    if (!b.reply) return {status, reason: 'accepted'}
    const built = buildEvent({type: b.reply.type, source: b.reply.source ?? 'kne-sink', data: b.reply.data})
    return built.ok ? {status, reason: `replying with ${b.reply.type}`, reply: built.event} : {status: 500, reason: built.error}
  }
}
