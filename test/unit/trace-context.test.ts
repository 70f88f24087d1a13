import {describe, expect, it} from 'vitest'
import {parseProjectConfig} from '../../src/core/project.js'
import {formatTraceparent, otlpTracesUrl, otlpUrlProblem, parseTraceparent} from '../../src/core/trace-context.js'

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736'
const SPAN = '00f067aa0ba902b7'

describe('traceparent as W3C Trace Context reads it', () => {
  it('reads a version 00 value and its tracestate, and writes one back', () => {
    expect(parseTraceparent(`00-${TRACE}-${SPAN}-01`, 'congo=t61rcWkgMzE')).toEqual({
      traceId: TRACE,
      spanId: SPAN,
      flags: '01',
      state: 'congo=t61rcWkgMzE',
    })
    expect(formatTraceparent(TRACE, SPAN, '00')).toBe(`00-${TRACE}-${SPAN}-00`)
  })

  it('reads a later version by its first four fields', () => {
    expect(parseTraceparent(`cc-${TRACE}-${SPAN}-01-what-comes-next`)).toEqual({traceId: TRACE, spanId: SPAN, flags: '01'})
  })

  it.each([
    ['version ff', `ff-${TRACE}-${SPAN}-01`],
    ['an all-zero trace id', `00-${'0'.repeat(32)}-${SPAN}-01`],
    ['an all-zero span id', `00-${TRACE}-${'0'.repeat(16)}-01`],
    ['upper case', `00-${TRACE.toUpperCase()}-${SPAN}-01`],
    ['version 00 with more after the flags', `00-${TRACE}-${SPAN}-01-x`],
    ['a short trace id', `00-${TRACE.slice(2)}-${SPAN}-01`],
    ['not a string', 42],
  ])('refuses %s (the hop starts a trace of its own)', (_what, value) => {
    expect(parseTraceparent(value)).toBeUndefined()
  })

  it('drops a tracestate longer than 512 characters', () => {
    expect(parseTraceparent(`00-${TRACE}-${SPAN}-01`, `a=${'x'.repeat(600)}`)).toEqual({traceId: TRACE, spanId: SPAN, flags: '01'})
  })
})

describe('where OTLP/HTTP traces go', () => {
  it('appends /v1/traces to the flag and to OTEL_EXPORTER_OTLP_ENDPOINT, and takes the traces variable as it is', () => {
    expect(otlpTracesUrl('http://localhost:4318/', {OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://x/traces'})).toBe(
      'http://localhost:4318/v1/traces',
    )
    expect(otlpTracesUrl(undefined, {OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318'})).toBe('http://collector:4318/v1/traces')
    expect(
      otlpTracesUrl(undefined, {
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://other:4318/custom',
      }),
    ).toBe('http://other:4318/custom')
    expect(otlpTracesUrl(undefined, {})).toBeUndefined()
    expect(otlpTracesUrl(undefined, {OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_SDK_DISABLED: 'true'})).toBeUndefined()
  })

  it('says why a URL cannot take spans', () => {
    expect(otlpUrlProblem('http://localhost:4318/v1/traces')).toBeUndefined()
    expect(otlpUrlProblem('localhost:4318/v1/traces')).toMatch(/not an http or https URL/)
    expect(otlpUrlProblem('not a url')).toMatch(/is not a URL/)
  })
})

describe("kne.yaml's otel:", () => {
  const parse = (text: string) => parseProjectConfig(text, 'kne.yaml')

  it('reads the collector base URL and the service name', () => {
    expect(parse('otel:\n  endpoint: http://localhost:4318\n  serviceName: shop\n')).toEqual({
      config: expect.objectContaining({otel: {endpoint: 'http://localhost:4318', serviceName: 'shop'}}),
      errors: [],
    })
  })

  it('reports a missing or unusable endpoint and unknown fields, with the field', () => {
    expect(parse('otel:\n  endpoint: localhost:4318\n').errors).toEqual([
      {file: 'kne.yaml', field: 'otel.endpoint', message: expect.stringMatching(/http or https base URL/)},
    ])
    expect(parse('otel:\n  serviceName: shop\n').errors.map((e) => e.field)).toEqual(['otel.endpoint'])
    expect(parse('otel:\n  endpoint: http://c:4318\n  protocol: grpc\n').errors.map((e) => e.field)).toEqual(['otel.protocol'])
    expect(parse('otel: http://c:4318\n').errors.map((e) => e.field)).toEqual(['otel'])
  })
})
