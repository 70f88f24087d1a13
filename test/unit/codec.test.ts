import {describe, expect, it} from 'vitest'
import {attributeValue, type CloudEvent} from '../../src/core/cloudevent.js'
import {decodeHttpMessage, encodeBinary, encodeStructured, type HeaderMap} from '../../src/core/codec/index.js'
import {hasConformance, readConformanceYaml} from '../helpers/conformance.js'

interface Vector {
  id: string
  name: string
  mode: string
  note?: string
  request: {method: string; path: string; headers?: Record<string, string>; body?: string}
  expect: {spec: string; knative: string; event?: Record<string, unknown>}
}

function lowerCaseHeaders(headers: Record<string, string> = {}): HeaderMap {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), String(v)]))
}

function decodeVector(v: Vector) {
  return decodeHttpMessage(lowerCaseHeaders(v.request.headers), Buffer.from(v.request.body ?? '', 'utf8'))
}

function dataAsJsonOrText(event: CloudEvent): unknown {
  if (event.data === undefined) return undefined
  const text = Buffer.from(event.data).toString('utf8')
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

describe.skipIf(!hasConformance)('HTTP codec against the CloudEvents ingress vectors (Knative expectations)', () => {
  const vectors = hasConformance ? readConformanceYaml<{vectors: Vector[]}>('ce-http-ingress-vectors.yaml').vectors : []
  // K vectors are about the broker's HTTP surface (methods, TTL); they run against a live mesh in test/integration.
  const codecVectors = vectors
    .filter((v) => v.mode === 'binary' || v.mode === 'structured' || v.mode === 'batch')
    .filter((v) => !v.id.startsWith('K'))

  it('covers the binary, structured and batch vectors', () => {
    expect(codecVectors.length).toBeGreaterThan(35)
  })

  it.each(codecVectors.map((v) => [`${v.id} ${v.name} → ${v.expect.knative}`, v] as const))('%s', (_, v) => {
    const result = decodeVector(v)
    const accepts = v.expect.knative.startsWith('2')
    if (!accepts) {
      expect(result.ok, `expected rejection, got ${JSON.stringify(result)}`).toBe(false)
      if (!result.ok) expect(result.error.length).toBeGreaterThan(10)
      return
    }
    expect(result.ok, result.ok ? '' : result.error).toBe(true)
    if (!result.ok) return
    const divergent = v.note?.includes('DIVERGENCE') ?? false
    for (const [name, want] of Object.entries(v.expect.event ?? {})) {
      if (divergent) continue // expect.event is the spec's reading; Knative keeps the literal value (asserted below)
      if (name === 'data') expect(dataAsJsonOrText(result.event)).toEqual(want)
      else expect(attributeValue(result.event, name) ?? null).toEqual(want)
    }
  })

  it('keeps header values literally, as Knative does (no percent-decoding, quotes kept)', () => {
    const byId = new Map(vectors.map((v) => [v.id, v]))
    const b20 = decodeVector(byId.get('B20')!)
    const b23 = decodeVector(byId.get('B23')!)
    expect(b20.ok && b20.event.subject).toBe('Euro%20%E2%82%AC%20%F0%9F%98%80')
    expect(b23.ok && b23.event.subject).toBe('"hello world"')
  })

  it('lets data_base64 win when both data members are present (sdk-go)', () => {
    const s06 = decodeVector(vectors.find((v) => v.id === 'S06')!)
    expect(s06.ok && Buffer.from(s06.event.data!).toString()).toBe('foob')
  })
})

describe('HTTP codec round trips', () => {
  const event: CloudEvent = {
    specversion: '1.0',
    id: 'e-1',
    source: '/orders',
    type: 'com.example.order.created',
    datacontenttype: 'application/json',
    subject: 'order 42 ü',
    time: '2024-05-01T10:00:00.5+02:00',
    extensions: {tenant: 'acme', priority: 3, urgent: true},
    data: Buffer.from('{"amount": 12345678901234567890}'),
  }

  it('binary mode keeps data bytes and attribute values identical', () => {
    const {headers, body} = encodeBinary(event)
    // what node:http hands a receiver: header text as latin1
    const received = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, Buffer.from(v, 'latin1').toString('latin1')]))
    const decoded = decodeHttpMessage(received, body as Uint8Array)
    expect(decoded.ok).toBe(true)
    if (!decoded.ok) return
    expect(Buffer.from(decoded.event.data!).toString()).toBe('{"amount": 12345678901234567890}')
    expect(decoded.event.subject).toBe('order 42 ü')
    expect(decoded.event.time).toBe('2024-05-01T10:00:00.5+02:00')
    expect(decoded.event.extensions).toEqual({tenant: 'acme', priority: '3', urgent: 'true'})
  })

  it('structured mode keeps typed extensions and the raw JSON data text', () => {
    const {headers, body} = encodeStructured(event)
    const decoded = decodeHttpMessage(headers, Buffer.from(body as string))
    expect(decoded.ok).toBe(true)
    if (!decoded.ok) return
    expect(decoded.event.extensions).toEqual({tenant: 'acme', priority: 3, urgent: true})
    expect(Buffer.from(decoded.event.data!).toString()).toBe('{"amount": 12345678901234567890}')
  })

  it('structured mode carries binary data as data_base64', () => {
    const bin: CloudEvent = {...event, datacontenttype: 'application/octet-stream', data: new Uint8Array([0, 255, 1])}
    const {body} = encodeStructured(bin)
    expect(JSON.parse(body as string).data_base64).toBe('AP8B')
  })

  it('says why a request is not a CloudEvent', () => {
    const result = decodeHttpMessage({'content-type': 'application/json'}, Buffer.from('{}'))
    expect(result.ok).toBe(false)
    if (!result.ok) expect(result.error).toMatch(/ce-specversion/)
  })

  it('accepts CloudEvents 0.3 and maps schemaurl to dataschema', () => {
    const r = decodeHttpMessage(
      {'ce-specversion': '0.3', 'ce-id': '1', 'ce-source': 's', 'ce-type': 't', 'ce-schemaurl': 'http://x/s'},
      new Uint8Array(),
    )
    expect(r.ok && attributeValue(r.event, 'schemaurl')).toBe('http://x/s')
    expect(r.ok && encodeBinary(r.event).headers['ce-schemaurl']).toBe('http://x/s')
  })
})

