// Delivers one event to one subscriber the way Knative's channel dispatcher does: attempts with retries and
// backoff, the reply sent on, the original event dead-lettered when all else fails. A trigger's subscriber
// is read with broker-filter's rules and its reply goes back into the broker; a subscription's answer is
// read with the channel's own rules and its reply goes to the subscription's reply (semantics §2.6, §4.2).
// Sends to an address the mesh serves stay in memory. Every attempt and the one terminal outcome are recorded.
import {
  attemptRecord,
  outcomeRecord,
  type DeliveryTarget,
  type EventRef,
  type Outcome,
  type Sender,
  type Subscriber,
} from '../core/activity.js'
import {withExtension, type CloudEvent} from '../core/cloudevent.js'
import {decodeHttpMessage, encodeBinary, encodeStructured, headerValue, type ContentMode, type EncodedMessage} from '../core/codec/http.js'
import {
  attemptError,
  deadLetteredError,
  deadLetterExtensions,
  FANOUT_TIMEOUT_MESSAGE,
  FANOUT_TIMEOUT_MS,
  isRetryable,
  isSuccess,
  retryPolicy,
  type FailedResponse,
  type RetryPolicy,
} from '../core/delivery/policy.js'
import type {AddressMap, BrokerRoute, MeshAddressable, SubscriptionRoute, TriggerRoute} from '../core/topology.js'
import type {DeliverySpec} from '../core/resources/types.js'
import type {ResumeStep} from '../core/event-log/pending.js'
import {perObject, rememberLast} from '../core/memo.js'
import type {AbortLike} from './cancellation.js'
import {MAX_TIMER_MS, type Clock} from './clock.js'
import {passThroughHeaders} from './headers.js'
import type {HttpSender, PostResult} from './http-client.js'
import type {Journal} from './journal.js'
import type {SpanParent} from '../core/trace-context.js'
import type {EventTrace, MeshTracing, RequestTrace} from './tracing.js'

/** What a broker's or channel's ingress answered (for hops that stay in the mesh: replies, deliveries to its addresses). */
export interface PublishAnswer {
  status: number
  error?: string
  /** The arrival number the broker or channel gave the event, when it accepted it. */
  arrival?: number
  /** Retry-After sent with the answer (a 429 from a full asynchronous broker or channel). */
  retryAfter?: string
  /** Set when loop protection (a spent TTL, the hop limit) refused the event, here or behind this answer: why. Never retried. */
  loop?: string
}

/** How an event arrived in memory: as whose reply, or from whose delivery, and how many such hops it has taken. */
export interface ArrivalOrigin {
  replyTo?: Sender
  from?: Sender & {target: Exclude<DeliveryTarget, 'reply'>}
  /** Hops inside the mesh before this one (0 for an event that came over HTTP). */
  hops?: number
}

export interface DispatchContext {
  clock: Clock
  journal: Journal
  sender: HttpSender
  /** Trace context for every request, and spans when the mesh exports them. */
  tracing: MeshTracing
  /** Accepts an event into one of the mesh's brokers or channels, as its ingress would over HTTP; `parent`: the request that carried it. */
  publish(
    target: MeshAddressable,
    event: CloudEvent,
    headers: Record<string, string>,
    via: 'ingress' | 'reply',
    origin: ArrivalOrigin,
    parent: SpanParent,
  ): Promise<PublishAnswer>
}

interface RequestBase {
  ref: EventRef
  /** The event as the subscriber gets it (knativebrokerttl already removed for a trigger). */
  event: CloudEvent
  /** Pass-through headers from the producer's request. */
  headers: Record<string, string>
  /** Clock time by which the event's whole fan-out must be done (Knative's 15-minute fan-out timeout). */
  deadline?: number
  /** The addresses of the topology the fan-out started on: where sends to the mesh's own URLs go. */
  addresses: AddressMap
  /** Hops inside the mesh the event took to get here. */
  hops: number
  /** Aborted when the mesh gives up on this delivery (drain timeout) or its fan-out runs out of time. */
  signal: AbortLike
  /** Set when the delivery goes on from where a previous run of the mesh left it (a restart). */
  resume?: ResumeStep
  /** The event's trace: each request of the delivery sends a traceparent of its own within it. */
  trace: EventTrace
}

