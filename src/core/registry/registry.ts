// Builds the event registry: declared, source-provided and observed contributions merged into one entry
// per type and reference, each with its consumers (the triggers whose filters can match it).
//
// Merging rules:
//  - contributions with the same namespace, type and reference are one entry;
//  - a declared EventType without a reference describes its type wherever it shows up in its namespace:
//    it is merged into every other entry of that type there, and stands alone only when there is none;
//  - description, schema and attribute values: declared wins over source-provided, which wins over
//    observed; where a declaration and the observations disagree the entry says so in `notes`;
//  - sources are unioned; several become a `{placeholder}` pattern.
import {compileTriggerFilter, type CompiledTriggerFilter} from '../filters/index.js'
import type {ManifestResource, Trigger} from '../resources/types.js'
import {observedContribution, type Contribution} from './contributions.js'
import {matchTrigger, type TypeFacts} from './consumers.js'
import {isTemplate, sourcePattern} from './patterns.js'
import {declaredExample, exampleFromSchema} from './example.js'
import type {AttributeFact, ConsumerMatch, ObservedType, Origin, Producer, RegistryEntry, RegistryReference} from './types.js'
import {ORIGINS} from './types.js'
import {descriptorFor, hasRole, resourcesOf, roleOf} from '../../kinds/descriptors.js'
import {triggerKind} from '../../kinds/eventing/descriptor.js'

export interface RegistryInput {
  /** Every resource of the manifests (brokers, triggers, EventTypes, sources); other kinds are ignored. */
  resources: readonly ManifestResource[]
  /** A running mesh's observations. */
  observed?: readonly ObservedType[]
}

/** One trigger's verdict on one entry (every pair considered, including no-match). */
export interface TriggerVerdict {
  trigger: string
  entry: string
  match: ConsumerMatch
}

export interface Registry {
  entries: RegistryEntry[]
  verdicts: TriggerVerdict[]
  /** Resources that could not contribute, and why. */
  problems: string[]
}

const MAX_LISTED_SOURCES = 32

export function referenceKey(reference: RegistryReference | undefined): string {
  return reference ? `${reference.kind}/${reference.name}` : '-'
}

/** `Broker/default`, `Trigger/orders`, or `-`. */
export function formatReference(reference: RegistryReference | undefined, namespace?: string): string {
  if (!reference) return '-'
  return `${reference.kind}/${reference.name}${namespace !== undefined && reference.namespace !== namespace ? ` (${reference.namespace})` : ''}`
}

export function buildRegistry(input: RegistryInput): Registry {
  const problems: string[] = []
  const triggers = resourcesOf(input.resources, triggerKind)
  const triggerBrokers = new Map(
    triggers.map((t) => [`${t.metadata.namespace}/${t.metadata.name}`, `${t.metadata.namespace}/${t.spec.broker}`]),
  )
  const brokerOf = (reference: RegistryReference | undefined): string | undefined => {
    if (reference === undefined) return undefined
    if (hasRole(reference, 'broker')) return `${reference.namespace}/${reference.name}`
    return roleOf(reference.kind) === 'trigger' ? triggerBrokers.get(`${reference.namespace}/${reference.name}`) : undefined
  }
  const contributions: Contribution[] = []
  for (const r of input.resources) {
    if ('supported' in r) continue
    const events = descriptorFor(r).registryEvents?.(r, brokerOf)
    contributions.push(...(events?.contributions ?? []))
    problems.push(...(events?.problems ?? []))
  }
  for (const o of input.observed ?? []) contributions.push(observedContribution(o, roleOf(o.reference.kind) === 'trigger'))

  const groups = new Map<string, Contribution[]>()
  for (const c of contributions) {
    const key = entryKey(c.namespace, c.type, c.reference)
    const group = groups.get(key)
    if (group) group.push(c)
    else groups.set(key, [c])
  }
  // a declaration without a reference joins the entries of its type in its namespace
  for (const [key, group] of [...groups]) {
    if (group.some((c) => c.reference !== undefined)) continue
    const first = group[0]!
    const others = [...groups].filter(([k, g]) => k !== key && g[0]!.namespace === first.namespace && g[0]!.type === first.type)
    if (others.length === 0) continue
    for (const [, g] of others) g.push(...group.filter((c) => c.origin === 'declared'))
    const rest = group.filter((c) => c.origin !== 'declared')
    if (rest.length > 0) groups.set(key, rest)
    else groups.delete(key)
  }

  const emittedSources = new Set(contributions.filter((c) => c.origin === 'source').flatMap((c) => c.sources))
  const entries = [...groups].map(([key, group]) => mergeEntry(key, group, emittedSources))
  entries.sort(
    (a, b) =>
      a.namespace.localeCompare(b.namespace) ||
      a.type.localeCompare(b.type) ||
      referenceKey(a.reference).localeCompare(referenceKey(b.reference)),
  )

  const verdicts: TriggerVerdict[] = []
  const compiled = new Map<Trigger, CompiledTriggerFilter>(triggers.map((t) => [t, compileTriggerFilter(t.spec)]))
  for (const entry of entries) {
    const facts = typeFacts(entry)
    for (const trigger of candidateTriggers(entry, triggers)) {
      const key = `${trigger.metadata.namespace}/${trigger.metadata.name}`
      const match = matchTrigger(compiled.get(trigger)!, facts)
      verdicts.push({trigger: key, entry: entry.key, match})
      if (match.verdict !== 'no-match') {
        entry.consumers.push({
          trigger: key,
          broker: `${trigger.metadata.namespace}/${trigger.spec.broker}`,
          ...match,
          verdict: match.verdict,
        })
      }
    }
  }
  // certain consumers first, then the ones that may match; by name within each
  for (const entry of entries)
    entry.consumers.sort((a, b) => Number(a.verdict !== 'matches') - Number(b.verdict !== 'matches') || a.trigger.localeCompare(b.trigger))
  return {entries, verdicts, problems}
}

