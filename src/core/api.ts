// The control API's wire format (`/_kne/v1/...`): what the mesh serves and its clients read, in one module
// both sides import, so that the two cannot drift apart.
import type {Subscriber} from './activity.js'
import type {FilterExplanation} from './filters/index.js'
import type {DeliverySpec, KneResource} from './resources/types.js'
import type {ReadyStatus} from './topology.js'

/** kne's own paths; a Kubernetes name cannot start with `_`, so they never collide with a broker's. */
export const CONTROL_PREFIX = '/_kne/'
export const API_PREFIX = '/_kne/v1'

/** The read-only endpoints (GET). */
export const API_PATHS = {
  health: `${API_PREFIX}/health`,
  status: `${API_PREFIX}/status`,
  resources: `${API_PREFIX}/resources`,
  activity: `${API_PREFIX}/activity`,
  registry: `${API_PREFIX}/registry`,
  explain: `${API_PREFIX}/explain`,
} as const

/** `GET /_kne/v1/health`. */
export interface HealthAnswer {
  status: 'ok' | 'draining'
}

/** `GET /_kne/v1/resolve?namespace=NS&destination=JSON`: a Destination resolved as the mesh's sinks resolve it. */
export const RESOLVE_PATH = `${API_PREFIX}/resolve`
export const FIRE_PATH = /^\/_kne\/v1\/sources\/pingsources\/([^/]+)\/([^/]+)\/fire$/

export function firePath(namespace: string, name: string): string {
  return `/_kne/v1/sources/pingsources/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}/fire`
}

export interface FireAnswer {
  namespace: string
  name: string
  /** The id of the event sent. */
  id: string
  sinkUri: string
  delivered: boolean
  status?: number
  attempts: number
  error?: string
}

export interface ResolveAnswer {
  uri: string
}

export interface ArrivalExplanation {
  arrival: number
  broker: string
  id: string
  type: string
  triggers: {trigger: string; ready: boolean; subscriberUri?: string; explanation: FilterExplanation}[]
}

/** A trigger's or a subscription's deliveries (`matched`: events its broker or channel handed to it). */
export interface DeliveryCounters {
  matched: number
  delivered: number
  replied: number
  deadLettered: number
  failed: number
  inFlight: number
}

export type TriggerCounters = DeliveryCounters
export type SubscriptionCounters = DeliveryCounters

/** What a broker's or a channel's ingress accepted and refused. */
export interface IngressCounters {
  accepted: number
  rejected: number
  /** Accepted events whose fan-out has not settled yet (what an asynchronous broker's or channel's bounds apply to). */
  pending: number
  /** Bytes those events hold (core/cloudevent.ts's eventBytes). */
  pendingBytes: number
}

export type BrokerCounters = IngressCounters
export type ChannelCounters = IngressCounters

/** A delivery under way: the arrival (at a broker or a channel) and whom it is for (a trigger or a subscription). */
/** `seq`: the sequence number of the event's record (the event log keeps it until the delivery ends). */
export type InFlightDelivery = {arrival: number; id: string; broker?: string; channel?: string; seq?: number} & Subscriber

/** A delivery that ended `failed`: kept (the most recent ones) so status can name what was lost. */
export type FailedDelivery = InFlightDelivery & {
  type: string
  status?: number
  error?: string
  at: string
}

/** A source as `GET /_kne/v1/status` reports it (`status.sources[]`). */
export interface SourceStatus {
  /** PingSource, ContainerSource, SinkBinding or ApiServerSource. */
  kind: string
  namespace: string
  name: string
  /** status.sinkUri; undefined when the sink does not resolve. */
  sinkUri?: string
  ready: boolean
  /** One CamelCase word when not Ready (NotFound: the sink does not resolve). */
  reason?: string
  message?: string
  /** PingSource and ApiServerSource: sent, failed; ContainerSource: restarts; SinkBinding: bound (local services). */
  counters: Record<string, number>
}

/**
 * A resource of a kind whose plugin reports it in this common shape (a kind added as one module, such as
 * EventTransform): Ready and why not, its address, its resolved sink, its other conditions and counters.
 */
export interface ResourceStatus {
  kind: string
  namespace: string
  name: string
  /** status.address.url, when it is addressable. */
  url?: string
  /** status.sinkUri; undefined when it has no sink or the sink does not resolve. */
  sinkUri?: string
  ready: boolean
  /** One CamelCase word when not Ready. */
  reason?: string
  message?: string
  /** Its conditions besides Ready, as Knative names them. */
  conditions: {type: string; ready: boolean; reason?: string; message?: string}[]
  counters: Record<string, number>
  /** What describe shows under headings of the kind's own (a JobSink's recent jobs), one line each. */
  sections?: {title: string; lines: string[]}[]
}

/** A service kne runs for the project (kne.yaml `services` with a command). */

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
  /** The resources of the other kinds the mesh runs (EventTransforms), each plugin's added to the others'. */
  resources: ResourceStatus[]
  /** Deliveries under way, by event. */
  inFlight: InFlightDelivery[]
  /** The most recent deliveries that ended failed (no dead-letter sink, or it failed too), oldest first. */
  failed: FailedDelivery[]
}

/** What `GET /_kne/v1/resources` answers: the resources the mesh runs, as read from their manifests. */
export interface MeshResources {
  resources: readonly KneResource[]
}
