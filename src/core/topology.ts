// The compiled routing table: for each broker, its triggers with compiled filters, resolved subscriber
// URIs, effective delivery specs and Knative-style status; for each channel (written as a Channel or an
// InMemoryChannel, or made by a Sequence or Parallel) its subscriptions the same way; and every address the
// mesh serves. The mesh swaps a whole topology on reload.
import {compileTriggerFilter, TriggerIndex, type CompiledTriggerFilter} from './filters/index.js'
import {parallelWiring, sequenceWiring, type FlowChannel, type FlowSubscription} from './flows.js'
import {brokerKind, triggerKind} from '../kinds/eventing/descriptor.js'
import {parallelKind, sequenceKind} from '../kinds/flows/descriptor.js'
import {BACKING_CHANNEL, channelKind, inMemoryChannelKind, subscriptionKind} from '../kinds/messaging/descriptor.js'
import {descriptorFor, modeledKindOf, resourcesOf} from '../kinds/descriptors.js'
import {
  addressableKey,
  addressOf,
  brokerAddress,
  resolveDestination,
  type AddressableKind,
  type ResolveContext,
  type ServiceMap,
} from './resources/destination.js'
import {
  ASYNC_HANDLER_ANNOTATION,
  BROKER_CLASS_ANNOTATION,
  DEFAULT_BROKER_CLASS,
  resourceKey,
  type Broker,
  type Channel,
  type DeliverySpec,
  type Destination,
  type KneKind,
  type KneResource,
  type KReference,
  type ObjectMeta,
  type Parallel,
  type Sequence,
  type Trigger,
} from './resources/types.js'

/** The Ready condition in Knative's terms: reason is one CamelCase word, message says why. */
export interface ReadyStatus {
  ready: boolean
  reason?: string
  message?: string
}

/** What every subscriber of a broker or a channel has: where events go, with which delivery spec. */
interface SubscriberRoute {
  /** `namespace/name`. */
  key: string
  namespace: string
  /** status.subscriberUri; undefined when the subscriber does not resolve. */
  subscriberUri?: string
  delivery?: DeliverySpec
  deadLetterSinkUri?: string
  status: ReadyStatus
}

export interface TriggerRoute extends SubscriberRoute {
  kind: 'trigger'
  trigger: Trigger
  filter: CompiledTriggerFilter
  /** The delivery spec that applies: the trigger's, else the broker's (replaced whole, never merged). */
  delivery?: DeliverySpec
}

export interface SubscriptionRoute extends SubscriberRoute {
  kind: 'subscription'
  name: string
  /** `namespace/name` of the channel it subscribes to (it may not exist). */
  channel: string
  /** spec.subscriber as written (a flow's: its step or branch). */
  subscriber: Destination
  /** status.physicalSubscription.replyUri: where the subscriber's replies go; without one they are dropped. */
  replyUri?: string
  /** The delivery spec that applies: the subscription's, else its channel's (replaced whole, semantics §4.2). */
  delivery?: DeliverySpec
  /** `Sequence namespace/name` or `Parallel namespace/name` for the subscriptions a flow makes. */
  owner?: string
}

/** Where an event sent to one of the mesh's own addresses goes, without leaving the process. */
export type MeshAddressable = {kind: 'broker'; route: BrokerRoute} | {kind: 'channel'; route: ChannelRoute}

/** The addresses of one topology: deliveries that start on its routes reach the mesh's addresses through it. */
export type AddressMap = ReadonlyMap<string, MeshAddressable>

export interface BrokerRoute {
  key: string
  broker: Broker
  className: string
  address: string
  /** Answer the producer before delivering (Knative's opt-in async handler) instead of after every delivery. */
  async: boolean
  delivery?: DeliverySpec
  deadLetterSinkUri?: string
  triggers: TriggerRoute[]
  index: TriggerIndex<TriggerRoute>
  addresses: AddressMap
  status: ReadyStatus
}

/** A channel: every event goes to all its subscriptions (no filters, no TTL, no arrival time). */
export interface ChannelRoute {
  key: string
  /** As written; kne backs every channel in memory, whatever a Channel's channelTemplate names. */
  kind: 'Channel' | 'InMemoryChannel'
  namespace: string
  name: string
  address: string
  async: boolean
  delivery?: DeliverySpec
  deadLetterSinkUri?: string
  subscriptions: SubscriptionRoute[]
  /** `Sequence namespace/name` or `Parallel namespace/name` for the channels a flow makes. */
  owner?: string
  addresses: AddressMap
  status: ReadyStatus
}

