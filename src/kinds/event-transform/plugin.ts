// EventTransform's runtime: serves /eventtransforms/<namespace>/<name>, runs each event through the
// resource's compiled expression (and to its sink), answers as Knative's transformer does, records what
// happened in the activity, and reports each EventTransform's status.
import type {IncomingMessage, ServerResponse} from 'node:http'
import {handledRecord, type Outcome} from '../../core/activity.js'
import type {ResourceStatus} from '../../core/api.js'
import {decodeHttpMessage} from '../../core/codec/http.js'
import {addressOf, resolveDestination, type AddressableKind} from '../../core/resources/destination.js'
import {describeResource, resourceKey} from '../../core/resources/types.js'
import type {ReadyStatus} from '../../core/topology.js'
import type {MeshContext} from '../../mesh/context.js'
import {traceParentOf} from '../../mesh/headers.js'
import {HttpSender} from '../../mesh/http-client.js'
import {answeredWithoutEvent, answerNotFound, decodeURIComponentSafe, ingressJson, readBody} from '../../mesh/ingress.js'
import type {MeshPlugin} from '../../mesh/plugin.js'
import type {AnyResource} from '../descriptor.js'
import {eventTransformKind, type EventTransform} from './descriptor.js'
import {compileEventTransform, runEventTransform, sendWith, type TransformResponse, type TransformTarget} from './transform.js'

/** How long the sink may take to answer before the event counts as failed (the sender then sees a 500). */
export const SINK_TIMEOUT_MS = 30_000

/** One EventTransform as the mesh serves it. */
interface ServedTransform {
  resource: EventTransform
  url: string
  sinkUri?: string
  target?: TransformTarget
  status: ReadyStatus
  sinkProvided?: ReadyStatus
  counters: {received: number; replied: number; sent: number; failed: number}
}

const PREFIX = `/${eventTransformKind.ingressPath}/`

