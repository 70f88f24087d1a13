// The control API's wire format (`/_kne/v1/...`): what the mesh serves and its clients read, in one module
// both sides import, so that the two cannot drift apart.
import type {ActivityJson, Subscriber} from './activity.js'
import {
  QUERY_OUTCOMES,
  type EventQuery,
  type EventQueryResult,
  type EventSummary,
  type QueryOutcome,
  type RedeliveryChoice,
} from './event-log/index.js'
import type {FilterExplanation} from './filters/index.js'
import type {DeliverySpec, KneResource, ManifestError} from './resources/types.js'
import type {ReadyStatus} from './topology.js'

/** kne's own paths; a Kubernetes name cannot start with `_`, so they never collide with a broker's. */
export const CONTROL_PREFIX = '/_kne/'
export const API_PREFIX = '/_kne/v1'

/** Where the mesh serves its web console. */
export const CONSOLE_PATH = '/_kne/ui/'

export function consoleUrl(meshUrl: string): string {
  return `${meshUrl.replace(/\/+$/, '')}${CONSOLE_PATH}`
}

/** The read-only endpoints (GET). */
export const API_PATHS = {
  health: `${API_PREFIX}/health`,
  status: `${API_PREFIX}/status`,
  resources: `${API_PREFIX}/resources`,
  activity: `${API_PREFIX}/activity`,
  registry: `${API_PREFIX}/registry`,
  /** The registry as `kne registry list` builds it: the mesh's resources (EventTypes, sources, triggers) and its observations. */
  registryEntries: `${API_PREFIX}/registry/entries`,
  /** The registry in xRegistry's shape, read-only: `/`, `/model`, `/messagegroups[/G[/messages[/M]]]`, the same for `schemagroups` and `endpoints`; `?inline` nests every collection. */
  xregistry: `${API_PREFIX}/xregistry`,
  explain: `${API_PREFIX}/explain`,
  /** `?type=&source=&id=&broker=&channel=&trigger=&subscription=&outcome=(repeatable)&since=&until=&limit=` (times in epoch ms). */
  events: `${API_PREFIX}/events`,
  /** Prometheus text exposition (version 0.0.4): counters per broker, trigger, channel and subscription, delivery latency, history size. */
  metrics: `${API_PREFIX}/metrics`,
} as const

/** `GET /_kne/v1/events/<arrival or id>`. */
export const EVENT_PATH = /^\/_kne\/v1\/events\/([^/]+)$/

export function eventPath(key: string | number): string {
  return `${API_PATHS.events}/${encodeURIComponent(String(key))}`
}

/** `POST /_kne/v1/redeliver` (a JSON RedeliverRequest): the one control POST besides plugins'. */
export const REDELIVER_PATH = `${API_PREFIX}/redeliver`

/** A query as `GET /_kne/v1/events` takes it. */
export function eventQueryParams(query: EventQuery): URLSearchParams {
  const params = new URLSearchParams()
  for (const name of ['type', 'source', 'id', 'broker', 'channel', 'trigger', 'subscription'] as const) {
    const value = query[name]
    if (value !== undefined) params.set(name, value)
  }
  for (const outcome of query.outcomes ?? []) params.append('outcome', outcome)
  for (const name of ['since', 'until', 'limit'] as const) {
    const value = query[name]
    if (value !== undefined) params.set(name, String(value))
  }
  return params
}

/** The query a `GET /_kne/v1/events` asks, or what is wrong with it. */
export function parseEventQuery(params: URLSearchParams): EventQuery | {error: string} {
  const query: EventQuery = {}
  const known = ['type', 'source', 'id', 'broker', 'channel', 'trigger', 'subscription', 'outcome', 'since', 'until', 'limit']
  const unknownName = [...params.keys()].find((name) => !known.includes(name))
  if (unknownName !== undefined) return {error: `unknown parameter ${JSON.stringify(unknownName)} (known: ${known.join(', ')})`}
  for (const name of ['type', 'source', 'id', 'broker', 'channel', 'trigger', 'subscription'] as const) {
    const value = params.get(name)
    if (value !== null) query[name] = value
  }
  const outcomes = params.getAll('outcome')
  const unknown = outcomes.find((o) => !(QUERY_OUTCOMES as readonly string[]).includes(o))
  if (unknown !== undefined) return {error: `outcome ${JSON.stringify(unknown)} is not one of ${QUERY_OUTCOMES.join(', ')}`}
  if (outcomes.length > 0) query.outcomes = outcomes as QueryOutcome[]
  for (const name of ['since', 'until', 'limit'] as const) {
    const value = params.get(name)
    if (value === null) continue
    if (!/^\d+$/.test(value))
      return {error: `${name} must be a whole number${name === 'limit' ? '' : ' (epoch milliseconds)'}, not ${JSON.stringify(value)}`}
    query[name] = Number(value)
  }
  return query
}

/** `GET /_kne/v1/events`: summaries, newest first. */
export type EventsAnswer = EventQueryResult & {
  /** Where the events come from: the mesh's history (bounded, in memory) or its event log. */
  from: 'history' | 'log'
}