export interface SequenceRoute {
  key: string
  sequence: Sequence
  /** Served by its first channel. */
  address: string
  /** `namespace/name` of its channels and subscriptions, one of each per step. */
  channels: string[]
  subscriptions: string[]
  status: ReadyStatus
}

export interface ParallelRoute {
  key: string
  parallel: Parallel
  /** Served by its ingress channel. */
  address: string
  ingressChannel: string
  branches: {filterSubscription: string; channel: string; subscription: string}[]
  status: ReadyStatus
}

export interface Topology {
  meshUrl: string
  brokers: Map<string, BrokerRoute>
  /** Triggers whose broker does not exist: kept so that status shows them as not Ready. */
  orphanTriggers: TriggerRoute[]
  /** The channels the mesh serves, by `namespace/name`. */
  channels: Map<string, ChannelRoute>
  /** Channels not served because another channel already has their name (status shows them not Ready). */
  conflictingChannels: ChannelRoute[]
  /** Subscriptions whose channel does not exist. */
  orphanSubscriptions: SubscriptionRoute[]
  sequences: Map<string, SequenceRoute>
  parallels: Map<string, ParallelRoute>
  /** Every URL the mesh serves (brokers, channels, sequences, parallels) and what serves it. */
  addresses: AddressMap
  /** How this topology resolves a Destination (for sinks of other resources). */
  context: ResolveContext
}

export interface TopologyOptions {
  meshUrl: string
  services?: ServiceMap
  /** Applied to a Broker without spec.delivery, like Knative's config-br-defaults (10 retries, exponential, PT0.2S). */
  brokerDelivery?: DeliverySpec
}

export const STOCK_BROKER_DELIVERY: DeliverySpec = {retry: 10, backoffPolicy: 'exponential', backoffDelay: 'PT0.2S'}

/** The kinds served at paths of their own that the topology gives addresses to. */
const ADDRESSABLE = {
  channel: channelKind as AddressableKind,
  inMemoryChannel: inMemoryChannelKind as AddressableKind,
  sequence: sequenceKind as AddressableKind,
  parallel: parallelKind as AddressableKind,
}

