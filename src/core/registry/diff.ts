// What changed between two registries (kne registry diff OLD NEW): event types added, removed and changed,
// and which changes break consumers: a required field added to the data schema, a field's type changed, a
// required field removed, a required attribute added or a fixed attribute value changed, and a type removed
// that a trigger consumes. Types are compared by namespace and type, whatever reference they come through.
import {isObject} from '../resources/read.js'
import {jsonPointer, type JsonSchema} from './schema.js'
import type {RegistryEntry} from './types.js'

export interface TypeChange {
  breaking: boolean
  /** Where: `data/customer/email` for the data, `attribute tenant`, or empty for the type itself. */
  at: string
  message: string
}

export interface ChangedType {
  namespace: string
  type: string
  changes: TypeChange[]
}

export interface TypeSummary {
  namespace: string
  type: string
  /** The triggers that consume it (`namespace/name`), as far as the registries know. */
  consumers: string[]
  /** Removing it breaks its consumers. */
  breaking?: boolean
}

export interface RegistryDiff {
  added: TypeSummary[]
  removed: TypeSummary[]
  changed: ChangedType[]
  /** Changes that break consumers (a removed type that is consumed counts as one). */
  breaking: number
}

/** Nesting compared at most: deeper differences are not looked for. */
const MAX_DIFF_DEPTH = 16

/**
 * Compares two registries' types. `consumersOf` adds what another registry (the current project's) knows of
 * a type's consumers, for exports that hold EventTypes only.
 */
export function diffRegistries(
  before: readonly RegistryEntry[],
  after: readonly RegistryEntry[],
  consumersOf: (namespace: string, type: string) => readonly string[] = () => [],
): RegistryDiff {
  const old = byType(before)
  const now = byType(after)
  const consumers = (key: string, namespace: string, type: string): string[] =>
    [
      ...new Set([
        ...(old.get(key) ?? []).flatMap((e) => e.consumers.map((c) => c.trigger)),
        ...(now.get(key) ?? []).flatMap((e) => e.consumers.map((c) => c.trigger)),
        ...consumersOf(namespace, type),
      ]),
    ].sort()
  const summary = (key: string, entries: RegistryEntry[]): TypeSummary => {
    const {namespace, type} = entries[0]!
    return {namespace, type, consumers: consumers(key, namespace, type)}
  }
  const added = [...now].filter(([key]) => !old.has(key)).map(([key, entries]) => summary(key, entries))
  const removed = [...old]
    .filter(([key]) => !now.has(key))
    .map(([key, entries]) => {
      const s = summary(key, entries)
      return {...s, breaking: s.consumers.length > 0}
    })
  const changed: ChangedType[] = []
  for (const [key, entries] of now) {
    const previous = old.get(key)
    if (!previous) continue
    const changes = [...attributeChanges(previous, entries), ...schemaChanges(contractSchema(previous), contractSchema(entries))]
    if (changes.length > 0) changed.push({namespace: entries[0]!.namespace, type: entries[0]!.type, changes})
  }
  const breaking = removed.filter((r) => r.breaking).length + changed.reduce((n, c) => n + c.changes.filter((x) => x.breaking).length, 0)
  return {added, removed, changed, breaking}
}

function byType(entries: readonly RegistryEntry[]): Map<string, RegistryEntry[]> {
  const map = new Map<string, RegistryEntry[]>()
  for (const e of entries) map.set(`${e.namespace}/${e.type}`, [...(map.get(`${e.namespace}/${e.type}`) ?? []), e])
  return new Map([...map].sort(([a], [b]) => a.localeCompare(b)))
}

const SCHEMA_RANK = {declared: 0, source: 1, inferred: 2} as const

/** The schema a type's contract has: declared before source-provided before inferred. */
function contractSchema(entries: readonly RegistryEntry[]): JsonSchema | undefined {
  return [...entries].filter((e) => e.schema !== undefined).sort((a, b) => SCHEMA_RANK[a.schemaOrigin!] - SCHEMA_RANK[b.schemaOrigin!])[0]
    ?.schema
}

/** Attributes every entry of the type requires, with the value they all fix (when they do). */
function requiredAttributes(entries: readonly RegistryEntry[]): Map<string, string | undefined> {
  const required = new Map<string, string | undefined>()
  for (const a of entries[0]!.attributes) {
    if (!a.required || ['id', 'type', 'specversion'].includes(a.name)) continue
    const facts = entries.map((e) => e.attributes.find((b) => b.name === a.name))
    if (facts.every((f) => f?.required)) required.set(a.name, facts.every((f) => f?.value === a.value) ? a.value : undefined)
  }
  return required
}

