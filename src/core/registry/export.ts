// Registry entries as EventType manifests a Knative cluster accepts (the CRD in semantics §6.1): v1beta2,
// Knative's storage version, with type, source, schema URI, schemaData (the declared or inferred JSON
// Schema) and reference; or v1beta3 with the attributes list, which must name type, source, specversion
// and id, and which has no field for a data schema.
import {kubernetesNameProblem} from '../resources/names.js'
import {formatReference} from './registry.js'
import type {RegistryEntry} from './types.js'
import {roleOf} from '../../kinds/descriptors.js'

export type EventTypeVersion = 'v1beta2' | 'v1beta3'
export const EVENT_TYPE_VERSIONS: readonly EventTypeVersion[] = ['v1beta2', 'v1beta3']

export interface EventTypeManifest {
  apiVersion: string
  kind: 'EventType'
  metadata: {name: string; namespace?: string}
  spec: Record<string, unknown>
}

export interface ExportedEventType {
  name: string
  namespace: string
  type: string
  entry: RegistryEntry
  manifest: EventTypeManifest
  /** What the chosen version could not carry. */
  notes: string[]
}

export interface ExportOptions {
  version?: EventTypeVersion
  /** Leave metadata.namespace out for this namespace (the project's), as kne's scaffolding does. */
  defaultNamespace?: string
  /** Write the entry's own description only, none made up from where it was seen (an imported type's). */
  ownDescriptionOnly?: boolean
}

/** A DNS-1123 subdomain from any text: lower-case, other characters turned into `-`, at most `max` long. */
export function toKubernetesName(text: string, max = 253): string {
  let name = text
    .toLowerCase()
    .replace(/[^a-z0-9.-]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/\.+/g, '.')
    .split('.')
    .map((label) => label.replace(/^-+|-+$/g, ''))
    .filter(Boolean)
    .join('.')
  if (name.length > max) name = name.slice(0, max).replace(/[.-]+$/, '')
  return name || 'event-type'
}

/** One name per entry: an EventType's own name when one declares it, else the type (plus the reference when types repeat). */
export function eventTypeNames(entries: readonly RegistryEntry[]): Map<RegistryEntry, string> {
  const names = new Map<RegistryEntry, string>()
  const taken = new Set<string>()
  const count = new Map<string, number>()
  for (const e of entries) count.set(`${e.namespace}/${e.type}`, (count.get(`${e.namespace}/${e.type}`) ?? 0) + 1)
  for (const e of entries) {
    const declared = e.declaredBy[0]?.name
    let name =
      declared ??
      toKubernetesName(
        count.get(`${e.namespace}/${e.type}`)! > 1 && e.reference
          ? `${e.type}-${roleOf(e.reference.kind) === 'broker' ? '' : `${e.reference.kind}-`}${e.reference.name}`
          : e.type,
      )
    const base = name
    for (let n = 2; taken.has(`${e.namespace}/${name}`) || kubernetesNameProblem(name) !== undefined; n++) {
      name = toKubernetesName(`${base.slice(0, 240)}-${n}`)
    }
    taken.add(`${e.namespace}/${name}`)
    names.set(e, name)
  }
  return names
}

/** The attributes v1beta3 requires an EventType to list (semantics §6.1). */
export const REQUIRED_EVENT_TYPE_ATTRIBUTES = ['type', 'source', 'specversion', 'id'] as const

/** A CloudEvents attribute of a type's events: whether every event has it, and its value or `{placeholder}` template. */
export interface CloudEventAttribute {
  name: string
  required: boolean
  value?: string
  template?: string
}

/**
 * The attributes the events of an entry carry, as an EventType, an AsyncAPI message and an xRegistry message
 * definition list them: the four v1beta3 requires first, then every other one known (not those known to be
 * unset), the schema URI as `dataschema`.
 */