/** A trigger's delivery: its reply goes back into its broker, inheriting the TTL the event carried at ingress. */
export interface TriggerDelivery extends RequestBase {
  route: TriggerRoute
  broker: BrokerRoute
  ttl: number
}

export interface SubscriptionDelivery extends RequestBase {
  route: SubscriptionRoute
}

export type DeliveryRequest = TriggerDelivery | SubscriptionDelivery

export interface DeliveryResult {
  outcome: Outcome
  status?: number
  error?: string
  /** A failed delivery that ended on loop protection: why (PublishAnswer.loop). */
  loop?: string
  replyArrival?: number
  replyDropped?: true
}

/** How a delivery reports its end, once: its result, or an error (a bug). */
export type DeliveryCallback = (error: Error | undefined, result?: DeliveryResult) => void

/** Why a delivery (to the subscriber, of the reply, or to the dead-letter sink) did not succeed. */
interface Failure {
  url: string
  last: FailedResponse
  error: string
  /** The mesh stopped or the fan-out ran out of time: nothing more may be sent, not even to the dead-letter sink. */
  final?: boolean
  /** Loop protection refused the event (PublishAnswer.loop): why. */
  loop?: string
}

/** What one request of a delivery came back with; `trace` is the request's, ended when its attempt is recorded. */
type SendResult = PostResult & {retryAfter?: string; arrival?: number; loop?: string; trace?: RequestTrace}

/** Who a delivery is for, as activity records name it (one object per route: every record of every delivery spreads it). */
export const subscriberOf = perObject((route: TriggerRoute | SubscriptionRoute): Subscriber =>
  route.kind === 'trigger' ? {trigger: route.key} : {subscription: route.key},
)

const SINGLE_ATTEMPT = retryPolicy(undefined)
const compiledPolicy = perObject((delivery: DeliverySpec) => retryPolicy(delivery))

/** A route's retry policy, compiled once per delivery spec rather than on every delivery. */
function policyFor(delivery: DeliverySpec | undefined): RetryPolicy {
  return delivery === undefined ? SINGLE_ATTEMPT : compiledPolicy(delivery)
}

/**
 * Delivers an event to a trigger's or a subscription's subscriber. The usual case, an HTTP subscriber that
 * answers the first attempt with an empty 2xx, takes a short path: one request and its two records, without
 * the promises of the retry, reply and dead-letter machinery, which everything else goes through. Reports its
 * end through `done`, once.
 */
export function deliver(req: DeliveryRequest, ctx: DispatchContext, done: DeliveryCallback): void {
  const {route} = req
  const url = route.subscriberUri
  if (
    url === undefined ||
    req.resume !== undefined ||
    req.addresses.has(url) ||
    stopReason(ctx, req, req.deadline ?? Number.POSITIVE_INFINITY) !== undefined
  ) {
    return inFull(req, ctx, undefined, done)
  }
  const policy = policyFor(route.delivery)
  const {subscriber} = requestHeaders(req.headers, route.namespace)
  const trace = ctx.tracing.request(req.trace, subscriberOf(route), 'subscriber', url)
  const fastPath = (first: SendResult): void => {
    if (!isSuccess(first.status) || !carriesNoEvent(first)) {
      first.trace = trace
      return inFull(req, ctx, first, done)
    }
    let result: DeliveryResult
    try {
      ctx.tracing.responded(trace, 1, first.status, first.error)
      recordAttempt(ctx, req, 'subscriber', url, 1, first)
      result = finish(ctx, req, {outcome: 'delivered', status: first.status})
    } catch (error) {
      return done(error as Error)
    }
    done(undefined, result)
  }
  const {state} = req.trace
  ctx.sender.send(url, encoded(req.event, encodingFor(route)), subscriber, policy.timeoutMs, req.signal, fastPath, trace.traceparent, state)
}

function inFull(req: DeliveryRequest, ctx: DispatchContext, first: SendResult | undefined, done: DeliveryCallback): void {
  deliverInFull(req, ctx, first).then((result) => done(undefined, result), done)
}

