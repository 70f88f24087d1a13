// Spans as OTLP/HTTP protobuf bodies (the protocol's default encoding): an ExportTraceServiceRequest of
// opentelemetry-proto (collector/trace/v1), with one resource and one scope, written by hand. kne writes each
// span's bytes into the body of the request it goes in when the span ends: the parts that repeat (a broker's
// name and kind, its attributes, a URL, an event type's attributes) are encoded once and copied, ids are
// decoded from hex and times written as they are, and no object or string is built per span. Building the
// SDK's span objects and serialising them cost more than the rest of a synchronous broker's work, and JSON
// bodies twice the bytes, which the mesh's own core pays to send (bench/notes.md, "Trace context and span
// export").
import {memoize} from './memo.js'

/** OTLP's SpanKind numbers (trace.proto), which are the OpenTelemetry API's plus one. */
export const OTLP_SPAN_KIND = {internal: 1, server: 2, client: 3} as const

/** OTLP's Status.code: 2 is an error. */
const OTLP_STATUS_ERROR = 2

/** Attribute values, a trace state and an error message are cut to this many characters (a value from an event could be as long as its body). */
export const MAX_ATTRIBUTE_CHARS = 512

export type AttributeValue = string | number | boolean

/** trace.proto's SpanFlags: the W3C trace flags in the low byte, then whether the parent's remoteness is known, and whether it is remote. */
const HAS_IS_REMOTE = 0x100
const IS_REMOTE = 0x200

// Tags (field number << 3 | wire type) of the messages written here
const TAG = {
  // ExportTraceServiceRequest.resource_spans, ResourceSpans.resource, Resource.attributes, ScopeSpans.scope,
  // InstrumentationScope.name, KeyValue.key, AnyValue.string_value: all field 1, length-delimited
  field1: 0x0a,
  // ResourceSpans.scope_spans, ScopeSpans.spans, KeyValue.value, Span.span_id, Status.message: field 2
  field2: 0x12,
  traceState: 0x1a,
  parentSpanId: 0x22,
  name: 0x2a,
  kind: 0x30,
  start: 0x39, // fixed64
  end: 0x41, // fixed64
  attribute: 0x4a,
  droppedAttributes: 0x50,
  status: 0x7a,
  statusCode: 0x18,
  boolValue: 0x10,
  intValue: 0x18,
  doubleValue: 0x21,
} as const
/** Span.flags: field 16, fixed32, whose tag takes two bytes. */
const FLAGS_TAG = [0x85, 0x01] as const

function cut(value: string): string {
  return value.length > MAX_ATTRIBUTE_CHARS ? value.slice(0, MAX_ATTRIBUTE_CHARS) : value
}

/** Bytes a varint of `n` (0 ≤ n < 2^53) takes. */
function varintLength(n: number): number {
  let length = 1
  while (n >= 0x80) {
    n = Math.floor(n / 0x80)
    length++
  }
  return length
}

function varint(n: number): number[] {
  const bytes: number[] = []
  while (n >= 0x80) {
    bytes.push((n % 0x80) | 0x80)
    n = Math.floor(n / 0x80)
  }
  bytes.push(n)
  return bytes
}

/** A length-delimited field, for the bytes encoded once. */
function delimited(tag: number, payload: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from([tag, ...varint(payload.byteLength)]), payload])
}

function anyValue(value: AttributeValue): Buffer {
  if (typeof value === 'string') return delimited(TAG.field1, Buffer.from(cut(value)))
  if (typeof value === 'boolean') return Buffer.from([TAG.boolValue, value ? 1 : 0])
  if (Number.isSafeInteger(value)) {
    // int64 as a varint: a negative number takes ten bytes, its two's complement
    let n = BigInt.asUintN(64, BigInt(value))
    const bytes: number[] = [TAG.intValue]
    while (n >= 0x80n) {
      bytes.push(Number(n & 0x7fn) | 0x80)
      n >>= 7n
    }
    bytes.push(Number(n))
    return Buffer.from(bytes)
  }
  const double = Buffer.alloc(9)
  double[0] = TAG.doubleValue
  double.writeDoubleLE(value, 1)
  return double
}

