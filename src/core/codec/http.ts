// The CloudEvents HTTP binding (http-protocol-binding.md v1.0.2) as sdk-go v2.16.1 reads it: mode by exact
// media type, binary only with ce-specversion, header values taken literally (no percent-decoding).
import {isJsonMediaType, normalizedMediaType, SPEC_VERSIONS, type CloudEvent, type SpecVersion} from '../cloudevent.js'
import {memoize} from '../memo.js'
import {intern} from './intern.js'
import {decodeStructuredBody, encodeJsonEvent, MAX_JSON_DEPTH, nestedDeeperThan, type DecodeResult} from './json.js'
import {extensionProblem, validateEvent} from './validate.js'

/** Lower-cased header names, as node:http and undici present them. */
export type HeaderMap = Record<string, string | string[] | undefined>

export type ContentMode = 'binary' | 'structured' | 'batch'

export const STRUCTURED_CONTENT_TYPE = 'application/cloudevents+json'
export const BATCH_CONTENT_TYPE = 'application/cloudevents-batch+json'

export function headerValue(headers: HeaderMap, name: string): string | undefined {
  const value = headers[name]
  return Array.isArray(value) ? value.join(',') : value
}

/** Which content mode a message uses; undefined when it is not a CloudEvent at all. */
export function detectContentMode(headers: HeaderMap): ContentMode | undefined {
  const contentType = headerValue(headers, 'content-type')
  const media = contentType === undefined ? undefined : normalizedMediaType(contentType)
  if (media === STRUCTURED_CONTENT_TYPE) return 'structured'
  if (media === BATCH_CONTENT_TYPE) return 'batch'
  const specversion = headerValue(headers, 'ce-specversion')
  // sdk-go gives a message with an unknown binary specversion no encoding at all
  if (specversion !== undefined && SPEC_VERSIONS.includes(specversion)) return 'binary'
  return undefined
}

export type HttpDecodeResult = (DecodeResult & {mode?: ContentMode}) | {ok: false; error: string; notCloudEvent: true}

/** Decodes an HTTP request or response into a CloudEvent, or says why it cannot. */
export function decodeHttpMessage(headers: HeaderMap, body: Uint8Array): HttpDecodeResult {
  const mode = detectContentMode(headers)
  if (mode === 'structured') return {...decodeStructuredBody(body), mode}
  if (mode === 'batch')
    return {ok: false, error: 'batched content mode (application/cloudevents-batch+json) is not supported by the broker', mode}
  if (mode === 'binary') return decodeBinary(headers, body)
  const specversion = headerValue(headers, 'ce-specversion')
  if (specversion !== undefined) {
    return {ok: false, error: `ce-specversion: unrecognized event version ${JSON.stringify(specversion)} (kne accepts "1.0" and "0.3")`}
  }
  return {
    ok: false,
    notCloudEvent: true,
    error: 'not a CloudEvent: binary mode needs a ce-specversion header, structured mode a Content-Type of application/cloudevents+json',
  }
}