export function compileTopology(resources: readonly KneResource[], options: TopologyOptions): Topology {
  const of = <K extends KneKind>(kind: {kind: K}) => resourcesOf(resources, kind)
  const brokers = of(brokerKind)
  const sequences = of(sequenceKind).map((s) => ({sequence: s, wiring: sequenceWiring(s)}))
  const parallels = of(parallelKind).map((p) => ({parallel: p, wiring: parallelWiring(p)}))
  const ctx: ResolveContext = {
    meshUrl: options.meshUrl,
    brokers: new Set(brokers.map((b) => resourceKey(b.metadata.namespace, b.metadata.name))),
    addressables: addressablesOf(resources, of(channelKind), [
      ...sequences.flatMap((s) => s.wiring.channels),
      ...parallels.flatMap((p) => [p.wiring.ingress, ...p.wiring.branches.map((b) => b.channel)]),
    ]),
    services: options.services ?? {},
  }
  const addresses = new Map<string, MeshAddressable>()
  const topology: Topology = {
    meshUrl: options.meshUrl,
    brokers: new Map(),
    orphanTriggers: [],
    channels: new Map(),
    conflictingChannels: [],
    orphanSubscriptions: [],
    sequences: new Map(),
    parallels: new Map(),
    addresses,
    context: ctx,
  }
  for (const broker of brokers) {
    const route = compileBroker(broker, ctx, options.brokerDelivery ?? STOCK_BROKER_DELIVERY, addresses)
    topology.brokers.set(route.key, route)
    addresses.set(route.address, {kind: 'broker', route})
  }
  for (const trigger of of(triggerKind)) {
    const broker = topology.brokers.get(resourceKey(trigger.metadata.namespace, trigger.spec.broker))
    const route = compileTrigger(trigger, broker, ctx)
    if (broker) broker.triggers.push(route)
    else topology.orphanTriggers.push(route)
  }
  for (const broker of topology.brokers.values()) {
    broker.index = new TriggerIndex(broker.triggers.map((t) => ({filter: t.filter, spec: t.trigger.spec, value: t})))
  }

  const serve = (route: ChannelRoute): void => {
    topology.channels.set(route.key, route)
    addresses.set(route.address, {kind: 'channel', route})
  }
  // an InMemoryChannel first: a Channel of the same name would be backed by it, and Knative reports the Channel
  for (const channel of [...of(inMemoryChannelKind), ...of(channelKind)]) {
    const route = compileChannel(channel.kind, channel.metadata, channel.spec.delivery, ctx, addresses)
    if (topology.channels.has(route.key)) {
      route.status = {
        ready: false,
        reason: 'BackingChannelFailed',
        message: `${describeChannel(topology.channels.get(route.key)!)} already has this name and is not owned by this Channel`,
      }
      topology.conflictingChannels.push(route)
    } else {
      serve(route)
    }
  }
  /** Compiles a flow's channels and subscriptions; a name already taken stops the whole flow, as its reconciler stops. */
  const compileFlow = (
    owner: string,
    channels: FlowChannel[],
    subscriptions: FlowSubscription[],
  ): {routes: ChannelRoute[]; subscriptions: SubscriptionRoute[]; status: ReadyStatus} => {
    const clash = channels.find((c) => topology.channels.has(resourceKey(c.namespace, c.name)))
    if (clash) {
      const message = `channel ${resourceKey(clash.namespace, clash.name)} already exists and is not owned by ${owner}`
      return {routes: [], subscriptions: [], status: {ready: false, reason: 'ChannelsNotReady', message}}
    }
    const routes = channels.map((c) => compileChannel(BACKING_CHANNEL.kind, {...c, annotations: {}}, undefined, ctx, addresses, owner))
    routes.forEach(serve)
    const subs = subscriptions.map((s) => {
      const channel = topology.channels.get(resourceKey(s.namespace, s.channel))!
      const route = compileSubscription(s, {route: channel}, ctx, owner)
      channel.subscriptions.push(route)
      return route
    })
    const notReady = subs.find((s) => !s.status.ready)
    const status = notReady
      ? {
          ready: false,
          reason: 'SubscriptionsNotReady',
          message: `Subscriptions are not ready yet, or there are none: ${notReady.key}: ${notReady.status.message}`,
        }
      : {ready: true}
    return {routes, subscriptions: subs, status}
  }
  for (const {sequence, wiring} of sequences) {
    const {namespace, name} = sequence.metadata
    const key = resourceKey(namespace, name)
    const flow = compileFlow(`Sequence ${key}`, wiring.channels, wiring.subscriptions)
    const route: SequenceRoute = {
      key,
      sequence,
      address: addressOf(ADDRESSABLE.sequence, options.meshUrl, namespace, name),
      channels: flow.routes.map((c) => c.key),
      subscriptions: flow.subscriptions.map((s) => s.key),
      status: flow.status,
    }
    if (flow.routes[0]) addresses.set(route.address, {kind: 'channel', route: flow.routes[0]})
    topology.sequences.set(key, route)
  }
  for (const {parallel, wiring} of parallels) {
    const {namespace, name} = parallel.metadata
    const key = resourceKey(namespace, name)
    const flow = compileFlow(
      `Parallel ${key}`,
      [wiring.ingress, ...wiring.branches.map((b) => b.channel)],
      wiring.branches.flatMap((b) => [b.filter, b.subscriber]),
    )
    const route: ParallelRoute = {
      key,
      parallel,
      address: addressOf(ADDRESSABLE.parallel, options.meshUrl, namespace, name),
      ingressChannel: resourceKey(namespace, wiring.ingress.name),
      branches: wiring.branches.map((b) => ({
        filterSubscription: resourceKey(namespace, b.filter.name),
        channel: resourceKey(namespace, b.channel.name),
        subscription: resourceKey(namespace, b.subscriber.name),
      })),
      status: flow.status,
    }
    if (flow.routes[0]) addresses.set(route.address, {kind: 'channel', route: flow.routes[0]})
    topology.parallels.set(key, route)
  }
  // last, so that a Subscription may name a channel a flow made, as in Knative
  for (const subscription of of(subscriptionKind)) {
    const {metadata, spec} = subscription
    const channel = channelFor(topology.channels, spec.channel, metadata.namespace)
    const route = compileSubscription(
      {...spec, namespace: metadata.namespace, name: metadata.name, channel: spec.channel.name},
      channel,
      ctx,
    )
    if (channel.route) channel.route.subscriptions.push(route)
    else {
      route.status = {
        ready: false,
        reason: 'ChannelReferenceFailed',
        message: `Failed to get Spec.Channel or backing channel: ${channel.problem}`,
      }
      topology.orphanSubscriptions.push(route)
    }
  }
  return topology
}

