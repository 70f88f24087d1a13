// Knative resource shapes as kne reads them from manifests: the fields kne acts on, typed, with Knative's
// webhook defaults applied; the document as written is kept in `manifest` (what `kne export` prints).
import type {TriggerFilterSpec} from '../filters/index.js'
import type {SubscriptionsApiFilter} from '../filters/index.js'

export interface ObjectMeta {
  name: string
  namespace: string
  labels: Record<string, string>
  annotations: Record<string, string>
}

/** Where a resource came from, so every error can name the file and document. */
export interface ResourceOrigin {
  file: string
  /** 0-based index of the YAML document in the file. */
  document: number
}

export interface KReference {
  apiVersion?: string
  kind: string
  name: string
  namespace?: string
  /** EventType references only: the name of one of the referent's addresses. */
  address?: string
}

/** duck/v1 Destination: a ref, a URI, or a ref plus a URI relative to it. */
export interface Destination {
  ref?: KReference
  uri?: string
  CACerts?: string
  audience?: string
}

/** duck/v1 DeliverySpec (Trigger also takes `format`). */
export interface DeliverySpec {
  deadLetterSink?: Destination
  retry?: number
  backoffPolicy?: 'linear' | 'exponential'
  backoffDelay?: string
  timeout?: string
  retryAfterMax?: string
  format?: 'json' | 'binary'
}

/** duck/v1 CloudEventOverrides: extensions set on every event a source emits. */
export interface CloudEventOverrides {
  extensions: Record<string, string>
}

/** messaging/v1 ChannelTemplateSpec: the kind of channel a Channel, Sequence or Parallel is backed by. */
export interface ChannelTemplate {
  apiVersion: string
  kind: string
  spec?: Record<string, unknown>
}

/** metav1.LabelSelector, as written. */
export interface LabelSelector {
  matchLabels?: Record<string, string>
  matchExpressions?: {key: string; operator: string; values?: string[]}[]
}

/** Every resource kne reads has this shape; a kind's own module may define its type with it. */
export interface ResourceBase<K extends string, S> {
  apiVersion: string
  kind: K
  metadata: ObjectMeta
  spec: S
  origin: ResourceOrigin
  /** The document as written (nulls and all), for export: no defaults, no namespace filled in. */
  manifest: Record<string, unknown>
}

// eventing.knative.dev ----------------------------------------------------------------------------

export interface BrokerSpec {
  config?: KReference
  delivery?: DeliverySpec
}

export interface TriggerSpec extends TriggerFilterSpec {
  broker: string
  subscriber: Destination
  delivery?: DeliverySpec
}

export interface EventTypeAttribute {
  name: string
  required?: boolean
  value?: string
}

/** EventType v1beta2 fields (type, source, schema, …) and v1beta3's attributes; the apiVersion says which. */
export interface EventTypeSpec {
  type?: string
  source?: string
  schema?: string
  schemaData?: string
  /** Deprecated in v1beta2: `reference` replaces it. */
  broker?: string
  reference?: KReference
  description?: string
  attributes?: EventTypeAttribute[]
}

export type Broker = ResourceBase<'Broker', BrokerSpec>
export type Trigger = ResourceBase<'Trigger', TriggerSpec>
export type EventType = ResourceBase<'EventType', EventTypeSpec>

// sources.knative.dev ----------------------------------------------------------------------------

interface SourceSpec {
  sink: Destination
  ceOverrides?: CloudEventOverrides
}

export interface PingSourceSpec extends SourceSpec {
  /** Cron text, 5 or 6 fields or a descriptor such as `@hourly`; Knative's default is `* * * * *`. */
  schedule: string
  timezone?: string
  contentType?: string
  data?: string
  dataBase64?: string
}

export interface ContainerSourceSpec extends SourceSpec {
  /** A PodTemplateSpec, as written (container names defaulted to `<source>-<index>`). */
  template: Record<string, unknown> & {spec: {containers: Record<string, unknown>[]}}
}

export interface SinkBindingSubject {
  apiVersion: string
  kind: string
  namespace: string
  name?: string
  selector?: LabelSelector
}

export interface SinkBindingSpec extends SourceSpec {
  subject: SinkBindingSubject
}

export interface ApiServerResource {
  apiVersion: string
  kind: string
  selector?: LabelSelector
}

export interface ApiServerSourceSpec extends SourceSpec {
  resources: ApiServerResource[]
  owner?: {apiVersion: string; kind: string}
  mode: 'Reference' | 'Resource'
  serviceAccountName: string
  namespaceSelector?: LabelSelector
  filters?: SubscriptionsApiFilter[]
}

export type PingSource = ResourceBase<'PingSource', PingSourceSpec>
export type ContainerSource = ResourceBase<'ContainerSource', ContainerSourceSpec>
export type SinkBinding = ResourceBase<'SinkBinding', SinkBindingSpec>
export type ApiServerSource = ResourceBase<'ApiServerSource', ApiServerSourceSpec>

