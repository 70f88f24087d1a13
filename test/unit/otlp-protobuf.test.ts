import * as api from '@opentelemetry/api'
import {ProtobufTraceSerializer} from '@opentelemetry/otlp-transformer'
import {resourceFromAttributes} from '@opentelemetry/resources'
import {BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor} from '@opentelemetry/sdk-trace-base'
import {describe, expect, it} from 'vitest'
import {attributeBytes, attributeKey, MAX_ATTRIBUTE_CHARS, OTLP_SPAN_KIND, spanHead, TracesRequests} from '../../src/core/otlp-protobuf.js'
import {decodeTracesRequest, type DecodedRequest, type DecodedSpan} from '../helpers/otlp-protobuf.js'

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736'
const PARENT = '00f067aa0ba902b7'
const SPAN = 'b7ad6b7169203331'
const EPOCH_MS = 1_796_000_000_000

/** The SDK's span through the official protobuf serializer: the reference kne's bytes must agree with. */
function sdkRequest(error: boolean): DecodedRequest {
  const exporter = new InMemorySpanExporter()
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({'service.name': 'kne'}),
    idGenerator: {generateTraceId: () => TRACE, generateSpanId: () => SPAN},
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  })
  const parent = api.trace.setSpanContext(api.ROOT_CONTEXT, {
    traceId: TRACE,
    spanId: PARENT,
    traceFlags: 1,
    isRemote: true,
    traceState: api.createTraceState('congo=t61rcWkgMzE'),
  })
  const span = provider.getTracer('kne').startSpan(
    'broker:default.default',
    {
      kind: api.SpanKind.SERVER,
      startTime: [EPOCH_MS / 1000, 5_000],
      attributes: {'cloudevents.event_id': 'é-1', 'kne.arrival': 7, 'kne.filter.matched': true, 'kne.ratio': 0.5, 'kne.offset': -3},
    },
    parent,
  )
  if (error) span.setStatus({code: api.SpanStatusCode.ERROR, message: 'HTTP 503'})
  span.end([EPOCH_MS / 1000, 250_000_123])
  return decodeTracesRequest(ProtobufTraceSerializer.serializeRequest(exporter.getFinishedSpans())!)
}

/** The same span through kne's writer: a string, an integer, attributes encoded once and seldom ones. */
function writeKneSpan(requests: TracesRequests, error: boolean, name = 'broker:default.default'): boolean {
  const written = requests.begin(
    TRACE,
    SPAN,
    PARENT,
    true,
    1,
    'congo=t61rcWkgMzE',
    spanHead(name, OTLP_SPAN_KIND.server),
    0.005,
    250.000123,
  )
  if (!written) return false
  requests.stringAttribute(attributeKey('cloudevents.event_id'), 'é-1')
  requests.intAttribute(attributeKey('kne.arrival'), 7)
  requests.attributes(attributeBytes({'kne.filter.matched': true}))
  requests.attributeValues({'kne.ratio': 0.5, 'kne.offset': -3})
  requests.end(error ? 'HTTP 503' : undefined)
  return true
}

const spansOf = (request: DecodedRequest): DecodedSpan[] => request.resources.flatMap((r) => r.scopes.flatMap((s) => s.spans))