function entryKey(namespace: string, type: string, reference: RegistryReference | undefined): string {
  return `${namespace}/${type}/${referenceKey(reference)}`
}

/** The triggers that see an entry's events: its broker's; every trigger of the namespace when it has no reference. */
export function candidateTriggers(entry: RegistryEntry, triggers: readonly Trigger[]): Trigger[] {
  if (entry.broker) return triggers.filter((t) => `${t.metadata.namespace}/${t.spec.broker}` === entry.broker)
  if (!entry.reference) return triggers.filter((t) => t.metadata.namespace === entry.namespace)
  return []
}

/** What the consumer matching may rely on: attribute values every event has, and attributes known to be unset. */
export function typeFacts(entry: RegistryEntry): TypeFacts {
  const templates = new Map<string, string>()
  // a v1beta3 EventType may give the type itself as a template
  const known = new Map<string, string | null>(isTemplate(entry.type) ? [] : [['type', entry.type]])
  if (isTemplate(entry.type)) templates.set('type', entry.type)
  if (entry.source !== undefined) known.set('source', entry.source)
  for (const a of entry.attributes) {
    if (a.name === 'type' || a.name === 'source') continue
    if (a.absent) known.set(a.name, null)
    else if (a.value !== undefined && a.required) known.set(a.name, a.value)
  }
  if (entry.source === undefined && entry.sourcePattern) templates.set('source', entry.sourcePattern)
  return {type: entry.type, known, templates}
}

const RANK: Record<Origin, number> = {declared: 0, source: 1, observed: 2}

