// What kne learns from the events that pass through a mesh (its eventtype-auto-create, semantics §6.3):
// per event type and the addressable it came through (the broker at ingress, the trigger for a
// subscriber's reply), counts, first/last seen, sources, attributes, the shape of the data and one
// example. Everything is bounded: types, sources, attribute names and values, schema size, example size.
import type {CloudEvent} from '../cloudevent.js'
import {isJsonMediaType} from '../cloudevent.js'
import {eventToJsonObject} from '../codec/json.js'
import {SchemaInference, type InferenceLimits} from './schema.js'
import type {DataCounts, ObservedAttribute, ObservedRegistry, ObservedType, RegistryReference} from './types.js'

/** Extensions the broker adds on the way through (semantics §2.7 and arrival time): not the producer's. */
export const BROKER_EXTENSIONS = new Set(['knativearrivaltime', 'knativebrokerttl'])

/** Attributes whose values say nothing about the type (every event has its own). */
const PER_EVENT_VALUES = new Set(['id', 'time'])

export interface ObservationLimits {
  /** Type + reference pairs tracked; events of further ones are counted as dropped. */
  maxTypes: number
  maxSourcesPerType: number
  maxAttributesPerType: number
  maxValuesPerAttribute: number
  /** Data larger than this is counted but not parsed for the schema. */
  maxInferenceBytes: number
  /** An example whose data is larger than this keeps its attributes but not its data. */
  maxExampleBytes: number
  /** Data of the first this many events of a type is parsed for the schema; after that one in `sampleEvery`. */
  inferAll: number
  sampleEvery: number
  schema?: InferenceLimits
}

// At most about 256 × 400 schema positions in all: a few tens of MB for the worst stream imaginable.
export const DEFAULT_OBSERVATION_LIMITS: ObservationLimits = {
  maxTypes: 256,
  maxSourcesPerType: 32,
  maxAttributesPerType: 48,
  maxValuesPerAttribute: 8,
  maxInferenceBytes: 256 * 1024,
  maxExampleBytes: 16 * 1024,
  inferAll: 1000,
  sampleEvery: 10,
  schema: {maxDepth: 10, maxProperties: 64, maxNodes: 400, maxArrayItems: 32},
}

/** Where an event was seen: a broker or a channel, from a producer or as the reply of the subscriber of `replyTrigger`. */
export interface ObservationContext {
  /** `namespace/name` of the broker the event entered. */
  broker?: string
  /** `namespace/name` of the channel the event entered (when it did not enter a broker). */
  channel?: string
  via: 'ingress' | 'reply'
  /** `namespace/name` of the trigger whose subscriber replied. */
  replyTrigger?: string
  /** When it was seen (ISO 8601). */
  at: string
}

interface Tracked {
  type: string
  reference: RegistryReference
  broker?: string
  count: number
  firstSeen: string
  lastSeen: string
  via: {ingress: number; reply: number}
  sources: Map<string, number>
  moreSources: boolean
  attributes: Map<string, {present: number; values: Set<string>; moreValues: boolean}>
  data: DataCounts
  inference: SchemaInference
  /** The latest event (without its data when that is too large): rendered only when read. */
  example?: CloudEvent
}

const textDecoder = new TextDecoder('utf-8', {fatal: true})

export function brokerReference(brokerKey: string): RegistryReference {
  const [namespace, name] = splitKey(brokerKey)
  return {apiVersion: 'eventing.knative.dev/v1', kind: 'Broker', name, namespace}
}

export function channelReference(channelKey: string): RegistryReference {
  const [namespace, name] = splitKey(channelKey)
  return {apiVersion: 'messaging.knative.dev/v1', kind: 'Channel', name, namespace}
}

export function triggerReference(triggerKey: string): RegistryReference {
  const [namespace, name] = splitKey(triggerKey)
  return {apiVersion: 'eventing.knative.dev/v1', kind: 'Trigger', name, namespace}
}

function splitKey(key: string): [string, string] {
  const slash = key.indexOf('/')
  return slash < 0 ? ['default', key] : [key.slice(0, slash), key.slice(slash + 1)]
}

type OwnerKind = 'broker' | 'channel' | 'trigger'

export class ObservedTypes {
  /** Every tracked type + reference pair, oldest first. */
  private readonly tracked: Tracked[] = []
  /** The same entries by the owner's kind, then its key, then the type: no key string built per event. */
  private readonly index: Record<OwnerKind, Map<string, Map<string, Tracked>>> = {broker: new Map(), channel: new Map(), trigger: new Map()}
  /** Events of types that did not fit. */
  dropped = 0

  /**
   * `channelReference` names the addressable behind a channel key (a Channel, an InMemoryChannel, …);
   * without it every channel is a messaging.knative.dev/v1 Channel.
   */
  constructor(
    private readonly limits: ObservationLimits = DEFAULT_OBSERVATION_LIMITS,
    private readonly channelRef: (channelKey: string) => RegistryReference = channelReference,
  ) {}

