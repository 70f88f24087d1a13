// The CloudEvents JSON format (json-format.md v1.0.2), decoded the way sdk-go does it: null means unset,
// data is kept as the raw JSON text of the `data` member, data_base64 as its bytes.
import {
  CONTEXT_ATTRIBUTES,
  RESERVED_NAMES,
  SPEC_VERSIONS,
  isJsonMediaType,
  type CloudEvent,
  type ExtensionValue,
  type SpecVersion,
} from '../cloudevent.js'
import {extensionProblem, validateEvent} from './validate.js'

export type DecodeResult = {ok: true; event: CloudEvent} | {ok: false; error: string}

const textDecoder = new TextDecoder('utf-8', {fatal: true})
const textEncoder = new TextEncoder()

/**
 * JSON nested deeper than this is refused at ingress: V8's JSON.stringify overflows its stack at a few
 * thousand levels, and a million took the loop 1.8 s (sdk-go's parser stops at 10,000).
 */
export const MAX_JSON_DEPTH = 1000

/** Decodes the body of a structured-mode message. */
export function decodeStructuredBody(body: Uint8Array): DecodeResult {
  if (nestedDeeperThan(body, MAX_JSON_DEPTH))
    return {ok: false, error: `structured event body is nested deeper than ${MAX_JSON_DEPTH} levels`}
  let text: string
  try {
    text = textDecoder.decode(body)
  } catch {
    return {ok: false, error: 'structured event body is not valid UTF-8'}
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (error) {
    return {ok: false, error: `structured event body is not valid JSON: ${(error as Error).message}`}
  }
  return decodeJsonEvent(parsed, rawMemberText(text, 'data'))
}

/**
 * Decodes a CloudEvents JSON-format object. `rawData`, when given, is the exact text of the `data`
 * member, so JSON data is forwarded byte for byte instead of re-serialised.
 */
export function decodeJsonEvent(obj: unknown, rawData?: string): DecodeResult {
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) {
    return {ok: false, error: 'a structured event must be a JSON object'}
  }
  const input = obj as Record<string, unknown>
  const specversion = input.specversion
  if (specversion === undefined || specversion === null) return {ok: false, error: 'specversion: REQUIRED but missing'}
  if (typeof specversion !== 'string' || !SPEC_VERSIONS.includes(specversion)) {
    return {ok: false, error: `specversion: unrecognized event version ${JSON.stringify(specversion)} (kne accepts "1.0" and "0.3")`}
  }
  const version = specversion as SpecVersion
  const event: CloudEvent = {specversion: version, id: '', source: '', type: '', extensions: {}}
  const known = CONTEXT_ATTRIBUTES[version]
  for (const [rawName, value] of Object.entries(input)) {
    if (value === null || rawName === 'specversion' || rawName === 'data' || rawName === 'data_base64') continue
    const name = rawName.toLowerCase() // sdk-go lower-cases attribute and extension names
    if (known.includes(name)) {
      if (typeof value !== 'string') return {ok: false, error: `${name}: must be a JSON string, got ${jsonType(value)}`}
      const problem = setContextAttribute(event, name, value)
      if (problem) return {ok: false, error: problem}
      continue
    }
    if (RESERVED_NAMES.has(name)) continue // a name of the other spec version: not an extension
    const extension = toExtensionValue(value)
    if (extension === undefined)
      return {ok: false, error: extensionProblem(name, value) ?? `extension ${JSON.stringify(name)}: unsupported value`}
    const problem = extensionProblem(name, extension)
    if (problem) return {ok: false, error: problem}
    event.extensions[name] = extension
  }
  const data = decodeData(input, event, rawData)
  if (data !== undefined && 'error' in data) return {ok: false, error: data.error}
  if (data !== undefined) event.data = data.bytes
  const invalid = validateEvent(event)
  return invalid ? {ok: false, error: invalid} : {ok: true, event}
}

