// One event through an EventTransform, as Knative's transformer handles a request
// (openshift-knative/eventing-integrations transform-jsonata/jsonata.js): transform it; without a sink
// answer 200 with the result; with a sink POST the result there (structured mode) and answer with the
// sink's status and its response: discarded, transformed by spec.reply, or as it came. A failure is a 500
// with a `Reason` header, as the transformer answers. No HTTP server here: the caller owns the route and
// gives the function that reaches the sink.
import type {CloudEvent} from '../../core/cloudevent.js'
import {decodeHttpMessage, encodeStructured, headerValue, type HeaderMap} from '../../core/codec/http.js'
import {MAX_JSON_DEPTH, eventToJsonObject, nestedDeeperThan} from '../../core/codec/json.js'
import type {HttpSender} from '../../mesh/http-client.js'
import {onwardTraceContext} from '../../mesh/tracing.js'
import type {SpanParent} from '../../core/trace-context.js'
import {
  applyToInput,
  compileTransform,
  describeJsonataFailure,
  transformInput,
  type CompiledTransform,
  type JsonataLimits,
  type TransformOutput,
} from './jsonata.js'
import type {EventTransformSpec} from './read.js'

/** A message for the sink: the transformed event (structured mode), or the plain JSON the expression produced. */
export interface OutgoingMessage {
  headers: Record<string, string>
  body: string | Uint8Array
  /** The event the message carries, when it is one (for the activity). */
  event?: CloudEvent
}

/** The sink's response; its body bounded in bytes by the caller. */
export interface SinkReply {
  status: number
  headers: HeaderMap
  body: Uint8Array
}

/** POSTs a message to the sink; rejects when the sink cannot be reached. */
export type SendToSink = (uri: string, message: OutgoingMessage) => Promise<SinkReply>

/**
 * SendToSink over the mesh's HTTP client (bodies bounded by it), giving up after `timeoutMs` when given;
 * the request continues `trace` (the trace the transformed event arrived in) with a span id of its own.
 */
export function sendWith(sender: HttpSender, timeoutMs?: number, trace?: SpanParent): SendToSink {
  return async (uri, message) => {
    const {traceparent, tracestate} = onwardTraceContext(trace)
    const result = await sender.post(uri, message, {}, timeoutMs, undefined, traceparent, tracestate)
    if (result.status === undefined) throw new Error(result.error ?? 'no response')
    return {status: result.status, headers: result.headers, body: result.body}
  }
}

/** A compiled EventTransform: what the mesh keeps per resource. */
export interface TransformTarget {
  transform: CompiledTransform
  /** The resolved spec.sink. */
  sinkUri?: string
  reply?: {transform?: CompiledTransform; discard?: boolean}
}

export type TransformStage = 'transform' | 'sink' | 'reply'

/** What the EventTransform answers the sender; the route writes status, headers and body as they are. */
export interface TransformResponse {
  status: number
  headers: Record<string, string>
  body?: string | Uint8Array
  /** The event the response carries (the transformed event, or the transformed or passed-on reply). */
  event?: CloudEvent
  /** The event sent to the sink, when there is a sink. */
  sent?: CloudEvent
  /** Why it failed (the JSONata error, or the sink being unreachable), for the activity. */
  failure?: {stage: TransformStage; message: string}
}

/**
 * The compiled form of an EventTransform that loaded without errors, with its sink resolved by the caller.
 * An expression that does not compile (only when limits differ from the reader's) names its field.
 */
export function compileEventTransform(
  spec: EventTransformSpec,
  sinkUri: string | undefined,
  limits?: Partial<JsonataLimits>,
): {ok: true; target: TransformTarget} | {ok: false; field: string; message: string} {
  const main = compileTransform(spec.jsonata.expression, limits)
  if (!main.ok) return {ok: false, field: 'spec.jsonata.expression', message: describeJsonataFailure(main.failure)}
  const target: TransformTarget = {transform: main.transform}
  if (sinkUri !== undefined) target.sinkUri = sinkUri
  if (spec.reply) {
    target.reply = {}
    if (spec.reply.discard) target.reply.discard = true
    if (spec.reply.jsonata) {
      const reply = compileTransform(spec.reply.jsonata.expression, limits)
      if (!reply.ok) return {ok: false, field: 'spec.reply.jsonata.expression', message: describeJsonataFailure(reply.failure)}
      target.reply.transform = reply.transform
    }
  }
  return {ok: true, target}
}

