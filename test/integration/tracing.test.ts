// W3C Trace Context through the mesh, and the spans it exports over OTLP/HTTP to a collector in the test:
// real producers' requests, real subscribers, retries on a virtual clock.
import {describe, expect, it, vi} from 'vitest'
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {VirtualClock, type Mesh, type MeshOptions} from '../../src/index.js'
import {startDev} from '../../src/mesh/dev.js'
import {tempDir} from '../helpers/temp.js'
import {channel, subscription} from '../helpers/flows.js'
import {useMesh} from '../helpers/mesh.js'
import {SPAN_KIND, startCollector, type Collector, type ReceivedSpan} from '../helpers/otlp.js'
import {binaryHeaders, post, type Received, type Responder} from '../helpers/subscriber.js'

const kit = useMesh()

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736'
const PARENT_ID = '00f067aa0ba902b7'
const INCOMING = `00-${TRACE_ID}-${PARENT_ID}-01`
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/

function brokerAndTriggers(triggers: {name: string; type: string; uri: string; delivery?: string}[], broker = ''): string {
  return [
    `apiVersion: eventing.knative.dev/v1\nkind: Broker\nmetadata:\n  name: default\n${broker}`,
    ...triggers.map(
      (t) =>
        `apiVersion: eventing.knative.dev/v1\nkind: Trigger\nmetadata:\n  name: ${t.name}\nspec:\n  broker: default\n` +
        `  filter:\n    attributes:\n      type: ${t.type}\n  subscriber:\n    uri: ${t.uri}\n${t.delivery ?? ''}`,
    ),
  ].join('---\n')
}

function traceparentOf(r: Received): {traceId: string; parentId: string; flags: string} {
  const match = TRACEPARENT.exec(String(r.headers.traceparent))
  expect(match, `traceparent ${String(r.headers.traceparent)}`).not.toBeNull()
  return {traceId: match![1]!, parentId: match![2]!, flags: match![3]!}
}

const answer =
  (...statuses: number[]): Responder =>
  (_req, res, index) => {
    res.writeHead(statuses[Math.min(index, statuses.length - 1)]!).end()
  }

