// Example data made from a JSON Schema (kne registry example, kne send --example, the registry's example
// event when no event was seen): the schema's own examples, const, enum or default where it gives one,
// else a value of its type that keeps its bounds and formats, with every required property. Local $refs
// are followed; depth is bounded, so a recursive schema ends in null.
import {isObject} from '../resources/read.js'
import {jsonPointer} from './schema.js'

/** Nesting below this depth is left out (null, or an object without its properties). */
export const MAX_EXAMPLE_DEPTH = 12
/** A schema's minItems and minLength are followed up to these (an example stays small whatever the schema asks). */
const MAX_EXAMPLE_ITEMS = 100
const MAX_EXAMPLE_STRING = 4096

const FORMAT_EXAMPLES: Record<string, string> = {
  'date-time': '2024-01-01T12:00:00Z',
  date: '2024-01-01',
  time: '12:00:00Z',
  uuid: '3f1c2a9e-8b4d-4c6e-9f7a-1b2c3d4e5f60',
  email: 'someone@example.com',
  'idn-email': 'someone@example.com',
  uri: 'https://example.com/resource',
  'uri-reference': '/resource',
  iri: 'https://example.com/resource',
  hostname: 'example.com',
  ipv4: '192.0.2.1',
  ipv6: '2001:db8::1',
  duration: 'PT1M',
}

/** The schema's own example of the data (its first `examples` entry), when it gives one. */
export function declaredExample(schema: unknown): {value: unknown} | undefined {
  return isObject(schema) && Array.isArray(schema.examples) && schema.examples.length > 0 ? {value: schema.examples[0]} : undefined
}

/**
 * A value that fits `schema`: its examples, const, enum or default, else one of its type; objects get their
 * required properties (all of them when none are listed). Unknown or unsupported keywords give null.
 */
export function exampleFromSchema(schema: unknown, root: unknown = schema, depth = 0): unknown {
  if (!isObject(schema) || depth > MAX_EXAMPLE_DEPTH) return null
  if (typeof schema.$ref === 'string') {
    const target = resolveLocalRef(root, schema.$ref)
    const {$ref: _ref, ...rest} = schema
    return exampleFromSchema(target === undefined ? rest : {...target, ...rest}, root, depth + 1)
  }
  const given = declaredExample(schema)
  if (given) return given.value
  if (Object.hasOwn(schema, 'const')) return schema.const
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0]
  if (Object.hasOwn(schema, 'default')) return schema.default
  if (Array.isArray(schema.allOf) && schema.allOf.length > 0) {
    const {allOf, ...rest} = schema
    return exampleFromSchema(
      allOf.reduce<Record<string, unknown>>((merged, part) => mergeSchemas(merged, deref(root, part)), rest),
      root,
      depth + 1,
    )
  }
  for (const keyword of ['oneOf', 'anyOf'] as const) {
    const options: unknown = schema[keyword]
    if (Array.isArray(options) && options.length > 0) {
      const {[keyword]: _options, ...rest} = schema
      const choice: unknown = (options as unknown[]).find((o) => !isObject(o) || o.type !== 'null') ?? options[0]
      return exampleFromSchema(mergeSchemas(rest, deref(root, choice)), root, depth + 1)
    }
  }
  switch (typeOf(schema)) {
    case 'object':
      return objectExample(schema, root, depth)
    case 'array':
      return arrayExample(schema, root, depth)
    case 'string':
      return stringExample(schema)
    case 'integer':
      return numberExample(schema, true)
    case 'number':
      return numberExample(schema, false)
    case 'boolean':
      return true
    default:
      return null
  }
}

function typeOf(schema: Record<string, unknown>): string | undefined {
  const types: unknown[] = Array.isArray(schema.type) ? schema.type : schema.type === undefined ? [] : [schema.type]
  const type = types.find((t) => t !== 'null') ?? types[0]
  if (typeof type === 'string') return type
  if (isObject(schema.properties) || Array.isArray(schema.required)) return 'object'
  if (schema.items !== undefined || Array.isArray(schema.prefixItems)) return 'array'
  if (typeof schema.format === 'string' || schema.minLength !== undefined || schema.pattern !== undefined) return 'string'
  if (schema.minimum !== undefined || schema.maximum !== undefined) return 'number'
  return undefined
}