/** One event through an EventTransform: what to answer its sender, and what happened, for the activity. */
export async function runEventTransform(event: CloudEvent, target: TransformTarget, send: SendToSink): Promise<TransformResponse> {
  const output = await applyToInput(target.transform, transformInput(event))
  if (output.kind === 'failed') return failed('transform', describeJsonataFailure(output.failure))
  const message = messageOf(output)
  if (target.sinkUri === undefined)
    return {status: 200, headers: message.headers, body: message.body, ...(message.event ? {event: message.event} : {})}
  const sent = message.event ? {sent: message.event} : {}
  let reply: SinkReply
  try {
    reply = await send(target.sinkUri, message)
  } catch (error) {
    return {...failed('sink', `the sink ${target.sinkUri} could not be reached: ${(error as Error).message}`), ...sent}
  }
  if (target.reply?.discard) return {status: reply.status, headers: {}, ...sent}
  const ok = reply.status >= 200 && reply.status < 300
  if (!target.reply?.transform || !ok || reply.body.byteLength === 0) return {...passOn(reply), ...sent}
  const transformed = await applyToInput(target.reply.transform, replyInput(reply))
  if (transformed.kind === 'failed') return {...failed('reply', describeJsonataFailure(transformed.failure)), ...sent}
  const answer = messageOf(transformed)
  return {status: reply.status, headers: answer.headers, body: answer.body, ...(answer.event ? {event: answer.event} : {}), ...sent}
}

function messageOf(output: Exclude<TransformOutput, {kind: 'failed'}>): OutgoingMessage {
  if (output.kind === 'event') {
    const encoded = encodeStructured(output.event)
    return {headers: encoded.headers, body: encoded.body as string, event: output.event}
  }
  return {headers: {'content-type': output.contentType}, body: output.body}
}

/**
 * The reply transform's input, as the transformer builds it: the sink's response as a CloudEvent (JSON
 * format) when it is one, else its body as JSON, else its body as text.
 */
function replyInput(reply: SinkReply): unknown {
  const decoded = decodeHttpMessage(reply.headers, reply.body)
  if (decoded.ok) return eventToJsonObject(decoded.event)
  const text = Buffer.from(reply.body).toString('utf8')
  // JSON nested that deep is refused at ingress too (serialising it again would overflow the stack)
  if (nestedDeeperThan(reply.body, MAX_JSON_DEPTH)) return text
  try {
    return JSON.parse(text) as unknown
  } catch {
    return text
  }
}

/**
 * The sink's response as it came: its status, body and the headers that make it an event (content type
 * and ce-*). Knative's transformer means to return "the exact sink response body"; it drops the headers,
 * which loses a binary-mode reply, so kne keeps them.
 */
function passOn(reply: SinkReply): TransformResponse {
  const headers: Record<string, string> = {}
  for (const [name, value] of Object.entries(reply.headers)) {
    const lower = name.toLowerCase()
    if (value === undefined || (lower !== 'content-type' && !lower.startsWith('ce-'))) continue
    headers[lower] = Array.isArray(value) ? value.join(', ') : value
  }
  const response: TransformResponse = {status: reply.status, headers}
  if (reply.body.byteLength > 0) response.body = reply.body
  const decoded =
    reply.body.byteLength > 0 || headerValue(reply.headers, 'ce-specversion') ? decodeHttpMessage(reply.headers, reply.body) : undefined
  if (decoded?.ok) response.event = decoded.event
  return response
}

function failed(stage: TransformStage, message: string): TransformResponse {
  // Reason is a header: one line of visible ASCII, as node:http accepts it
  return {status: 500, headers: {reason: message.replace(/[^\x20-\x7e]+/g, ' ').slice(0, 1024)}, failure: {stage, message}}
}