function attributeChanges(before: readonly RegistryEntry[], after: readonly RegistryEntry[]): TypeChange[] {
  const changes: TypeChange[] = []
  const old = requiredAttributes(before)
  const now = requiredAttributes(after)
  for (const [name, value] of now) {
    if (!old.has(name)) {
      changes.push({breaking: true, at: `attribute ${name}`, message: 'required attribute added'})
    } else if (old.get(name) !== undefined && value !== undefined && old.get(name) !== value) {
      changes.push({
        breaking: true,
        at: `attribute ${name}`,
        message: `value changed from ${JSON.stringify(old.get(name))} to ${JSON.stringify(value)}`,
      })
    }
  }
  for (const name of old.keys()) if (!now.has(name)) changes.push({breaking: false, at: `attribute ${name}`, message: 'no longer required'})
  return changes
}

function schemaChanges(before: JsonSchema | undefined, after: JsonSchema | undefined): TypeChange[] {
  if (before === undefined && after === undefined) return []
  if (before === undefined) return [{breaking: false, at: 'data', message: 'schema added'}]
  if (after === undefined) return [{breaking: false, at: 'data', message: 'schema removed: the data is no longer described'}]
  const changes: TypeChange[] = []
  compareSchemas(before, after, {before, after}, 'data', 0, changes)
  return changes
}

function compareSchemas(
  a: unknown,
  b: unknown,
  roots: {before: JsonSchema; after: JsonSchema},
  at: string,
  depth: number,
  changes: TypeChange[],
): void {
  if (depth > MAX_DIFF_DEPTH) return
  const before = resolved(a, roots.before)
  const after = resolved(b, roots.after)
  const oldTypes = typesOf(before)
  const newTypes = typesOf(after)
  if (oldTypes !== undefined && newTypes !== undefined && oldTypes.join('|') !== newTypes.join('|')) {
    changes.push({breaking: true, at, message: `type changed from ${oldTypes.join(' or ')} to ${newTypes.join(' or ')}`})
    return
  }
  const oldProps = isObject(before.properties) ? before.properties : {}
  const newProps = isObject(after.properties) ? after.properties : {}
  const oldRequired = requiredOf(before)
  const newRequired = requiredOf(after)
  for (const name of new Set([...Object.keys(newProps), ...newRequired])) {
    const path = `${at}/${name}`
    const had = Object.hasOwn(oldProps, name) || oldRequired.has(name)
    if (newRequired.has(name) && !oldRequired.has(name))
      changes.push({breaking: true, at: path, message: had ? 'now required' : 'required field added'})
    else if (!had) changes.push({breaking: false, at: path, message: 'optional field added'})
    if (Object.hasOwn(oldProps, name) && Object.hasOwn(newProps, name))
      compareSchemas(oldProps[name], newProps[name], roots, path, depth + 1, changes)
  }
  for (const name of new Set([...Object.keys(oldProps), ...oldRequired])) {
    if (Object.hasOwn(newProps, name) || newRequired.has(name)) {
      if (oldRequired.has(name) && !newRequired.has(name))
        changes.push({breaking: false, at: `${at}/${name}`, message: 'no longer required'})
      continue
    }
    changes.push({
      breaking: oldRequired.has(name),
      at: `${at}/${name}`,
      message: oldRequired.has(name) ? 'required field removed' : 'optional field removed',
    })
  }
  if (isObject(before.items) && isObject(after.items)) compareSchemas(before.items, after.items, roots, `${at}/*`, depth + 1, changes)
}

/** The schema a local $ref points at (one level), or the schema itself. */
function resolved(schema: unknown, root: JsonSchema): Record<string, unknown> {
  if (!isObject(schema)) return {}
  if (typeof schema.$ref !== 'string' || !schema.$ref.startsWith('#')) return schema
  const node = jsonPointer(root, schema.$ref.slice(1))
  return isObject(node) ? {...node, ...Object.fromEntries(Object.entries(schema).filter(([k]) => k !== '$ref'))} : schema
}

/** The JSON types a schema allows, sorted (`integer` counted as `number`), or undefined when it does not say. */
function typesOf(schema: Record<string, unknown>): string[] | undefined {
  const types: unknown[] = Array.isArray(schema.type) ? schema.type : schema.type === undefined ? [] : [schema.type]
  if (types.length === 0) return undefined
  return [...new Set(types.map((t) => (t === 'integer' ? 'number' : String(t))))].sort()
}

function requiredOf(schema: Record<string, unknown>): Set<string> {
  return new Set(Array.isArray(schema.required) ? schema.required.filter((r): r is string => typeof r === 'string') : [])
}