function keyValues(tag: number, values: Readonly<Record<string, AttributeValue | undefined>>): Buffer {
  const fields: Buffer[] = []
  for (const key of Object.keys(values)) {
    const value = values[key]
    if (value !== undefined) fields.push(delimited(tag, Buffer.concat([attributeKey(key), delimited(TAG.field2, anyValue(value))])))
  }
  return Buffer.concat(fields)
}

/** A span's attributes (undefined values left out), encoded once: what a span copies for the attributes that repeat. */
export function attributeBytes(values: Readonly<Record<string, AttributeValue | undefined>>): Buffer {
  return keyValues(TAG.attribute, values)
}

/** A span's name and kind, encoded once: what TracesRequests.begin() takes. */
export function spanHead(name: string, kind: number): Buffer {
  return Buffer.concat([delimited(TAG.name, Buffer.from(cut(name))), Buffer.from([TAG.kind, kind])])
}

/** An attribute's key field, encoded once per key: what TracesRequests.stringAttribute() and intAttribute() take. */
export const attributeKey = memoize((key: string) => delimited(TAG.field1, Buffer.from(key)))

/** An export request's body, and how many spans it holds. */
export interface TracesRequest {
  bytes: Buffer
  spans: number
}

/**
 * The most a span takes: ids, times and flags, its attributes (about 16 whose strings are cut to
 * MAX_ATTRIBUTE_CHARS, 3 bytes a character at worst), a trace state and an error message as long. Attributes
 * past it are dropped and counted, so that a body's room holds whatever a caller writes.
 */
const MAX_SPAN_BYTES = 20 * (MAX_ATTRIBUTE_CHARS * 3 + 128)
/** Kept at a span's end for its status (an error message cut to MAX_ATTRIBUTE_CHARS) and the count of attributes dropped. */
const SPAN_END_ROOM = MAX_ATTRIBUTE_CHARS * 3 + 32
/** A span's length is written in this many bytes' room, then moved up to the varint's own length. */
const SPAN_LENGTH_ROOM = 3

/** Hex digits' values by character code, -1 for other characters. */
const HEX_VALUE = new Int8Array(128).fill(-1)
for (let i = 0; i < 16; i++) HEX_VALUE['0123456789abcdef'.charCodeAt(i)] = i