/** `Kind namespace/name` of everything a Destination may name besides brokers and Services. */
/**
 * `Kind namespace/name` of everything a Destination may name besides brokers and Services: every resource of
 * a kind served at a path of its own, and the channels that back a Channel or a flow.
 */
function addressablesOf(resources: readonly KneResource[], channels: Channel[], flowChannels: FlowChannel[]): Set<string> {
  const out = new Set<string>()
  for (const r of resources) {
    const kind = descriptorFor(r)
    if (kind.ingressPath !== undefined && kind.role !== 'broker') out.add(addressableKey(kind, r.metadata.namespace, r.metadata.name))
  }
  // a Channel is backed by a channel of its template's kind and name, which can be referred to directly
  for (const c of channels) {
    if (c.spec.channelTemplate.kind === BACKING_CHANNEL.kind)
      out.add(addressableKey(ADDRESSABLE.inMemoryChannel, c.metadata.namespace, c.metadata.name))
  }
  for (const c of flowChannels) out.add(addressableKey(ADDRESSABLE.inMemoryChannel, c.namespace, c.name))
  return out
}

function describeChannel(route: ChannelRoute): string {
  return `${route.owner ? `the channel of ${route.owner}` : route.kind} ${route.key}`
}

/** The served channel a Subscription's spec.channel names, or why there is none. */
function channelFor(channels: Map<string, ChannelRoute>, ref: KReference, namespace: string): {route?: ChannelRoute; problem?: string} {
  const named = modeledKindOf(ref.apiVersion, ref.kind)
  if (named?.role !== 'channel') {
    return {
      problem: `kne runs Channel and InMemoryChannel (messaging.knative.dev); ${ref.apiVersion ?? ''} ${ref.kind} "${ref.name}" is not emulated`,
    }
  }
  const route = channels.get(resourceKey(namespace, ref.name))
  // a Channel is backed by an InMemoryChannel of its name; an InMemoryChannel has no Channel over it
  if (route && (route.kind === ref.kind || ref.kind === BACKING_CHANNEL.kind)) return {route}
  const {plural} = named
  return {problem: `${plural}.messaging.knative.dev "${ref.name}" not found in namespace "${namespace}"`}
}

function compileBroker(broker: Broker, ctx: ResolveContext, defaults: DeliverySpec, addresses: AddressMap): BrokerRoute {
  const {namespace, name} = broker.metadata
  // Knative's webhook fills delivery only when the Broker sets none at all.
  const delivery = broker.spec.delivery ?? defaults
  const route: BrokerRoute = {
    key: resourceKey(namespace, name),
    broker,
    className: broker.metadata.annotations[BROKER_CLASS_ANNOTATION] ?? DEFAULT_BROKER_CLASS,
    address: brokerAddress(ctx.meshUrl, namespace, name),
    async: isAsync(broker.metadata),
    delivery,
    triggers: [],
    index: new TriggerIndex<TriggerRoute>([]),
    addresses,
    status: {ready: true},
  }
  resolveDeadLetterSink(route, delivery, namespace, ctx)
  return route
}

function compileChannel(
  kind: ChannelRoute['kind'],
  metadata: Pick<ObjectMeta, 'namespace' | 'name' | 'annotations'>,
  delivery: DeliverySpec | undefined,
  ctx: ResolveContext,
  addresses: AddressMap,
  owner?: string,
): ChannelRoute {
  const {namespace, name} = metadata
  const route: ChannelRoute = {
    key: resourceKey(namespace, name),
    kind,
    namespace,
    name,
    address: addressOf(ADDRESSABLE.channel, ctx.meshUrl, namespace, name),
    async: isAsync(metadata),
    delivery,
    subscriptions: [],
    owner,
    addresses,
    status: {ready: true},
  }
  resolveDeadLetterSink(route, delivery, namespace, ctx)
  return route
}

/** The in-memory channel's opt-in asynchronous handler (semantics §0). */
function isAsync(metadata: Pick<ObjectMeta, 'annotations'>): boolean {
  return metadata.annotations[ASYNC_HANDLER_ANNOTATION]?.toLowerCase() === 'true'
}