/** Every other delivery; `first` is the first attempt's answer when the short path already sent it. */
async function deliverInFull(req: DeliveryRequest, ctx: DispatchContext, first: SendResult | undefined): Promise<DeliveryResult> {
  const {route} = req
  // Kn-Namespace goes on subscriber, reply and dead-letter requests; Prefer: reply only to the subscriber (semantics §1.4)
  const {base: baseHeaders, subscriber: subscriberHeaders} = requestHeaders(req.headers, route.namespace)
  const d: Delivery = {
    req,
    ctx,
    policy: policyFor(route.delivery),
    deadline: req.deadline ?? ctx.clock.now() + FANOUT_TIMEOUT_MS,
    baseHeaders,
  }
  let failure: Failure
  if (req.resume?.target === 'dead-letter-sink') {
    // the subscriber's attempts ran out before the restart: only the dead letter is left to do
    const {url = '', status, error} = req.resume.failure ?? {}
    failure = {url, last: {status, error}, error: attemptError(status, error)}
  } else if (route.subscriberUri === undefined) {
    // Knative would not call a subscriber it cannot resolve; kne fails the delivery at once, with the reason.
    const error = `${route.kind} is not Ready: ${route.status.message ?? 'subscriber not resolved'}`
    failure = {url: '', last: {status: 404, body: error}, error}
    recordAttempt(ctx, req, 'subscriber', '', 1, {headers: {}, body: Buffer.alloc(0), status: 404, error, durationMs: 0})
  } else {
    const url = route.subscriberUri
    const post: Post = {
      target: 'subscriber',
      url,
      local: req.addresses.get(url),
      event: req.event,
      headers: subscriberHeaders,
      mode: encodingFor(route),
    }
    const sendOnce = (): Promise<SendResult> => send(d, post)
    let result: DeliveryResult | Failure
    if ('broker' in req) {
      const sent = await attempt(d, post, () => sendOnce().then(readByFilter), first && readByFilter(first))
      result = 'response' in sent ? await forwardFilterReply(d, req, sent.response) : sent.failure
    } else {
      const sent = await attempt(d, post, sendOnce, first)
      result = 'response' in sent ? await readChannelAnswer(d, req, sent.response) : sent.failure
    }
    if ('outcome' in result) return finish(ctx, req, result)
    failure = result
  }
  return finish(ctx, req, await deadLetter(d, failure))
}

/** A delivery on the full path: what each of its steps (attempts, reply, dead letter) needs. */
interface Delivery {
  req: DeliveryRequest
  ctx: DispatchContext
  policy: RetryPolicy
  /** When the fan-out gives up (Knative's 15 minutes, or the request's own deadline). */
  deadline: number
  /** Headers of its reply and dead-letter requests: the pass-through headers and Kn-Namespace. */
  baseHeaders: Record<string, string>
}

/** One POST of a delivery: where to, what, and in which role. */
interface Post {
  target: DeliveryTarget
  url: string
  /** The mesh's own broker or channel at `url`, reached in memory instead of over HTTP. */
  local: MeshAddressable | undefined
  event: CloudEvent
  headers: Record<string, string>
  mode: Exclude<ContentMode, 'batch'>
}

/** Headers of a delivery's requests (shared, never changed): Kn-Namespace on all, Prefer: reply only to the subscriber (semantics §1.4). */
// every delivery of a fan-out carries the same pass-through headers to the same namespace: built once
const requestHeaders = rememberLast((passThrough: Record<string, string>, namespace: string) => {
  const base = {...passThrough, 'kn-namespace': namespace}
  return {base, subscriber: {...base, prefer: 'reply'}}
})

/**
 * Sends with retries (Knative's DoWithRetries): retryable failures wait and try again until the attempts
 * run out. Returns the successful (2xx) response or the last failure.
 */