export function cloudEventAttributes(entry: RegistryEntry): CloudEventAttribute[] {
  const fact = (name: string) => entry.attributes.find((a) => a.name === name)
  const source = entry.source ?? entry.sourcePattern
  const sourceIsTemplate = entry.source === undefined && entry.sourcePattern !== undefined
  const attributes: CloudEventAttribute[] = [
    {name: 'type', required: true, value: entry.type},
    {name: 'source', required: true, ...(source === undefined ? {} : sourceIsTemplate ? {template: source} : {value: source})},
    {name: 'specversion', required: true, value: fact('specversion')?.value ?? '1.0'},
    {name: 'id', required: true},
  ]
  for (const a of entry.attributes) {
    if ((REQUIRED_EVENT_TYPE_ATTRIBUTES as readonly string[]).includes(a.name) || a.absent) continue
    const value = a.value !== undefined ? {value: a.value} : a.template !== undefined ? {template: a.template} : {}
    attributes.push({name: a.name, required: a.required, ...value})
  }
  if (entry.schemaUrl && !attributes.some((a) => a.name === 'dataschema'))
    attributes.push({name: 'dataschema', required: false, value: entry.schemaUrl})
  return attributes
}

export function exportEventTypes(entries: readonly RegistryEntry[], options: ExportOptions = {}): ExportedEventType[] {
  const names = eventTypeNames(entries)
  return entries.map((entry) => {
    const name = names.get(entry)!
    const notes: string[] = []
    const manifest = eventTypeManifest(entry, name, options, notes)
    return {name, namespace: entry.namespace, type: entry.type, entry, manifest, notes}
  })
}

function description(entry: RegistryEntry): string {
  if (entry.description) return entry.description
  const where = formatReference(entry.reference)
  if (entry.origins.includes('observed')) return `Observed by kne${where === '-' ? '' : ` at ${where}`}`
  return `Event type of ${entry.producers.map((p) => `${p.kind} ${p.name}`).join(', ') || 'this project'}`
}

/** One entry as an EventType manifest of `options.version`; what that version cannot carry goes to `notes`. */
export function eventTypeManifest(entry: RegistryEntry, name: string, options: ExportOptions, notes: string[]): EventTypeManifest {
  const version = options.version ?? 'v1beta2'
  const metadata: EventTypeManifest['metadata'] = {name}
  if (entry.namespace !== options.defaultNamespace) metadata.namespace = entry.namespace
  const spec: Record<string, unknown> = {}
  const reference = entry.reference
    ? {
        apiVersion: entry.reference.apiVersion,
        kind: entry.reference.kind,
        name: entry.reference.name,
        ...(entry.reference.namespace !== entry.namespace ? {namespace: entry.reference.namespace} : {}),
      }
    : undefined
  const source = entry.source ?? entry.sourcePattern
  if (version === 'v1beta2') {
    spec.type = entry.type
    if (source) spec.source = source
    if (entry.schemaUrl) spec.schema = entry.schemaUrl
    if (entry.schema) spec.schemaData = `${JSON.stringify(entry.schema, null, 2)}\n`
    else if (entry.schemaText) spec.schemaData = entry.schemaText
    if (reference) spec.reference = reference
    if (!options.ownDescriptionOnly || entry.description) spec.description = description(entry)
    return {apiVersion: 'eventing.knative.dev/v1beta2', kind: 'EventType', metadata, spec}
  }
  if (reference) spec.reference = reference
  if (!options.ownDescriptionOnly || entry.description) spec.description = description(entry)
  // Knative's v1beta3 EventTypes call the dataschema attribute `schemadata` (semantics §6.3)
  const attributes = cloudEventAttributes(entry).map((a) => {
    const value = a.value ?? a.template
    return {name: a.name === 'dataschema' ? 'schemadata' : a.name, required: a.required, ...(value !== undefined ? {value} : {})}
  })
  spec.attributes = attributes
  if (entry.schema || entry.schemaText) notes.push(`${entry.type}: v1beta3 has no field for the data schema; export v1beta2 to keep it`)
  return {apiVersion: 'eventing.knative.dev/v1beta3', kind: 'EventType', metadata, spec}
}