// messaging.knative.dev --------------------------------------------------------------------------

export interface ChannelSpec {
  channelTemplate: ChannelTemplate
  delivery?: DeliverySpec
}

export interface InMemoryChannelSpec {
  delivery?: DeliverySpec
}

export interface SubscriptionSpec {
  /** Always in the Subscription's namespace. */
  channel: KReference
  subscriber: Destination
  reply?: Destination
  delivery?: DeliverySpec
}

export type Channel = ResourceBase<'Channel', ChannelSpec>
export type InMemoryChannel = ResourceBase<'InMemoryChannel', InMemoryChannelSpec>
export type Subscription = ResourceBase<'Subscription', SubscriptionSpec>

// flows.knative.dev ------------------------------------------------------------------------------

export interface SequenceStep extends Destination {
  delivery?: DeliverySpec
}

export interface SequenceSpec {
  steps: SequenceStep[]
  channelTemplate: ChannelTemplate
  reply?: Destination
}

export interface ParallelBranch {
  filter?: Destination
  subscriber: Destination
  reply?: Destination
  delivery?: DeliverySpec
}

export interface ParallelSpec {
  branches: ParallelBranch[]
  channelTemplate: ChannelTemplate
  reply?: Destination
}

export type Sequence = ResourceBase<'Sequence', SequenceSpec>
export type Parallel = ResourceBase<'Parallel', ParallelSpec>

// ------------------------------------------------------------------------------------------------

/** Every kind kne reads into a typed model (the mesh runs some of them; see the mesh's docs). */
export type KneResource =
  | Broker
  | Trigger
  | EventType
  | PingSource
  | ContainerSource
  | SinkBinding
  | ApiServerSource
  | Channel
  | InMemoryChannel
  | Subscription
  | Sequence
  | Parallel

export type KneKind = KneResource['kind']

/** A Knative kind kne recognises but does not model (KafkaSource, GitHubSource, …): kept for list and export. */
export interface OtherResource extends ResourceBase<string, Record<string, unknown>> {
  supported: false
}

/** A document of another API (a Deployment, a Knative Service, a ConfigMap): not checked, kept as written for kne export. */
export interface NonEventingDocument {
  apiVersion: string
  kind: string
  /** `Kind name`, as problems name it. */
  label: string
  origin: ResourceOrigin
  manifest: Record<string, unknown>
}

/** Anything a manifest folder yields: a typed resource or a kept-as-is Knative resource. */
export type ManifestResource = KneResource | OtherResource

/** A problem in a manifest, located by file, resource and field. */
export interface ManifestError {
  file: string
  document?: number
  /** `Kind namespace/name`, when the document got far enough to name one. */
  resource?: string
  /** Dotted path of the offending field, e.g. `spec.subscriber.uri`. */
  field?: string
  message: string
}

export const BROKER_CLASS_ANNOTATION = 'eventing.knative.dev/broker.class'
export const DEFAULT_BROKER_CLASS = 'MTChannelBasedBroker'
/** Knative's opt-in for the in-memory channel's asynchronous handler; the MT broker copies it to its channel. */
export const ASYNC_HANDLER_ANNOTATION = 'messaging.knative.dev/async-handler'

/** What `default-ch-webhook` fills in for a Channel, Sequence or Parallel without a channelTemplate (Appendix B). */
export const DEFAULT_CHANNEL_TEMPLATE: ChannelTemplate = {apiVersion: 'messaging.knative.dev/v1', kind: 'InMemoryChannel'}

export function resourceKey(namespace: string, name: string): string {
  return `${namespace}/${name}`
}

/** A `namespace/name` key's parts (resourceKey's inverse); a key without a slash is a name with no namespace. */
export function keyParts(key: string): {namespace: string; name: string} {
  const slash = key.indexOf('/')
  return {namespace: slash < 0 ? '' : key.slice(0, slash), name: key.slice(slash + 1)}
}

export function describeResource(r: {kind: string; metadata: {namespace: string; name: string}}): string {
  return `${r.kind} ${r.metadata.namespace}/${r.metadata.name}`
}

/** `file (document N): Kind ns/name: field: message`. */
export function formatManifestError(e: ManifestError): string {
  const where = [e.file + (e.document !== undefined && e.document > 0 ? ` (document ${e.document + 1})` : ''), e.resource, e.field]
    .filter(Boolean)
    .join(': ')
  return `${where}: ${e.message}`
}

/** formatManifestError with the files below `folder` (e.g. the current one) shown relative to it. */
export function manifestErrorFormatter(folder: string): (e: ManifestError) => string {
  const prefix = folder.replace(/[/\\]+$/, '')
  return (e) =>
    formatManifestError(
      e.file.startsWith(prefix) && /^[/\\]/.test(e.file.slice(prefix.length)) ? {...e, file: e.file.slice(prefix.length + 1)} : e,
    )
}