describe('trace context without an exporter', () => {
  it('continues an incoming traceparent and tracestate: same trace, the delivery as the new parent', async () => {
    const sub = await kit.subscriber()
    const mesh = await kit.mesh(brokerAndTriggers([{name: 'orders', type: 'order.created', uri: sub.url}]))
    const sent = await post(`${mesh.url}/default/default`, {
      ...binaryHeaders('order.created'),
      traceparent: INCOMING,
      tracestate: 'vendor=abc',
    })
    expect(sent.status).toBe(202)
    const [got] = await sub.waitFor(1)
    const tp = traceparentOf(got!)
    expect(tp.traceId).toBe(TRACE_ID)
    expect(tp.parentId).not.toBe(PARENT_ID)
    expect(tp.flags).toBe('01')
    expect(got!.headers.tracestate).toBe('vendor=abc')
  })

  it('starts a trace for an event without one, with a new span id on every request', async () => {
    const sub = await kit.subscriber(answer(503, 200))
    const clock = new VirtualClock()
    const mesh = await kit.mesh(
      brokerAndTriggers([{name: 'orders', type: 'order.created', uri: sub.url, delivery: '  delivery:\n    retry: 2\n'}]),
      {clock},
    )
    expect((await clock.runUntil(post(`${mesh.url}/default/default`, binaryHeaders('order.created')))).status).toBe(202)
    const [first, second] = (await sub.waitFor(2)).map(traceparentOf)
    expect(first!.traceId).toBe(second!.traceId)
    expect(first!.traceId).not.toBe(TRACE_ID)
    expect(first!.parentId).not.toBe(second!.parentId)
    expect(sub.received[0]!.headers.tracestate).toBeUndefined()
  })

  it('honours the distributed-tracing extension (binary ce-traceparent, structured traceparent) and passes it on unchanged', async () => {
    const sub = await kit.subscriber()
    const mesh = await kit.mesh(brokerAndTriggers([{name: 'orders', type: 'order.created', uri: sub.url}]))
    await post(`${mesh.url}/default/default`, {...binaryHeaders('order.created', {'ce-id': 'binary'}), 'ce-traceparent': INCOMING})
    const structured = {specversion: '1.0', id: 'structured', source: '/test', type: 'order.created', traceparent: INCOMING}
    await post(`${mesh.url}/default/default`, {'content-type': 'application/cloudevents+json'}, JSON.stringify(structured))
    const received = await sub.waitFor(2)
    for (const r of received) {
      expect(traceparentOf(r).traceId).toBe(TRACE_ID)
      // the extension keeps the producer's context; the header carries the hop's
      expect(r.headers['ce-traceparent']).toBe(INCOMING)
    }
  })

  it('continues the trace through a channel to its subscriptions, and through a reply to another channel', async () => {
    const replier = await kit.subscriber((_req, res) => {
      res.writeHead(200, {'ce-specversion': '1.0', 'ce-id': 'r-1', 'ce-source': '/replier', 'ce-type': 'order.checked'}).end()
    })
    const end = await kit.subscriber()
    const mesh = await kit.mesh(
      channel('orders') +
        channel('checked') +
        subscription(
          'check',
          'orders',
          replier.url,
          `  reply:\n    ref:\n      apiVersion: messaging.knative.dev/v1\n      kind: InMemoryChannel\n      name: checked\n`,
        ) +
        subscription('store', 'checked', end.url),
    )
    expect((await post(`${mesh.url}/channels/default/orders`, {...binaryHeaders('order.created'), traceparent: INCOMING})).status).toBe(202)
    const [first] = await replier.waitFor(1)
    const [last] = await end.waitFor(1)
    expect(traceparentOf(first!).traceId).toBe(TRACE_ID)
    expect(traceparentOf(last!).traceId).toBe(TRACE_ID)
    expect(traceparentOf(last!).parentId).not.toBe(traceparentOf(first!).parentId)
  })

  it('continues the trace through an EventTransform to its sink', async () => {
    const sink = await kit.subscriber()
    const mesh = await kit.mesh(
      `apiVersion: eventing.knative.dev/v1alpha1\nkind: EventTransform\nmetadata:\n  name: enrich\nspec:\n  sink:\n    uri: ${sink.url}\n  jsonata:\n    expression: $\n---\n` +
        brokerAndTriggers([{name: 'orders', type: 'order.created', uri: `http://127.0.0.1:1/unused`}]).replace(
          'uri: http://127.0.0.1:1/unused',
          'ref:\n      apiVersion: eventing.knative.dev/v1alpha1\n      kind: EventTransform\n      name: enrich',
        ),
    )
    expect((await post(`${mesh.url}/default/default`, {...binaryHeaders('order.created'), traceparent: INCOMING})).status).toBe(202)
    const [got] = await sink.waitFor(1)
    expect(traceparentOf(got!).traceId).toBe(TRACE_ID)
    expect(traceparentOf(got!).parentId).not.toBe(PARENT_ID)
  })

  it('prefers the traceparent header to the extension, and ignores one that is not valid', async () => {
    const sub = await kit.subscriber()
    const mesh = await kit.mesh(brokerAndTriggers([{name: 'orders', type: 'order.created', uri: sub.url}]))
    const other = `00-${'a'.repeat(32)}-${'b'.repeat(16)}-01`
    await post(`${mesh.url}/default/default`, {
      ...binaryHeaders('order.created', {'ce-id': 'both'}),
      traceparent: other,
      'ce-traceparent': INCOMING,
    })
    await post(`${mesh.url}/default/default`, {
      ...binaryHeaders('order.created', {'ce-id': 'bad'}),
      traceparent: `00-${'0'.repeat(32)}-${PARENT_ID}-01`,
    })
    const [both, bad] = await sub.waitFor(2)
    expect(traceparentOf(both!).traceId).toBe('a'.repeat(32))
    expect(traceparentOf(bad!).traceId).not.toBe('0'.repeat(32))
  })
})