function setContextAttribute(event: CloudEvent, name: string, value: string): string | undefined {
  switch (name) {
    case 'id':
      event.id = value
      break
    case 'source':
      event.source = value
      break
    case 'type':
      event.type = value
      break
    case 'datacontenttype':
      event.datacontenttype = value
      break
    case 'dataschema':
    case 'schemaurl':
      event.dataschema = value
      break
    // sdk-go drops an empty subject instead of rejecting it
    case 'subject':
      if (value.trim() !== '') event.subject = value
      break
    case 'time':
      event.time = value
      break
    case 'datacontentencoding':
      event.datacontentencoding = value
      break
  }
  return undefined
}

function toExtensionValue(value: unknown): ExtensionValue | undefined {
  if (typeof value === 'string' || typeof value === 'boolean') return value
  // sdk-go truncates fractional numbers to integers
  if (typeof value === 'number' && Number.isFinite(value)) return Math.trunc(value)
  return undefined
}

function decodeData(
  input: Record<string, unknown>,
  event: CloudEvent,
  rawData: string | undefined,
): {bytes: Uint8Array} | {error: string} | undefined {
  // sdk-go lets data_base64 win when both are present (json-format.md says they are exclusive)
  if (input.data_base64 !== undefined && input.data_base64 !== null) {
    const b64 = input.data_base64
    if (typeof b64 !== 'string' || !isBase64(b64)) return {error: 'data_base64: not valid base64'}
    return {bytes: Buffer.from(b64, 'base64')}
  }
  if (!('data' in input)) return undefined
  const data = input.data
  if (event.specversion === '0.3' && event.datacontentencoding?.toLowerCase() === 'base64') {
    if (typeof data !== 'string' || !isBase64(data)) return {error: 'data: datacontentencoding is base64 but data is not valid base64'}
    return {bytes: Buffer.from(data, 'base64')}
  }
  if (isJsonMediaType(event.datacontenttype)) {
    return {bytes: textEncoder.encode(rawData ?? JSON.stringify(data))}
  }
  if (data === null) return undefined
  if (typeof data !== 'string') {
    return {error: `data: with datacontenttype ${JSON.stringify(event.datacontenttype)} data must be a JSON string, got ${jsonType(data)}`}
  }
  return {bytes: textEncoder.encode(data)}
}

function isBase64(value: string): boolean {
  return /^[A-Za-z0-9+/]*={0,2}$/.test(value.replace(/\s/g, '')) && value.replace(/\s/g, '').length % 4 === 0
}

