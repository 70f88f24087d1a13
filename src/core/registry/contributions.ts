// What each origin says about a type, before merging: an EventType manifest (declared, v1beta2 or
// v1beta3), a source that emits known types (PingSource, ApiServerSource: semantics §5.2, §5.3, §5.5),
// or a running mesh's observations.
import {isJsonMediaType, type CloudEvent} from '../cloudevent.js'
import {eventToJsonObject} from '../codec/json.js'
import type {ApiServerSource, Destination, EventType, PingSource} from '../resources/types.js'
import {apiServerEvent} from '../sources/apiserver.js'
import {pingEvent} from '../sources/ping.js'
import {isTemplate} from './patterns.js'
import {inferSchema, JSON_SCHEMA_DIALECT, type JsonSchema} from './schema.js'
import {API_SERVER_OPERATIONS, apiServerDescription, PING_SOURCE_DESCRIPTION, PING_SOURCE_TYPE, pingSourceSource} from './source-types.js'
import type {AttributeFact, DeclaredBy, ObservedStats, ObservedType, Origin, Producer, RegistryReference} from './types.js'

export interface Contribution {
  origin: Origin
  type: string
  namespace: string
  reference?: RegistryReference
  /** `namespace/name` of the broker events flow into, when known. */
  broker?: string
  /** Concrete sources. */
  sources: string[]
  moreSources?: boolean
  /** A declared source template (`{placeholder}`s). */
  sourceTemplate?: string
  attributes: AttributeFact[]
  description?: string
  schema?: JsonSchema
  schemaUrl?: string
  schemaText?: string
  example?: Record<string, unknown>
  producers: Producer[]
  declaredBy?: DeclaredBy
  observed?: ObservedStats
}

export const BROKER_API_VERSION = 'eventing.knative.dev/v1'

/** Attributes whose value is the same for every event of a type when it is constant at all (the rest vary per event). */
export const TYPE_LEVEL_ATTRIBUTES = ['specversion', 'datacontenttype', 'dataschema'] as const

// ---------------------------------------------------------------------------------------------------
// Declared: EventType manifests

/**
 * An EventType's contribution; undefined (with the reason) when it names no usable type. `brokerOf` also
 * knows a Trigger's broker, for EventTypes whose reference is a Trigger (replies).
 */
export function declaredContribution(eventType: EventType, brokerOf: BrokerOf): {contribution?: Contribution; problem?: string} {
  const {spec, metadata, apiVersion} = eventType
  const namespace = metadata.namespace
  const declaredBy: DeclaredBy = {name: metadata.name, namespace, apiVersion, file: eventType.origin.file}
  let reference = spec.reference ? toReference(spec.reference, namespace) : undefined
  // v1beta2's deprecated spec.broker is a Broker reference (as Knative's conversion treats it)
  if (!reference && spec.broker) reference = {apiVersion: BROKER_API_VERSION, kind: 'Broker', name: spec.broker, namespace}
  const base = {
    origin: 'declared' as const,
    namespace: reference?.namespace ?? namespace,
    reference,
    broker: brokerOf(reference),
    producers: [],
    declaredBy,
    description: spec.description || undefined,
  }
  const attributes: AttributeFact[] = []
  let type: string | undefined
  let sources: string[] = []
  let sourceTemplate: string | undefined
  let schemaUrl: string | undefined
  if (spec.attributes !== undefined && !apiVersion.endsWith('/v1beta2')) {
    for (const a of spec.attributes) {
      // Knative names the dataschema attribute `schemadata` in v1beta3 EventTypes (semantics §6.3)
      const name = a.name === 'schemadata' ? 'dataschema' : a.name
      const fact: AttributeFact = {name, required: a.required === true}
      if (a.value !== undefined && a.value !== '') {
        if (isTemplate(a.value)) fact.template = a.value
        else fact.value = a.value
      }
      attributes.push(fact)
      if (name === 'type') type = a.value
      if (name === 'source' && a.value) {
        if (isTemplate(a.value)) sourceTemplate = a.value
        else sources = [a.value]
      }
      if (name === 'dataschema' && fact.value) schemaUrl = fact.value
    }
  } else {
    type = spec.type
    attributes.push({name: 'type', required: true, ...(type ? {value: type} : {})})
    if (spec.source) {
      if (isTemplate(spec.source)) sourceTemplate = spec.source
      else sources = [spec.source]
      attributes.push({name: 'source', required: true, ...(isTemplate(spec.source) ? {template: spec.source} : {value: spec.source})})
    }
    if (spec.schema) {
      schemaUrl = spec.schema
      attributes.push({name: 'dataschema', required: false, value: spec.schema})
    }
  }
  if (!type)
    return {
      problem: `${apiVersion} EventType ${namespace}/${metadata.name} (${eventType.origin.file}) gives no type value: not in the registry`,
    }
  const contribution: Contribution = {...base, type, sources, attributes}
  if (sourceTemplate) contribution.sourceTemplate = sourceTemplate
  if (schemaUrl) contribution.schemaUrl = schemaUrl
  if (spec.schemaData) {
    const parsed = parseJsonSchema(spec.schemaData)
    if (parsed) contribution.schema = parsed
    else contribution.schemaText = spec.schemaData
  }
  return {contribution}
}