export function createEventTransformPlugin(): MeshPlugin {
  let served = new Map<string, ServedTransform>()
  const sender = new HttpSender()

  function apply(ctx: MeshContext): void {
    const next = new Map<string, ServedTransform>()
    const resources = (ctx.resources as readonly AnyResource[]).filter((r): r is EventTransform => r.kind === eventTransformKind.kind)
    for (const resource of resources) {
      const {namespace, name} = resource.metadata
      const key = resourceKey(namespace, name)
      const entry: ServedTransform = {
        resource,
        url: addressOf(eventTransformKind as AddressableKind, ctx.url, namespace, name),
        status: {ready: true},
        // what was counted before a reload still counts
        counters: served.get(key)?.counters ?? {received: 0, replied: 0, sent: 0, failed: 0},
      }
      if (resource.spec.sink) {
        const sink = resolveDestination(resource.spec.sink, namespace, ctx.topology.context)
        if (sink.ok) {
          entry.sinkUri = sink.uri
          entry.sinkProvided = {ready: true}
        } else {
          entry.sinkProvided = {ready: false, reason: sink.reason, message: `Failed to resolve spec.sink: ${sink.message}`}
          entry.status = entry.sinkProvided
        }
      }
      const compiled = compileEventTransform(resource.spec, entry.sinkUri)
      if (!compiled.ok) entry.status = {ready: false, reason: 'TransformationFailed', message: `${compiled.field}: ${compiled.message}`}
      else if (entry.status.ready) entry.target = compiled.target
      next.set(key, entry)
    }
    served = next
  }

  function handle(ctx: MeshContext, req: IncomingMessage, res: ServerResponse, url: string): void {
    const path = url.split('?')[0]!.slice(PREFIX.length).split('/').map(decodeURIComponentSafe)
    const entry = path.length === 2 ? served.get(resourceKey(path[0]!, path[1]!)) : undefined
    if (answeredWithoutEvent(ctx, req, res)) return
    readBody(ctx, req, res, url, (body) => {
      const decoded = decodeHttpMessage(req.headers, body)
      const event = decoded.ok ? decoded.event : undefined
      if (entry === undefined) {
        const error =
          path.length === 2
            ? `${eventTransformKind.plural}.${eventTransformKind.group} "${path[1]}" not found in namespace "${path[0]}"`
            : `${url} is not an EventTransform's address: expected ${PREFIX}<namespace>/<name>`
        return answerNotFound(ctx, res, url, error, [...served.keys()], event)
      }
      const resource = describeResource(entry.resource)
      entry.counters.received++
      const record = (status: number, outcome: Outcome, summary: string, error?: string): void => {
        if (outcome === 'failed') entry.counters.failed++
        ctx.journal.append(handledRecord(resource, event, {status, outcome, summary, ...(error === undefined ? {} : {error})}))
      }
      if (!decoded.ok) {
        record(400, 'failed', 'HTTP 400: the request is not a CloudEvent', decoded.error)
        return ingressJson(res, 400, {error: decoded.error})
      }
      if (entry.target === undefined) {
        const error = `${resource} is not Ready: ${entry.status.reason}: ${entry.status.message}`
        record(503, 'failed', 'HTTP 503: not transformed', error)
        return ingressJson(res, 503, {error})
      }
      const send = sendWith(sender, SINK_TIMEOUT_MS, traceParentOf(req.headers, decoded.event))
      runEventTransform(decoded.event, entry.target, send).then(
        (answer) => {
          const {outcome, summary} = accountOf(answer, entry)
          if (outcome === 'replied') entry.counters.replied++
          else if (outcome === 'delivered') entry.counters.sent++
          record(answer.status, outcome, summary, answer.failure?.message)
          if (!res.writableEnded && !res.destroyed) res.writeHead(answer.status, answer.headers).end(answer.body)
        },
        (error: unknown) => {
          record(500, 'failed', 'HTTP 500: internal error', (error as Error).message)
          if (!res.headersSent) ingressJson(res, 500, {error: `internal error: ${(error as Error).message}`})
        },
      )
    })
  }

  return {
    name: 'event-transforms',
    routes: [{prefix: PREFIX, handle}],
    apply,
    status: () => ({resources: [...served.values()].map(statusOf)}),
    close: () => sender.close(),
  }
}

/** What happened to one event, in a word and a line, for the activity. */
function accountOf(answer: TransformResponse, entry: ServedTransform): {outcome: Outcome; summary: string} {
  const produced = (e: {type: string; id: string} | undefined): string => (e ? `${e.type} id=${e.id}` : 'JSON that is not a CloudEvent')
  if (answer.failure) {
    const stage = {
      transform: 'the JSONata expression failed',
      sink: 'the sink could not be reached',
      reply: "the reply's JSONata expression failed",
    }
    return {outcome: 'failed', summary: `HTTP ${answer.status}: ${stage[answer.failure.stage]}`}
  }
  if (entry.sinkUri === undefined) return {outcome: 'replied', summary: `with ${produced(answer.event)}`}
  const sent = `${produced(answer.sent)} to ${entry.sinkUri}`
  if (answer.status < 200 || answer.status >= 300) return {outcome: 'failed', summary: `${sent}: the sink answered HTTP ${answer.status}`}
  const reply = answer.body === undefined ? '' : `; replied with ${produced(answer.event)}`
  return {outcome: 'delivered', summary: `${sent} (HTTP ${answer.status})${reply}`}
}

function statusOf(entry: ServedTransform): ResourceStatus {
  const {namespace, name} = entry.resource.metadata
  const conditions: ResourceStatus['conditions'] = [{type: 'Addressable', ready: true}]
  if (entry.sinkProvided) conditions.push({type: 'SinkProvided', ...entry.sinkProvided})
  return {
    kind: eventTransformKind.kind,
    namespace,
    name,
    url: entry.url,
    ...(entry.sinkUri === undefined ? {} : {sinkUri: entry.sinkUri}),
    ...entry.status,
    conditions,
    counters: {...entry.counters},
  }
}