async function attempt<R extends SendResult>(
  d: Delivery,
  {target, url}: Pick<Post, 'target' | 'url'>,
  sendOnce: () => Promise<R>,
  first?: R,
): Promise<{response: R} | {failure: Failure}> {
  const {ctx, req, policy, deadline} = d
  // a resumed delivery goes on at its next attempt, after what was left of the wait
  const resumed = req.resume?.target === target ? req.resume : undefined
  if (resumed !== undefined && resumed.waitMs > 0) await sleep(ctx, req, Math.min(resumed.waitMs, Math.max(0, deadline - ctx.clock.now())))
  for (let n = resumed?.attempt ?? 1; ; n++) {
    let response: R
    if (n === 1 && first !== undefined) {
      response = first
    } else {
      const stopped = stopReason(ctx, req, deadline)
      if (stopped) return {failure: {url, last: {error: stopped}, error: stopped, final: true}}
      response = await sendOnce()
    }
    const ok = isSuccess(response.status)
    const cut = ok ? undefined : stopReason(ctx, req, deadline)
    // a loop refused downstream would only run again: it is never retried
    const retry = !ok && !cut && response.loop === undefined && n < policy.maxAttempts && isRetryable(response.status)
    const wait = retry
      ? policy.delayBeforeRetry(n, response.status, response.retryAfter ?? headerValue(response.headers, 'retry-after'), ctx.clock.now())
      : undefined
    if (response.trace !== undefined) ctx.tracing.responded(response.trace, n, response.status, cut ?? response.error, wait)
    recordAttempt(ctx, req, target, url, n, cut ? {...response, error: cut} : response, wait)
    if (ok) return {response}
    const error = cut ?? attemptError(response.status, response.error)
    const failure: Failure = {
      url,
      last: {status: response.status, body: response.body, error: response.error},
      error,
      final: cut !== undefined,
      loop: response.loop,
    }
    if (wait === undefined) return {failure}
    // a wait that would outlast the fan-out ends with it, as Knative's cancelled context ends retryablehttp's timer
    const slept = await sleep(ctx, req, Math.min(wait, Math.max(0, deadline - ctx.clock.now())))
    if (!slept || ctx.clock.now() >= deadline) {
      const reason = stopReason(ctx, req, deadline) ?? 'the mesh stopped before the next attempt'
      return {failure: {...failure, error: reason, final: true}}
    }
  }
}

/** Why nothing more may be sent for this delivery, if that is so. */
function stopReason(ctx: DispatchContext, req: DeliveryRequest, deadline: number): string | undefined {
  if (req.signal.aborted) return (req.signal.reason as Error | undefined)?.message ?? 'aborted'
  if (ctx.clock.now() >= deadline) return FANOUT_TIMEOUT_MESSAGE
  return undefined
}

/** One POST: into the mesh in memory when one of its brokers or channels serves the URL, else over HTTP. */
function send({ctx, req, policy}: Delivery, {url, local, event, headers, target, mode}: Post): Promise<SendResult> {
  const trace = ctx.tracing.request(req.trace, subscriberOf(req.route), target, url)
  if (local === undefined) {
    return ctx.sender
      .post(url, encoded(event, mode), headers, policy.timeoutMs, req.signal, trace.traceparent, req.trace.state)
      .then((result: SendResult) => {
        result.trace = trace
        return result
      })
  }
  const sender: Sender = {arrival: req.ref.arrival, ...subscriberOf(req.route)}
  const hops = req.hops + 1
  const origin: ArrivalOrigin = target === 'reply' ? {replyTo: sender, hops} : {from: {...sender, target}, hops}
  const started = performance.now()
  // an ingress keeps only the pass-through headers (semantics §1.4); a rejection is answered, never thrown
  const accepted = ctx
    .publish(
      local,
      event,
      passThroughHeaders(headers),
      target === 'reply' ? 'reply' : 'ingress',
      origin,
      ctx.tracing.parentOf(req.trace, trace),
    )
    .catch((error: unknown): PublishAnswer => ({status: 500, error: `internal error: ${(error as Error).message}`}))
  return waitForAnswer(accepted, policy.timeoutMs, req.signal).then((answer): SendResult => {
    const durationMs = performance.now() - started
    if ('stopped' in answer) return {headers: {}, body: Buffer.alloc(0), error: answer.stopped, durationMs}
    // the body the mesh's ingress would have answered over HTTP
    const body = answer.error === undefined ? Buffer.alloc(0) : Buffer.from(JSON.stringify({error: answer.error}))
    return {
      status: answer.status,
      headers: {},
      body,
      error: isSuccess(answer.status) ? undefined : answer.error,
      durationMs,
      retryAfter: answer.retryAfter,
      arrival: answer.arrival,
      loop: answer.loop,
      trace,
    }
  })
}

