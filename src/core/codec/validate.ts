// Attribute rules a CloudEvent must satisfy to be accepted, as sdk-go v2.16.1 (what Knative's broker
// ingress runs) enforces them: required id/source/type, media type, absolute dataschema, RFC 3339 time,
// alphanumeric extension names, int32 integers.
import type {CloudEvent} from '../cloudevent.js'
import {memoize} from '../memo.js'

const EXTENSION_NAME = /^[a-z0-9]+$/
// RFC 3339 with a mandatory offset and upper-case T/Z, as Go's time.RFC3339Nano parser requires.
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/
const URI_SCHEME = /^[a-zA-Z][a-zA-Z0-9+.-]*:/
// RFC 2045 token characters.
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/

export const INT32_MIN = -2_147_483_648
export const INT32_MAX = 2_147_483_647

/** Returns the reason the event is invalid, or undefined when it is valid. */
export function validateEvent(event: CloudEvent): string | undefined {
  if (event.id.trim() === '') return 'id: REQUIRED but missing or empty'
  if (event.source === '') return 'source: REQUIRED but missing or empty'
  const sourceProblem = uriReferenceProblem(event.source)
  if (sourceProblem) return `source: ${sourceProblem}`
  if (event.type.trim() === '') return 'type: REQUIRED but missing or empty'
  if (event.datacontenttype !== undefined && !isMediaType(event.datacontenttype)) {
    return `datacontenttype: ${JSON.stringify(event.datacontenttype)} is not a valid RFC 2046 media type`
  }
  if (event.dataschema !== undefined) {
    const name = event.specversion === '0.3' ? 'schemaurl' : 'dataschema'
    if (event.specversion === '1.0' && !URI_SCHEME.test(event.dataschema)) {
      return `${name}: ${JSON.stringify(event.dataschema)} is not an absolute URI`
    }
    const problem = uriReferenceProblem(event.dataschema)
    if (problem) return `${name}: ${problem}`
  }
  if (event.subject !== undefined && event.subject === '') return 'subject: if present, MUST be a non-empty string'
  if (event.time !== undefined && !isRfc3339(event.time)) {
    return `time: ${JSON.stringify(event.time)} is not an RFC 3339 timestamp (e.g. 2024-01-02T15:04:05Z)`
  }
  const {extensions} = event
  for (const name in extensions) {
    const problem = extensionProblem(name, extensions[name])
    if (problem) return problem
  }
  return undefined
}

export function extensionProblem(name: string, value: unknown): string | undefined {
  if (!EXTENSION_NAME.test(name)) {
    return `extension ${JSON.stringify(name)}: names must consist of lower-case ASCII letters and digits only`
  }
  if (typeof value === 'number' && (!Number.isInteger(value) || value < INT32_MIN || value > INT32_MAX)) {
    return `extension ${JSON.stringify(name)}: integer ${value} is outside the 32-bit range`
  }
  if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
    return `extension ${JSON.stringify(name)}: value must be a string, integer or boolean`
  }
  return undefined
}

export function isRfc3339(value: string): boolean {
  const m = RFC3339.exec(value)
  if (!m) return false
  const month = Number(m[2])
  const day = Number(m[3])
  return month >= 1 && month <= 12 && day >= 1 && day <= 31 && Number(m[4]) <= 23 && Number(m[5]) <= 59 && Number(m[6]) <= 60
}

/** RFC 2046 `type/subtype *(; name=value)`; media type and parameter names are tokens, values tokens or quoted strings. */
export const isMediaType = memoize(checkMediaType)

function checkMediaType(value: string): boolean {
  const [media, ...params] = splitParameters(value)
  const slash = media!.indexOf('/')
  if (slash <= 0 || !TOKEN.test(media!.slice(0, slash).trim()) || !TOKEN.test(media!.slice(slash + 1).trim())) return false
  return params.every((param) => {
    if (param.trim() === '') return true
    const eq = param.indexOf('=')
    if (eq <= 0 || !TOKEN.test(param.slice(0, eq).trim())) return false
    const v = param.slice(eq + 1).trim()
    return TOKEN.test(v) || /^"(?:[^"\\]|\\.)*"$/.test(v)
  })
}

function splitParameters(value: string): string[] {
  const parts: string[] = []
  let current = ''
  let quoted = false
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!
    if (c === '"' && value[i - 1] !== '\\') quoted = !quoted
    if (c === ';' && !quoted) {
      parts.push(current)
      current = ''
    } else {
      current += c
    }
  }
  parts.push(current)
  return parts
}

function uriReferenceProblem(value: string): string | undefined {
  // Go's url.Parse rejects control characters and spaces in the scheme or host; keep that much.
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value)) return `${JSON.stringify(value)} contains control characters`
  return undefined
}