function decodeBinary(headers: HeaderMap, body: Uint8Array): HttpDecodeResult {
  // detectContentMode has checked the value: keep the shared constant, not this request's copy
  const specversion = SPEC_VERSIONS[SPEC_VERSIONS.indexOf(headerValue(headers, 'ce-specversion')!)] as SpecVersion
  const event: CloudEvent = {specversion, id: '', source: '', type: '', extensions: {}}
  let seenId = false
  let seenSource = false
  let seenType = false
  for (const header in headers) {
    const raw = headers[header]
    if (!header.startsWith('ce-') || raw === undefined) continue
    const value = fromHeaderText(Array.isArray(raw) ? raw.join(',') : raw)
    // by the whole header name: the attribute name is cut out only for an extension
    switch (header) {
      case 'ce-specversion':
        break
      case 'ce-id':
        event.id = value
        seenId = true
        break
      case 'ce-source':
        event.source = intern(value)
        seenSource = true
        break
      case 'ce-type':
        event.type = intern(value)
        seenType = true
        break
      case 'ce-subject':
        if (value.trim() !== '') event.subject = value
        break // sdk-go drops an empty subject
      case 'ce-time':
        event.time = value
        break
      case 'ce-dataschema':
        if (event.specversion === '1.0') event.dataschema = value
        else event.extensions.dataschema = value
        break
      case 'ce-schemaurl':
        if (event.specversion === '0.3') event.dataschema = value
        else event.extensions.schemaurl = value
        break
      case 'ce-datacontentencoding':
        if (event.specversion === '0.3') event.datacontentencoding = value
        else event.extensions.datacontentencoding = value
        break
      case 'ce-datacontenttype':
        return {
          ok: false,
          error: 'ce-datacontenttype must not be used in binary mode: the Content-Type header carries datacontenttype',
          mode: 'binary',
        }
      default: {
        const name = header.slice(3)
        const problem = extensionProblem(name, value)
        if (problem) return {ok: false, error: problem, mode: 'binary'}
        event.extensions[name] = value
      }
    }
  }
  if (!seenId) return {ok: false, error: 'id: REQUIRED but missing (header ce-id)', mode: 'binary'}
  if (!seenSource) return {ok: false, error: 'source: REQUIRED but missing (header ce-source)', mode: 'binary'}
  if (!seenType) return {ok: false, error: 'type: REQUIRED but missing (header ce-type)', mode: 'binary'}
  const contentType = headerValue(headers, 'content-type')
  if (contentType !== undefined) event.datacontenttype = intern(contentType)
  if (body.length > 0) event.data = body
  if (isJsonMediaType(event.datacontenttype) && nestedDeeperThan(body, MAX_JSON_DEPTH)) {
    return {ok: false, error: `data: JSON nested deeper than ${MAX_JSON_DEPTH} levels`, mode: 'binary'}
  }
  const invalid = validateEvent(event)
  return invalid ? {ok: false, error: invalid, mode: 'binary'} : {ok: true, event, mode: 'binary'}
}

export interface EncodedMessage {
  headers: Record<string, string>
  body: Uint8Array | string | undefined
}

/** Binary mode: attributes in ce- headers, data as the body. */
export function encodeBinary(event: CloudEvent): EncodedMessage {
  const headers: Record<string, string> = {
    'ce-specversion': event.specversion,
    'ce-id': toHeaderText(event.id),
    'ce-source': toHeaderText(event.source),
    'ce-type': toHeaderText(event.type),
  }
  if (event.subject !== undefined) headers['ce-subject'] = toHeaderText(event.subject)
  if (event.time !== undefined) headers['ce-time'] = toHeaderText(event.time)
  if (event.dataschema !== undefined)
    headers[event.specversion === '0.3' ? 'ce-schemaurl' : 'ce-dataschema'] = toHeaderText(event.dataschema)
  if (event.datacontentencoding !== undefined) headers['ce-datacontentencoding'] = toHeaderText(event.datacontentencoding)
  const {extensions} = event
  for (const name in extensions) headers[ceHeaderName(name)] = toHeaderText(String(extensions[name]))
  if (event.datacontenttype !== undefined) headers['content-type'] = toHeaderText(event.datacontenttype)
  return {headers, body: event.data}
}

/** `ce-<name>`, built once per extension name (the same few names go out on every event). */
const ceHeaderName = memoize((name: string) => `ce-${name}`, 10_000)

/** The header an attribute travels in, in binary mode: `ce-<name>`, and datacontenttype as Content-Type. */
export function binaryModeHeader(attribute: string): string {
  return attribute === 'datacontenttype' ? 'content-type' : ceHeaderName(attribute)
}

/** Structured mode: the whole event as an application/cloudevents+json body. */
export function encodeStructured(event: CloudEvent): EncodedMessage {
  return {headers: {'content-type': `${STRUCTURED_CONTENT_TYPE}; charset=utf-8`}, body: encodeJsonEvent(event)}
}

// Node decodes header bytes as latin1; UTF-8 header values are recovered here and re-encoded on the way
// out, so non-ASCII attribute values pass through byte for byte and compare correctly with filters.
// eslint-disable-next-line no-control-regex
const NON_ASCII = /[^\u0000-\u007f]/

function fromHeaderText(value: string): string {
  if (!NON_ASCII.test(value)) return value
  const bytes = Buffer.from(value, 'latin1')
  const text = bytes.toString('utf8')
  return Buffer.from(text, 'utf8').equals(bytes) ? text : value
}

/** The header string whose latin1 characters are the value's UTF-8 bytes (node:http and undici send one byte per character). */
function toHeaderText(value: string): string {
  return NON_ASCII.test(value) ? Buffer.from(value, 'utf8').toString('latin1') : value
}
