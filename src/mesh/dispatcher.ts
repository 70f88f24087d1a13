// Delivers one event to one trigger's subscriber the way Knative's channel dispatcher and broker-filter
// do together: attempts with retries and backoff, the reply published back to the broker, the original
// event dead-lettered when all else fails. Every attempt and the one terminal outcome are recorded.
import type {EventRef, Outcome} from '../core/activity.js'
import {withExtension, type CloudEvent} from '../core/cloudevent.js'
import {decodeHttpMessage, encodeBinary, encodeStructured, headerValue, type EncodedMessage} from '../core/codec/http.js'
import {deadLetterExtensions, FANOUT_TIMEOUT_MESSAGE, FANOUT_TIMEOUT_MS, isRetryable, isSuccess, retryPolicy, type FailedResponse, type RetryPolicy} from '../core/delivery/policy.js'
import type {BrokerRoute, TriggerRoute} from '../core/topology.js'
import type {Clock} from './clock.js'
import {passThroughHeaders} from './headers.js'
import type {HttpSender, PostResult} from './http-client.js'
import type {Journal} from './journal.js'

/** What publishing to a broker answered (used for replies, which re-enter the broker like any event). */
export interface PublishAnswer {
  status: number
  error?: string
  /** The arrival number the broker gave the event, when it accepted it. */
  arrival?: number
  /** Retry-After the broker sends with the answer (a 429 from a full asynchronous broker). */
  retryAfter?: string
}

export interface DispatchContext {
  clock: Clock
  journal: Journal
  sender: HttpSender
  /** Publishes a reply into the trigger's broker, as Knative's Subscription reply does. */
  publishReply(broker: BrokerRoute, reply: CloudEvent, headers: Record<string, string>, replyTo: {arrival: number; trigger: string}): Promise<PublishAnswer>
  /** This delivery's signal: aborted when the mesh gives up on it (drain timeout) or its fan-out runs out of time. */
  signal: AbortSignal
}

export interface DeliveryRequest {
  ref: EventRef
  broker: BrokerRoute
  trigger: TriggerRoute
  /** The event as the subscriber gets it (knativebrokerttl already removed). */
  event: CloudEvent
  /** The TTL the event carried at ingress; a reply inherits it. */
  ttl: number
  /** Pass-through headers from the producer's request. */
  headers: Record<string, string>
  /** Clock time by which the event's whole fan-out must be done (Knative's 15-minute fan-out timeout). */
  deadline?: number
}

export interface DeliveryResult {
  outcome: Outcome
  status?: number
  error?: string
  replyArrival?: number
}

/** Why a delivery (to the subscriber, of the reply, or to the dead-letter sink) did not succeed. */
interface Failure {
  url: string
  last: FailedResponse
  error: string
  /** The mesh stopped or the fan-out ran out of time: nothing more may be sent, not even to the dead-letter sink. */
  final?: boolean
}

type Target = 'subscriber' | 'reply' | 'dead-letter-sink'

export async function deliver(req: DeliveryRequest, ctx: DispatchContext): Promise<DeliveryResult> {
  const {trigger} = req
  const policy = retryPolicy(trigger.delivery)
  const deadline = req.deadline ?? ctx.clock.now() + FANOUT_TIMEOUT_MS
  const namespace = trigger.trigger.metadata.namespace
  // Kn-Namespace goes on subscriber, reply and dead-letter requests; Prefer: reply only to the subscriber (semantics §1.4)
  const baseHeaders = {...req.headers, 'kn-namespace': namespace}
  let failure: Failure
  if (trigger.subscriberUri === undefined) {
    // Knative's broker-filter has no subscriber URI to call; kne fails the delivery at once instead of retrying a sure failure.
    const error = `trigger is not Ready: ${trigger.status.message ?? 'subscriber not resolved'}`
    failure = {url: '', last: {status: 404, body: error}, error}
    recordAttempt(ctx, req, 'subscriber', '', 1, {headers: {}, body: Buffer.alloc(0), status: 404, error, durationMs: 0})
  } else {
    const message = encodeFor(trigger, req.event)
    const sent = await attempt(ctx, req, policy, deadline, 'subscriber', trigger.subscriberUri, () => ctx.sender.post(
      trigger.subscriberUri!, message, {...baseHeaders, prefer: 'reply'}, {timeoutMs: policy.timeoutMs, signal: ctx.signal}))
    if ('response' in sent) {
      const result = await handleResponse(req, ctx, policy, deadline, sent.response, baseHeaders)
      if ('outcome' in result) return finish(ctx, req, result)
      failure = result
    } else {
      failure = sent.failure
    }
  }
  return finish(ctx, req, await deadLetter(req, ctx, policy, deadline, failure, baseHeaders))
}