const TWO_32 = 2 ** 32

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
  /** Where the span under way starts (after its tag and its length's room). */
  private spanStart = 0
  /** Where its attributes must end, and how many of them did not fit. */
  private attributesEnd = 0
  private droppedAttributes = 0
  /** Room kept at a body's start for the request's own fields, written once its spans are known. */
  private readonly headerRoom: number
  private readonly resource: Buffer
  private readonly scope: Buffer

  constructor(
    resourceAttributes: Readonly<Record<string, AttributeValue>>,
    scope: string,
    private readonly maxSpans = 512,
    private readonly maxRequests = 8,
    private readonly bodyBytes = 512 * 1024,
    /** The Unix time, in whole milliseconds, that span times count from (small numbers keep a double's precision to the nanosecond). */
    private readonly epochMs = 0,
  ) {
    this.resource = delimited(TAG.field1, keyValues(TAG.field1, resourceAttributes))
    this.scope = delimited(TAG.field1, delimited(TAG.field1, Buffer.from(scope)))
    // the tags and lengths of ResourceSpans and ScopeSpans: a tag and at most five bytes of length each
    this.headerRoom = this.resource.byteLength + this.scope.byteLength + 12
  }

  /**
   * Starts a span and writes all but its attributes; false when it is dropped (then nothing else of it may
   * be written). Ids are lower-case hex; times are milliseconds after epochMs, with their fraction.
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
      this.used = this.headerRoom
    }
    const body = this.body
    body[this.used] = TAG.field2 // ScopeSpans.spans
    this.used += 1 + SPAN_LENGTH_ROOM
    this.spanStart = this.used
    this.attributesEnd = this.spanStart + MAX_SPAN_BYTES - SPAN_END_ROOM
    this.droppedAttributes = 0
    this.id(TAG.field1, traceId)
    this.id(TAG.field2, spanId)
    if (parentSpanId !== undefined) this.id(TAG.parentSpanId, parentSpanId)
    if (traceState !== undefined) this.string(TAG.traceState, traceState)
    body[this.used++] = FLAGS_TAG[0]
    body[this.used++] = FLAGS_TAG[1]
    body.writeUInt32LE(traceFlags | (parentSpanId === undefined ? 0 : HAS_IS_REMOTE | (remoteParent ? IS_REMOTE : 0)), this.used)
    this.used += 4
    this.part(head)
    this.time(TAG.start, start)
    this.time(TAG.end, end)
    return true
  }

  /** Attributes encoded once (attributeBytes()), copied in. */
  attributes(encoded: Uint8Array): void {
    if (this.fits(encoded.byteLength, encoded)) this.part(encoded)
  }

  /** Attributes a span seldom has, encoded here. */
  attributeValues(values: Readonly<Record<string, AttributeValue | undefined>>): void {
    this.attributes(attributeBytes(values))
  }

  /** An attribute with a string value, cut to MAX_ATTRIBUTE_CHARS: its key's attributeKey() and the value. */
  stringAttribute(key: Uint8Array, value: string): void {
    const text = cut(value)
    const length = utf8Length(text)
    const anyLength = 1 + varintLength(length) + length
    const kvLength = key.byteLength + 1 + varintLength(anyLength) + anyLength
    if (!this.fits(1 + varintLength(kvLength) + kvLength)) return
    this.body[this.used++] = TAG.attribute
    this.varint(kvLength)
    this.part(key)
    this.body[this.used++] = TAG.field2
    this.varint(anyLength)
    this.body[this.used++] = TAG.field1
    this.varint(length)
    this.text(text, length)
  }

  /** An attribute with a whole number ≥ 0 below 2^31 as its value: its key's attributeKey() and the number. */
  intAttribute(key: Uint8Array, value: number): void {
    const anyLength = 1 + varintLength(value)
    if (!this.fits(key.byteLength + 8 + anyLength)) return
    this.body[this.used++] = TAG.attribute
    this.varint(key.byteLength + 2 + anyLength)
    this.part(key)
    this.body[this.used++] = TAG.field2
    this.body[this.used++] = anyLength
    this.body[this.used++] = TAG.intValue
    this.varint(value)
  }

  /** Ends the span, with an error status when `error` is given. */
  end(error?: string): void {
    const body = this.body
    if (this.droppedAttributes > 0) {
      body[this.used++] = TAG.droppedAttributes
      this.varint(this.droppedAttributes)
    }
    if (error !== undefined) {
      const text = cut(error)
      const length = utf8Length(text)
      body[this.used++] = TAG.status
      this.varint(1 + varintLength(length) + length + 2)
      body[this.used++] = TAG.field2 // Status.message
      this.varint(length)
      this.text(text, length)
      body[this.used++] = TAG.statusCode
      body[this.used++] = OTLP_STATUS_ERROR
    }
    // the span's length goes before it, in the room kept for it: moved up when its varint is shorter
    const length = this.used - this.spanStart
    const lengthBytes = varintLength(length)
    let at = this.spanStart - SPAN_LENGTH_ROOM
    if (lengthBytes < SPAN_LENGTH_ROOM) {
      body.copyWithin(at + lengthBytes, this.spanStart, this.used)
      this.used -= SPAN_LENGTH_ROOM - lengthBytes
    }
    let n = length
    while (n >= 0x80) {
      body[at++] = (n & 0x7f) | 0x80
      n >>>= 7
    }
    body[at] = n
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

  /** Writes the request's fields before its spans, now that their length is known. */
  private seal(): void {
    const spansLength = this.used - this.headerRoom
    const scopeSpansLength = this.scope.byteLength + spansLength
    const resourceSpansLength = this.resource.byteLength + 1 + varintLength(scopeSpansLength) + scopeSpansLength
    const header = Buffer.concat([
      Buffer.from([TAG.field1, ...varint(resourceSpansLength)]),
      this.resource,
      Buffer.from([TAG.field2, ...varint(scopeSpansLength)]),
      this.scope,
    ])
    const start = this.headerRoom - header.byteLength
    header.copy(this.body, start)
    this.ready.push({bytes: this.body.subarray(start, this.used), spans: this.spans})
    this.body = Buffer.alloc(0)
    this.used = 0
    this.spans = 0
  }

  /** Whether `bytes` more of attributes fit the span's room; when not, they are counted as dropped (`encoded`: several at once). */
  private fits(bytes: number, encoded?: Uint8Array): boolean {
    if (this.used + bytes <= this.attributesEnd) return true
    this.droppedAttributes += encoded === undefined ? 1 : countFields(encoded)
    return false
  }

  private part(bytes: Uint8Array): void {
    this.body.set(bytes, this.used)
    this.used += bytes.byteLength
  }

  private varint(n: number): void {
    const body = this.body
    while (n >= 0x80) {
      body[this.used++] = (n % 0x80) | 0x80
      n = Math.floor(n / 0x80)
    }
    body[this.used++] = n
  }

  /** An id field: the hex (lower case, as kne makes ids) as bytes. */
  private id(tag: number, hex: string): void {
    const body = this.body
    const length = hex.length >> 1
    body[this.used++] = tag
    body[this.used++] = length
    let at = this.used
    for (let i = 0; i < hex.length; i += 2) body[at++] = (HEX_VALUE[hex.charCodeAt(i)]! << 4) | HEX_VALUE[hex.charCodeAt(i + 1)]!
    this.used = at
  }

  /** A string field, cut to MAX_ATTRIBUTE_CHARS. */
  private string(tag: number, value: string): void {
    const text = cut(value)
    const length = utf8Length(text)
    this.body[this.used++] = tag
    this.varint(length)
    this.text(text, length)
  }

  /** Text of `length` UTF-8 bytes: copied a character at a time when that is its length (ASCII). */
  private text(text: string, length: number): void {
    if (length !== text.length) {
      this.used += (this.body as Utf8Writable).utf8Write(text, this.used)
      return
    }
    const body = this.body
    let at = this.used
    for (let i = 0; i < text.length; i++) body[at++] = text.charCodeAt(i)
    this.used = at
  }

  /** A fixed64 time field: milliseconds after epochMs as Unix nanoseconds, in two 32-bit halves (a double holds 53 bits). */
  private time(tag: number, ms: number): void {
    let whole = Math.floor(ms)
    let nanos = Math.round((ms - whole) * 1e6)
    if (nanos === 1e6) {
      whole++
      nanos = 0
    }
    const unixMs = this.epochMs + whole
    // unixMs × 10^6 + nanos = high16 × 10^6 × 2^16 + (low16 × 10^6 + nanos), each part exact in a double
    const high = Math.floor(unixMs / 0x10000) * 1e6
    const low = (unixMs % 0x10000) * 1e6 + nanos
    const lowWord = (high % 0x10000) * 0x10000 + low
    const body = this.body
    body[this.used++] = tag
    body.writeUInt32LE(lowWord % TWO_32, this.used)
    body.writeUInt32LE(Math.floor(high / 0x10000) + Math.floor(lowWord / TWO_32), this.used + 4)
    this.used += 8
  }
}

/** Buffer's UTF-8 writer without the encoding lookup of write() (Node has it on every Buffer; its types do not say so). */
type Utf8Writable = Buffer & {utf8Write(text: string, offset: number): number}

/** The length-delimited fields one after the other in `encoded` (attributeBytes()'s attributes). */
function countFields(encoded: Uint8Array): number {
  let count = 0
  for (let at = 0; at < encoded.byteLength; count++) {
    let length = 0
    let shift = 1
    at++ // the tag
    for (let byte = 0x80; byte >= 0x80; shift *= 0x80) {
      byte = encoded[at++]!
      length += (byte & 0x7f) * shift
    }
    at += length
  }
  return count
}

/** UTF-8 bytes of a string: its length while it is ASCII, else Buffer.byteLength's count. */
function utf8Length(text: string): number {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) >= 0x80) return Buffer.byteLength(text)
  return text.length
}