describe('spans as OTLP protobuf', () => {
  it.each([false, true])('writes a span as the official protobuf serializer does (error status: %s)', (error) => {
    const requests = new TracesRequests({'service.name': 'kne'}, 'kne', 512, 8, 512 * 1024, EPOCH_MS)
    expect(writeKneSpan(requests, error)).toBe(true)
    const [request] = requests.take()
    const kne = decodeTracesRequest(request!.bytes)
    const sdk = sdkRequest(error)
    expect(kne.resources.map((r) => r.attributes)).toEqual(sdk.resources.map((r) => r.attributes))
    expect(kne.resources[0]!.scopes.map((s) => s.name)).toEqual(['kne'])
    const [sdkSpan] = spansOf(sdk)
    // the SDK writes an OK status as an empty Status and no dropped attributes as 0; kne leaves both out, which
    // reads the same
    expect(sdkSpan!.droppedAttributesCount).toBe(0)
    const expected = {...sdkSpan, droppedAttributesCount: undefined}
    expect(spansOf(kne)).toEqual([error ? expected : {...expected, status: undefined}])
    if (!error) expect(sdkSpan!.status).toEqual({code: 0})
    expect(sdkSpan).toMatchObject({flags: 0x301, startTimeUnixNano: '1796000000000005000', endTimeUnixNano: '1796000000250000123'})
  })

  it('writes strings as UTF-8, cut to the limit, and times to the nanosecond', () => {
    const values = ['plain', 'quote " and \\ backslash', 'line\nbreak\u0001', 'ünïcödé ✓ 😀', 'y'.repeat(MAX_ATTRIBUTE_CHARS + 10)]
    const requests = new TracesRequests({}, 'kne', 512, 8, 512 * 1024, EPOCH_MS)
    requests.begin(TRACE, SPAN, undefined, false, 1, undefined, spanHead('s', OTLP_SPAN_KIND.internal), 0.0000004, 7.9999996)
    values.forEach((value, i) => requests.stringAttribute(attributeKey(`k${i}`), value))
    requests.intAttribute(attributeKey('big'), 2 ** 31 - 1)
    requests.end('x'.repeat(2000))
    const [span] = spansOf(decodeTracesRequest(requests.take()[0]!.bytes))
    expect(span!.attributes).toEqual({
      ...Object.fromEntries(values.map((v, i) => [`k${i}`, v.slice(0, MAX_ATTRIBUTE_CHARS)])),
      big: 2 ** 31 - 1,
    })
    expect([span!.startTimeUnixNano, span!.endTimeUnixNano]).toEqual(['1796000000000000000', '1796000000008000000'])
    expect(span!.status).toEqual({code: 2, message: 'x'.repeat(MAX_ATTRIBUTE_CHARS)})
    // a root span carries its trace flags only
    expect(span!.flags).toBe(1)
    expect(span).not.toHaveProperty('parentSpanId')
  })

  it('writes Unix nanoseconds exactly across the range of dates', () => {
    for (const epochMs of [0, 1_000, 2 ** 32, EPOCH_MS, 4_102_444_800_000]) {
      const requests = new TracesRequests({}, 'kne', 512, 8, 512 * 1024, epochMs)
      requests.begin(TRACE, SPAN, undefined, false, 1, undefined, spanHead('s', OTLP_SPAN_KIND.internal), 65_535.999999, 65_536.000001)
      requests.end()
      const [span] = spansOf(decodeTracesRequest(requests.take()[0]!.bytes))
      expect([span!.startTimeUnixNano, span!.endTimeUnixNano]).toEqual([
        String(BigInt(epochMs + 65_535) * 1_000_000n + 999_999n),
        String(BigInt(epochMs + 65_536) * 1_000_000n + 1n),
      ])
    }
  })

  it('writes spans of every length, each length in as few bytes as it takes', () => {
    const requests = new TracesRequests({}, 'kne', 512, 8, 512 * 1024, EPOCH_MS)
    const lengths = [0, 10, 60, 200, 511]
    for (const n of lengths) {
      requests.begin(TRACE, SPAN, PARENT, false, 1, undefined, spanHead('s', OTLP_SPAN_KIND.client), 1, 2)
      requests.stringAttribute(attributeKey('v'), 'v'.repeat(n))
      requests.end()
    }
    // a span of more than 16 KiB, whose length takes all three bytes kept for it
    requests.begin(TRACE, SPAN, PARENT, false, 1, undefined, spanHead('s', OTLP_SPAN_KIND.client), 1, 2)
    for (let i = 0; i < 12; i++) requests.stringAttribute(attributeKey(`w${i}`), '✓'.repeat(MAX_ATTRIBUTE_CHARS))
    requests.end()
    const [request] = requests.take()
    expect(request!.bytes.byteLength).toBeGreaterThan(16_384)
    const spans = spansOf(decodeTracesRequest(request!.bytes))
    expect(spans.slice(0, -1).map((s) => (s.attributes.v as string).length)).toEqual(lengths)
    expect(Object.values(spans.at(-1)!.attributes)).toEqual(Array.from({length: 12}, () => '✓'.repeat(MAX_ATTRIBUTE_CHARS)))
  })
  it("drops the attributes past a span's room and counts them, so that a body holds whatever is written", () => {
    const requests = new TracesRequests({}, 'kne', 512, 8, 128 * 1024, EPOCH_MS)
    requests.begin(TRACE, SPAN, undefined, false, 1, undefined, spanHead('many', OTLP_SPAN_KIND.internal), 1, 2)
    const long = 'é'.repeat(MAX_ATTRIBUTE_CHARS)
    for (let i = 0; i < 100; i++) requests.stringAttribute(attributeKey(`s${i}`), long)
    for (let i = 0; i < 10; i++) requests.intAttribute(attributeKey(`i${i}`), i)
    requests.attributes(attributeBytes({a: long, b: long, c: 1}))
    requests.end('x'.repeat(2000))
    requests.begin(TRACE, SPAN, undefined, false, 1, undefined, spanHead('next', OTLP_SPAN_KIND.internal), 1, 2)
    requests.end()
    const taken = requests.take()
    expect(taken.every((r) => r.bytes.byteLength <= 128 * 1024)).toBe(true)
    const [many, next] = taken.flatMap((r) => spansOf(decodeTracesRequest(r.bytes)))
    const written = Object.keys(many!.attributes).length
    expect(written).toBeGreaterThan(10)
    expect(written + many!.droppedAttributesCount!).toBe(113)
    expect(many!.status).toEqual({code: 2, message: 'x'.repeat(MAX_ATTRIBUTE_CHARS)})
    expect(next!.name).toBe('next')
  })
})