/**
 * Sends with retries (Knative's DoWithRetries): retryable failures wait and try again until the attempts
 * run out. Returns the successful (2xx) response or the last failure.
 */
async function attempt(ctx: DispatchContext, req: DeliveryRequest, policy: RetryPolicy, deadline: number, target: Target,
  url: string, send: () => Promise<PostResult & {retryAfter?: string}>): Promise<{response: PostResult} | {failure: Failure}> {
  for (let n = 1; ; n++) {
    const stopped = stopReason(ctx, deadline)
    if (stopped) return {failure: {url, last: {error: stopped}, error: stopped, final: true}}
    const response = await send()
    const ok = isSuccess(response.status)
    const cut = ok ? undefined : stopReason(ctx, deadline)
    const retry = !ok && !cut && n < policy.maxAttempts && isRetryable(response.status)
    const retryAfter = response.retryAfter ?? headerValue(response.headers, 'retry-after')
    const wait = retry ? policy.delayBeforeRetry(n, response.status, retryAfter, ctx.clock.now()) : undefined
    recordAttempt(ctx, req, target, url, n, cut ? {...response, error: cut} : response, wait)
    if (ok) return {response}
    const error = cut ?? response.error ?? `HTTP ${response.status}`
    const failure: Failure = {url, last: {status: response.status, body: response.body, error: response.error}, error, final: cut !== undefined}
    if (wait === undefined) return {failure}
    // a wait that would outlast the fan-out ends with it, as Knative's cancelled context ends retryablehttp's timer
    const slept = await sleep(ctx, Math.min(wait, Math.max(0, deadline - ctx.clock.now())))
    if (!slept || ctx.clock.now() >= deadline) {
      const reason = stopReason(ctx, deadline) ?? 'the mesh stopped before the next attempt'
      return {failure: {...failure, error: reason, final: true}}
    }
  }
}

/** Why nothing more may be sent for this delivery, if that is so. */
function stopReason(ctx: DispatchContext, deadline: number): string | undefined {
  if (ctx.signal.aborted) return (ctx.signal.reason as Error | undefined)?.message ?? 'aborted'
  if (ctx.clock.now() >= deadline) return FANOUT_TIMEOUT_MESSAGE
  return undefined
}

