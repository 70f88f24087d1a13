// How Knative's source adapters retry a send (the CloudEvents SDK's retry loop, semantics §5.2): a
// transport error or a retriable status waits period × 2^n and tries again, up to `retries` times; the
// event is then lost. PingSource uses 50 ms and 5 retries; adapters without a retry context send once.

export interface SenderRetry {
  /** Retries after the first attempt. */
  retries: number
  /** Base of the exponential backoff. */
  periodMs: number
}

/** mtping: ContextWithRetriesExponentialBackoff(ctx, 50ms, 5). */
export const PING_SENDER_RETRY: SenderRetry = {retries: 5, periodMs: 50}
/** The adapter library's default client: one attempt. */
export const SINGLE_ATTEMPT: SenderRetry = {retries: 0, periodMs: 0}

// sdk-go's defaultIsRetriableFunc; every other status (500 included) ends the send
const RETRIABLE_STATUSES = new Set([404, 413, 425, 429, 502, 503, 504])

/** Whether an attempt that got `status` (undefined: no response at all) is tried again. */
export function isSenderRetriable(status: number | undefined): boolean {
  return status === undefined || RETRIABLE_STATUSES.has(status)
}

/** The wait before retry number `retry` (1-based): period × 2^retry, so 100, 200, 400, 800, 1600 ms for PingSource. */
export function senderBackoffMs(retry: number, policy: SenderRetry): number {
  return policy.periodMs * 2 ** retry
}

export function isAck(status: number | undefined): boolean {
  return status !== undefined && status >= 200 && status < 300
}