function jsonType(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`
}

/** Encodes an event in the JSON format, embedding JSON data as JSON, text as a string, other bytes as data_base64. */
export function encodeJsonEvent(event: CloudEvent): string {
  const members: string[] = []
  const add = (name: string, value: unknown): void => {
    if (value !== undefined) members.push(`${JSON.stringify(name)}:${JSON.stringify(value)}`)
  }
  add('specversion', event.specversion)
  add('id', event.id)
  add('source', event.source)
  add('type', event.type)
  add('datacontenttype', event.datacontenttype)
  add(event.specversion === '0.3' ? 'schemaurl' : 'dataschema', event.dataschema)
  add('subject', event.subject)
  add('time', event.time)
  for (const [name, value] of Object.entries(event.extensions)) add(name, value)
  if (event.data !== undefined) {
    const data = event.data
    const text = decodeText(data)
    if (text !== undefined && isJsonMediaType(event.datacontenttype) && isJsonText(text)) {
      members.push(`"data":${text.trim()}`)
    } else if (text !== undefined && event.datacontentencoding === undefined) {
      add('data', text)
    } else if (event.specversion === '0.3') {
      add('datacontentencoding', 'base64')
      add('data', Buffer.from(data).toString('base64'))
    } else {
      add('data_base64', Buffer.from(data).toString('base64'))
    }
  } else if (event.datacontentencoding !== undefined) {
    add('datacontentencoding', event.datacontentencoding)
  }
  return `{${members.join(',')}}`
}

/** The event as a plain JSON-format object (for activity records and `--json` output). */
export function eventToJsonObject(event: CloudEvent): Record<string, unknown> {
  return JSON.parse(encodeJsonEvent(event)) as Record<string, unknown>
}

function decodeText(bytes: Uint8Array): string | undefined {
  try {
    return textDecoder.decode(bytes)
  } catch {
    return undefined
  }
}

function isJsonText(text: string): boolean {
  try {
    JSON.parse(text)
    return true
  } catch {
    return false
  }
}

/**
 * Finds the raw text of a top-level member of a JSON object (the last one, as JSON.parse keeps the last duplicate).
 * The text is already known to be valid JSON.
 */
export function rawMemberText(text: string, member: string): string | undefined {
  let i = skipWhitespace(text, 0)
  if (text[i] !== '{') return undefined
  i++
  let found: string | undefined
  while (i < text.length) {
    i = skipWhitespace(text, i)
    if (text[i] === '}') break
    const keyEnd = skipString(text, i)
    const key = JSON.parse(text.slice(i, keyEnd)) as string
    i = skipWhitespace(text, keyEnd) + 1 // past ':'
    const valueStart = skipWhitespace(text, i)
    const valueEnd = skipValue(text, valueStart)
    if (key === member) found = text.slice(valueStart, valueEnd)
    i = skipWhitespace(text, valueEnd)
    if (text[i] === ',') i++
  }
  return found
}

function skipWhitespace(text: string, i: number): number {
  while (i < text.length && (text[i] === ' ' || text[i] === '\n' || text[i] === '\r' || text[i] === '\t')) i++
  return i
}

function skipString(text: string, i: number): number {
  i++ // opening quote
  while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1
  return i + 1
}

function skipValue(text: string, i: number): number {
  const c = text[i]
  if (c === '"') return skipString(text, i)
  if (c === '{' || c === '[') {
    let depth = 0
    while (i < text.length) {
      const d = text[i]
      if (d === '"') {
        i = skipString(text, i)
        continue
      }
      if (d === '{' || d === '[') depth++
      else if (d === '}' || d === ']') {
        depth--
        if (depth === 0) return i + 1
      }
      i++
    }
    return i
  }
  while (i < text.length && !',}] \n\r\t'.includes(text[i]!)) i++
  return i
}

const QUOTE = 0x22
const BACKSLASH = 0x5c

/**
 * Whether JSON (UTF-8 bytes) nests arrays and objects deeper than `maxDepth`, without parsing it. Bytes no
 * JSON has outside a string end the scan with false: such data is not JSON, and no parser will go deep in it.
 */
export function nestedDeeperThan(bytes: Uint8Array, maxDepth: number): boolean {
  if (bytes.length <= maxDepth) return false
  let depth = 0
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!
    if (b === QUOTE) i = stringEnd(bytes, i)
    else if (b === 0x5b || b === 0x7b) {
      // [ {
      if (++depth > maxDepth) return true
    } else if (b === 0x5d || b === 0x7d)
      depth-- // ] }
    else if (b >= 0x80 || (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d)) return false
  }
  return false
}

/** Where the string that opens at `start` closes: byte by byte while it is short, then by indexOf (long strings are most of a body). */
function stringEnd(bytes: Uint8Array, start: number): number {
  const near = Math.min(bytes.length, start + 32)
  for (let i = start + 1; i < near; i++) {
    if (bytes[i] === QUOTE) return i
    if (bytes[i] === BACKSLASH) i++
  }
  for (let i = near - 1; ;) {
    i = bytes.indexOf(QUOTE, i + 1)
    if (i < 0) return bytes.length
    let escapes = 0
    while (bytes[i - 1 - escapes] === BACKSLASH) escapes++
    if (escapes % 2 === 0) return i
  }
}
