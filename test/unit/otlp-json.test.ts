import * as api from '@opentelemetry/api'
import {JsonTraceSerializer} from '@opentelemetry/otlp-transformer'
import {resourceFromAttributes} from '@opentelemetry/resources'
import {BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor} from '@opentelemetry/sdk-trace-base'
import {describe, expect, it} from 'vitest'
import {
  attribute,
  attributeBytes,
  attributes,
  intPrefix,
  MAX_ATTRIBUTE_CHARS,
  OTLP_SPAN_KIND,
  spanHead,
  stringPrefix,
  TracesRequests,
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
  const span = provider.getTracer('kne').startSpan(
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

/** The same span through kne's writer: a constant attribute, a string, an integer and the rest as text. */
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
  requests.stringAttribute(stringPrefix('cloudevents.event_id'), 'é-1')
  requests.intAttribute(intPrefix('kne.arrival'), 7)
  requests.attributes(attributeBytes({'kne.filter.matched': true}))
  requests.attributeText(attributes({'kne.ratio': 0.5}))
  requests.end(error ? 'HTTP 503' : undefined)
  return true
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
    const requests = new TracesRequests(attributes({'service.name': 'kne'}), 'kne', 512, 8, 512 * 1024, 1_796_000_000_000)
    expect(writeKneSpan(requests, error)).toBe(true)
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
    expect(
      (JSON.parse(attribute('s', 'x'.repeat(MAX_ATTRIBUTE_CHARS + 100))) as {value: {stringValue: string}}).value.stringValue,
    ).toHaveLength(MAX_ATTRIBUTE_CHARS)
    expect(attributes({a: 'x', b: undefined, c: 1})).toBe(`${attribute('a', 'x')},${attribute('c', 1)}`)
  })

  it('writes strings that need escaping or are not ASCII as JSON.stringify does, cut to the limit', () => {
    const values = ['plain', 'quote " and \\ backslash', 'line\nbreak\u0001', 'ünïcödé ✓ 😀', 'y'.repeat(MAX_ATTRIBUTE_CHARS + 10)]
    const requests = new TracesRequests('', 'kne')
    requests.begin(TRACE, SPAN, undefined, false, 1, undefined, spanHead('s', OTLP_SPAN_KIND.internal), 1, 2)
    for (const value of values) requests.stringAttribute(stringPrefix('k'), value)
    requests.end()
    const [span] = parse(requests.take()[0]!.bytes).resourceSpans[0]!.scopeSpans[0]!.spans
    expect((span!.attributes as {value: {stringValue: string}}[]).map((a) => a.value.stringValue)).toEqual(
      values.map((v) => v.slice(0, MAX_ATTRIBUTE_CHARS)),
    )
  })

  it('writes times as Unix nanoseconds with the leading zeros of their fraction', () => {
    const requests = new TracesRequests('', 'kne', 512, 8, 512 * 1024, 1_796_000_000_000)
    requests.begin(TRACE, SPAN, undefined, false, 1, undefined, spanHead('s', OTLP_SPAN_KIND.internal), 0.0000004, 7.9999996)
    requests.end()
    const [span] = parse(requests.take()[0]!.bytes).resourceSpans[0]!.scopeSpans[0]!.spans
    expect([span!.startTimeUnixNano, span!.endTimeUnixNano]).toEqual(['1796000000000000000', '1796000000008000000'])
    // a root span carries its trace flags only
    expect(span!.flags).toBe(1)
    expect(span).not.toHaveProperty('parentSpanId')
  })
})

describe('export requests filled as spans end', () => {
  const write = (requests: TracesRequests, name: string): boolean => writeKneSpan(requests, false, name)
  const names = (request: {bytes: Uint8Array}): unknown[] => parse(request.bytes).resourceSpans[0]!.scopeSpans[0]!.spans.map((s) => s.name)

  it('puts at most maxSpans spans in a request, and every span in exactly one', () => {
    const requests = new TracesRequests('', 'kne', 3, 10)
    for (let i = 0; i < 7; i++) write(requests, `span ${i}`)
    expect(requests.full).toBe(true)
    const taken = requests.take()
    expect(taken.map((r) => r.spans)).toEqual([3, 3, 1])
    expect(taken.flatMap(names)).toEqual(Array.from({length: 7}, (_, i) => `span ${i}`))
    expect(requests.waiting).toBe(false)
  })

  it('drops spans past maxRequests waiting, and takes them again once those are taken', () => {
    const requests = new TracesRequests('', 'kne', 2, 2)
    const added = Array.from({length: 6}, (_, i) => write(requests, `span ${i}`))
    expect(added).toEqual([true, true, true, true, false, false])
    expect(requests.take().map((r) => r.spans)).toEqual([2, 2])
    expect(write(requests, 'again')).toBe(true)
  })

  it('starts a new body when one has no room left for the largest span', () => {
    const requests = new TracesRequests('', 'kne', 512, 8, 128 * 1024)
    for (let i = 0; i < 200; i++) write(requests, `span ${i} ${'é'.repeat(400)}`)
    const taken = requests.take()
    expect(taken.length).toBeGreaterThan(1)
    expect(taken.every((r) => r.bytes.byteLength <= 128 * 1024)).toBe(true)
    expect(taken.flatMap(names)).toHaveLength(200)
  })

  it('reuses a body given back, without mixing old bytes into the next request', () => {
    const requests = new TracesRequests('', 'kne', 512, 8, 128 * 1024)
    for (let i = 0; i < 20; i++) write(requests, `a long name to fill the body ${i}`)
    const [first] = requests.take()
    requests.release(first!)
    write(requests, 'short')
    const [second] = requests.take()
    expect(second!.bytes.buffer).toBe(first!.bytes.buffer)
    expect(names(second!)).toEqual(['short'])
  })
})