describe('spans exported over OTLP/HTTP', () => {
  async function tracedMesh(yaml: string, options: MeshOptions = {}): Promise<{mesh: Mesh; collector: Collector}> {
    const collector = await startCollector()
    kit.defer(() => collector.close())
    const mesh = await kit.mesh(yaml, {...options, otel: {endpoint: collector.url}})
    return {mesh, collector}
  }

  const byName = (spans: ReceivedSpan[], name: string): ReceivedSpan[] => spans.filter((s) => s.name === name)

  it('records ingress, each filter decision and each attempt, linked parent to child, with Knative and CloudEvents attributes', async () => {
    const sub = await kit.subscriber(answer(503, 200))
    const other = await kit.subscriber()
    const clock = new VirtualClock()
    const {mesh, collector} = await tracedMesh(
      brokerAndTriggers([
        {
          name: 'orders',
          type: 'order.created',
          uri: sub.url,
          delivery: '  delivery:\n    retry: 2\n    backoffPolicy: exponential\n    backoffDelay: PT1S\n',
        },
        {name: 'refunds', type: 'refund.created', uri: other.url},
      ]),
      {clock},
    )
    const before = Date.now()
    const sent = post(`${mesh.url}/default/default`, {
      ...binaryHeaders('order.created', {'ce-id': 'order-1', 'ce-subject': 'o/1'}),
      traceparent: INCOMING,
    })
    expect((await clock.runUntil(sent)).status).toBe(202)
    await mesh.close()
    const after = Date.now()
    const spans = collector.spans
    // span times are the real clock's (Unix nanoseconds; the monotonic clock anchored at start-up may stray from
    // Date.now() by a little), each span ending after it starts
    for (const span of spans) {
      expect(span.startMs).toBeGreaterThanOrEqual(before - 1000)
      expect(span.endMs).toBeLessThanOrEqual(after + 1000)
      expect(span.endMs).toBeGreaterThanOrEqual(span.startMs)
    }
    expect(collector.paths.every((p) => p === '/v1/traces')).toBe(true)
    expect(new Set(spans.map((s) => s.traceId))).toEqual(new Set([TRACE_ID]))
    expect(spans[0]!.serviceName).toBe('kne')

    const [ingress] = byName(spans, 'broker:default.default')
    expect(ingress).toMatchObject({kind: SPAN_KIND.server, parentSpanId: PARENT_ID})
    expect(ingress!.attributes).toMatchObject({
      'messaging.system': 'knative',
      'messaging.destination.name': 'broker:default.default',
      'kn.broker.name': 'default',
      'kn.broker.namespace': 'default',
      'cloudevents.event_id': 'order-1',
      'cloudevents.event_type': 'order.created',
      'cloudevents.event_source': '/test',
      'cloudevents.event_spec_version': '1.0',
      'cloudevents.event_subject': 'o/1',
      'http.response.status_code': 202,
    })

    const [orders] = byName(spans, 'trigger:orders.default')
    expect(orders).toMatchObject({kind: SPAN_KIND.internal, parentSpanId: ingress!.spanId})
    expect(orders!.attributes).toMatchObject({'kn.trigger.name': 'orders', 'kne.filter.matched': true, 'kne.filter.applied': 'filter'})
    const [refunds] = byName(spans, 'trigger:refunds.default')
    expect(refunds).toMatchObject({kind: SPAN_KIND.internal, parentSpanId: ingress!.spanId})
    expect(refunds!.attributes['kne.filter.matched']).toBe(false)

    const attempts = byName(spans, 'send subscriber').sort(
      (a, b) => Number(a.attributes['kne.delivery.attempt']) - Number(b.attributes['kne.delivery.attempt']),
    )
    expect(
      attempts.map((a) => [a.kind, a.parentSpanId, a.attributes['kne.delivery.attempt'], a.attributes['http.response.status_code']]),
    ).toEqual([
      [SPAN_KIND.client, orders!.spanId, 1, 503],
      [SPAN_KIND.client, orders!.spanId, 2, 200],
    ])
    expect(attempts[0]!.statusCode).toBe(2)
    expect(attempts[0]!.attributes).toMatchObject({
      'kne.delivery.next_delay_ms': 1000,
      'url.full': sub.url,
      'kne.delivery.target': 'subscriber',
    })
    expect(attempts[1]!.attributes['http.request.resend_count']).toBe(1)
    // each request named its own span as the parent
    expect(sub.received.map((r) => traceparentOf(r).parentId)).toEqual(attempts.map((a) => a.spanId))
    expect(other.received).toHaveLength(0)
  })

  it('records at most 100 filter spans of triggers that did not match, and counts the rest on the ingress span', async () => {
    const sub = await kit.subscriber()
    const others = Array.from({length: 103}, (_, i) => ({name: `other-${i}`, type: `other.${i}`, uri: sub.url}))
    const {mesh, collector} = await tracedMesh(brokerAndTriggers([{name: 'orders', type: 'order.created', uri: sub.url}, ...others]))
    expect((await post(`${mesh.url}/default/default`, binaryHeaders('order.created'))).status).toBe(202)
    await mesh.close()
    const filters = collector.spans.filter((s) => s.kind === SPAN_KIND.internal)
    expect(filters).toHaveLength(101)
    expect(filters.filter((s) => s.attributes['kne.filter.matched'] === true).map((s) => s.name)).toEqual(['trigger:orders.default'])
    expect(byName(collector.spans, 'broker:default.default')[0]!.attributes['kne.filter.unmatched_not_recorded']).toBe(3)
  })

  it('records the dead-letter request, and the sink gets its span as the parent', async () => {
    const failing = await kit.subscriber(answer(500))
    const dls = await kit.subscriber()
    const clock = new VirtualClock()
    const {mesh, collector} = await tracedMesh(
      brokerAndTriggers([
        {
          name: 'orders',
          type: 'order.created',
          uri: failing.url,
          delivery: `  delivery:\n    retry: 1\n    backoffDelay: PT1S\n    deadLetterSink:\n      uri: ${dls.url}\n`,
        },
      ]),
      {clock},
    )
    expect((await clock.runUntil(post(`${mesh.url}/default/default`, binaryHeaders('order.created')))).status).toBe(202)
    await mesh.close()
    const [dead] = byName(collector.spans, 'send dead-letter-sink')
    const [orders] = byName(collector.spans, 'trigger:orders.default')
    expect(dead).toMatchObject({kind: SPAN_KIND.client, parentSpanId: orders!.spanId})
    expect(dead!.attributes).toMatchObject({
      'kne.delivery.target': 'dead-letter-sink',
      'http.response.status_code': 200,
      'url.full': dls.url,
    })
    expect(byName(collector.spans, 'send subscriber')).toHaveLength(2)
    const tp = traceparentOf(dls.received[0]!)
    expect(tp.traceId).toBe(orders!.traceId)
    expect(tp.parentId).toBe(dead!.spanId)
  })

  it('follows a reply back into the broker: the reply request is the parent of its second ingress', async () => {
    const replying = await kit.subscriber((_req, res) => {
      res.writeHead(200, {'ce-specversion': '1.0', 'ce-id': 'reply-1', 'ce-source': '/replier', 'ce-type': 'order.confirmed'}).end()
    })
    const confirmed = await kit.subscriber()
    const {mesh, collector} = await tracedMesh(
      brokerAndTriggers([
        {name: 'orders', type: 'order.created', uri: replying.url},
        {name: 'confirmations', type: 'order.confirmed', uri: confirmed.url},
      ]),
    )
    expect((await post(`${mesh.url}/default/default`, binaryHeaders('order.created'))).status).toBe(202)
    await confirmed.waitFor(1)
    await mesh.close()
    const [reply] = byName(collector.spans, 'send reply')
    const ingresses = byName(collector.spans, 'broker:default.default')
    expect(ingresses).toHaveLength(2)
    const second = ingresses.find((s) => s.attributes['cloudevents.event_id'] === 'reply-1')
    expect(second!.parentSpanId).toBe(reply!.spanId)
    expect(new Set(collector.spans.map((s) => s.traceId)).size).toBe(1)
    expect(traceparentOf(confirmed.received[0]!).traceId).toBe(reply!.traceId)
  })

  it('reports a collector that refuses spans once, and delivers all the same', async () => {
    const refusing = await startCollector(400)
    kit.defer(() => refusing.close())
    const lines: string[] = []
    const sub = await kit.subscriber()
    const mesh = await kit.mesh(brokerAndTriggers([{name: 'orders', type: 'order.created', uri: sub.url}]), {
      otel: {tracesEndpoint: `${refusing.url}/v1/traces`},
      log: (line) => lines.push(line),
    })
    for (let i = 0; i < 3; i++) expect((await post(`${mesh.url}/default/default`, binaryHeaders('order.created'))).status).toBe(202)
    await mesh.close()
    expect(sub.received).toHaveLength(3)
    expect(refusing.paths.length).toBeGreaterThan(0)
    expect(lines.filter((l) => l.includes('traces are not reaching'))).toHaveLength(1)
  })

  it('stops within 3 seconds when a collector does not answer, an export under way and another request waiting', async () => {
    const silent = await startCollector('never')
    kit.defer(() => silent.close())
    const sub = await kit.subscriber()
    const mesh = await kit.mesh(brokerAndTriggers([{name: 'orders', type: 'order.created', uri: sub.url}]), {
      otel: {endpoint: silent.url},
    })
    expect((await post(`${mesh.url}/default/default`, binaryHeaders('order.created'))).status).toBe(202)
    // the batch delay (1 s) sends the first spans; the collector takes the request and never answers
    await vi.waitFor(() => expect(silent.paths).toHaveLength(1), {timeout: 5000})
    expect((await post(`${mesh.url}/default/default`, binaryHeaders('order.created'))).status).toBe(202)
    const started = performance.now()
    await mesh.close()
    // 3 s for what waits (the export under way times out, then the second request is sent), not 3 s more for that one's answer
    expect(performance.now() - started).toBeLessThan(4500)
    expect(sub.received).toHaveLength(2)
  })

  it('kne dev exports to OTEL_EXPORTER_OTLP_ENDPOINT (with /v1/traces appended) under OTEL_SERVICE_NAME; the flag wins over it, and it over kne.yaml', async () => {
    const collector = await startCollector()
    const ignored = await startCollector()
    kit.defer(() => Promise.all([collector.close(), ignored.close()]))
    const sub = await kit.subscriber()
    const dir = tempDir('kne-dev-otel-')
    writeFileSync(join(dir, 'app.yaml'), brokerAndTriggers([{name: 'orders', type: 'order.created', uri: sub.url}]))
    const dev = (options: {otelEndpoint?: string; env: Record<string, string>}) =>
      startDev({files: [join(dir, 'app.yaml')], port: 0, cwd: dir, log: () => {}, output: () => {}, ...options})
    const fromEnv = await dev({env: {OTEL_EXPORTER_OTLP_ENDPOINT: `${collector.url}/`, OTEL_SERVICE_NAME: 'shop-dev'}})
    expect(fromEnv.mesh.tracing.exportUrl).toBe(`${collector.url}/v1/traces`)
    await post(`${fromEnv.mesh.url}/default/default`, binaryHeaders('order.created'))
    await fromEnv.mesh.close()
    expect(collector.paths).toContain('/v1/traces')
    expect(new Set(collector.spans.map((s) => s.serviceName))).toEqual(new Set(['shop-dev']))

    const fromFlag = await dev({otelEndpoint: collector.url, env: {OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${ignored.url}/v1/traces`}})
    expect(fromFlag.mesh.tracing.exportUrl).toBe(`${collector.url}/v1/traces`)
    await fromFlag.mesh.close()
    const none = await dev({env: {}})
    expect(none.mesh.tracing.exportUrl).toBeUndefined()
    await none.mesh.close()

    // kne.yaml's otel: applies when neither the flag nor a variable says, and OTEL_SDK_DISABLED turns it off
    writeFileSync(join(dir, 'kne.yaml'), `otel:\n  endpoint: ${ignored.url}\n  serviceName: from-yaml\n`)
    const fromYaml = await dev({env: {}})
    expect(fromYaml.mesh.tracing.exportUrl).toBe(`${ignored.url}/v1/traces`)
    await post(`${fromYaml.mesh.url}/default/default`, binaryHeaders('order.created'))
    await fromYaml.mesh.close()
    expect(new Set(ignored.spans.map((s) => s.serviceName))).toEqual(new Set(['from-yaml']))
    const disabled = await dev({env: {OTEL_SDK_DISABLED: 'true'}})
    expect(disabled.mesh.tracing.exportUrl).toBeUndefined()
    await disabled.mesh.close()

    // a setting that is not a URL is refused with its name
    await expect(dev({otelEndpoint: 'localhost:4318', env: {}})).rejects.toThrow(
      /^--otel-endpoint: localhost:4318 is not an http or https URL/,
    )
    await expect(dev({env: {OTEL_EXPORTER_OTLP_ENDPOINT: 'collector'}})).rejects.toThrow(
      /^OTEL_EXPORTER_OTLP_ENDPOINT: "collector" is not a URL/,
    )
    // …but only the one that is used: a variable the flag or OTEL_SDK_DISABLED overrides does not stop kne dev
    const overridden = await dev({otelEndpoint: collector.url, env: {OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4317'}})
    expect(overridden.mesh.tracing.exportUrl).toBe(`${collector.url}/v1/traces`)
    await overridden.mesh.close()
    const off = await dev({env: {OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4317', OTEL_SDK_DISABLED: 'true'}})
    expect(off.mesh.tracing.exportUrl).toBeUndefined()
    await off.mesh.close()
  })

  it('samples as OTEL_TRACES_SAMPLER says: a trace left out records nothing and is propagated unsampled', async () => {
    const sub = await kit.subscriber()
    const previous = process.env.OTEL_TRACES_SAMPLER
    process.env.OTEL_TRACES_SAMPLER = 'always_off'
    let traced: Awaited<ReturnType<typeof tracedMesh>>
    try {
      traced = await tracedMesh(brokerAndTriggers([{name: 'orders', type: 'order.created', uri: sub.url}]))
    } finally {
      if (previous === undefined) delete process.env.OTEL_TRACES_SAMPLER
      else process.env.OTEL_TRACES_SAMPLER = previous
    }
    const {mesh, collector} = traced
    expect((await post(`${mesh.url}/default/default`, binaryHeaders('order.created'))).status).toBe(202)
    await mesh.close()
    expect(collector.spans).toEqual([])
    expect(traceparentOf(sub.received[0]!).flags).toBe('00')
  })

  it('samples parentbased_traceidratio at 0: a trace kne starts is left out, one with a sampled parent is recorded', async () => {
    const sub = await kit.subscriber()
    const previous = {sampler: process.env.OTEL_TRACES_SAMPLER, argument: process.env.OTEL_TRACES_SAMPLER_ARG}
    process.env.OTEL_TRACES_SAMPLER = 'parentbased_traceidratio'
    process.env.OTEL_TRACES_SAMPLER_ARG = '0'
    let traced: Awaited<ReturnType<typeof tracedMesh>>
    try {
      traced = await tracedMesh(brokerAndTriggers([{name: 'orders', type: 'order.created', uri: sub.url}]))
    } finally {
      for (const [name, value] of [
        ['OTEL_TRACES_SAMPLER', previous.sampler],
        ['OTEL_TRACES_SAMPLER_ARG', previous.argument],
      ] as const)
        if (value === undefined) delete process.env[name]
        else process.env[name] = value
    }
    const {mesh, collector} = traced
    expect((await post(`${mesh.url}/default/default`, binaryHeaders('order.created'))).status).toBe(202)
    expect((await post(`${mesh.url}/default/default`, {...binaryHeaders('order.created'), traceparent: INCOMING})).status).toBe(202)
    await mesh.close()
    expect(new Set(collector.spans.map((s) => s.traceId))).toEqual(new Set([TRACE_ID]))
    expect(sub.received.map((r) => traceparentOf(r).flags)).toEqual(['00', '01'])
  })

  it('refuses an endpoint that is not an http or https URL', async () => {
    await expect(kit.mesh(brokerAndTriggers([]), {otel: {endpoint: 'localhost:4318'}})).rejects.toThrow(
      /cannot export traces: .* is not an http or https URL/,
    )
  })
})
