// Typed reading of manifest fields with the checks the API server makes before Knative's webhook sees a
// resource: the type the CRD schema declares, and no unknown fields where the schema lists every field
// (kubectl applies with strict field validation). Every problem names its field path.
import type {ObjectMeta} from './types.js'
import type {FieldErrors} from './validate.js'

export function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

/** `a list`, `a number`, …: what a value is, for "must be X, got Y". */
export function describeValue(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'a list'
  if (typeof value === 'object') return 'a map'
  return `${typeof value === 'number' && Number.isInteger(value) ? 'an integer' : `a ${typeof value}`} (${JSON.stringify(value)})`
}

/** A value as text: scalars as they print, null and undefined as '', lists and maps as JSON. */
export function textOf(value: unknown): string {
  if (value === null || value === undefined) return ''
  if (typeof value === 'string') return value
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return value.toString()
  return JSON.stringify(value) ?? ''
}

/** A field that is absent or null: the API server prunes nulls for fields that are not nullable. */
export function isAbsent(value: unknown): value is undefined | null {
  return value === undefined || value === null
}

/** Reads an optional string field; a value of another type is an error (quote it in YAML). */
export function readString(obj: Record<string, unknown>, key: string, path: string, errors: FieldErrors): string | undefined {
  const value = obj[key]
  if (isAbsent(value)) return undefined
  if (typeof value !== 'string') {
    errors.push({
      field: join(path, key),
      message: `must be a string, got ${describeValue(value)}${typeof value === 'number' || typeof value === 'boolean' ? ': quote it in YAML' : ''}`,
    })
    return undefined
  }
  return value
}

/** Reads a string field Knative requires (an empty string counts as missing, as in Go). */
export function readRequiredString(obj: Record<string, unknown>, key: string, path: string, errors: FieldErrors, details = ''): string {
  const value = readString(obj, key, path, errors)
  if (value === undefined && !isAbsent(obj[key])) return '' // a type error was reported already
  if (value === undefined || value === '')
    errors.push({field: join(path, key), message: `missing field(s)${details ? `: ${details}` : ''}`})
  return value ?? ''
}

export function readBoolean(obj: Record<string, unknown>, key: string, path: string, errors: FieldErrors): boolean | undefined {
  const value = obj[key]
  if (isAbsent(value)) return undefined
  if (typeof value !== 'boolean') {
    errors.push({field: join(path, key), message: `must be true or false, got ${describeValue(value)}`})
    return undefined
  }
  return value
}

/** Reads an optional mapping; a scalar or list where a mapping belongs is an error. */
export function readObject(value: unknown, path: string, errors: FieldErrors): Record<string, unknown> | undefined {
  if (isAbsent(value)) return undefined
  if (!isObject(value)) {
    errors.push({field: path, message: `must be a mapping, got ${describeValue(value)}`})
    return undefined
  }
  return value
}

/** Reads an optional list. */
export function readList(value: unknown, path: string, errors: FieldErrors): unknown[] | undefined {
  if (isAbsent(value)) return undefined
  if (!Array.isArray(value)) {
    errors.push({field: path, message: `must be a list, got ${describeValue(value)}`})
    return undefined
  }
  return value as unknown[]
}

/** A map of strings (labels, matchLabels, extensions): every value must be a string. */
export function readStringMap(value: unknown, path: string, errors: FieldErrors): Record<string, string> | undefined {
  const map = readObject(value, path, errors)
  if (map === undefined) return undefined
  const out: Record<string, string> = {}
  for (const [key, item] of Object.entries(map)) {
    if (typeof item === 'string') out[key] = item
    else errors.push({field: `${path}${keySegment(key)}`, message: `must be a string, got ${describeValue(item)}: quote it in YAML`})
  }
  return out
}

/** Fields the CRD schema does not list: a Knative cluster rejects them (kubectl's strict field validation). */
export function rejectUnknownFields(obj: Record<string, unknown>, known: readonly string[], path: string, errors: FieldErrors): void {
  for (const [key, value] of Object.entries(obj)) {
    if (known.includes(key) || isAbsent(value)) continue
    errors.push({
      field: path ? `${path}${keySegment(key)}` : key,
      message: `unknown field: the CRD schema has no ${JSON.stringify(key)} here (known: ${known.join(', ')})`,
    })
  }
}

export function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key
}

/** `.name` for plain keys, `["..."]` for keys a dot path could not show unambiguously. */
export function keySegment(key: string): string {
  return /^[A-Za-z0-9_-]+$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`
}

/** What a kind's reader gets: one document, its metadata read, and lists to report problems into. */
export interface KindContext {
  apiVersion: string
  kind: string
  metadata: ObjectMeta
  /** `spec` of a copy of the document: readers may read it freely, the manifest stays as written. */
  spec: Record<string, unknown>
  errors: FieldErrors
  /** Admitted by Knative but probably not what was meant. */
  warnings: FieldErrors
}