// a fan-out sends one event to every matched subscriber in the same tick: encoded once for all of them
const encoded = rememberLast((event: CloudEvent, mode: Exclude<ContentMode, 'batch'>): EncodedMessage =>
  mode === 'structured' ? encodeStructured(event) : encodeBinary(event),
)

/**
 * The answer of an in-memory hop, or why the sender stopped waiting: the attempt's timeout or the delivery's
 * signal came first (as with an HTTP request; the hop itself carries on, like a request its sender gave up on).
 */
function waitForAnswer(
  answer: Promise<PublishAnswer>,
  timeoutMs: number | undefined,
  signal: AbortLike,
): Promise<PublishAnswer | {stopped: string}> {
  if (signal.aborted) return Promise.resolve({stopped: 'aborted'})
  return new Promise((resolve) => {
    const timer =
      timeoutMs === undefined
        ? undefined
        : setTimeout(() => done({stopped: `timed out after ${timeoutMs} ms`}), Math.min(timeoutMs, MAX_TIMER_MS))
    const onAbort = (): void => done({stopped: 'aborted'})
    function done(result: PublishAnswer | {stopped: string}): void {
      clearTimeout(timer)
      signal.removeEventListener('abort', onAbort)
      resolve(result)
    }
    signal.addEventListener('abort', onAbort, {once: true})
    void answer.then(done)
  })
}

/**
 * An answer nothing can be read from: no body, no ce-specversion, no Content-Type. Both readers below take
 * it as delivered (a channel reads a structured Content-Type as an event even with an empty body).
 */
function carriesNoEvent(response: SendResult): boolean {
  return response.body.length === 0 && response.headers['ce-specversion'] === undefined && response.headers['content-type'] === undefined
}

/** A subscriber's answer as broker-filter hands it to the channel, with the reply it carries, if any. */
type FilterAnswer = SendResult & {reply?: CloudEvent}

/**
 * broker-filter's reading of a subscriber's 2xx: an empty body ends the delivery, a CloudEvent is a reply,
 * anything else becomes a 502, which the channel retries like any other (semantics §2.6).
 */
function readByFilter(response: SendResult): FilterAnswer {
  if (!isSuccess(response.status) || carriesNoEvent(response)) return response
  const decoded = decodeHttpMessage(response.headers, response.body)
  if (decoded.ok) return {...response, reply: decoded.event}
  if (response.body.length === 0) return response
  const error =
    'notCloudEvent' in decoded
      ? 'received a non-empty response not recognized as CloudEvent'
      : `received a malformed CloudEvent in the response: ${decoded.error}`
  // the dead-letter sink gets what the subscriber actually answered, under broker-filter's 502
  return {...response, status: 502, error: `${error} (HTTP ${response.status} from the subscriber, counted as 502)`}
}

/** Sends a trigger's reply into its broker, with the TTL the event carried at ingress; without one the delivery is done. */
async function forwardFilterReply(d: Delivery, req: TriggerDelivery, response: FilterAnswer): Promise<DeliveryResult | Failure> {
  if (response.reply === undefined) return {outcome: 'delivered', status: response.status}
  // broker-filter copies the incoming TTL onto the reply; ingress then spends one hop of it
  const reply = withExtension(response.reply, 'knativebrokerttl', req.ttl)
  const broker: MeshAddressable = {kind: 'broker', route: req.broker}
  return forwardReply(d, response, {event: reply, url: req.broker.address, local: broker, mode: 'binary'}, 'the broker')
}

/**
 * The channel dispatcher's reading of a 2xx: an answer that is not a CloudEvent is ignored (not a failure,
 * unlike broker-filter); an event goes to the subscription's reply, and is dropped without one (semantics §4.2).
 */
