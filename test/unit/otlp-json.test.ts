import * as api from '@opentelemetry/api'
import {JsonTraceSerializer} from '@opentelemetry/otlp-transformer'
import {resourceFromAttributes} from '@opentelemetry/resources'
import {BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor} from '@opentelemetry/sdk-trace-base'
import {describe, expect, it} from 'vitest'
import {
  attribute,
  attributes,
  freshValue,
  MAX_ATTRIBUTE_CHARS,
  OTLP_SPAN_KIND,
  spanJson,
  TracesRequests,
  unixNanos,
  type SpanText,
} from '../../src/core/otlp-json.js'

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736'
const PARENT = '00f067aa0ba902b7'
const SPAN = 'b7ad6b7169203331'

type Body = {resourceSpans: {resource: {attributes: unknown[]}; scopeSpans: {scope: {name: string}; spans: Record<string, unknown>[]}[]}[]}

function parse(bytes: Uint8Array): Body {
  return JSON.parse(new TextDecoder('utf-8', {fatal: true}).decode(bytes)) as Body
}

/** The SDK's span through the official serializer: the reference kne's text must agree with. */
function sdkRequest(error: boolean): Body {
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
  const span = provider
    .getTracer('kne')
    .startSpan(
      'broker:default.default',
      {
        kind: api.SpanKind.SERVER,
        startTime: [1_796_000_000, 5_000],
        attributes: {'cloudevents.event_id': 'é-1', 'kne.arrival': 7, 'kne.filter.matched': true, 'kne.ratio': 0.5},
      },
      parent,
    )
  if (error) span.setStatus({code: api.SpanStatusCode.ERROR, message: 'HTTP 503'})
  span.end([1_796_000_000, 250_000_123])
  return parse(JsonTraceSerializer.serializeRequest(exporter.getFinishedSpans())!)
}

function kneSpan(error: boolean): SpanText {
  return {
    traceId: TRACE,
    spanId: SPAN,
    parentSpanId: PARENT,
    remoteParent: true,
    flags: '01',
    traceState: 'congo=t61rcWkgMzE',
    name: JSON.stringify('broker:default.default'),
    kind: OTLP_SPAN_KIND.server,
    start: unixNanos('1796000000000', 0.005),
    end: unixNanos('1796000000250', 0.000123),
    attributes: attributes({'cloudevents.event_id': 'é-1', 'kne.arrival': 7, 'kne.filter.matched': true, 'kne.ratio': 0.5}),
    error: error ? 'HTTP 503' : undefined,
  }
}

/** The SDK writes fields kne leaves out because they hold their default value (proto3 JSON allows either). */
function withoutDefaults(span: Record<string, unknown>): Record<string, unknown> {
  const {droppedAttributesCount, events, droppedEventsCount, links, droppedLinksCount, status, ...rest} = span
  expect([droppedAttributesCount, droppedEventsCount, droppedLinksCount]).toEqual([0, 0, 0])
  expect([events, links]).toEqual([[], []])
  return (status as {code: number}).code === 0 ? rest : {...rest, status}
}

describe('spans as OTLP/JSON', () => {
  it.each([false, true])('writes a span as the official JSON serializer does (error status: %s)', (error) => {
    const requests = new TracesRequests(attributes({'service.name': 'kne'}), 'kne')
    expect(requests.add(spanJson(kneSpan(error)))).toBe(true)
    const [request] = requests.take()
    const kne = parse(request!.bytes)
    const sdk = sdkRequest(error)
    expect(kne.resourceSpans[0]!.resource.attributes).toEqual(sdk.resourceSpans[0]!.resource.attributes)
    expect(kne.resourceSpans[0]!.scopeSpans[0]!.scope.name).toBe('kne')
    expect(kne.resourceSpans[0]!.scopeSpans[0]!.spans).toEqual(sdk.resourceSpans[0]!.scopeSpans[0]!.spans.map(withoutDefaults))
  })

  it('writes each kind of attribute value, and cuts long strings', () => {
    const values = JSON.parse(
      `[${[attribute('s', 'a"b\n'), attribute('i', 42), attribute('d', 1.25), attribute('b', false), attribute('n', Number.NaN)].join(',')}]`,
    ) as unknown
    expect(values).toEqual([
      {key: 's', value: {stringValue: 'a"b\n'}},
      {key: 'i', value: {intValue: 42}},
      {key: 'd', value: {doubleValue: 1.25}},
      {key: 'b', value: {boolValue: false}},
      {key: 'n', value: {doubleValue: 'NaN'}},
    ])
    expect(JSON.parse(freshValue('x'.repeat(MAX_ATTRIBUTE_CHARS + 100)))).toHaveLength(MAX_ATTRIBUTE_CHARS)
    expect(attributes({a: 'x', b: undefined, c: 1})).toBe(`${attribute('a', 'x')},${attribute('c', 1)}`)
  })

  it('writes nanoseconds with their leading zeros', () => {
    expect(unixNanos('1796000000000', 0.000001)).toBe('1796000000000000001')
    expect(unixNanos('1796000000000', 0.999999)).toBe('1796000000000999999')
  })
})

describe('export requests filled as spans end', () => {
  const span = (i: number, name = `span ${i}`): string => spanJson({...kneSpan(false), name: JSON.stringify(name)})

  it('puts at most maxSpans spans in a request, and every span in exactly one', () => {
    const requests = new TracesRequests('', 'kne', 3, 10)
    for (let i = 0; i < 7; i++) requests.add(span(i))
    expect(requests.full).toBe(true)
    const taken = requests.take()
    expect(taken.map((r) => r.spans)).toEqual([3, 3, 1])
    const names = taken.flatMap((r) => parse(r.bytes).resourceSpans[0]!.scopeSpans[0]!.spans.map((s) => s.name))
    expect(names).toEqual(Array.from({length: 7}, (_, i) => `span ${i}`))
    expect(requests.waiting).toBe(false)
  })

  it('drops spans past maxRequests waiting, and takes them again once those are taken', () => {
    const requests = new TracesRequests('', 'kne', 2, 2)
    const added = Array.from({length: 6}, (_, i) => requests.add(span(i)))
    expect(added).toEqual([true, true, true, true, false, false])
    expect(requests.take().map((r) => r.spans)).toEqual([2, 2])
    expect(requests.add(span(9))).toBe(true)
  })

  it('starts a new body when a span does not fit, one large enough for a span larger than a body', () => {
    const requests = new TracesRequests('', 'kne', 512, 8, 4096)
    const large = span(0, 'é'.repeat(3000))
    requests.add(span(1))
    requests.add(large)
    requests.add(span(2))
    const taken = requests.take()
    const lengths = taken.map((r) => parse(r.bytes).resourceSpans[0]!.scopeSpans[0]!.spans.map((s) => (s.name as string).length))
    expect(lengths.flat()).toEqual([6, 3000, 6])
    expect(lengths[0]).toEqual([6])
    expect(taken[0]!.bytes.byteLength).toBeLessThanOrEqual(4096)
  })

  it('reuses a body given back, without mixing old bytes into the next request', () => {
    const requests = new TracesRequests('', 'kne', 512, 8, 64 * 1024)
    for (let i = 0; i < 20; i++) requests.add(span(i, `a long name to fill the body ${i}`))
    const [first] = requests.take()
    requests.release(first!)
    requests.add(span(0, 'short'))
    const [second] = requests.take()
    expect(second!.bytes.buffer).toBe(first!.bytes.buffer)
    expect(parse(second!.bytes).resourceSpans[0]!.scopeSpans[0]!.spans.map((s) => s.name)).toEqual(['short'])
  })
})