  /** Records one event as it entered a broker or a channel. */
  record(event: CloudEvent, context: ObservationContext): void {
    // Knative's auto-create registers a reply with the trigger as its reference (semantics §6.3)
    let kind: OwnerKind
    let owner: string
    if (context.via === 'reply' && context.replyTrigger) {
      kind = 'trigger'
      owner = context.replyTrigger
    } else if (context.broker !== undefined) {
      kind = 'broker'
      owner = context.broker
    } else if (context.channel !== undefined) {
      kind = 'channel'
      owner = context.channel
    } else {
      return
    }
    let byType = this.index[kind].get(owner)
    let entry = byType?.get(event.type)
    if (entry === undefined) {
      if (this.tracked.length >= this.limits.maxTypes) {
        this.dropped++
        return
      }
      const reference = kind === 'trigger' ? triggerReference(owner) : kind === 'broker' ? brokerReference(owner) : this.channelRef(owner)
      entry = {
        type: event.type,
        reference,
        ...(context.broker !== undefined ? {broker: context.broker} : {}),
        count: 0,
        firstSeen: context.at,
        lastSeen: context.at,
        via: {ingress: 0, reply: 0},
        sources: new Map(),
        moreSources: false,
        attributes: new Map(),
        data: {json: 0, text: 0, binary: 0, none: 0, invalid: 0, skipped: 0},
        inference: new SchemaInference(this.limits.schema),
      }
      if (byType === undefined) this.index[kind].set(owner, (byType = new Map<string, Tracked>()))
      byType.set(event.type, entry)
      this.tracked.push(entry)
    }
    entry.count++
    entry.lastSeen = context.at
    entry.via[context.via]++
    this.recordSource(entry, event.source)
    this.recordAttributes(entry, event)
    this.recordData(entry, event)
    // events are immutable, so keeping the reference costs nothing per event
    entry.example = event.data !== undefined && event.data.length > this.limits.maxExampleBytes ? {...event, data: undefined} : event
  }

  get size(): number {
    return this.tracked.length
  }

  /** Every tracked type, oldest first, as plain data. */
  list(): ObservedType[] {
    return this.tracked.map((t) => {
      const schema = t.inference.schema()
      const observed: ObservedType = {
        type: t.type,
        reference: t.reference,
        ...(t.broker !== undefined ? {broker: t.broker} : {}),
        count: t.count,
        firstSeen: t.firstSeen,
        lastSeen: t.lastSeen,
        via: {...t.via},
        sources: [...t.sources].map(([value, count]) => ({value, count})),
        moreSources: t.moreSources,
        attributes: [...t.attributes].map(([name, a]): ObservedAttribute => ({
          name,
          present: a.present,
          values: [...a.values],
          moreValues: a.moreValues,
        })),
        data: {...t.data},
        inferredFrom: t.inference.samples,
      }
      if (schema) observed.schema = schema
      if (t.example) observed.example = exampleJson(t.example)
      return observed
    })
  }

  snapshot(): ObservedRegistry {
    return {types: this.list(), dropped: this.dropped, limits: {maxTypes: this.limits.maxTypes}}
  }

  private recordSource(entry: Tracked, source: string): void {
    const count = entry.sources.get(source)
    if (count !== undefined) entry.sources.set(source, count + 1)
    else if (entry.sources.size < this.limits.maxSourcesPerType) entry.sources.set(source, 1)
    else entry.moreSources = true
  }

  private recordAttributes(entry: Tracked, event: CloudEvent): void {
    this.recordAttribute(entry, 'specversion', event.specversion)
    this.recordAttribute(entry, 'id', event.id)
    this.recordAttribute(entry, 'time', event.time)
    this.recordAttribute(entry, 'subject', event.subject)
    this.recordAttribute(entry, 'datacontenttype', event.datacontenttype)
    this.recordAttribute(entry, 'dataschema', event.dataschema)
    const {extensions} = event
    for (const name in extensions) if (!BROKER_EXTENSIONS.has(name)) this.recordAttribute(entry, name, extensions[name])
  }

  private recordAttribute(entry: Tracked, name: string, value: string | number | boolean | undefined): void {
    if (value === undefined) return
    let stats = entry.attributes.get(name)
    if (stats === undefined) {
      if (entry.attributes.size >= this.limits.maxAttributesPerType) return
      stats = {present: 0, values: new Set(), moreValues: false}
      entry.attributes.set(name, stats)
    }
    stats.present++
    if (PER_EVENT_VALUES.has(name)) return
    const text = String(value)
    if (stats.values.has(text)) return
    if (stats.values.size < this.limits.maxValuesPerAttribute && text.length <= 256) stats.values.add(text)
    else stats.moreValues = true
  }

  private recordData(entry: Tracked, event: CloudEvent): void {
    const {data} = event
    if (data === undefined || data.length === 0) {
      entry.data.none++
      return
    }
    const declaredJson = event.datacontenttype !== undefined && isJsonMediaType(event.datacontenttype)
    const mayBeJson = event.datacontenttype === undefined || declaredJson
    // a steady stream costs little: after the first events, only a sample is parsed
    const sampled = entry.count <= this.limits.inferAll || entry.count % this.limits.sampleEvery === 0
    if (mayBeJson && (data.length > this.limits.maxInferenceBytes || !sampled)) {
      entry.data.skipped++
      return
    }
    let text: string | undefined
    try {
      text = textDecoder.decode(data)
    } catch {
      text = undefined
    }
    if (text !== undefined && mayBeJson) {
      try {
        const value: unknown = JSON.parse(text)
        entry.data.json++
        entry.inference.add(value)
        return
      } catch {
        if (declaredJson) {
          entry.data.invalid++
          return
        }
      }
    }
    if (text !== undefined) entry.data.text++
    else entry.data.binary++
  }
}

/** The event in the JSON format as its producer sent it (without the broker's extensions). */
function exampleJson(event: CloudEvent): Record<string, unknown> {
  const extensions = Object.fromEntries(Object.entries(event.extensions).filter(([name]) => !BROKER_EXTENSIONS.has(name)))
  return eventToJsonObject({...event, extensions})
}