/** One arrival of an event, whole, with every record of its path. */
export interface EventDetail {
  summary: EventSummary
  /** The event as it arrived (CloudEvents JSON format); absent when its record is no longer kept. */
  event?: Record<string, unknown>
  /** The history kept only the first 64 KiB of its data (no event log); `dataBytes` is its real size. */
  dataTruncated?: true
  dataBytes?: number
  /** Its records, oldest first: arrival, attempts, outcomes, and the arrivals of its replies, hops and redeliveries. */
  path: ActivityJson[]
  /** A broker's: why each of its triggers (as they are now) matched it or not. */
  explanation?: ArrivalExplanation
}

/** `GET /_kne/v1/events/<key>`: every arrival with that arrival number or event id, newest first. */
export interface EventShowAnswer {
  key: string
  from: 'history' | 'log'
  events: EventDetail[]
}

/** `POST /_kne/v1/redeliver`: which events, and which of their deliveries, to send again. */
export interface RedeliverRequest {
  /** Arrival numbers or event ids; when absent, the events `filter` picks. */
  arrivals?: (number | string)[]
  /** The events to consider when no arrivals are given (its outcomes default to `outcomes`). */
  filter?: EventQuery
  /** Deliveries with these outcomes go again (default dead-lettered and failed). */
  outcomes?: readonly QueryOutcome[]
  /** Only this trigger's, or subscription's, deliveries (`namespace/name`). */
  trigger?: string
  subscription?: string
  /** List what would be sent, and send nothing. */
  dryRun?: boolean
}

/** The request a `POST /_kne/v1/redeliver` body makes, or what is wrong with it. */
export function parseRedeliverRequest(body: unknown): RedeliverRequest | {error: string} {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return {error: 'the body must be a JSON object'}
  const input = body as Record<string, unknown>
  const known = ['arrivals', 'filter', 'outcomes', 'trigger', 'subscription', 'dryRun']
  const extra = Object.keys(input).find((k) => !known.includes(k))
  if (extra !== undefined) return {error: `unknown field ${JSON.stringify(extra)} (known: ${known.join(', ')})`}
  const {arrivals, filter, outcomes, trigger, subscription, dryRun} = input
  if (arrivals !== undefined && (!Array.isArray(arrivals) || !arrivals.every((a) => typeof a === 'string' || Number.isInteger(a))))
    return {error: 'arrivals must be a list of arrival numbers or event ids'}
  if (outcomes !== undefined && (!Array.isArray(outcomes) || !outcomes.every((o) => (QUERY_OUTCOMES as readonly unknown[]).includes(o))))
    return {error: `outcomes must be a list of ${QUERY_OUTCOMES.join(', ')}`}
  for (const [name, value] of [
    ['trigger', trigger],
    ['subscription', subscription],
  ] as const)
    if (value !== undefined && typeof value !== 'string') return {error: `${name} must be a string (namespace/name)`}
  if (dryRun !== undefined && typeof dryRun !== 'boolean') return {error: 'dryRun must be true or false'}
  let query: EventQuery | undefined
  if (filter !== undefined) {
    if (filter === null || typeof filter !== 'object' || Array.isArray(filter)) return {error: 'filter must be a JSON object'}
    const params = new URLSearchParams()
    for (const [name, value] of Object.entries(filter as Record<string, unknown>)) {
      if (name === 'outcomes' && Array.isArray(value)) for (const o of value as unknown[]) params.append('outcome', String(o))
      else if (typeof value === 'string' || typeof value === 'number') params.set(name, String(value))
      else return {error: `filter.${name} must be a string or a number`}
    }
    const parsed = parseEventQuery(params)
    if ('error' in parsed) return {error: `filter: ${parsed.error}`}
    query = parsed
  }
  return {
    arrivals: arrivals as (number | string)[] | undefined,
    filter: query,
    outcomes: outcomes as QueryOutcome[] | undefined,
    trigger: trigger as string | undefined,
    subscription: subscription as string | undefined,
    dryRun: dryRun,
  }
}

/**
 * One delivery considered: sent again as `redelivery` (a new arrival); `skipped` when it needs none (already
 * redelivered); `error` when it could not be sent (its trigger or subscription is gone, its record is not kept
 * whole, the mesh refused it: then with the `status` it answered).
 */
export type Redelivery = RedeliveryChoice & {
  /** The new arrival that carries it. */
  redelivery?: number
  status?: number
  error?: string
}

export interface RedeliverAnswer {
  dryRun: boolean
  redeliveries: Redelivery[]
  /** Keys given that match no event the mesh knows. */
  notFound: string[]
}

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

/** `POST /_kne/v1/send` (a JSON SendRequest): builds a CloudEvent and posts it to one of the mesh's brokers, channels or flows. */
export const SEND_PATH = `${API_PREFIX}/send`