/** schemaData holding a JSON object is taken as a JSON Schema; anything else is kept as text. */
function parseJsonSchema(text: string): JsonSchema | undefined {
  try {
    const value: unknown = JSON.parse(text)
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as JsonSchema) : undefined
  } catch {
    return undefined
  }
}

function toReference(ref: {apiVersion?: string; kind: string; name: string; namespace?: string}, namespace: string): RegistryReference {
  return {apiVersion: ref.apiVersion ?? '', kind: ref.kind, name: ref.name, namespace: ref.namespace ?? namespace}
}

/** The `namespace/broker` events sent to a reference end up in: the broker itself, or a trigger's broker (the registry knows which). */
export type BrokerOf = (reference: RegistryReference | undefined) => string | undefined

// ---------------------------------------------------------------------------------------------------
// Source-provided: what Knative's PingSource and ApiServerSource reconcilers put in status.ceAttributes,
// described with the events kne's own sources send (src/core/sources)

export {PING_SOURCE_TYPE, pingSourceSource}

// Fixed stand-ins for the examples (a real event has a fresh id and the time it was sent).
const EXAMPLE_ID = '5f2c7f8e-0f4b-4c1e-9d2a-3b6e1c0a9d47'
const EXAMPLE_TIME_MS = Date.UTC(2024, 0, 1, 12)

export function pingSourceContribution(source: PingSource, brokerOf: BrokerOf): Contribution {
  const ns = source.metadata.namespace
  const reference = sinkReference(source.spec.sink, ns)
  const event = pingEvent(source, {id: EXAMPLE_ID, timeMs: EXAMPLE_TIME_MS})
  const attributes: AttributeFact[] = [
    {name: 'specversion', required: true, value: '1.0'},
    {name: 'id', required: true},
    {name: 'source', required: true, value: event.source},
    {name: 'type', required: true, value: PING_SOURCE_TYPE},
    {name: 'time', required: true},
    // without contentType (or without data) datacontenttype stays unset; PingSource events have no subject (semantics §5.2)
    event.datacontenttype
      ? {name: 'datacontenttype', required: true, value: event.datacontenttype}
      : {name: 'datacontenttype', required: false, absent: true},
    {name: 'subject', required: false, absent: true},
    {name: 'dataschema', required: false, absent: true},
    ...extensionFacts(event),
  ]
  let schema: JsonSchema | undefined
  if (event.data !== undefined && (event.datacontenttype === undefined || isJsonMediaType(event.datacontenttype))) {
    try {
      schema = inferSchema([JSON.parse(Buffer.from(event.data).toString('utf8'))])
    } catch {
      schema = undefined
    }
  }
  return {
    origin: 'source',
    type: PING_SOURCE_TYPE,
    namespace: reference?.namespace ?? ns,
    reference,
    broker: brokerOf(reference),
    sources: [event.source],
    attributes,
    description: PING_SOURCE_DESCRIPTION,
    ...(schema ? {schema} : {}),
    example: eventToJsonObject(event),
    producers: [{kind: 'PingSource', name: source.metadata.name, namespace: ns, via: 'manifest'}],
  }
}

/** The data of an ApiServerSource event: the object's reference, or the whole object (semantics §5.3). */
function apiServerSchema(mode: 'Reference' | 'Resource'): JsonSchema {
  const string = {type: 'string'}
  if (mode === 'Reference') {
    return {
      $schema: JSON_SCHEMA_DIALECT,
      type: 'object',
      properties: {kind: string, namespace: string, name: string, apiVersion: string},
      required: ['kind', 'namespace', 'name', 'apiVersion'],
    }
  }
  return {
    $schema: JSON_SCHEMA_DIALECT,
    type: 'object',
    properties: {apiVersion: string, kind: string, metadata: {type: 'object'}},
    required: ['apiVersion', 'kind', 'metadata'],
  }
}

