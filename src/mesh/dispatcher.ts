// Delivers one event to one trigger's subscriber the way Knative's channel dispatcher and broker-filter
// do together: attempts with retries and backoff, the reply published back to the broker, the original
// event dead-lettered when all else fails. Every attempt and the one terminal outcome are recorded.
import type {EventRef, Outcome} from '../core/activity.js'
import {withExtension, type CloudEvent} from '../core/cloudevent.js'
import {decodeHttpMessage, encodeBinary, encodeStructured, headerValue, type EncodedMessage} from '../core/codec/http.js'
import {deadLetterExtensions, isRetryable, retryPolicy, type RetryPolicy} from '../core/delivery/policy.js'
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
}

export interface DispatchContext {
  clock: Clock
  journal: Journal
  sender: HttpSender
  /** Publishes a reply into the trigger's broker, as Knative's Subscription reply does. */
  publishReply(broker: BrokerRoute, reply: CloudEvent, headers: Record<string, string>, replyTo: {arrival: number; trigger: string}): Promise<PublishAnswer>
  /** Aborted when the mesh stops draining and gives up on in-flight work. */
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
}

export interface DeliveryResult {
  outcome: Outcome
  status?: number
  error?: string
  replyArrival?: number
}

interface Failure {
  url: string
  status?: number
  body?: Buffer
  error: string
}

export async function deliver(req: DeliveryRequest, ctx: DispatchContext): Promise<DeliveryResult> {
  const {trigger} = req
  const policy = retryPolicy(trigger.delivery)
  const namespace = trigger.trigger.metadata.namespace
  const baseHeaders = {...req.headers, 'kn-namespace': namespace}
  let failure: Failure
  if (trigger.subscriberUri === undefined) {
    // Knative's broker-filter has no subscriber URI to call; kne fails the delivery at once instead of retrying a sure failure.
    failure = {url: '', status: 404, error: `trigger is not Ready: ${trigger.status.message ?? 'subscriber not resolved'}`}
    recordAttempt(ctx, req, 'subscriber', '', 1, {headers: {}, body: Buffer.alloc(0), status: 404, error: failure.error, durationMs: 0})
  } else {
    const message = encodeFor(trigger, req.event)
    const sent = await attempt(ctx, req, policy, 'subscriber', trigger.subscriberUri, message, {...baseHeaders, prefer: 'reply'})
    if ('response' in sent) {
      const result = await handleResponse(req, ctx, policy, sent.response, baseHeaders)
      if ('outcome' in result) return finish(ctx, req, result)
      failure = result
    } else {
      failure = sent.failure
    }
  }
  return finish(ctx, req, await deadLetter(req, ctx, policy, failure, baseHeaders))
}

/** Sends with retries; returns the successful (2xx) response or the last failure. */
async function attempt(ctx: DispatchContext, req: DeliveryRequest, policy: RetryPolicy, target: 'subscriber' | 'dead-letter-sink',
  url: string, message: EncodedMessage, headers: Record<string, string>): Promise<{response: PostResult} | {failure: Failure}> {
  for (let n = 1; ; n++) {
    const response = await ctx.sender.post(url, message, headers, {timeoutMs: policy.timeoutMs, signal: ctx.signal})
    const ok = response.status !== undefined && response.status >= 200 && response.status < 300
    const retry = !ok && !ctx.signal.aborted && n < policy.maxAttempts && isRetryable(response.status)
    const wait = retry ? policy.delayBeforeRetry(n, response.status, headerValue(response.headers, 'retry-after'), ctx.clock.now()) : undefined
    recordAttempt(ctx, req, target, url, n, response, wait)
    if (ok) return {response}
    if (wait === undefined) {
      return {failure: {url, status: response.status, body: response.body, error: response.error ?? `HTTP ${response.status}`}}
    }
    if (!(await sleep(ctx, wait))) return {failure: {url, status: response.status, body: response.body, error: 'mesh stopped before the next attempt'}}
  }
}

/** broker-filter's reading of a 2xx: empty body ends the delivery, a CloudEvent is a reply, anything else is a 502. */
async function handleResponse(req: DeliveryRequest, ctx: DispatchContext, policy: RetryPolicy, response: PostResult,
  baseHeaders: Record<string, string>): Promise<DeliveryResult | Failure> {
  const url = req.trigger.subscriberUri!
  const decoded = decodeHttpMessage(response.headers, response.body)
  if (!decoded.ok) {
    if (response.body.length === 0) return {outcome: 'delivered', status: response.status}
    const error = 'notCloudEvent' in decoded
      ? 'received a non-empty response not recognized as CloudEvent'
      : `received a malformed CloudEvent in the response: ${decoded.error}`
    return {url, status: 502, body: Buffer.from(error), error: `${error} (HTTP ${response.status} from the subscriber, counted as 502)`}
  }
  // broker-filter copies the incoming TTL onto the reply; ingress then spends one hop of it
  const reply = withExtension(decoded.event, 'knativebrokerttl', req.ttl)
  const replyHeaders = {...passThroughHeaders(response.headers), 'kn-namespace': baseHeaders['kn-namespace']!}
  const replyTo = {arrival: req.ref.arrival, trigger: req.trigger.key}
  for (let n = 1; ; n++) {
    const started = performance.now()
    const answer = await ctx.publishReply(req.broker, reply, replyHeaders, replyTo)
    const ok = answer.status >= 200 && answer.status < 300
    const retry = !ok && !ctx.signal.aborted && n < policy.maxAttempts && isRetryable(answer.status)
    const wait = retry ? policy.delayBeforeRetry(n, answer.status, undefined, ctx.clock.now()) : undefined
    recordAttempt(ctx, req, 'reply', req.broker.address, n,
      {status: answer.status, headers: {}, body: Buffer.alloc(0), error: answer.error, durationMs: performance.now() - started}, wait)
    if (ok) return {outcome: 'replied', status: response.status, replyArrival: answer.arrival}
    if (wait === undefined || !(await sleep(ctx, wait))) {
      return {url: req.broker.address, status: answer.status, body: Buffer.from(answer.error ?? ''), error: `the reply was refused by the broker: ${answer.error ?? `HTTP ${answer.status}`}`}
    }
  }
}

/** Sends the original event, with Knative's error extensions, to the dead-letter sink; without one the delivery fails. */
async function deadLetter(req: DeliveryRequest, ctx: DispatchContext, policy: RetryPolicy, failure: Failure,
  baseHeaders: Record<string, string>): Promise<DeliveryResult> {
  const dls = req.trigger.deadLetterSinkUri
  if (dls === undefined || ctx.signal.aborted) return {outcome: 'failed', status: failure.status, error: failure.error}
  let event = req.event
  for (const [name, value] of Object.entries(deadLetterExtensions(failure.url, failure.status, failure.body))) {
    event = withExtension(event, name, value)
  }
  const sent = await attempt(ctx, req, policy, 'dead-letter-sink', dls, encodeFor(req.trigger, event), baseHeaders)
  if ('response' in sent) return {outcome: 'dead-lettered', status: failure.status, error: failure.error}
  return {outcome: 'failed', status: failure.status, error: `unable to complete request to either ${failure.url || 'the subscriber'} (${failure.error}) or ${dls} (${sent.failure.error})`}
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

function recordAttempt(ctx: DispatchContext, req: DeliveryRequest, target: 'subscriber' | 'reply' | 'dead-letter-sink', url: string,
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