describe('JSON nesting bound', () => {
  const nested = (depth: number): string => '['.repeat(depth) + ']'.repeat(depth)
  const structured = (data: string): Buffer =>
    Buffer.from(`{"specversion":"1.0","id":"1","source":"/s","type":"t","datacontenttype":"application/json","data":${data}}`)
  const binary = (contentType?: string): HeaderMap => ({
    'ce-specversion': '1.0',
    'ce-id': '1',
    'ce-source': '/s',
    'ce-type': 't',
    ...(contentType ? {'content-type': contentType} : {}),
  })

  it('refuses a structured event nested deeper than 1000 levels, whatever its size, and keeps one that is not', () => {
    expect(decodeHttpMessage({'content-type': 'application/cloudevents+json'}, structured(nested(999)))).toMatchObject({ok: true})
    for (const depth of [1000, 1_000_000]) {
      expect(decodeHttpMessage({'content-type': 'application/cloudevents+json'}, structured(nested(depth)))).toEqual({
        ok: false,
        error: 'structured event body is nested deeper than 1000 levels',
        mode: 'structured',
      })
    }
  })

  it('refuses binary-mode JSON data nested deeper than 1000 levels, and passes other data as it came', () => {
    expect(decodeHttpMessage(binary('application/json'), Buffer.from(nested(1001)))).toEqual({
      ok: false,
      error: 'data: JSON nested deeper than 1000 levels',
      mode: 'binary',
    })
    expect(decodeHttpMessage(binary(), Buffer.from(nested(1001)))).toMatchObject({ok: false}) // no Content-Type: JSON
    expect(decodeHttpMessage(binary('application/json'), Buffer.from(nested(1000)))).toMatchObject({ok: true})
    expect(decodeHttpMessage(binary('application/octet-stream'), Buffer.from(nested(5000)))).toMatchObject({ok: true})
    // brackets inside strings, escaped quotes included, do not nest
    const strings = `[${Array.from({length: 1200}, (_, i) => JSON.stringify(i % 2 ? '[{"\\\\' : 'x\\"[[')).join(',')}]`
    expect(decodeHttpMessage(binary('application/json'), Buffer.from(strings))).toMatchObject({ok: true})
    // bytes that cannot be JSON end the scan: random binary data without a Content-Type is not refused for its brackets
    const bytes = Buffer.concat([Buffer.from('['.repeat(1001)), Buffer.from([0xff])])
    expect(decodeHttpMessage(binary(), Buffer.concat([Buffer.from([0xff]), bytes]))).toMatchObject({ok: true})
  })
})
