// Reads an OTLP/HTTP protobuf traces body (opentelemetry-proto's ExportTraceServiceRequest) into plain
// values, as a collector would: a protobuf wire-format reader and the fields of the trace messages.

type Field = {number: number; varint?: bigint; fixed?: bigint; bytes?: Uint8Array}

function fields(bytes: Uint8Array): Field[] {
  const out: Field[] = []
  let at = 0
  const varint = (): bigint => {
    let value = 0n
    for (let shift = 0n; ; shift += 7n) {
      if (at >= bytes.length) throw new Error('a varint runs past the end')
      const byte = bytes[at++]!
      value |= BigInt(byte & 0x7f) << shift
      // valid protobuf, but neither kne nor the SDK writes one: a length written in more bytes than it takes
      if (byte === 0 && shift > 0n) throw new Error('a varint in more bytes than it takes')
      if (byte < 0x80) return value
    }
  }
  const fixed = (size: number): bigint => {
    if (at + size > bytes.length) throw new Error('a fixed field runs past the end')
    let value = 0n
    for (let i = size - 1; i >= 0; i--) value = (value << 8n) | BigInt(bytes[at + i]!)
    at += size
    return value
  }
  while (at < bytes.length) {
    const key = Number(varint())
    const number = key >> 3
    switch (key & 7) {
      case 0:
        out.push({number, varint: varint()})
        break
      case 1:
        out.push({number, fixed: fixed(8)})
        break
      case 2: {
        const length = Number(varint())
        if (at + length > bytes.length) throw new Error(`field ${number} runs past the end`)
        out.push({number, bytes: bytes.subarray(at, at + length)})
        at += length
        break
      }
      case 5:
        out.push({number, fixed: fixed(4)})
        break
      default:
        throw new Error(`wire type ${key & 7} is not one OTLP uses`)
    }
  }
  return out
}

const text = (bytes: Uint8Array | undefined): string => new TextDecoder('utf-8', {fatal: true}).decode(bytes)
const hex = (bytes: Uint8Array | undefined): string => Buffer.from(bytes ?? []).toString('hex')
const all = (list: Field[], number: number): Field[] => list.filter((f) => f.number === number)
const one = (list: Field[], number: number): Field | undefined => all(list, number).at(-1)

export type AttributeValue = string | number | boolean

function anyValue(bytes: Uint8Array): AttributeValue {
  const [value] = fields(bytes)
  if (value === undefined) return ''
  if (value.number === 1) return text(value.bytes)
  if (value.number === 2) return value.varint === 1n
  if (value.number === 3) return Number(BigInt.asIntN(64, value.varint!))
  if (value.number === 4) {
    const double = Buffer.alloc(8)
    double.writeBigUInt64LE(value.fixed!)
    return double.readDoubleLE(0)
  }
  throw new Error(`AnyValue field ${value.number} is not read here`)
}

function keyValues(list: Field[]): Record<string, AttributeValue> {
  return Object.fromEntries(
    list.map((f) => {
      const kv = fields(f.bytes!)
      return [text(one(kv, 1)?.bytes), anyValue(one(kv, 2)?.bytes ?? new Uint8Array())]
    }),
  )
}

export interface DecodedSpan {
  traceId: string
  spanId: string
  parentSpanId?: string
  traceState?: string
  flags?: number
  name: string
  kind: number
  startTimeUnixNano: string
  endTimeUnixNano: string
  attributes: Record<string, AttributeValue>
  droppedAttributesCount?: number
  status?: {code: number; message?: string}
}

export interface DecodedRequest {
  resources: {attributes: Record<string, AttributeValue>; scopes: {name: string; spans: DecodedSpan[]}[]}[]
}

function span(bytes: Uint8Array): DecodedSpan {
  const s = fields(bytes)
  const decoded: DecodedSpan = {
    traceId: hex(one(s, 1)?.bytes),
    spanId: hex(one(s, 2)?.bytes),
    name: text(one(s, 5)?.bytes),
    kind: Number(one(s, 6)?.varint ?? 0n),
    startTimeUnixNano: String(one(s, 7)?.fixed ?? 0n),
    endTimeUnixNano: String(one(s, 8)?.fixed ?? 0n),
    attributes: keyValues(all(s, 9)),
  }
  const parent = one(s, 4)?.bytes
  if (parent !== undefined && parent.length > 0) decoded.parentSpanId = hex(parent)
  const state = one(s, 3)?.bytes
  if (state !== undefined && state.length > 0) decoded.traceState = text(state)
  const dropped = one(s, 10)?.varint
  if (dropped !== undefined) decoded.droppedAttributesCount = Number(dropped)
  const flags = one(s, 16)?.fixed
  if (flags !== undefined) decoded.flags = Number(flags)
  const status = one(s, 15)?.bytes
  if (status !== undefined) {
    const st = fields(status)
    const message = one(st, 2)?.bytes
    decoded.status = {code: Number(one(st, 3)?.varint ?? 0n), ...(message && message.length > 0 ? {message: text(message)} : {})}
  }
  return decoded
}

/** An ExportTraceServiceRequest's resources, scopes and spans; throws on bytes that are not one. */
export function decodeTracesRequest(bytes: Uint8Array): DecodedRequest {
  return {
    resources: all(fields(bytes), 1).map((resourceSpans) => {
      const rs = fields(resourceSpans.bytes!)
      const resource = one(rs, 1)?.bytes
      return {
        attributes: keyValues(resource ? all(fields(resource), 1) : []),
        scopes: all(rs, 2).map((scopeSpans) => {
          const ss = fields(scopeSpans.bytes!)
          const scope = one(ss, 1)?.bytes
          return {name: scope ? text(one(fields(scope), 1)?.bytes) : '', spans: all(ss, 2).map((f) => span(f.bytes!))}
        }),
      }
    }),
  }
}
