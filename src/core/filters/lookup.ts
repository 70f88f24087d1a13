// How Knative's attribute-based filters (legacy `attributes`, `exact`, `prefix`, `suffix`) read a
// CloudEvent: the rules of eventfilter/attributes.LookupAttribute on top of sdk-go's accessors.
//  - Core attributes always "exist": an unset optional one reads as "" (sdk-go returns the zero value).
//  - An unset `time` reads as Go's zero time, and a set one as Go's time.MarshalText of the parsed
//    timestamp (RFC 3339 with trailing fractional zeros trimmed, a zero offset written as Z).
//  - `schemaurl` is an alias of `dataschema`; `datamediatype` is `datacontenttype` without parameters.
//  - Any other name is an extension; a missing extension is absent (undefined).
// Readers are resolved once per filter attribute at compile time, so evaluation does no name dispatch.
import type {CloudEvent, ExtensionValue} from '../cloudevent.js'
import {withExtension} from '../cloudevent.js'
import {perObject} from '../memo.js'

/** Reads one attribute the way Knative's LookupAttribute does; undefined means "not found". */
export type AttributeReader = (event: CloudEvent) => ExtensionValue | undefined

/** Go's zero time.Time as MarshalText renders it: what Knative sees for an event without `time`. */
export const GO_ZERO_TIME = '0001-01-01T00:00:00Z'

/** The extension Knative's broker-filter deletes before evaluating triggers. */
export const BROKER_TTL_EXTENSION = 'knativebrokerttl'

/** Core attribute names LookupAttribute answers itself (never looked up as extensions). */
const CORE_READERS: Record<string, AttributeReader> = {
  specversion: (e) => e.specversion,
  type: (e) => e.type,
  source: (e) => e.source,
  subject: (e) => e.subject ?? '',
  id: (e) => e.id,
  time: (e) => (e.time === undefined ? GO_ZERO_TIME : goTimeText(e.time)),
  dataschema: (e) => e.dataschema ?? '',
  schemaurl: (e) => e.dataschema ?? '',
  datacontenttype: (e) => e.datacontenttype ?? '',
  datamediatype: (e) => mediaTypeOf(e.datacontenttype),
  datacontentencoding: (e) => e.datacontentencoding ?? '',
}

/** Returns the reader for an attribute name (resolve once, call per event). */
export function attributeReader(name: string): AttributeReader {
  if (Object.hasOwn(CORE_READERS, name)) return CORE_READERS[name]!
  return (e) => (Object.hasOwn(e.extensions, name) ? e.extensions[name] : undefined)
}

/** True for the names LookupAttribute treats as core attributes (present even when unset). */
export function isCoreLookupName(name: string): boolean {
  return Object.hasOwn(CORE_READERS, name)
}

/** Go's fmt.Sprintf("%v", value) for the value types an extension can hold. */
export function goValueString(value: ExtensionValue): string {
  if (typeof value === 'string') return value
  if (typeof value === 'boolean') return value ? 'true' : 'false'
  // sdk-go holds integers as int32; the codec already truncated fractions.
  return Number.isInteger(value) ? String(value) : String(Math.trunc(value))
}

/** sdk-go's DataMediaType(): the content type up to the first `;`, trimmed; "" when unset. */
function mediaTypeOf(contentType: string | undefined): string {
  if (contentType === undefined) return ''
  const semicolon = contentType.indexOf(';')
  return semicolon < 0 ? contentType : contentType.slice(0, semicolon).trim()
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:Z|([+-])(\d{2}):(\d{2}))$/

/**
 * The text Go's time.Time.MarshalText produces for a timestamp that sdk-go parsed with
 * time.RFC3339Nano: the same wall clock and offset, fraction cut to nanoseconds with trailing zeros
 * removed, and a zero offset written as `Z`. Text Go would not have parsed is returned unchanged.
 */
export function goTimeText(text: string): string {
  const m = RFC3339.exec(text)
  if (!m) return text
  const [, year, month, day, hour, minute, second, fraction, sign, offsetHours, offsetMinutes] = m
  let out = `${year}-${month}-${day}T${hour}:${minute}:${second}`
  if (fraction !== undefined) {
    const nanos = fraction.slice(0, 9).replace(/0+$/, '')
    if (nanos !== '') out += `.${nanos}`
  }
  if (sign === undefined || (offsetHours === '00' && offsetMinutes === '00')) return `${out}Z`
  return `${out}${sign}${offsetHours}:${offsetMinutes}`
}

const strippedView = perObject((event: CloudEvent) => withExtension(event, BROKER_TTL_EXTENSION, undefined))

/**
 * The event as Knative's trigger filters see it: without `knativebrokerttl`, which broker-filter
 * deletes before filtering. Events are treated as immutable, so the stripped copy is made once per
 * event object and shared by every trigger that evaluates it.
 */
export function eventForTriggerFilters(event: CloudEvent): CloudEvent {
  return Object.hasOwn(event.extensions, BROKER_TTL_EXTENSION) ? strippedView(event) : event
}