function objectExample(schema: Record<string, unknown>, root: unknown, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  const properties = isObject(schema.properties) ? schema.properties : {}
  const required = Array.isArray(schema.required)
    ? schema.required.filter((r): r is string => typeof r === 'string')
    : Object.keys(properties)
  for (const key of required) {
    const property = Object.hasOwn(properties, key)
      ? properties[key]
      : isObject(schema.additionalProperties)
        ? schema.additionalProperties
        : {}
    out[key] = exampleFromSchema(property, root, depth + 1)
  }
  return out
}

function arrayExample(schema: Record<string, unknown>, root: unknown, depth: number): unknown[] {
  const prefix = Array.isArray(schema.prefixItems) ? schema.prefixItems : []
  const out = prefix.map((item) => exampleFromSchema(item, root, depth + 1))
  const min = typeof schema.minItems === 'number' ? schema.minItems : 0
  const max = typeof schema.maxItems === 'number' ? schema.maxItems : Infinity
  // one item shows its shape; more only where minItems asks (distinct ones when uniqueItems does)
  const wanted = Math.min(Math.max(Math.min(min, MAX_EXAMPLE_ITEMS), isObject(schema.items) ? 1 : 0, out.length), max)
  while (out.length < wanted && isObject(schema.items)) {
    const item = exampleFromSchema(schema.items, root, depth + 1)
    out.push(schema.uniqueItems === true && out.length > 0 && typeof item === 'number' ? item + out.length : item)
  }
  return out
}

function stringExample(schema: Record<string, unknown>): string {
  let text = typeof schema.format === 'string' && FORMAT_EXAMPLES[schema.format] ? FORMAT_EXAMPLES[schema.format]! : 'string'
  const min = typeof schema.minLength === 'number' ? Math.min(schema.minLength, MAX_EXAMPLE_STRING) : 0
  const max = typeof schema.maxLength === 'number' ? schema.maxLength : Infinity
  if (text.length < min) text = text.padEnd(min, 'x')
  if (text.length > max) text = text.slice(0, max)
  return text
}

function numberExample(schema: Record<string, unknown>, integer: boolean): number {
  const num = (key: string): number | undefined => {
    const value = schema[key]
    return typeof value === 'number' ? value : undefined
  }
  const multipleOf = num('multipleOf')
  const step = multipleOf !== undefined && multipleOf > 0 ? multipleOf : integer ? 1 : undefined
  let value = integer ? 1 : 1.5
  const low = num('minimum') ?? (num('exclusiveMinimum') !== undefined ? num('exclusiveMinimum')! + (step ?? 0.5) : undefined)
  const high = num('maximum') ?? (num('exclusiveMaximum') !== undefined ? num('exclusiveMaximum')! - (step ?? 0.5) : undefined)
  if (low !== undefined && value < low) value = low
  if (high !== undefined && value > high) value = high
  if (step !== undefined) {
    value = Math.ceil(value / step) * step
    if (high !== undefined && value > high) value -= step
  }
  return integer ? Math.round(value) : value
}

function deref(root: unknown, schema: unknown): Record<string, unknown> {
  if (!isObject(schema)) return {}
  if (typeof schema.$ref !== 'string') return schema
  const {$ref, ...rest} = schema
  return {...(resolveLocalRef(root, $ref) ?? {}), ...rest}
}

/** Two schemas as one (allOf): properties and required lists joined, other keywords the later one's. */
function mergeSchemas(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const merged: Record<string, unknown> = {...a, ...b}
  if (isObject(a.properties) || isObject(b.properties))
    merged.properties = {...(isObject(a.properties) ? a.properties : {}), ...(isObject(b.properties) ? b.properties : {})}
  const required = (s: Record<string, unknown>): unknown[] => (Array.isArray(s.required) ? (s.required as unknown[]) : [])
  if (Array.isArray(a.required) || Array.isArray(b.required)) merged.required = [...new Set([...required(a), ...required(b)])]
  return merged
}

/** `#/$defs/name` (a JSON Pointer into the same document); other references are not followed. */
function resolveLocalRef(root: unknown, ref: string): Record<string, unknown> | undefined {
  const node = ref.startsWith('#') ? jsonPointer(root, ref.slice(1)) : undefined
  return isObject(node) ? node : undefined
}