/** The event a SendRequest builds: kne send's flags, as JSON. */
export interface SendEventInput {
  type: string
  source?: string
  id?: string
  subject?: string
  datacontenttype?: string
  /** A string is sent as it is; any other JSON value as its JSON text. */
  data?: unknown
  /** Extension attributes (lower-case names, string values). */
  extensions?: Record<string, string>
}

export interface SendRequest {
  /** kn's sink grammar for the mesh's own addresses: `broker:NAME[:NAMESPACE]`, `channel:…`, `sequence:…`, `parallel:…`. */
  to: string
  /** The namespace `to` means when it names none (default `default`). */
  namespace?: string
  mode?: 'binary' | 'structured'
  event: SendEventInput
}

/** What the send did: the ingress's answer, the arrival it made, and its path as far as it went by the time of the answer. */
export interface SendAnswer {
  url: string
  /** The ingress's HTTP status (202 from an asynchronous broker, the fan-out's from a synchronous one). */
  status: number
  error?: string
  id: string
  event: Record<string, unknown>
  /** The arrival number the mesh gave the event; absent when ingress refused it. */
  arrival?: number
  detail?: EventDetail
}

/** The request a `POST /_kne/v1/send` body makes, or what is wrong with it. */
export function parseSendRequest(body: unknown): SendRequest | {error: string} {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return {error: 'the body must be a JSON object'}
  const input = body as Record<string, unknown>
  const extra = Object.keys(input).find((k) => !['to', 'namespace', 'mode', 'event'].includes(k))
  if (extra !== undefined) return {error: `unknown field ${JSON.stringify(extra)} (known: to, namespace, mode, event)`}
  const {to, namespace, mode, event} = input
  if (typeof to !== 'string' || to === '') return {error: 'to must name a broker, channel or flow, e.g. "broker:default"'}
  if (namespace !== undefined && typeof namespace !== 'string') return {error: 'namespace must be a string'}
  if (mode !== undefined && mode !== 'binary' && mode !== 'structured') return {error: 'mode must be "binary" or "structured"'}
  if (event === null || typeof event !== 'object' || Array.isArray(event)) return {error: 'event must be a JSON object'}
  const fields = event as Record<string, unknown>
  const known = ['type', 'source', 'id', 'subject', 'datacontenttype', 'data', 'extensions']
  const unknownField = Object.keys(fields).find((k) => !known.includes(k))
  if (unknownField !== undefined) return {error: `unknown event field ${JSON.stringify(unknownField)} (known: ${known.join(', ')})`}
  if (typeof fields.type !== 'string' || fields.type === '') return {error: 'event.type is required (a non-empty string)'}
  for (const name of ['source', 'id', 'subject', 'datacontenttype'] as const)
    if (fields[name] !== undefined && typeof fields[name] !== 'string') return {error: `event.${name} must be a string`}
  const {extensions} = fields
  if (
    extensions !== undefined &&
    (extensions === null ||
      typeof extensions !== 'object' ||
      Array.isArray(extensions) ||
      !Object.values(extensions).every((v) => typeof v === 'string'))
  )
    return {error: 'event.extensions must be an object of string values'}
  const badName = Object.keys(extensions ?? {}).find((name) => name.includes('='))
  if (badName !== undefined) return {error: `event.extensions: ${JSON.stringify(badName)} is not an attribute name`}
  return {
    to,
    namespace: namespace,
    mode: mode,
    event: fields as unknown as SendEventInput,
  }
}

/** `GET /_kne/v1/reloads`: how often kne dev reloaded the manifests, and what the last reload did. */
export const RELOADS_PATH = `${API_PREFIX}/reloads`

export interface ReloadsAnswer {
  /** Reloads since the mesh started (0 when it does not watch its manifests, or nothing changed yet). */
  count: number
  last?: ReloadEvent
  /** What is wrong with every file whose latest version was refused (its last good version stays in force), until a reload takes it. */
  problems: ManifestError[]
}

export type FileChange = 'added' | 'changed' | 'removed'

/** One reload: what changed on disk, what changed in the mesh, and what was refused. */
export interface ReloadEvent {
  kind: 'reload'
  at: string
  /** Each file of the batch: taken, or refused (keeping its last good version when it had one). */
  files: {file: string; change: FileChange; taken: boolean; keptLastGood: boolean}[]
  /** `Kind namespace/name` of resources that appeared, changed or went away. */
  added: string[]
  changed: string[]
  removed: string[]
  /** Brokers and triggers whose readiness the reload changed (a service mapped, a broker added): `Kind namespace/name`. */
  becameReady: string[]
  /** The same, with the reason, e.g. `Trigger default/t (BrokerDoesNotExist)`. */
  becameNotReady: string[]
  /** What the mesh serves after the reload. */
  brokers: number
  triggers: number
  /** Resources loaded but not run by the mesh (kinds it does not emulate yet). */
  notEmulated: string[]
  /** Problems of the new versions; each file's last good version stays in force. */
  problems: ManifestError[]
  warnings: ManifestError[]
  /** Settings in kne.yaml that take effect only when kne dev restarts. */
  notes: string[]
}
