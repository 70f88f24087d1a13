// Knative's delivery rules (eventing pkg/kncloudevents/retries.go on go-retryablehttp v0.7.7): which
// answers are retried, how long to wait between attempts, and the dead-letter error extensions.
import type {DeliverySpec} from '../resources/types.js'
import {parseIsoDuration} from './duration.js'

/** The IMC fan-out gives every event 15 minutes to reach all its subscribers (semantics §0, `defaultTimeout`). */
export const FANOUT_TIMEOUT_MS = 15 * 60_000
export const FANOUT_TIMEOUT_MESSAGE = "the event's fan-out ran past Knative's 15-minute limit"

/** The status recorded when no response came at all (semantics §3.2). */
export const NO_RESPONSE_STATUS = 500

export interface RetryPolicy {
  /** Attempts in all: retry + 1. */
  maxAttempts: number
  /** Wait in ms before retry number `retry` (1-based), given the failed attempt's status and Retry-After header. */
  delayBeforeRetry(retry: number, status?: number, retryAfter?: string, now?: number): number
  /** Per-attempt timeout in ms, when the delivery spec sets one. */
  timeoutMs?: number
}

/** SelectiveRetry: transport errors (no status), 5xx, 404, 408, 409 and 429 are retried; nothing else. */
export function isRetryable(status: number | undefined): boolean {
  if (status === undefined) return true
  return status >= 500 || status === 404 || status === 408 || status === 409 || status === 429
}

export function isSuccess(status: number | undefined): boolean {
  return status !== undefined && status >= 200 && status < 300
}

/** A nil delivery spec, or one without `retry`, means a single attempt (semantics §3.2). */
export function retryPolicy(delivery: DeliverySpec | undefined): RetryPolicy {
  const retries = delivery?.retry ?? 0
  const delay = delivery?.backoffDelay === undefined ? undefined : parseIsoDuration(delivery.backoffDelay)
  const policy = delivery?.backoffPolicy
  const retryAfterMax = delivery?.retryAfterMax === undefined ? undefined : parseIsoDuration(delivery.retryAfterMax)
  const timeoutMs = delivery?.timeout === undefined ? undefined : parseIsoDuration(delivery.timeout)
  return {
    maxAttempts: retries + 1,
    timeoutMs,
    delayBeforeRetry(retry, status, retryAfter, now = Date.now()) {
      // retryablehttp passes n = retry - 1: exponential waits d, 2d, 4d…; linear waits 0, d, 2d… (semantics §3.2, §10.8)
      const n = retry - 1
      let backoff = 0
      if (delay !== undefined && policy === 'exponential') backoff = delay * 2 ** n
      else if (delay !== undefined && policy === 'linear') backoff = delay * n
      // Retry-After counts only on 429/503 and only when retryAfterMax is set; PT0S ignores it (semantics §3.2)
      if (retryAfterMax !== undefined && retryAfterMax > 0 && (status === 429 || status === 503) && retryAfter !== undefined) {
        backoff = Math.max(backoff, Math.min(parseRetryAfter(retryAfter, now), retryAfterMax))
      }
      return backoff
    },
  }
}

/** The waits between attempts when no Retry-After applies: `retry` entries, in ms. */
export function plannedWaits(delivery: DeliverySpec | undefined): number[] {
  const policy = retryPolicy(delivery)
  return Array.from({length: policy.maxAttempts - 1}, (_, i) => policy.delayBeforeRetry(i + 1))
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec']

/**
 * Retry-After as Go's http.ParseTime reads it: delay-seconds, or an HTTP-date in IMF-fixdate, RFC 850 or
 * ANSI C form (all UTC). Unreadable values and dates in the past count as 0.
 */
export function parseRetryAfter(value: string, now = Date.now()): number {
  const trimmed = value.trim()
  if (/^[+-]?\d+$/.test(trimmed)) return Math.max(0, Number(trimmed) * 1000)
  const date = parseHttpDate(trimmed)
  return date === undefined ? 0 : Math.max(0, date - now)
}

/** Milliseconds since the epoch of an HTTP-date (RFC 9110 §5.6.7), or undefined. */
export function parseHttpDate(text: string): number | undefined {
  const imf = /^[A-Za-z]{3}, (\d{2}) ([A-Za-z]{3}) (\d{4}) (\d{2}):(\d{2}):(\d{2}) GMT$/.exec(text)
  const rfc850 = /^[A-Za-z]+, (\d{2})-([A-Za-z]{3})-(\d{2}) (\d{2}):(\d{2}):(\d{2}) GMT$/.exec(text)
  const asctime = /^[A-Za-z]{3} ([A-Za-z]{3}) ([ \d]\d) (\d{2}):(\d{2}):(\d{2}) (\d{4})$/.exec(text)
  let parts: [string, string, string, string, string, string] | undefined
  if (imf) parts = [imf[3]!, imf[2]!, imf[1]!, imf[4]!, imf[5]!, imf[6]!]
  else if (rfc850)
    parts = [String(Number(rfc850[3]) + (Number(rfc850[3]) < 70 ? 2000 : 1900)), rfc850[2]!, rfc850[1]!, rfc850[4]!, rfc850[5]!, rfc850[6]!]
  else if (asctime) parts = [asctime[6]!, asctime[1]!, asctime[2]!.trim(), asctime[3]!, asctime[4]!, asctime[5]!]
  if (!parts) return undefined
  const month = MONTHS.indexOf(parts[1].toLowerCase())
  if (month < 0) return undefined
  const [year, , day, hour, minute, second] = parts.map(Number)
  const ms = Date.UTC(year!, month, day, hour, minute, second)
  return Number.isNaN(ms) ? undefined : ms
}

/** Knative caps knativeerrordata at 1024 characters of base64 (KnativeErrorDataExtensionMaxLength). */
export const ERROR_DATA_MAX_LENGTH = 1024

/** Why an attempt failed, in a few words: its transport error, else its status. */
export function attemptError(status: number | undefined, error: string | undefined): string {
  return error ?? (status === undefined ? 'no response' : `HTTP ${status}`)
}

/** What a dead-lettered delivery's outcome says: why it failed, and where the event went instead. */
export function deadLetteredError(failure: string, deadLetterSink: string): string {
  return `${failure}; sent to the dead-letter sink ${deadLetterSink}`
}

/** The last thing a failed delivery got: a response (status and body) or a transport error. */
export interface FailedResponse {
  status?: number
  body?: Uint8Array | string
  /** Why no response came (connection refused, timeout…), when none did. */
  error?: string
}

/**
 * The extensions a dead-lettered event carries (semantics §3.3): the URL that failed, the final status as
 * an integer (500 with body `dispatch error: …` when no response came) and the response body as standard
 * base64, cut to 1024 characters — what Knative intends, without its buffer overrun on bodies over 768 bytes.
 */
export function deadLetterExtensions(
  failedUrl: string,
  last: FailedResponse,
): {knativeerrordest: string; knativeerrorcode: number; knativeerrordata: string} {
  const noResponse = last.status === undefined
  const body = noResponse ? `dispatch error: ${last.error ?? 'no response'}` : (last.body ?? '')
  const bytes = typeof body === 'string' ? Buffer.from(body) : Buffer.from(body.buffer, body.byteOffset, body.byteLength)
  return {
    knativeerrordest: failedUrl,
    knativeerrorcode: last.status ?? NO_RESPONSE_STATUS,
    knativeerrordata: bytes.toString('base64').slice(0, ERROR_DATA_MAX_LENGTH),
  }
}
