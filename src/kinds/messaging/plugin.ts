// The channels' runtime: channel ingress at /channels/<namespace>/<name> with the channel receiver's checks
// (semantics §4.1), and the status of channels and subscriptions (a flow's included).
import type {ChannelStatus, SubscriptionStatus} from '../../core/api.js'
import {notFoundMessage, rejectedRecord} from '../../core/activity.js'
import {decodeHttpMessage} from '../../core/codec/http.js'
import type {ChannelRoute, SubscriptionRoute} from '../../core/topology.js'
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
import type {IngressRoute, MeshPlugin} from '../../mesh/plugin.js'
import {channelKind} from './descriptor.js'

/**
 * A channel's receiver. The channel is looked up first, as Knative's multi-channel dispatcher routes by
 * channel before the receiver runs; an unknown one gets 404 (conformance's answer; Knative's dispatcher
 * gives 500). Then: OPTIONS 200, other methods 405, an invalid CloudEvent 400, accepted 202 (semantics §4.1).
 */
export function channelIngress(kind: 'channel' | 'sequence' | 'parallel'): IngressRoute['handle'] {
  return (ctx, req, res, url) => {
    const path = url.endsWith('/') ? url.slice(0, -1) : url
    const parts = path.split('/')
    const target = parts.length === 4 ? ctx.topology.addresses.get(`${ctx.url}${path}`) : undefined
    if (target?.kind !== 'channel') {
      const what =
        parts.length === 4
          ? `${kind} ${decodeURIComponentSafe(parts[2]!)}/${decodeURIComponentSafe(parts[3]!)}`
          : `${kind} path ${JSON.stringify(url)} (expected /${parts[1]}/<namespace>/<name>)`
      const serves = servedBy(ctx.topology)[kind]
      // a probe or a browser's GET is not an event gone astray: only a POST is recorded
      if (req.method !== 'POST') return ingressJson(res, 404, {error: notFoundMessage({error: `${what} not found`, serves})})
      return answerNotFound(ctx, res, url, `${what} not found`, serves, undefined)
    }
    const channel = target.route
    if (answeredWithoutEvent(ctx, req, res)) return
    readBody(ctx, req, res, url, (body) => {
      const decoded = decodeHttpMessage(req.headers, body)
      if (!decoded.ok) {
        ctx.runtime.recordChannelRejection(channel.key)
        ctx.journal.append(rejectedRecord({channel: channel.key}, 400, decoded.error, 'ingress'))
        return ingressJson(res, 400, {error: `invalid CloudEvent: ${decoded.error}`})
      }
      const where = {channel: channel.key}
      if (
        ctx.eventSchemas !== undefined &&
        refusedBySchema(ctx, res, where, channel.namespace, `${channel.kind}/${channel.name}`, decoded.event)
      )
        return
      answerIngress(
        ctx,
        req,
        res,
        url,
        ctx.runtime.publishToChannel(
          channel,
          decoded.event,
          passThroughHeaders(req.headers),
          'ingress',
          undefined,
          traceParentOf(req.headers, decoded.event),
        ),
      )
    })
  }
}

export const channelsPlugin: MeshPlugin = {
  name: 'channels',
  routes: [{prefix: `/${channelKind.ingressPath}/`, handle: channelIngress('channel')}],
  status({topology, runtime}) {
    const channelRoutes: ChannelRoute[] = [...topology.channels.values(), ...topology.conflictingChannels]
    const channels: ChannelStatus[] = channelRoutes.map((c) => ({
      namespace: c.namespace,
      name: c.name,
      kind: c.kind,
      url: c.address,
      async: c.async,
      ...c.status,
      owner: c.owner,
      deadLetterSinkUri: c.deadLetterSinkUri,
      delivery: c.delivery,
      subscriptions: c.subscriptions.map((s) => s.key),
      counters: {...runtime.channelCountersFor(c.key)},
    }))
    const subscriptionRoutes: SubscriptionRoute[] = [...channelRoutes.flatMap((c) => c.subscriptions), ...topology.orphanSubscriptions]
    const subscriptions: SubscriptionStatus[] = subscriptionRoutes.map((s) => ({
      namespace: s.namespace,
      name: s.name,
      channel: s.channel,
      ...s.status,
      owner: s.owner,
      subscriberUri: s.subscriberUri,
      replyUri: s.replyUri,
      deadLetterSinkUri: s.deadLetterSinkUri,
      delivery: s.delivery,
      counters: {...runtime.subscriptionCountersFor(s.key)},
    }))
    return {channels, subscriptions}
  },
}
