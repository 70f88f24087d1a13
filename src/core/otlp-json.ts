// Spans as OTLP/JSON text (https://opentelemetry.io/docs/specs/otlp/#json-protobuf-encoding, with
// opentelemetry-proto's trace.proto): ids as lower-case hex, 64-bit times as decimal strings, enums as
// numbers, lowerCamelCase fields, empty fields left out. kne writes its spans as text as they end, with the
// parts that repeat (attribute keys, a broker's names, a URL) quoted once, because building the SDK's span
// objects and turning them into OTLP cost more than the rest of a synchronous broker's work together
// (bench/notes.md, "Trace context and span export").
import {memoize} from './memo.js'

/** OTLP's SpanKind numbers (trace.proto), which are the OpenTelemetry API's plus one. */
export const OTLP_SPAN_KIND = {internal: 1, server: 2, client: 3} as const

/** OTLP's Status.code: 2 is an error. */
export const OTLP_STATUS_ERROR = 2

/** trace.proto's SpanFlags: the parent's W3C flags in the low byte, then whether the parent's remoteness is known, and whether it is remote. */
const HAS_IS_REMOTE = 0x100
const IS_REMOTE = 0x200

/** Attribute values are cut to this many characters (a value from an event could be as long as its body). */
export const MAX_ATTRIBUTE_CHARS = 512

export type AttributeValue = string | number | boolean

/** `{"key":…,"value":{"stringValue":` and so on for each key: built once per key and kind of value. */
const keyPrefix = {
  string: memoize((key: string) => `{"key":${JSON.stringify(key)},"value":{"stringValue":`),
  int: memoize((key: string) => `{"key":${JSON.stringify(key)},"value":{"intValue":`),
  double: memoize((key: string) => `{"key":${JSON.stringify(key)},"value":{"doubleValue":`),
  bool: memoize((key: string) => `{"key":${JSON.stringify(key)},"value":{"boolValue":`),
}

/** A string value as JSON, remembered: for values that come back on every event (a broker's name, a type, a URL). */
export const quotedValue = memoize((value: string) => JSON.stringify(cut(value)), 4096)

/** A string value as JSON, for values new with every event (an event id). */
export function freshValue(value: string): string {
  return JSON.stringify(cut(value))
}

function cut(value: string): string {
  return value.length > MAX_ATTRIBUTE_CHARS ? value.slice(0, MAX_ATTRIBUTE_CHARS) : value
}

/** One attribute, `{"key":…,"value":{…}}`; a string value is given as its JSON (quotedValue's or freshValue's). */
export function stringAttribute(key: string, quoted: string): string {
  return `${keyPrefix.string(key)}${quoted}}}`
}

/** One attribute of any value: numbers that are integers are `intValue`, others `doubleValue`. */
export function attribute(key: string, value: AttributeValue): string {
  if (typeof value === 'string') return stringAttribute(key, freshValue(value))
  if (typeof value === 'boolean') return `${keyPrefix.bool(key)}${value}}}`
  if (Number.isSafeInteger(value)) return `${keyPrefix.int(key)}${value}}}`
  // JSON has no NaN or Infinity; OTLP/JSON writes them as strings
  return `${keyPrefix.double(key)}${Number.isFinite(value) ? value : JSON.stringify(String(value))}}}`
}

/** Attributes as the comma-separated members of OTLP's attributes array; undefined values are left out. */
export function attributes(values: Readonly<Record<string, AttributeValue | undefined>>): string {
  let text = ''
  for (const key of Object.keys(values)) {
    const value = values[key]
    if (value !== undefined) text += text === '' ? attribute(key, value) : `,${attribute(key, value)}`
  }
  return text
}

/** What a span's OTLP/JSON needs. */
export interface SpanText {
  traceId: string
  spanId: string
  /** Undefined for a root span. */
  parentSpanId: string | undefined
  /** Whether the parent came from another process (a traceparent header or extension). */
  remoteParent: boolean
  /** The trace's W3C flags (`01`: sampled). */
  flags: string
  traceState: string | undefined
  /** The span's name as JSON. */
  name: string
  kind: number
  /** Unix nanoseconds, as decimal text. */
  start: string
  end: string
  /** attributes()'s text. */
  attributes: string
  /** An error's message, when the span's status is an error. */
  error?: string | undefined
}