/** broker-filter's reading of a 2xx: empty body ends the delivery, a CloudEvent is a reply, anything else is a 502. */
async function handleResponse(req: DeliveryRequest, ctx: DispatchContext, policy: RetryPolicy, deadline: number, response: PostResult,
  baseHeaders: Record<string, string>): Promise<DeliveryResult | Failure> {
  const url = req.trigger.subscriberUri!
  const decoded = decodeHttpMessage(response.headers, response.body)
  if (!decoded.ok) {
    if (response.body.length === 0) return {outcome: 'delivered', status: response.status}
    const error = 'notCloudEvent' in decoded
      ? 'received a non-empty response not recognized as CloudEvent'
      : `received a malformed CloudEvent in the response: ${decoded.error}`
    // the dead-letter sink gets what the subscriber actually answered, under broker-filter's 502
    return {url, last: {status: 502, body: response.body}, error: `${error} (HTTP ${response.status} from the subscriber, counted as 502)`}
  }
  // broker-filter copies the incoming TTL onto the reply; ingress then spends one hop of it
  const reply = withExtension(decoded.event, 'knativebrokerttl', req.ttl)
  const replyHeaders = {...passThroughHeaders(response.headers), 'kn-namespace': baseHeaders['kn-namespace']!}
  const replyTo = {arrival: req.ref.arrival, trigger: req.trigger.key}
  // only the reply POST is retried, with the same policy; then the original event is dead-lettered (semantics §2.6, §10.11)
  let arrival: number | undefined
  const sent = await attempt(ctx, req, policy, deadline, 'reply', req.broker.address, async () => {
    const started = performance.now()
    const answer = await ctx.publishReply(req.broker, reply, replyHeaders, replyTo)
    arrival = answer.arrival
    // the body kne's ingress would have answered over HTTP
    const body = answer.error === undefined ? Buffer.alloc(0) : Buffer.from(JSON.stringify({error: answer.error}))
    return {status: answer.status, headers: {}, body, error: isSuccess(answer.status) ? undefined : answer.error,
      durationMs: performance.now() - started, retryAfter: answer.retryAfter}
  })
  if ('response' in sent) return {outcome: 'replied', status: response.status, replyArrival: arrival}
  const {failure} = sent
  return {...failure, error: failure.final ? failure.error : `the reply was refused by the broker: ${failure.error}`}
}

/** Sends the original event, with Knative's error extensions, to the dead-letter sink; without one the delivery fails. */
async function deadLetter(req: DeliveryRequest, ctx: DispatchContext, policy: RetryPolicy, deadline: number, failure: Failure,
  baseHeaders: Record<string, string>): Promise<DeliveryResult> {
  const dls = req.trigger.deadLetterSinkUri
  const status = failure.last.status
  const where = failure.url || 'the subscriber'
  if (failure.final) return {outcome: 'failed', status, error: failure.error}
  if (dls === undefined) return {outcome: 'failed', status, error: `unable to complete request to ${where}: ${failure.error}`}
  let event = req.event
  for (const [name, value] of Object.entries(deadLetterExtensions(failure.url, failure.last))) event = withExtension(event, name, value)
  const message = encodeFor(req.trigger, event)
  const sent = await attempt(ctx, req, policy, deadline, 'dead-letter-sink', dls,
    () => ctx.sender.post(dls, message, baseHeaders, {timeoutMs: policy.timeoutMs, signal: ctx.signal}))
  if ('response' in sent) return {outcome: 'dead-lettered', status, error: `${failure.error}; sent to the dead-letter sink ${dls}`}
  return {outcome: 'failed', status, error: `unable to complete request to either ${where} (${failure.error}) or ${dls} (${sent.failure.error})`}
}

function encodeFor(trigger: TriggerRoute, event: CloudEvent): EncodedMessage {
  return trigger.delivery?.format === 'json' ? encodeStructured(event) : encodeBinary(event)
}

async function sleep(ctx: DispatchContext, ms: number): Promise<boolean> {
  try {
    await ctx.clock.sleep(ms, ctx.signal)
    return true
  } catch {
    return false
  }
}

function recordAttempt(ctx: DispatchContext, req: DeliveryRequest, target: Target, url: string,
  n: number, response: PostResult, nextDelayMs?: number): void {
  ctx.journal.append({
    kind: 'attempt', ...req.ref, trigger: req.trigger.key, target, url, attempt: n,
    status: response.status, error: response.error, durationMs: Math.round(response.durationMs * 100) / 100, nextDelayMs,
  })
}

function finish(ctx: DispatchContext, req: DeliveryRequest, result: DeliveryResult): DeliveryResult {
  ctx.journal.append({kind: 'outcome', ...req.ref, trigger: req.trigger.key, ...result})
  return result
}
