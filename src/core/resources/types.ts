// Knative resource shapes as kne reads them from manifests (the fields kne acts on; the rest is kept in `raw`).
import type {TriggerFilterSpec} from '../filters/index.js'

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

interface ResourceBase<K extends string, S> {
  apiVersion: string
  kind: K
  metadata: ObjectMeta
  spec: S
  origin: ResourceOrigin
}

export interface BrokerSpec {
  config?: KReference
  delivery?: DeliverySpec
}

export interface TriggerSpec extends TriggerFilterSpec {
  broker: string
  subscriber: Destination
  delivery?: DeliverySpec
}

export type Broker = ResourceBase<'Broker', BrokerSpec>
export type Trigger = ResourceBase<'Trigger', TriggerSpec>

/** A resource of a kind kne recognises but does not run (kept so commands can list and export it). */
export interface OtherResource extends ResourceBase<string, Record<string, unknown>> {
  supported: false
}

export type KneResource = Broker | Trigger

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

export function resourceKey(namespace: string, name: string): string {
  return `${namespace}/${name}`
}

export function describeResource(r: {kind: string; metadata: {namespace: string; name: string}}): string {
  return `${r.kind} ${r.metadata.namespace}/${r.metadata.name}`
}

export function formatManifestError(e: ManifestError): string {
  const where = [e.file + (e.document !== undefined && e.document > 0 ? ` (document ${e.document + 1})` : ''), e.resource, e.field]
    .filter(Boolean).join(': ')
  return `${where}: ${e.message}`
}