async function readChannelAnswer(d: Delivery, req: SubscriptionDelivery, response: SendResult): Promise<DeliveryResult | Failure> {
  const decoded = decodeHttpMessage(response.headers, response.body)
  // sdk-go reads no encoding at all here (no structured Content-Type, no known ce-specversion)
  if (!decoded.ok && ('notCloudEvent' in decoded || decoded.mode === undefined)) return {outcome: 'delivered', status: response.status}
  const url = req.route.replyUri
  if (url === undefined)
    return decoded.ok
      ? {outcome: 'delivered', status: response.status, replyDropped: true}
      : {outcome: 'delivered', status: response.status}
  if (!decoded.ok) {
    // Knative forwards the message as it came and the reply's receiver refuses it (400, not retried)
    const error = `the subscriber's reply is not a valid CloudEvent: ${decoded.error}`
    return {url, last: {status: 400, body: JSON.stringify({error})}, error}
  }
  return forwardReply(
    d,
    response,
    {event: decoded.event, url, local: req.addresses.get(url), mode: decoded.mode === 'structured' ? 'structured' : 'binary'},
    url,
  )
}

/** Sends a reply on; only the reply POST is retried, with the same policy, then the original is dead-lettered (semantics §2.6, §10.11). */
async function forwardReply(
  d: Delivery,
  response: SendResult,
  reply: Pick<Post, 'event' | 'url' | 'local' | 'mode'>,
  where: string,
): Promise<DeliveryResult | Failure> {
  const post: Post = {
    ...reply,
    target: 'reply',
    headers: {...passThroughHeaders(response.headers), 'kn-namespace': d.baseHeaders['kn-namespace']!},
  }
  const sent = await attempt(d, post, () => send(d, post))
  if ('response' in sent) return {outcome: 'replied', status: response.status, replyArrival: sent.response.arrival}
  const {failure} = sent
  return {...failure, error: failure.final ? failure.error : `the reply was refused by ${where}: ${failure.error}`}
}

/** Sends the original event, with Knative's error extensions, to the dead-letter sink; without one the delivery fails. */
async function deadLetter(d: Delivery, failure: Failure): Promise<DeliveryResult> {
  const {req} = d
  const dls = req.route.deadLetterSinkUri
  const status = failure.last.status
  const where = failure.url || 'the subscriber'
  const {loop} = failure
  if (failure.final) return {outcome: 'failed', status, error: failure.error, loop}
  if (dls === undefined) return {outcome: 'failed', status, error: `unable to complete request to ${where}: ${failure.error}`, loop}
  let event = req.event
  for (const [name, value] of Object.entries(deadLetterExtensions(failure.url, failure.last))) event = withExtension(event, name, value)
  const post: Post = {
    target: 'dead-letter-sink',
    url: dls,
    local: req.addresses.get(dls),
    event,
    headers: d.baseHeaders,
    mode: encodingFor(req.route),
  }
  const sent = await attempt(d, post, () => send(d, post))
  if ('response' in sent) return {outcome: 'dead-lettered', status, error: deadLetteredError(failure.error, dls)}
  return {
    outcome: 'failed',
    status,
    error: `unable to complete request to either ${where} (${failure.error}) or ${dls} (${sent.failure.error})`,
    loop,
  }
}

/** Binary unless a trigger's delivery.format asks for JSON (only triggers have it). */
function encodingFor(route: TriggerRoute | SubscriptionRoute): 'binary' | 'structured' {
  return route.delivery?.format === 'json' ? 'structured' : 'binary'
}

async function sleep(ctx: DispatchContext, req: DeliveryRequest, ms: number): Promise<boolean> {
  try {
    await ctx.clock.sleep(ms, req.signal)
    return true
  } catch {
    return false
  }
}

function recordAttempt(
  ctx: DispatchContext,
  req: DeliveryRequest,
  target: DeliveryTarget,
  url: string,
  n: number,
  response: PostResult,
  nextDelayMs?: number,
): void {
  ctx.journal.append(
    attemptRecord(
      req.ref,
      subscriberOf(req.route),
      target,
      url,
      n,
      response.status,
      response.error,
      Math.round(response.durationMs * 100) / 100,
      nextDelayMs,
    ),
  )
}

function finish(ctx: DispatchContext, req: DeliveryRequest, result: DeliveryResult): DeliveryResult {
  ctx.journal.append(outcomeRecord(req.ref, subscriberOf(req.route), result))
  return result
}
