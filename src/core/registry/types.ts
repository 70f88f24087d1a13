// The event registry's model: one entry per event type and the addressable its events come through, with
// what is known about it from EventType manifests (declared), from the sources that emit it (source) and
// from the events a running mesh saw (observed).
import type {JsonSchema} from './schema.js'

export type Origin = 'declared' | 'source' | 'observed'
export const ORIGINS: readonly Origin[] = ['declared', 'source', 'observed']

/** The addressable events of a type come through (an EventType's `spec.reference`). */
export interface RegistryReference {
  apiVersion: string
  kind: string
  name: string
  namespace: string
}

/** What the registry knows about one CloudEvents attribute (context attribute or extension) of a type. */
export interface AttributeFact {
  name: string
  /** Every event of the type carries it. */
  required: boolean
  /** The one value every event carries, when there is one. */
  value?: string
  /** The value's shape when it varies in a known way (`{name}` placeholders, as v1beta3 EventTypes write them). */
  template?: string
  /** Some values seen (bounded), when the value varies. */
  examples?: string[]
  /** Known never to be set (e.g. a PingSource sends no subject). */
  absent?: boolean
}

export interface Producer {
  /** `PingSource`, `ApiServerSource`, `Trigger` (its subscriber replies with the type), or `Source` (a CloudEvents `source` seen at ingress). */
  kind: string
  name: string
  namespace?: string
  /** How kne knows: a manifest, or events the mesh observed. */
  via: 'manifest' | 'observed'
}

/** How sure the registry is that a trigger's filter accepts events of a type. */
export type MatchVerdict = 'matches' | 'may-match' | 'no-match'

export interface ConsumerMatch {
  verdict: MatchVerdict
  /** Why, in words. */
  reason: string
  /** Attributes the filter reads whose values the registry does not know (the reason for `may-match`). */
  unknownAttributes: string[]
}

export interface Consumer extends ConsumerMatch {
  /** `namespace/name` of the trigger. */
  trigger: string
  /** `namespace/name` of its broker. */
  broker: string
  verdict: 'matches' | 'may-match'
}

/** What a running mesh saw of a type. */
export interface ObservedStats {
  count: number
  firstSeen: string
  lastSeen: string
  /** Arrivals from producers (ingress) and from subscribers' replies. */
  via: {ingress: number; reply: number}
  /** Events by kind of data: JSON (inferred into the schema), text, binary, none, or not what the content type says. */
  data: DataCounts
  /** Events whose data went into the inferred schema. */
  inferredFrom: number
}

export interface DataCounts {
  json: number
  text: number
  binary: number
  none: number
  /** Declared JSON but did not parse. */
  invalid: number
  /** Not parsed: too large, or past the first events of a busy type, where only a sample is parsed. */
  skipped: number
}

export interface DeclaredBy {
  name: string
  namespace: string
  apiVersion: string
  file: string
}

export interface RegistryEntry {
  /** `namespace/type/reference`: unique in a registry. */
  key: string
  type: string
  namespace: string
  /** The one source every event has, when there is one. */
  source?: string
  /** The shape of the source when several share the type (`{placeholder}` template). */
  sourcePattern?: string
  /** Sources declared or seen (bounded). */
  sources: string[]
  reference?: RegistryReference
  /** `namespace/name` of the broker its events flow into (for consumers), when known. */
  broker?: string
  /** Where the entry's facts come from, in the order declared, source, observed. */
  origins: Origin[]
  description?: string
  /** The data schema: declared (schemaData), source-provided, or inferred from observed events. */
  schema?: JsonSchema
  schemaOrigin?: 'declared' | 'source' | 'inferred'
  /** The schema URI (v1beta2 `spec.schema`, the events' `dataschema`). */
  schemaUrl?: string
  /** Declared schemaData that is not a JSON Schema, verbatim. */
  schemaText?: string
  attributes: AttributeFact[]
  /** One event of the type, in the CloudEvents JSON format. */
  example?: Record<string, unknown>
  /** Where the example comes from: the declared schema's `examples`, the latest observed event, a source's event, or made from the schema. */
  exampleOrigin?: 'declared' | 'observed' | 'source' | 'schema'
  observed?: ObservedStats
  producers: Producer[]
  consumers: Consumer[]
  declaredBy: DeclaredBy[]
  /** Disagreements between what was declared and what was seen, and other remarks. */
  notes: string[]
}

/** One type as a running mesh reports it (`GET /_kne/v1/registry`). */
export interface ObservedType {
  type: string
  reference: RegistryReference
  /** `namespace/name` of the broker the events went into (none for a channel). */
  broker?: string
  count: number
  firstSeen: string
  lastSeen: string
  via: {ingress: number; reply: number}
  sources: {value: string; count: number}[]
  /** More distinct sources were seen than are listed. */
  moreSources: boolean
  /** Every attribute seen other than type and source, with how many events had it and some values. */
  attributes: ObservedAttribute[]
  data: DataCounts
  schema?: JsonSchema
  inferredFrom: number
  example?: Record<string, unknown>
}

export interface ObservedAttribute {
  name: string
  present: number
  /** Distinct values (bounded; none kept for id and time). */
  values: string[]
  moreValues: boolean
}

/** The body of `GET /_kne/v1/registry`. */
export interface ObservedRegistry {
  types: ObservedType[]
  /** Events of types not tracked because the registry was full. */
  dropped: number
  limits: {maxTypes: number}
}
