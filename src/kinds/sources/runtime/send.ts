// Sends a source's event to its sink the way Knative's adapters do: binary mode, retried per the
// sender policy (core/sources/sender.ts) with waits on the mesh's clock, then given up on.
import type {CloudEvent} from '../../../core/cloudevent.js'
import {encodeBinary} from '../../../core/codec/http.js'
import {isAck, isSenderRetriable, senderBackoffMs, type SenderRetry} from '../../../core/sources/sender.js'
import type {AbortLike} from '../../../mesh/cancellation.js'
import type {Clock} from '../../../mesh/clock.js'
import type {HttpSender} from '../../../mesh/http-client.js'

export interface SendOutcome {
  ok: boolean
  /** The last attempt's status; undefined when no response came. */
  status?: number
  /** Why the event was not accepted. */
  error?: string
  attempts: number
}

export async function sendEvent(
  deps: {sender: HttpSender; clock: Clock; signal: AbortLike},
  url: string,
  event: CloudEvent,
  policy: SenderRetry,
): Promise<SendOutcome> {
  const message = encodeBinary(event)
  for (let attempt = 1; ; attempt++) {
    const result = await deps.sender.post(url, message, {}, undefined, deps.signal)
    if (isAck(result.status)) return {ok: true, status: result.status, attempts: attempt}
    const error = result.error ?? `HTTP ${result.status}${result.body.length > 0 ? `: ${result.body.toString('utf8', 0, 200)}` : ''}`
    if (deps.signal.aborted || attempt > policy.retries || !isSenderRetriable(result.status)) {
      return {ok: false, status: result.status, error, attempts: attempt}
    }
    try {
      await deps.clock.sleep(senderBackoffMs(attempt, policy), deps.signal)
    } catch {
      return {ok: false, status: result.status, error: `${error} (stopped before retrying)`, attempts: attempt}
    }
  }
}
