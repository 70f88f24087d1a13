// JSON Schema inference from event data: every sample is merged into one shape per position (kinds seen,
// properties and how often each was present, array items, string formats every value matched), and the
// shape is printed as a draft 2020-12 JSON Schema. Memory is bounded whatever the stream: past the depth,
// property and node limits a position stops being described instead of growing.

/** A JSON Schema document (plain data). */
export type JsonSchema = {[keyword: string]: unknown}

export const JSON_SCHEMA_DIALECT = 'https://json-schema.org/draft/2020-12/schema'

export interface InferenceLimits {
  /** Nesting below this depth is described as `{}` (any value). */
  maxDepth: number
  /** An object position with more distinct keys than this is a map: its values are merged into `additionalProperties`. */
  maxProperties: number
  /** Shapes (schema positions) one inference may hold; later positions are described as `{}`. */
  maxNodes: number
  /** Elements of each array sample that are looked at. */
  maxArrayItems: number
}

export const DEFAULT_INFERENCE_LIMITS: InferenceLimits = {maxDepth: 12, maxProperties: 64, maxNodes: 2000, maxArrayItems: 50}

/** String formats kne recognises, most specific first; a position keeps a format only when every string matched it. */
export const STRING_FORMATS = ['date-time', 'date', 'uuid', 'email', 'uri', 'ipv4'] as const
export type StringFormat = (typeof STRING_FORMATS)[number]

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(?:[Zz]|[+-](\d{2}):(\d{2}))$/
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const EMAIL = /^[^\s@"<>(),;:]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$/
// Only URIs that are plainly URIs: a scheme with an authority (https://…), or a URN.
const URI = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^\s/?#]+[^\s]*$|^urn:[A-Za-z0-9][A-Za-z0-9-]{0,31}:\S+$/
const IPV4 = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/

function validDate(year: string, month: string, day: string): boolean {
  const m = Number(month)
  const d = Number(day)
  if (m < 1 || m > 12 || d < 1) return false
  const days = new Date(Date.UTC(Number(year), m, 0)).getUTCDate()
  return d <= days
}

const FORMAT_TESTS: Record<StringFormat, (value: string) => boolean> = {
  'date-time': (value) => {
    const dt = DATE_TIME.exec(value)
    return (
      dt !== null &&
      validDate(dt[1]!, dt[2]!, dt[3]!) &&
      Number(dt[4]) < 24 &&
      Number(dt[5]) < 60 &&
      Number(dt[6]) < 61 &&
      (dt[7] === undefined || (Number(dt[7]) < 24 && Number(dt[8]) < 60))
    )
  },
  date: (value) => {
    const d = DATE.exec(value)
    return d !== null && validDate(d[1]!, d[2]!, d[3]!)
  },
  uuid: (value) => UUID.test(value),
  email: (value) => value.length <= 254 && EMAIL.test(value),
  uri: (value) => URI.test(value),
  ipv4: (value) => IPV4.test(value),
}

/** Whether a string has one of the formats kne knows (the same test inference uses). */
export function hasFormat(format: StringFormat, value: string): boolean {
  return FORMAT_TESTS[format](value)
}

/** The formats a string satisfies, in STRING_FORMATS order (only among `candidates` when given). */
export function stringFormats(value: string, candidates: readonly StringFormat[] = STRING_FORMATS): StringFormat[] {
  return candidates.filter((format) => FORMAT_TESTS[format](value))
}

/** Everything seen at one position of the data. */
interface Shape {
  /** Values seen here (for a property: the objects that had it). */
  seen: number
  /** Past a limit: values are counted but not described (`{}`). */
  opaque: boolean
  nulls: number
  booleans: number
  integers: number
  /** Numbers with a fraction. */
  numbers: number
  strings: number
  /** Formats every string so far matched (undefined before the first string). */
  formats?: StringFormat[]
  objects: number
  properties?: Map<string, Shape>
  /** Set once the object position became a map: every value merged here. */
  mapValues?: Shape
  arrays: number
  items?: Shape
}

function emptyShape(opaque: boolean): Shape {
  return {seen: 0, opaque, nulls: 0, booleans: 0, integers: 0, numbers: 0, strings: 0, objects: 0, arrays: 0}
}

/** Infers one schema from many samples; add() them one by one, read schema() at any time. */
export class SchemaInference {
  private root: Shape | undefined
  private nodes = 0
  /** Samples added. */
  samples = 0

  constructor(private readonly limits: InferenceLimits = DEFAULT_INFERENCE_LIMITS) {}

  add(value: unknown): void {
    this.samples++
    this.root ??= this.newShape(0)
    this.visit(this.root, value, 0)
  }

  /** The schema of every sample so far; undefined before the first one. */
  schema(): JsonSchema | undefined {
    if (this.root === undefined) return undefined
    return {$schema: JSON_SCHEMA_DIALECT, ...toSchema(this.root)}
  }

  /** Schema positions held (bounded by maxNodes). */
  get size(): number {
    return this.nodes
  }

  private newShape(depth: number): Shape {
    const opaque = depth > this.limits.maxDepth || this.nodes >= this.limits.maxNodes
    if (!opaque) this.nodes++
    return emptyShape(opaque)
  }

  private visit(shape: Shape, value: unknown, depth: number): void {
    shape.seen++
    if (shape.opaque) return
    if (value === null) shape.nulls++
    else if (typeof value === 'boolean') shape.booleans++
    else if (typeof value === 'number') {
      if (Number.isInteger(value)) shape.integers++
      else shape.numbers++
    } else if (typeof value === 'string') {
      shape.strings++
      // only formats every earlier string had are still in the running
      if (shape.formats === undefined || shape.formats.length > 0) shape.formats = stringFormats(value, shape.formats)
    } else if (Array.isArray(value)) {
      shape.arrays++
      const count = Math.min(value.length, this.limits.maxArrayItems)
      for (let i = 0; i < count; i++) {
        shape.items ??= this.newShape(depth + 1)
        this.visit(shape.items, value[i], depth + 1)
      }
    } else if (typeof value === 'object') {
      shape.objects++
      for (const [key, child] of Object.entries(value as Record<string, unknown>)) this.visitProperty(shape, key, child, depth + 1)
    }
  }

  private visitProperty(shape: Shape, key: string, value: unknown, depth: number): void {
    if (shape.mapValues) {
      this.visit(shape.mapValues, value, depth)
      return
    }
    shape.properties ??= new Map()
    let child = shape.properties.get(key)
    if (child === undefined) {
      if (shape.properties.size >= this.limits.maxProperties) {
        // too many distinct keys for a record: it is a map (ids or names as keys), described by its values
        shape.mapValues = this.newShape(depth)
        for (const existing of shape.properties.values()) mergeShape(shape.mapValues, existing)
        shape.properties = undefined
        this.visit(shape.mapValues, value, depth)
        return
      }
      child = this.newShape(depth)
      shape.properties.set(key, child)
    }
    this.visit(child, value, depth)
  }
}

/** Adds `from` into `into` (used when an object position turns into a map). */
function mergeShape(into: Shape, from: Shape): void {
  into.seen += from.seen
  if (into.opaque) return
  if (from.opaque) {
    into.opaque = true
    return
  }
  into.nulls += from.nulls
  into.booleans += from.booleans
  into.integers += from.integers
  into.numbers += from.numbers
  if (from.strings > 0) {
    into.formats = into.strings === 0 ? from.formats : into.formats?.filter((f) => from.formats?.includes(f))
    into.strings += from.strings
  }
  into.arrays += from.arrays
  if (from.items) {
    if (into.items) mergeShape(into.items, from.items)
    else into.items = from.items
  }
  into.objects += from.objects
  if (from.mapValues || into.mapValues) {
    into.mapValues ??= emptyShape(false)
    for (const p of into.properties?.values() ?? []) mergeShape(into.mapValues, p)
    into.properties = undefined
    if (from.mapValues) mergeShape(into.mapValues, from.mapValues)
    for (const p of from.properties?.values() ?? []) mergeShape(into.mapValues, p)
    return
  }
  for (const [key, p] of from.properties ?? []) {
    into.properties ??= new Map()
    const mine = into.properties.get(key)
    if (mine) mergeShape(mine, p)
    else into.properties.set(key, p)
  }
}

function toSchema(shape: Shape): JsonSchema {
  if (shape.opaque) return {}
  const types: string[] = []
  const schema: JsonSchema = {}
  if (shape.objects > 0) {
    types.push('object')
    if (shape.mapValues) {
      schema.additionalProperties = toSchema(shape.mapValues)
    } else if (shape.properties && shape.properties.size > 0) {
      const properties: Record<string, JsonSchema> = {}
      const required: string[] = []
      for (const [key, child] of shape.properties) {
        properties[key] = toSchema(child)
        if (child.seen === shape.objects) required.push(key)
      }
      schema.properties = properties
      if (required.length > 0) schema.required = required
    }
  }
  if (shape.arrays > 0) {
    types.push('array')
    if (shape.items) schema.items = toSchema(shape.items)
  }
  if (shape.strings > 0) {
    types.push('string')
    const format = shape.formats?.[0]
    if (format) schema.format = format
  }
  if (shape.numbers > 0) types.push('number')
  else if (shape.integers > 0) types.push('integer')
  if (shape.booleans > 0) types.push('boolean')
  if (shape.nulls > 0) types.push('null')
  if (types.length === 0) return schema
  return {type: types.length === 1 ? types[0] : types, ...schema}
}

/** The schema of a list of samples (convenience for one-off inference). */
export function inferSchema(samples: readonly unknown[], limits?: InferenceLimits): JsonSchema | undefined {
  const inference = new SchemaInference(limits)
  for (const sample of samples) inference.add(sample)
  return inference.schema()
}

/**
 * What a JSON Pointer (RFC 6901, as in a `#/$defs/name` reference without its `#`) points at in a document,
 * undefined when nothing is there or the pointer is malformed.
 */
export function jsonPointer(document: unknown, path: string): unknown {
  if (path === '' || path === '/') return path === '' ? document : undefined
  let current = document
  for (const raw of path.slice(1).split('/')) {
    let key: string
    try {
      key = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~')
    } catch {
      return undefined
    }
    if (Array.isArray(current) && /^\d+$/.test(key)) current = current[Number(key)]
    else if (current !== null && typeof current === 'object' && !Array.isArray(current) && Object.hasOwn(current, key))
      current = (current as Record<string, unknown>)[key]
    else return undefined
  }
  return current
}