/** One span as OTLP/JSON. */
export function spanJson(span: SpanText): string {
  const flags =
    Number.parseInt(span.flags, 16) | (span.parentSpanId === undefined ? 0 : HAS_IS_REMOTE | (span.remoteParent ? IS_REMOTE : 0))
  let text = `{"traceId":"${span.traceId}","spanId":"${span.spanId}"`
  if (span.parentSpanId !== undefined) text += `,"parentSpanId":"${span.parentSpanId}"`
  if (span.traceState !== undefined) text += `,"traceState":${JSON.stringify(span.traceState)}`
  text += `,"flags":${flags},"name":${span.name},"kind":${span.kind},"startTimeUnixNano":"${span.start}","endTimeUnixNano":"${span.end}","attributes":[${span.attributes}]`
  if (span.error !== undefined) text += `,"status":{"code":${OTLP_STATUS_ERROR},"message":${JSON.stringify(span.error)}}`
  return `${text}}`
}

/** An export request's body: the OTLP/JSON of its spans, and how many. */
export interface TracesRequest {
  bytes: Buffer
  spans: number
}

const COMMA = 0x2c
/** Buffer's UTF-8 writer without the encoding lookup of write() (Node has it on every Buffer; its types do not say so). */
type Utf8Writable = Buffer & {utf8Write(text: string, offset: number): number}
const REQUEST_END = ']}]}]}'

/**
 * Export requests filled as spans end: each span's text is written into the body of the request it goes in
 * at once, so that no batch-sized string is ever built (joining and encoding one cost more than the spans).
 * At most `maxRequests` bodies wait, full or filling; a span past them is dropped.
 */
export class TracesRequests {
  private readonly ready: TracesRequest[] = []
  /** Bodies sent and given back: reused, since a fresh one costs its pages' first touch. */
  private readonly spare: Buffer[] = []
  private body: Buffer | undefined
  private used = 0
  private spans = 0
  private readonly start: Buffer

  constructor(
    /** attributes()'s text of the resource. */
    resourceAttributes: string,
    scope: string,
    private readonly maxSpans = 512,
    private readonly maxRequests = 8,
    private readonly bodyBytes = 512 * 1024,
  ) {
    this.start = Buffer.from(
      `{"resourceSpans":[{"resource":{"attributes":[${resourceAttributes}]},"scopeSpans":[{"scope":{"name":${JSON.stringify(scope)}},"spans":[`,
    )
  }

  /** Adds a span (spanJson's text); false when it was dropped, `maxRequests` bodies waiting already. */
  add(span: string): boolean {
    // a UTF-16 code unit takes at most 3 bytes in UTF-8
    const room = span.length * 3 + 1 + REQUEST_END.length
    if (this.body === undefined || this.used + room > this.body.byteLength) {
      if (this.body !== undefined) this.seal()
      if (this.ready.length >= this.maxRequests) return false
      const size = this.start.byteLength + room
      this.body = size <= this.bodyBytes ? (this.spare.pop() ?? Buffer.allocUnsafe(this.bodyBytes)) : Buffer.allocUnsafe(size)
      this.used = this.start.copy(this.body)
    }
    const body = this.body
    if (this.spans > 0) body[this.used++] = COMMA
    this.used += (body as Utf8Writable).utf8Write(span, this.used)
    if (++this.spans >= this.maxSpans) this.seal()
    return true
  }

  /** Whether a body has all the spans it takes. */
  get full(): boolean {
    return this.ready.length > 0
  }

  /** Whether any span waits. */
  get waiting(): boolean {
    return this.ready.length > 0 || this.spans > 0
  }

  /** Every request waiting, the one being filled too; the queue is then empty. */
  take(): TracesRequest[] {
    if (this.body !== undefined) this.seal()
    return this.ready.splice(0)
  }

  /** Gives back a request's body once it is sent. */
  release(request: TracesRequest): void {
    const {buffer, byteOffset} = request.bytes
    // only the bodies of bodyBytes this made (a span larger than them got one of its own)
    if (byteOffset === 0 && buffer.byteLength === this.bodyBytes && this.spare.length < 2)
      this.spare.push(Buffer.from(buffer, 0, this.bodyBytes))
  }

  private seal(): void {
    const body = this.body!
    if (this.spans > 0) {
      this.used += body.write(REQUEST_END, this.used, 'latin1')
      this.ready.push({bytes: body.subarray(0, this.used), spans: this.spans})
    }
    this.body = undefined
    this.used = 0
    this.spans = 0
  }
}

/** Unix nanoseconds as decimal text, of a time given as its whole milliseconds (as text) and a fraction of one (0 ≤ fraction < 1). */
export function unixNanos(wholeMs: string, fractionMs: number): string {
  // 1e6 + nanos has seven digits: the last six are the nanoseconds with their leading zeros
  return wholeMs + String(Math.floor(fractionMs * 1e6) + 1_000_000).slice(1)
}
