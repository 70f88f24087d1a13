// Spans as OTLP/JSON (https://opentelemetry.io/docs/specs/otlp/#json-protobuf-encoding, with
// opentelemetry-proto's trace.proto): ids as lower-case hex, 64-bit times as decimal strings, enums as
// numbers, lowerCamelCase fields, empty fields left out. kne writes each span's bytes straight into the body
// of the export request it goes in when the span ends: the parts that repeat (attribute keys, a broker's
// names, a URL) are encoded once and copied, ids and times are written digit by digit, and no string is
// built per span. Building the SDK's span objects and serialising them, or building each span's text and
// then encoding it, cost more than the rest of a synchronous broker's work (bench/notes.md, "Trace context
// and span export").
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

function cut(value: string): string {
  return value.length > MAX_ATTRIBUTE_CHARS ? value.slice(0, MAX_ATTRIBUTE_CHARS) : value
}

/** One attribute of any value: numbers that are integers are `intValue`, others `doubleValue`. */
export function attribute(key: string, value: AttributeValue): string {
  if (typeof value === 'string') return `${keyPrefix.string(key)}${JSON.stringify(cut(value))}}}`
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

/** Attributes encoded once (attributes()'s text as UTF-8): what a span copies for the attributes that repeat. */
export function attributeBytes(values: Readonly<Record<string, AttributeValue | undefined>>): Buffer {
  return Buffer.from(attributes(values))
}

/** `{"key":…,"value":{"stringValue":` of a key, encoded once: what WritingSpan.string() takes. */
export const stringPrefix = memoize((key: string) => Buffer.from(keyPrefix.string(key)))
/** `{"key":…,"value":{"intValue":` of a key, encoded once: what WritingSpan.int() takes. */
export const intPrefix = memoize((key: string) => Buffer.from(keyPrefix.int(key)))

/** An export request's body: the OTLP/JSON of its spans, and how many. */
export interface TracesRequest {
  bytes: Buffer
  spans: number
}

/**
 * The most a span takes: ids and times, at most 16 attributes whose strings are cut to MAX_ATTRIBUTE_CHARS (6
 * bytes a character at worst, escaped), a trace state and an error message as long.
 */
const MAX_SPAN_BYTES = 20 * (MAX_ATTRIBUTE_CHARS * 6 + 256)

const QUOTE = 0x22
const COMMA = 0x2c
const BACKSLASH = 0x5c
const ZERO = 0x30
const CLOSE_BRACE = 0x7d // }
const CLOSE_ARRAY = 0x5d // ]
const REQUEST_END = ']}]}]}'
const ascii = (text: string): Buffer => Buffer.from(text, 'latin1')
const PART = {
  traceId: ascii('{"traceId":"'),
  spanId: ascii('","spanId":"'),
  parentSpanId: ascii('","parentSpanId":"'),
  traceState: ascii('","traceState":'),
  flagsAfterId: ascii('","flags":'),
  flags: ascii(',"flags":'),
  end: ascii('","endTimeUnixNano":"'),
  attributes: ascii('","attributes":['),
  status: ascii(`,"status":{"code":${OTLP_STATUS_ERROR},"message":`),
}

/** A span's name and kind, and what comes between them and its start time, encoded once: what TracesRequests.begin() takes. */
export function spanHead(name: string, kind: number): Buffer {
  return Buffer.from(`,"name":${JSON.stringify(cut(name))},"kind":${kind},"startTimeUnixNano":"`)
}

/** Buffer's UTF-8 writer without the encoding lookup of write() (Node has it on every Buffer; its types do not say so). */
type Utf8Writable = Buffer & {utf8Write(text: string, offset: number): number}

/**
 * Export requests filled as spans end: each span is written into the body of the request it goes in at once
 * (begin(), then its attributes, then end()). At most `maxRequests` bodies wait, full or filling; a span past
 * them is dropped.
 */
export class TracesRequests {
  private readonly ready: TracesRequest[] = []
  /** Bodies sent and given back: reused, since a fresh one costs its pages' first touch. */
  private readonly spare: Buffer[] = []
  private body: Buffer = Buffer.alloc(0)
  private used = 0
  private spans = 0
  /** Attributes written in the span under way: each after the first takes a comma. */
  private attributeCount = 0
  private lastWholeMs = Number.NaN
  private lastMsDigits = Buffer.alloc(0)
  private readonly start: Buffer

  constructor(
    /** attributes()'s text of the resource. */
    resourceAttributes: string,
    scope: string,
    private readonly maxSpans = 512,
    private readonly maxRequests = 8,
    private readonly bodyBytes = 512 * 1024,
    /** The Unix time, in whole milliseconds, that span times count from (small numbers keep a double's precision to the nanosecond). */
    private readonly epochMs = 0,
  ) {
    this.start = Buffer.from(
      `{"resourceSpans":[{"resource":{"attributes":[${resourceAttributes}]},"scopeSpans":[{"scope":{"name":${JSON.stringify(scope)}},"spans":[`,
    )
  }

  /**
   * Starts a span and writes all but its attributes; false when it is dropped (then nothing else of it may
   * be written). Times are milliseconds after epochMs, with their fraction.
   */
  begin(
    traceId: string,
    spanId: string,
    parentSpanId: string | undefined,
    remoteParent: boolean,
    traceFlags: number,
    traceState: string | undefined,
    head: Uint8Array,
    start: number,
    end: number,
  ): boolean {
    if (this.used + MAX_SPAN_BYTES > this.body.byteLength) {
      if (this.spans > 0) this.seal()
      if (this.ready.length >= this.maxRequests) return false
      this.body = this.spare.pop() ?? Buffer.allocUnsafe(this.bodyBytes)
      this.used = this.start.copy(this.body)
    }
    if (this.spans > 0) this.body[this.used++] = COMMA
    this.attributeCount = 0
    this.part(PART.traceId)
    this.ascii(traceId)
    this.part(PART.spanId)
    this.ascii(spanId)
    if (parentSpanId !== undefined) {
      this.part(PART.parentSpanId)
      this.ascii(parentSpanId)
    }
    if (traceState !== undefined) {
      this.part(PART.traceState)
      this.string(traceState)
      this.part(PART.flags)
    } else this.part(PART.flagsAfterId)
    this.digits(traceFlags | (parentSpanId === undefined ? 0 : HAS_IS_REMOTE | (remoteParent ? IS_REMOTE : 0)))
    this.part(head)
    this.nanos(start)
    this.part(PART.end)
    this.nanos(end)
    this.part(PART.attributes)
    return true
  }

  /** Attributes encoded once (attributeBytes()), copied in. */
  attributes(encoded: Uint8Array): void {
    if (encoded.byteLength === 0) return
    if (this.attributeCount++ > 0) this.body[this.used++] = COMMA
    this.part(encoded)
  }

  /** An attribute with a string value: its key's stringPrefix() and the value, cut to MAX_ATTRIBUTE_CHARS. */
  stringAttribute(prefix: Uint8Array, value: string): void {
    if (this.attributeCount++ > 0) this.body[this.used++] = COMMA
    this.part(prefix)
    this.string(value)
    this.valueEnd()
  }

  /** An attribute with a whole number ≥ 0 as its value: its key's intPrefix() and the number. */
  intAttribute(prefix: Uint8Array, value: number): void {
    if (this.attributeCount++ > 0) this.body[this.used++] = COMMA
    this.part(prefix)
    this.digits(value)
    this.valueEnd()
  }

  /** Attributes given as attributes()'s text: for those a span seldom has. */
  attributeText(text: string): void {
    if (text === '') return
    if (this.attributeCount++ > 0) this.body[this.used++] = COMMA
    this.used += (this.body as Utf8Writable).utf8Write(text, this.used)
  }

  /** Ends the span, with an error status when `error` is given. */
  end(error?: string): void {
    this.body[this.used++] = CLOSE_ARRAY
    if (error !== undefined) {
      this.part(PART.status)
      this.string(error)
      this.body[this.used++] = CLOSE_BRACE
    }
    this.body[this.used++] = CLOSE_BRACE
    if (++this.spans >= this.maxSpans) this.seal()
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
    if (this.spans > 0) this.seal()
    return this.ready.splice(0)
  }

  /** Gives back a request's body once it is sent. */
  release(request: TracesRequest): void {
    const {buffer} = request.bytes
    if (buffer.byteLength === this.bodyBytes && this.spare.length < 2) this.spare.push(Buffer.from(buffer, 0, this.bodyBytes))
  }

  private seal(): void {
    this.used += this.body.write(REQUEST_END, this.used, 'latin1')
    this.ready.push({bytes: this.body.subarray(0, this.used), spans: this.spans})
    this.body = Buffer.alloc(0)
    this.used = 0
    this.spans = 0
  }

  /** The `}}` that closes an attribute's value and the attribute. */
  private valueEnd(): void {
    this.body[this.used++] = CLOSE_BRACE
    this.body[this.used++] = CLOSE_BRACE
  }

  private part(bytes: Uint8Array): void {
    this.body.set(bytes, this.used)
    this.used += bytes.byteLength
  }

  /** Text known to be ASCII (hex ids). */
  private ascii(text: string): void {
    const body = this.body
    let at = this.used
    for (let i = 0; i < text.length; i++) body[at++] = text.charCodeAt(i)
    this.used = at
  }

  /** A string as JSON, cut to MAX_ATTRIBUTE_CHARS: copied as it is while it is printable ASCII, else through JSON.stringify. */
  private string(value: string): void {
    const text = cut(value)
    const body = this.body
    let at = this.used
    body[at++] = QUOTE
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i)
      if (c < 0x20 || c > 0x7e || c === QUOTE || c === BACKSLASH) {
        this.used += (body as Utf8Writable).utf8Write(JSON.stringify(text), this.used)
        return
      }
      body[at++] = c
    }
    body[at++] = QUOTE
    this.used = at
  }

  /** A whole number ≥ 0 below 2^31 in decimal. */
  private digits(value: number): void {
    let n = value | 0
    let length = 1
    for (let rest = n; rest >= 10; rest = (rest / 10) | 0) length++
    const body = this.body
    for (let at = this.used + length - 1; at >= this.used; at--) {
      body[at] = ZERO + (n % 10)
      n = (n / 10) | 0
    }
    this.used += length
  }

  /** A time (milliseconds after epochMs) as Unix nanoseconds in decimal: the whole milliseconds, then six digits. */
  private nanos(ms: number): void {
    let whole = Math.floor(ms)
    let nanos = Math.round((ms - whole) * 1e6)
    if (nanos === 1e6) {
      whole++
      nanos = 0
    }
    // the milliseconds' digits are encoded once per millisecond
    if (whole !== this.lastWholeMs) {
      this.lastWholeMs = whole
      this.lastMsDigits = Buffer.from(String(this.epochMs + whole), 'latin1')
    }
    this.part(this.lastMsDigits)
    const body = this.body
    for (let at = this.used + 5; at >= this.used; at--) {
      body[at] = ZERO + (nanos % 10)
      nanos = (nanos / 10) | 0
    }
    this.used += 6
  }
}
