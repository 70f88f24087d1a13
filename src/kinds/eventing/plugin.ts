// The brokers' runtime: broker ingress at /<namespace>/<broker> with the checks of Knative's broker-ingress
// in its order (semantics §1.2), and the status of brokers and triggers.
import type {IncomingMessage, ServerResponse} from 'node:http'
import type {BrokerStatus, TriggerStatus} from '../../core/api.js'
import {rejectedRecord} from '../../core/activity.js'
import {decodeHttpMessage} from '../../core/codec/http.js'
import {memoize} from '../../core/memo.js'
import type {TriggerRoute} from '../../core/topology.js'
import type {MeshContext} from '../../mesh/context.js'
import {passThroughHeaders, traceParentOf} from '../../mesh/headers.js'
import {
  answeredWithoutEvent,
  answerIngress,
  answerNotFound,
  decodeURIComponentSafe,
  ingressJson,
  readBody,
  refusedBySchema,
  servedBy,
} from '../../mesh/ingress.js'
import type {MeshPlugin} from '../../mesh/plugin.js'

// Ingress is written with callbacks, not async functions: it runs for every event, and an asynchronous
// broker answers without a single promise.
function handleIngress(ctx: MeshContext, req: IncomingMessage, res: ServerResponse, url: string): void {
  if (answeredWithoutEvent(ctx, req, res)) return
  if (url === '/')
    return answerNotFound(ctx, res, url, 'no broker at /: post to /<namespace>/<broker>', servedBy(ctx.topology).broker, undefined)
  const brokerKey = brokerKeyOf(url)
  if (brokerKey === undefined) {
    const error = `malformed broker path ${JSON.stringify(url)}: expected /<namespace>/<broker>`
    ctx.journal.append(rejectedRecord({}, 400, error, 'ingress'))
    return ingressJson(res, 400, {error})
  }
  readBody(ctx, req, res, url, (body) => {
    const decoded = decodeHttpMessage(req.headers, body)
    const broker = ctx.topology.brokers.get(brokerKey)
    if (!decoded.ok) {
      ctx.runtime.recordRejection(broker?.key)
      ctx.journal.append(rejectedRecord({broker: broker?.key}, 400, decoded.error, 'ingress'))
      return ingressJson(res, 400, {error: `invalid CloudEvent: ${decoded.error}`})
    }
    if (!broker) return answerNotFound(ctx, res, url, `broker ${brokerKey} not found`, servedBy(ctx.topology).broker, decoded.event)
    const {kind, metadata} = broker.broker
    if (
      ctx.eventSchemas !== undefined &&
      refusedBySchema(ctx, res, {broker: broker.key}, metadata.namespace, `${kind}/${metadata.name}`, decoded.event)
    )
      return
    answerIngress(
      ctx,
      req,
      res,
      url,
      ctx.runtime.publish(
        broker,
        decoded.event,
        passThroughHeaders(req.headers),
        'ingress',
        undefined,
        traceParentOf(req.headers, decoded.event),
      ),
    )
  })
}

/**
 * `namespace/name` of the broker a path addresses, or undefined when it is not /<namespace>/<broker>;
 * producers post to the same few paths over and over, so each is parsed once.
 */
const brokerKeyOf = memoize((url: string): string | undefined => {
  // Knative splits the raw request URI, so a query string stays part of the broker name
  const parts = (url.endsWith('/') ? url.slice(0, -1) : url).split('/')
  return parts.length === 3 && parts[0] === '' ? `${decodeURIComponentSafe(parts[1]!)}/${decodeURIComponentSafe(parts[2]!)}` : undefined
})

export const brokersPlugin: MeshPlugin = {
  name: 'brokers',
  // every path no other plugin takes: a broker's has exactly two segments, the others' three
  routes: [{prefix: '/', handle: handleIngress}],
  status({topology, runtime}) {
    const brokers: BrokerStatus[] = [...topology.brokers.values()].map((b) => ({
      namespace: b.broker.metadata.namespace,
      name: b.broker.metadata.name,
      url: b.address,
      className: b.className,
      async: b.async,
      ready: b.status.ready,
      reason: b.status.reason,
      message: b.status.message,
      deadLetterSinkUri: b.deadLetterSinkUri,
      delivery: b.delivery,
      counters: {...runtime.brokerCountersFor(b.key)},
    }))
    const triggerRoutes: TriggerRoute[] = [...[...topology.brokers.values()].flatMap((b) => b.triggers), ...topology.orphanTriggers]
    const triggers: TriggerStatus[] = triggerRoutes.map((t) => ({
      namespace: t.trigger.metadata.namespace,
      name: t.trigger.metadata.name,
      broker: t.trigger.spec.broker,
      subscriberUri: t.subscriberUri,
      deadLetterSinkUri: t.deadLetterSinkUri,
      ready: t.status.ready,
      reason: t.status.reason,
      message: t.status.message,
      filter: t.filter.applied,
      delivery: t.delivery,
      counters: {...runtime.triggerCountersFor(t.key)},
    }))
    return {brokers, triggers}
  },
}
