// Knative's delivery rules (eventing pkg/kncloudevents/retries.go on go-retryablehttp v0.7.7): which
// answers are retried, how long to wait between attempts, and the dead-letter error extensions.
import type {DeliverySpec} from '../resources/types.js'
import {parseIsoDuration} from './duration.js'

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
      // retryablehttp passes n = retry - 1: exponential waits d, 2d, 4d…; linear waits 0, d, 2d…
      const n = retry - 1
      let backoff = 0
      if (delay !== undefined && policy === 'exponential') backoff = delay * 2 ** n
      else if (delay !== undefined && policy === 'linear') backoff = delay * n
      if (retryAfterMax !== undefined && retryAfterMax > 0 && (status === 429 || status === 503) && retryAfter !== undefined) {
        backoff = Math.max(backoff, Math.min(parseRetryAfter(retryAfter, now), retryAfterMax))
      }
      return backoff
    },
  }
}

/** Retry-After as delay-seconds or an HTTP-date; unreadable values count as 0. */
export function parseRetryAfter(value: string, now = Date.now()): number {
  const trimmed = value.trim()
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000
  const date = Date.parse(trimmed)
  return Number.isNaN(date) ? 0 : Math.max(0, date - now)
}

/** Knative caps knativeerrordata at 1024 characters of base64 (KnativeErrorDataExtensionMaxLength). */
export const ERROR_DATA_MAX_LENGTH = 1024

/**
 * The extensions a dead-lettered event carries: the URL that failed, the final status (500 when no
 * response came) and the response body as standard base64, cut to 1024 characters.
 */
export function deadLetterExtensions(failedUrl: string, status: number | undefined, body: Uint8Array | string | undefined): Record<string, string | number> {
  const bytes = typeof body === 'string' ? Buffer.from(body) : Buffer.from(body ?? new Uint8Array())
  return {
    knativeerrordest: failedUrl,
    knativeerrorcode: status ?? 500,
    knativeerrordata: bytes.toString('base64').slice(0, ERROR_DATA_MAX_LENGTH),
  }
}
