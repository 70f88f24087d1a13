// The CloudEvent as kne carries it: attributes as received (strings kept verbatim, no re-serialised
// times or sources) and data as the exact bytes a binary-mode body would carry.
import {memoize} from './memo.js'

export type SpecVersion = '1.0' | '0.3'
export const SPEC_VERSIONS: readonly string[] = ['1.0', '0.3']

/** An extension value: binary mode only yields strings; the JSON format also yields integers and booleans. */
export type ExtensionValue = string | number | boolean

export interface CloudEvent {
  specversion: SpecVersion
  id: string
  source: string
  type: string
  datacontenttype?: string
  /** `dataschema` in 1.0, `schemaurl` in 0.3. */
  dataschema?: string
  subject?: string
  /** The timestamp exactly as received. */
  time?: string
  /** 0.3 only. */
  datacontentencoding?: string
  extensions: Record<string, ExtensionValue>
  /** Payload bytes; undefined when the event has no data. */
  data?: Uint8Array
}

/** Context attribute names of each spec version, as they appear on the wire. */
export const CONTEXT_ATTRIBUTES: Record<SpecVersion, readonly string[]> = {
  '1.0': ['specversion', 'id', 'source', 'type', 'datacontenttype', 'dataschema', 'subject', 'time'],
  '0.3': ['specversion', 'id', 'source', 'type', 'datacontenttype', 'schemaurl', 'subject', 'time', 'datacontentencoding'],
}

/** Names that can never be extensions (any version), so an extension cannot shadow an attribute. */
export const RESERVED_NAMES = new Set([...CONTEXT_ATTRIBUTES['1.0'], ...CONTEXT_ATTRIBUTES['0.3'], 'data', 'data_base64'])

/**
 * Reads a context attribute or extension by its wire name; undefined when the event does not carry it.
 * `schemaurl` and `dataschema` name the same attribute.
 */
export function attributeValue(event: CloudEvent, name: string): ExtensionValue | undefined {
  switch (name) {
    case 'specversion':
      return event.specversion
    case 'id':
      return event.id
    case 'source':
      return event.source
    case 'type':
      return event.type
    case 'datacontenttype':
      return event.datacontenttype
    case 'dataschema':
    case 'schemaurl':
      return event.dataschema
    case 'subject':
      return event.subject
    case 'time':
      return event.time
    case 'datacontentencoding':
      return event.datacontentencoding
    default:
      return Object.hasOwn(event.extensions, name) ? event.extensions[name] : undefined
  }
}

/** Returns a copy with the extension set (or removed when value is undefined). */
export function withExtension(event: CloudEvent, name: string, value: ExtensionValue | undefined): CloudEvent {
  if (value !== undefined) return {...event, extensions: {...event.extensions, [name]: value}}
  // copied without the key rather than with `delete`, which would leave a slow dictionary-mode object
  const extensions: Record<string, ExtensionValue> = {}
  for (const key in event.extensions) if (key !== name) extensions[key] = event.extensions[key]!
  return {...event, extensions}
}

/** True for `application/json`, `text/json` and any `+json` suffix: the media types whose data the JSON format embeds as JSON. */
export function isJsonMediaType(contentType: string | undefined): boolean {
  if (contentType === undefined) return true // the JSON format implies application/json
  const media = normalizedMediaType(contentType)
  return media === 'application/json' || media === 'text/json' || media.endsWith('+json')
}

/** The media type of a Content-Type value, lower-cased and without parameters (the same few values on every event). */
export const normalizedMediaType = memoize((contentType: string): string => contentType.split(';')[0]!.trim().toLowerCase())

/**
 * The event as it looks after a binary-mode HTTP hop: every extension value a string. Knative's ingress
 * hands events to the channel, and the channel to broker-filter, in binary mode, so filters, subscribers
 * and replies only ever see string extensions (an integer 20 sent in JSON is "20" there).
 */
export function afterBinaryHop(event: CloudEvent): CloudEvent {
  let changed = false
  for (const name in event.extensions) if (typeof event.extensions[name] !== 'string') changed = true
  if (!changed) return event
  const extensions: Record<string, ExtensionValue> = {}
  for (const name in event.extensions) extensions[name] = String(event.extensions[name])
  return {...event, extensions}
}

/**
 * Bytes an event holds: its data and the text of its attributes (what keeping it costs, beyond the objects).
 * Strings count one byte a character; this runs for every event, so it reads lengths and allocates nothing.
 */
export function eventBytes(event: CloudEvent): number {
  let bytes =
    (event.data?.byteLength ?? 0) +
    event.id.length +
    event.source.length +
    event.type.length +
    (event.subject?.length ?? 0) +
    (event.time?.length ?? 0) +
    (event.datacontenttype?.length ?? 0) +
    (event.dataschema?.length ?? 0)
  for (const name in event.extensions) {
    const value = event.extensions[name]
    bytes += name.length + (typeof value === 'string' ? value.length : 8)
  }
  return bytes
}