export function apiServerSourceContributions(source: ApiServerSource, brokerOf: BrokerOf): Contribution[] {
  const {metadata, spec} = source
  const ns = metadata.namespace
  const reference = sinkReference(spec.sink, ns)
  const kinds = [...new Set(spec.resources.map((r) => r.kind))]
  const apiVersions = [...new Set(spec.resources.map((r) => r.apiVersion))]
  const watched = spec.resources[0] ?? {apiVersion: 'v1', kind: 'Event'}
  const object = {
    apiVersion: watched.apiVersion,
    kind: watched.kind,
    metadata: {name: 'example', namespace: ns, labels: {}},
    manifest: {apiVersion: watched.apiVersion, kind: watched.kind, metadata: {name: 'example', namespace: ns}},
  }
  const schema = apiServerSchema(spec.mode)
  return API_SERVER_OPERATIONS.map((op) => {
    const event = apiServerEvent(source, op, object, watched.apiVersion, {id: EXAMPLE_ID, timeMs: EXAMPLE_TIME_MS})
    const attributes: AttributeFact[] = [
      {name: 'specversion', required: true, value: '1.0'},
      {name: 'id', required: true},
      {name: 'source', required: true, value: event.source},
      {name: 'type', required: true, value: event.type},
      {name: 'subject', required: true, template: '/apis/{apiVersion}/namespaces/{namespace}/{resource}/{name}'},
      {name: 'time', required: true},
      {name: 'datacontenttype', required: true, value: 'application/json'},
      {name: 'dataschema', required: false, absent: true},
      // the object's kind and apiVersion are fixed when the source watches one kind
      {name: 'kind', required: true, ...(kinds.length === 1 ? {value: kinds[0]} : {examples: kinds})},
      {name: 'apiversion', required: true, ...(apiVersions.length === 1 ? {value: apiVersions[0]} : {examples: apiVersions})},
      {name: 'name', required: true},
      {name: 'namespace', required: true},
      ...extensionFacts(event).filter((f) => !['kind', 'apiversion', 'name', 'namespace'].includes(f.name)),
    ]
    return {
      origin: 'source' as const,
      type: event.type,
      namespace: reference?.namespace ?? ns,
      reference,
      broker: brokerOf(reference),
      sources: [event.source],
      attributes,
      description: apiServerDescription(spec.mode, op),
      schema,
      example: eventToJsonObject(event),
      producers: [{kind: 'ApiServerSource', name: metadata.name, namespace: ns, via: 'manifest' as const}],
    }
  })
}

/** Extensions every event of the source carries (its ceOverrides), with their values. */
function extensionFacts(event: CloudEvent): AttributeFact[] {
  return Object.entries(event.extensions).map(([name, value]) => ({name, required: true, value: String(value)}))
}

/** Knative registers a source's types only when its sink is a ref (semantics §5.5); kne keeps URI sinks without a reference. */
function sinkReference(sink: Destination, namespace: string): RegistryReference | undefined {
  return sink.ref ? toReference(sink.ref, namespace) : undefined
}

// ---------------------------------------------------------------------------------------------------
// Observed: what a running mesh saw

export function observedContribution(observed: ObservedType, sentByTrigger: boolean): Contribution {
  const attributes: AttributeFact[] = [
    {name: 'type', required: true, value: observed.type},
    {
      name: 'source',
      required: true,
      ...(observed.sources.length === 1 && !observed.moreSources ? {value: observed.sources[0]!.value} : {}),
    },
  ]
  const byName = new Map(observed.attributes.map((a) => [a.name, a]))
  for (const a of observed.attributes) {
    const always = a.present === observed.count
    const constant = always && a.values.length === 1 && !a.moreValues
    const fact: AttributeFact = {name: a.name, required: always}
    // only type-level attributes are taken as fixed from what was seen; subjects, ids and extensions vary per event
    if (constant && (TYPE_LEVEL_ATTRIBUTES as readonly string[]).includes(a.name)) fact.value = a.values[0]
    else if (a.values.length > 0) fact.examples = a.values
    attributes.push(fact)
  }
  for (const name of TYPE_LEVEL_ATTRIBUTES) if (!byName.has(name)) attributes.push({name, required: false, absent: true})
  const producers: Producer[] = sentByTrigger
    ? [{kind: 'Trigger', name: observed.reference.name, namespace: observed.reference.namespace, via: 'observed'}]
    : observed.sources.map((s) => ({kind: 'Source', name: s.value, via: 'observed'}))
  const contribution: Contribution = {
    origin: 'observed',
    type: observed.type,
    namespace: observed.reference.namespace,
    reference: observed.reference,
    broker: observed.broker,
    sources: observed.sources.map((s) => s.value),
    moreSources: observed.moreSources,
    attributes,
    producers,
    observed: {
      count: observed.count,
      firstSeen: observed.firstSeen,
      lastSeen: observed.lastSeen,
      via: {...observed.via},
      data: {...observed.data},
      inferredFrom: observed.inferredFrom,
    },
  }
  if (observed.schema) contribution.schema = observed.schema
  if (observed.example) contribution.example = observed.example
  return contribution
}
