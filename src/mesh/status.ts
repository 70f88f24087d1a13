// The live status of every broker, trigger, channel, subscription, sequence and parallel, in the terms
// `kubectl get` and `kn describe` use (Ready, reason, URL, subscriber URI, dead-letter sink URI), plus
// kne's delivery counters.
import type {DeliverySpec, KneResource} from '../core/resources/types.js'
import type {ChannelRoute, ReadyStatus, SubscriptionRoute, TriggerRoute} from '../core/topology.js'
import type {Mesh} from './mesh.js'
import type {BrokerCounters, ChannelCounters, FailedDelivery, InFlightDelivery, SubscriptionCounters, TriggerCounters} from './runtime.js'
import type {SourceStatus} from './sources/runtime.js'

export interface BrokerStatus {
  namespace: string
  name: string
  url: string
  className: string
  async: boolean
  ready: boolean
  reason?: string
  message?: string
  deadLetterSinkUri?: string
  /** The broker's delivery spec after defaulting (kne.yaml brokerDefaults, else 10 retries exponential PT0.2S). */
  delivery?: DeliverySpec
  counters: BrokerCounters
}

export interface TriggerStatus {
  namespace: string
  name: string
  broker: string
  subscriberUri?: string
  deadLetterSinkUri?: string
  ready: boolean
  reason?: string
  message?: string
  filter: 'filters' | 'filter' | 'none'
  /** The delivery spec that applies: the trigger's own, else its broker's (replaced whole, never merged). */
  delivery?: DeliverySpec
  counters: TriggerCounters
}

export interface ChannelStatus extends ReadyStatus {
  namespace: string
  name: string
  kind: 'Channel' | 'InMemoryChannel'
  /** status.address.url: where the mesh serves it. */
  url: string
  async: boolean
  /** `Sequence namespace/name` or `Parallel namespace/name` for the channels a flow makes. */
  owner?: string
  deadLetterSinkUri?: string
  delivery?: DeliverySpec
  /** `namespace/name` of its subscriptions. */
  subscriptions: string[]
  counters: ChannelCounters
}

export interface SubscriptionStatus extends ReadyStatus {
  namespace: string
  name: string
  /** `namespace/name` of its channel. */
  channel: string
  owner?: string
  /** status.physicalSubscription. */
  subscriberUri?: string
  replyUri?: string
  deadLetterSinkUri?: string
  /** The delivery spec that applies: the subscription's own, else its channel's (replaced whole, never merged). */
  delivery?: DeliverySpec
  counters: SubscriptionCounters
}

export interface SequenceStatus extends ReadyStatus {
  namespace: string
  name: string
  /** Served by its first channel. */
  url: string
  steps: number
  /** `namespace/name` of its channels and subscriptions (status.channelStatuses, status.subscriptionStatuses). */
  channels: string[]
  subscriptions: string[]
}

export interface ParallelStatus extends ReadyStatus {
  namespace: string
  name: string
  /** Served by its ingress channel. */
  url: string
  ingressChannel: string
  /** Per branch: status.branchStatuses (filter subscription, branch channel, subscriber subscription). */
  branches: {filterSubscription: string; channel: string; subscription: string}[]
}

export interface MeshStatus {
  url: string
  startedAt: string
  pid: number
  draining: boolean
  brokers: BrokerStatus[]
  triggers: TriggerStatus[]
  /** Channels and InMemoryChannels, written or made by a Sequence or Parallel. */
  channels: ChannelStatus[]
  subscriptions: SubscriptionStatus[]
  sequences: SequenceStatus[]
  parallels: ParallelStatus[]
  /** PingSources, ContainerSources, SinkBindings and ApiServerSources, with their sink URI and counters. */
  sources: SourceStatus[]
  /** Deliveries under way, by event. */
  inFlight: InFlightDelivery[]
  /** The most recent deliveries that ended failed (no dead-letter sink, or it failed too), oldest first. */
  failed: FailedDelivery[]
}

export function meshStatus(mesh: Mesh): MeshStatus {
  const {topology, runtime} = mesh
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
  const channelRoutes: ChannelRoute[] = [...topology.channels.values(), ...topology.conflictingChannels]
  const channels: ChannelStatus[] = channelRoutes.map((c) => ({
    namespace: c.namespace, name: c.name, kind: c.kind, url: c.address, async: c.async, ...c.status, owner: c.owner,
    deadLetterSinkUri: c.deadLetterSinkUri, delivery: c.delivery, subscriptions: c.subscriptions.map((s) => s.key),
    counters: {...runtime.channelCountersFor(c.key)},
  }))
  const subscriptionRoutes: SubscriptionRoute[] = [...channelRoutes.flatMap((c) => c.subscriptions), ...topology.orphanSubscriptions]
  const subscriptions: SubscriptionStatus[] = subscriptionRoutes.map((s) => ({
    namespace: s.namespace, name: s.name, channel: s.channel, ...s.status, owner: s.owner,
    subscriberUri: s.subscriberUri, replyUri: s.replyUri, deadLetterSinkUri: s.deadLetterSinkUri, delivery: s.delivery,
    counters: {...runtime.subscriptionCountersFor(s.key)},
  }))
  const sequences: SequenceStatus[] = [...topology.sequences.values()].map((s) => ({
    namespace: s.sequence.metadata.namespace, name: s.sequence.metadata.name, url: s.address, ...s.status,
    steps: s.sequence.spec.steps.length, channels: s.channels, subscriptions: s.subscriptions,
  }))
  const parallels: ParallelStatus[] = [...topology.parallels.values()].map((p) => ({
    namespace: p.parallel.metadata.namespace, name: p.parallel.metadata.name, url: p.address, ...p.status,
    ingressChannel: p.ingressChannel, branches: p.branches,
  }))
  return {
    url: mesh.url,
    startedAt: mesh.startedAt.toISOString(),
    pid: process.pid,
    draining: mesh.draining,
    brokers,
    triggers,
    channels,
    subscriptions,
    sequences,
    parallels,
    sources: mesh.sources.status(),
    inFlight: [...runtime.inFlight],
    failed: [...runtime.failures],
  }
}

/** What `GET /_kne/v1/resources` answers: the resources the mesh runs, as read from their manifests. */
export interface MeshResources {
  resources: readonly KneResource[]
}

export function meshResources(mesh: Mesh): MeshResources {
  return {resources: mesh.resources}
}