function resolveDeadLetterSink(
  route: {deadLetterSinkUri?: string; status: ReadyStatus},
  delivery: DeliverySpec | undefined,
  namespace: string,
  ctx: ResolveContext,
): void {
  if (!delivery?.deadLetterSink) return
  const dls = resolveDestination(delivery.deadLetterSink, namespace, ctx)
  if (dls.ok) route.deadLetterSinkUri = dls.uri
  else
    route.status = {ready: false, reason: 'DeadLetterSinkResolveFailed', message: `Unable to resolve the dead letter sink: ${dls.message}`}
}

function compileTrigger(trigger: Trigger, broker: BrokerRoute | undefined, ctx: ResolveContext): TriggerRoute {
  const {namespace} = trigger.metadata
  const route: TriggerRoute = {
    kind: 'trigger',
    key: resourceKey(namespace, trigger.metadata.name),
    namespace,
    trigger,
    filter: compileTriggerFilter(trigger.spec),
    delivery: trigger.spec.delivery ?? broker?.delivery,
    status: {ready: true},
  }
  const subscriber = resolveDestination(trigger.spec.subscriber, namespace, ctx)
  if (subscriber.ok) route.subscriberUri = subscriber.uri
  if (trigger.spec.delivery?.deadLetterSink) {
    resolveDeadLetterSink(route, trigger.spec.delivery, namespace, ctx)
  } else if (route.delivery === broker?.delivery) {
    route.deadLetterSinkUri = broker?.deadLetterSinkUri
  }
  if (!broker) {
    // Knative's message, and how to get the broker: samples assume a `default` broker that -f may not load
    route.status = {
      ready: false,
      reason: 'BrokerDoesNotExist',
      message: `Broker "${trigger.spec.broker}" does not exist: no manifest loaded defines it; add one with kne broker create ${trigger.spec.broker}${namespace === 'default' ? '' : ` -n ${namespace}`}, or pass the file that defines it with -f`,
    }
  } else if (!subscriber.ok) {
    route.status = {ready: false, reason: 'SubscriberResolveFailed', message: `Unable to get the Subscriber's URI: ${subscriber.message}`}
  }
  return route
}

/**
 * A Subscription, written or made by a flow, as Knative's subscription reconciler resolves it: the
 * subscriber, then the reply, then the dead-letter sink (the first that fails names the reason); without a
 * delivery spec of its own it takes its channel's, dead-letter sink included (semantics §4.2).
 */
function compileSubscription(
  spec: {namespace: string; name: string; channel: string; subscriber: Destination; reply?: Destination; delivery?: DeliverySpec},
  channel: {route?: ChannelRoute},
  ctx: ResolveContext,
  owner?: string,
): SubscriptionRoute {
  const {namespace, name} = spec
  const route: SubscriptionRoute = {
    kind: 'subscription',
    key: resourceKey(namespace, name),
    namespace,
    name,
    channel: resourceKey(namespace, spec.channel),
    subscriber: spec.subscriber,
    delivery: spec.delivery ?? channel.route?.delivery,
    owner,
    status: {ready: true},
  }
  const failed = (reason: string, message: string): void => {
    if (route.status.ready) route.status = {ready: false, reason, message}
  }
  const subscriber = resolveDestination(spec.subscriber, namespace, ctx)
  if (subscriber.ok) route.subscriberUri = subscriber.uri
  else failed('SubscriberResolveFailed', `Failed to resolve spec.subscriber: ${subscriber.message}`)
  if (spec.reply) {
    const reply = resolveDestination(spec.reply, namespace, ctx)
    if (reply.ok) route.replyUri = reply.uri
    else failed('ReplyResolveFailed', `Failed to resolve spec.reply: ${reply.message}`)
  }
  if (spec.delivery?.deadLetterSink) {
    const dls = resolveDestination(spec.delivery.deadLetterSink, namespace, ctx)
    if (dls.ok) route.deadLetterSinkUri = dls.uri
    else failed('DeadLetterSinkResolveFailed', `Failed to resolve spec.delivery.deadLetterSink: ${dls.message}`)
  } else if (spec.delivery === undefined) {
    route.deadLetterSinkUri = channel.route?.deadLetterSinkUri
  }
  return route
}