function mergeEntry(key: string, group: Contribution[], emittedSources: ReadonlySet<string>): RegistryEntry {
  const ordered = [...group].sort((a, b) => RANK[a.origin] - RANK[b.origin])
  const located = ordered.find((c) => c.reference !== undefined) ?? ordered[0]!
  const notes: string[] = []
  const entry: RegistryEntry = {
    key,
    type: ordered[0]!.type,
    namespace: located.namespace,
    sources: [],
    reference: located.reference,
    broker: ordered.find((c) => c.broker !== undefined)?.broker,
    origins: ORIGINS.filter((o) => group.some((c) => c.origin === o)),
    attributes: mergeAttributes(ordered, notes),
    producers: [],
    consumers: [],
    declaredBy: ordered.flatMap((c) => (c.declaredBy ? [c.declaredBy] : [])),
    notes,
  }
  const description = ordered.find((c) => c.description)?.description
  if (description) entry.description = description

  // sources: a declared template wins; otherwise one source or a pattern over all of them
  const template = ordered.find((c) => c.sourceTemplate)?.sourceTemplate
  const sources = [...new Set(ordered.flatMap((c) => c.sources))]
  entry.sources = sources.slice(0, MAX_LISTED_SOURCES)
  const more = sources.length > MAX_LISTED_SOURCES || ordered.some((c) => c.moreSources)
  if (template) entry.sourcePattern = template
  else if (sources.length === 1 && !more) entry.source = sources[0]
  else if (sources.length > 1) entry.sourcePattern = sourcePattern(sources)
  const declaredSources = ordered.filter((c) => c.origin === 'declared').flatMap((c) => c.sources)
  const seenSources = ordered.filter((c) => c.origin === 'observed').flatMap((c) => c.sources)
  if (declaredSources.length > 0 && !template) {
    const undeclared = seenSources.filter((s) => !declaredSources.includes(s))
    if (undeclared.length > 0)
      notes.push(
        `observed sources the EventType does not declare: ${undeclared.slice(0, 5).join(', ')}${undeclared.length > 5 ? ', …' : ''}`,
      )
  }

  const schemaFrom = ordered.find((c) => c.schema !== undefined)
  if (schemaFrom) {
    entry.schema = schemaFrom.schema
    entry.schemaOrigin = schemaFrom.origin === 'observed' ? 'inferred' : schemaFrom.origin
  }
  const schemaUrl = ordered.find((c) => c.schemaUrl)?.schemaUrl
  if (schemaUrl) entry.schemaUrl = schemaUrl
  const schemaText = ordered.find((c) => c.schemaText)?.schemaText
  if (schemaText) entry.schemaText = schemaText

  // an example: the declared schema's own, else one the mesh saw, else one a source would send, else one made from the schema
  const observedExample = ordered.find((c) => c.origin === 'observed' && c.example)?.example
  const sourceExample = ordered.find((c) => c.origin === 'source' && c.example)?.example
  const declared = entry.schemaOrigin === 'declared' ? declaredExample(entry.schema) : undefined
  if (declared) {
    entry.example = schemaExample(entry, declared.value)
    entry.exampleOrigin = 'declared'
  } else if (observedExample) {
    entry.example = observedExample
    entry.exampleOrigin = 'observed'
  } else if (sourceExample) {
    entry.example = sourceExample
    entry.exampleOrigin = 'source'
  } else if (entry.schema) {
    entry.example = schemaExample(entry, exampleFromSchema(entry.schema))
    entry.exampleOrigin = 'schema'
  }

  const producers = new Map<string, Producer>()
  for (const c of ordered) {
    for (const p of c.producers) {
      // a source seen at ingress that a source resource's manifest accounts for is that resource
      if (p.kind === 'Source' && emittedSources.has(p.name)) continue
      producers.set(`${p.kind}/${p.namespace ?? ''}/${p.name}`, p)
    }
  }
  entry.producers = [...producers.values()]
  const observed = ordered.find((c) => c.observed)?.observed
  if (observed) entry.observed = observed
  return entry
}

/**
 * One fact per attribute: required and value from the highest-ranked origin that states them; a value that
 * an observation contradicts is kept (the declaration is the contract) and noted.
 */
function mergeAttributes(ordered: readonly Contribution[], notes: string[]): AttributeFact[] {
  const byName = new Map<string, {fact: AttributeFact; origin: Origin}>()
  for (const c of ordered) {
    for (const a of c.attributes) {
      const current = byName.get(a.name)
      if (current === undefined) {
        byName.set(a.name, {fact: {...a}, origin: c.origin})
        continue
      }
      const fact = current.fact
      if (fact.value === undefined && fact.template === undefined && !fact.absent) {
        if (a.value !== undefined) fact.value = a.value
        else if (a.template !== undefined) fact.template = a.template
      } else if (
        c.origin === 'observed' &&
        a.name !== 'source' &&
        fact.value !== undefined &&
        a.value !== undefined &&
        a.value !== fact.value
      ) {
        notes.push(`${a.name}: declared ${JSON.stringify(fact.value)}, observed ${JSON.stringify(a.value)}`)
      } else if (c.origin === 'observed' && fact.absent && a.value !== undefined) {
        notes.push(`${a.name}: expected unset, observed ${JSON.stringify(a.value)}`)
      }
      if (a.examples && fact.value === undefined) fact.examples = [...new Set([...(fact.examples ?? []), ...a.examples])].slice(0, 8)
    }
  }
  const order = ['specversion', 'id', 'source', 'type', 'subject', 'time', 'datacontenttype', 'dataschema']
  return [...byName.values()].map((v) => v.fact).sort((a, b) => rank(order, a.name) - rank(order, b.name) || a.name.localeCompare(b.name))
}

function rank(order: readonly string[], name: string): number {
  const i = order.indexOf(name)
  return i < 0 ? order.length : i
}

/** A JSON-format event made from what is known: attribute values, the source, and the data given. */
function schemaExample(entry: RegistryEntry, data: unknown): Record<string, unknown> {
  const event: Record<string, unknown> = {
    specversion: '1.0',
    id: 'example-id',
    source: entry.source ?? entry.sourcePattern ?? 'kne',
    type: entry.type,
  }
  for (const a of entry.attributes) {
    if (a.absent || a.name in event) continue
    if (a.name === 'dataschema' || a.name === 'datacontenttype' || a.required) {
      const value = a.value ?? a.examples?.[0]
      if (value !== undefined) event[a.name] = value
    }
  }
  event.datacontenttype ??= 'application/json'
  event.data = data
  return event
}