describe('export requests filled as spans end', () => {
  const write = (requests: TracesRequests, name: string): boolean => writeKneSpan(requests, false, name)
  const names = (request: {bytes: Uint8Array}): string[] => spansOf(decodeTracesRequest(request.bytes)).map((s) => s.name)

  it('puts at most maxSpans spans in a request, and every span in exactly one', () => {
    const requests = new TracesRequests({}, 'kne', 3, 10)
    for (let i = 0; i < 7; i++) write(requests, `span ${i}`)
    expect(requests.full).toBe(true)
    const taken = requests.take()
    expect(taken.map((r) => r.spans)).toEqual([3, 3, 1])
    expect(taken.flatMap(names)).toEqual(Array.from({length: 7}, (_, i) => `span ${i}`))
    expect(requests.waiting).toBe(false)
  })

  it('drops spans past maxRequests waiting, and takes them again once those are taken', () => {
    const requests = new TracesRequests({}, 'kne', 2, 2)
    const added = Array.from({length: 6}, (_, i) => write(requests, `span ${i}`))
    expect(added).toEqual([true, true, true, true, false, false])
    expect(requests.take().map((r) => r.spans)).toEqual([2, 2])
    expect(write(requests, 'again')).toBe(true)
  })

  it('starts a new body when one has no room left for the largest span', () => {
    const requests = new TracesRequests({}, 'kne', 512, 8, 128 * 1024)
    for (let i = 0; i < 200; i++) write(requests, `span ${i} ${'é'.repeat(400)}`)
    const taken = requests.take()
    expect(taken.length).toBeGreaterThan(1)
    expect(taken.every((r) => r.bytes.byteLength <= 128 * 1024)).toBe(true)
    expect(taken.flatMap(names)).toHaveLength(200)
  })

  it('reuses a body given back, without mixing old bytes into the next request', () => {
    const requests = new TracesRequests({}, 'kne', 512, 8, 128 * 1024)
    for (let i = 0; i < 20; i++) write(requests, `a long name to fill the body ${i}`)
    const [first] = requests.take()
    requests.release(first!)
    write(requests, 'short')
    const [second] = requests.take()
    expect(second!.bytes.buffer).toBe(first!.bytes.buffer)
    expect(names(second!)).toEqual(['short'])
  })
})
