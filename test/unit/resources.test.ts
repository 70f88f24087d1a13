import {describe, expect, it} from 'vitest'
import type {CloudEvent} from '../../src/core/cloudevent.js'
import {buildEvent} from '../../src/core/event-builder.js'
import {parseSink} from '../../src/core/sink.js'
import {parseHumanDuration, parseIsoDuration} from '../../src/core/delivery/duration.js'
import {resolveDestination} from '../../src/core/resources/destination.js'
import {parseManifests} from '../../src/core/resources/parse.js'
import {nextTtl} from '../../src/mesh/broker.js'

describe('ISO-8601 delivery durations', () => {
  it.each([
    ['PT0.2S', 200],
    ['PT1S', 1000],
    ['PT2.5S', 2500],
    ['PT1M', 60_000],
    ['P1DT2H', 93_600_000],
    ['PT0S', 0],
  ])('%s is %i ms', (text, ms) => {
    expect(parseIsoDuration(text)).toBe(ms)
  })
  it.each(['', 'P', 'PT', '1S', 'PTS', 'PT1.S', 'soon'])('rejects %j', (text) => {
    expect(parseIsoDuration(text)).toBeUndefined()
  })
  it('reads flag durations', () => {
    expect(parseHumanDuration('15s')).toBe(15_000)
    expect(parseHumanDuration('15')).toBe(15_000)
    expect(parseHumanDuration('500ms')).toBe(500)
    expect(parseHumanDuration('2m')).toBe(120_000)
    expect(parseHumanDuration('fast')).toBeUndefined()
  })
})

describe('broker TTL (knativebrokerttl)', () => {
  const event = (ttl?: string | number): CloudEvent => ({
    specversion: '1.0',
    id: '1',
    source: 's',
    type: 't',
    extensions: ttl === undefined ? {} : {knativebrokerttl: ttl},
  })
  it('defaults to 255 when absent or unreadable and otherwise spends one hop', () => {
    expect(nextTtl(event())).toBe(255)
    expect(nextTtl(event('abc'))).toBe(255)
    expect(nextTtl(event('10'))).toBe(9)
    expect(nextTtl(event(10))).toBe(9)
    expect(nextTtl(event('1'))).toBe(0)
    expect(nextTtl(event('-4'))).toBe(0)
  })
})

describe('kn sink grammar', () => {
  it('reads prefixes, namespaces, bare names and URLs as kn does', () => {
    expect(parseSink('broker:orders', 'shop')).toEqual({
      ok: true,
      destination: {ref: {apiVersion: 'eventing.knative.dev/v1', kind: 'Broker', name: 'orders', namespace: 'shop'}},
    })
    expect(parseSink('ksvc:svc:other')).toEqual({
      ok: true,
      destination: {ref: {apiVersion: 'serving.knative.dev/v1', kind: 'Service', name: 'svc', namespace: 'other'}},
    })
    expect(parseSink('mysvc')).toMatchObject({
      ok: true,
      destination: {ref: {kind: 'Service', apiVersion: 'serving.knative.dev/v1', name: 'mysvc'}},
    })
    expect(parseSink('svc:receiver')).toMatchObject({ok: true, destination: {ref: {apiVersion: 'v1', kind: 'Service'}}})
    expect(parseSink('https://example.com/hook')).toEqual({ok: true, destination: {uri: 'https://example.com/hook'}})
    expect(parseSink('queue:x')).toMatchObject({ok: false})
  })
})

describe('Destination resolution', () => {
  const ctx = {
    meshUrl: 'http://127.0.0.1:8080',
    brokers: new Set(['default/default']),
    services: {orders: 'http://127.0.0.1:3000', 'shop/orders': 'http://127.0.0.1:3001'},
  }
  it('resolves a Broker ref to its ingress and a relative uri against it (RFC 3986)', () => {
    const ref = {apiVersion: 'eventing.knative.dev/v1', kind: 'Broker', name: 'default'}
    expect(resolveDestination({ref}, 'default', ctx)).toEqual({ok: true, uri: 'http://127.0.0.1:8080/default/default'})
    expect(resolveDestination({ref, uri: '/extra/path'}, 'default', ctx)).toEqual({ok: true, uri: 'http://127.0.0.1:8080/extra/path'})
    expect(resolveDestination({ref, uri: 'x'}, 'default', ctx)).toEqual({ok: true, uri: 'http://127.0.0.1:8080/default/x'})
  })
  it('prefers a namespaced service map entry over a bare name', () => {
    const ref = {apiVersion: 'serving.knative.dev/v1', kind: 'Service', name: 'orders'}
    expect(resolveDestination({ref}, 'shop', ctx)).toEqual({ok: true, uri: 'http://127.0.0.1:3001'})
    expect(resolveDestination({ref}, 'default', ctx)).toEqual({ok: true, uri: 'http://127.0.0.1:3000'})
  })
  it('explains what is missing', () => {
    const missing = resolveDestination({ref: {apiVersion: 'v1', kind: 'Service', name: 'nope'}}, 'default', ctx)
    expect(missing).toMatchObject({ok: false, reason: 'ServiceNotMapped'})
    expect(!missing.ok && missing.message).toContain('--service nope=URL')
    expect(resolveDestination({ref: {apiVersion: 'eventing.knative.dev/v1', kind: 'Broker', name: 'x'}}, 'default', ctx)).toMatchObject({
      ok: false,
      reason: 'BrokerNotFound',
    })
  })
})

describe('manifest parsing', () => {
  it('names the file, the document, the resource and the field of each problem', () => {
    const yaml = `apiVersion: eventing.knative.dev/v1
kind: Trigger
metadata: {name: t1}
spec:
  broker: default
  subscriber: {uri: "http://x"}
  delivery: {retry: -1, backoffPolicy: fast, backoffDelay: soon}
---
apiVersion: eventing.knative.dev/v1
kind: Broker
metadata: {name: Bad_Name}
`
    const {errors, resources} = parseManifests(yaml, 'app.yaml')
    expect(resources).toHaveLength(0)
    expect(errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({file: 'app.yaml', document: 0, resource: 'Trigger default/t1', field: 'spec.delivery.retry'}),
        expect.objectContaining({field: 'spec.delivery.backoffPolicy'}),
        expect.objectContaining({field: 'spec.delivery.backoffDelay'}),
        expect.objectContaining({document: 1, resource: 'Broker default/Bad_Name', field: 'metadata.name'}),
      ]),
    )
  })

  it('reports invalid YAML with its position and keeps the other documents', () => {
    const {errors, resources} = parseManifests(
      'apiVersion: eventing.knative.dev/v1\nkind: Broker\nmetadata: {name: ok}\n---\nkind: [unclosed\n',
      'x.yaml',
    )
    expect(resources).toHaveLength(1)
    expect(errors[0]).toMatchObject({file: 'x.yaml', document: 1})
    expect(errors[0]!.message).toMatch(/invalid YAML at line \d+/)
  })

  it('applies the trigger webhook defaults: ref namespace and the broker label', () => {
    const {resources} = parseManifests(
      `apiVersion: eventing.knative.dev/v1
kind: Trigger
metadata: {name: t, namespace: shop}
spec:
  broker: orders
  subscriber: {ref: {apiVersion: v1, kind: Service, name: s}}
`,
      'x.yaml',
    )
    const trigger = resources[0]!
    expect(trigger.kind === 'Trigger' && trigger.spec.subscriber.ref?.namespace).toBe('shop')
    expect(trigger.metadata.labels['eventing.knative.dev/broker']).toBe('orders')
  })
})

describe('kne send event building', () => {
  it('fills source, id, time and guesses the content type', () => {
    const built = buildEvent({type: 'com.example', data: '{"a":1}', extensions: ['tenant=acme'], now: new Date('2024-01-01T00:00:00Z')})
    expect(built).toMatchObject({
      ok: true,
      event: {source: 'kne', datacontenttype: 'application/json', time: '2024-01-01T00:00:00.000Z', extensions: {tenant: 'acme'}},
    })
    expect(buildEvent({type: 'x', data: 'hello'})).toMatchObject({event: {datacontenttype: 'text/plain'}})
  })
  it('refuses what ingress would refuse', () => {
    expect(buildEvent({type: ''})).toMatchObject({ok: false})
    expect(buildEvent({type: 'x', extensions: ['Bad-Name=1']})).toMatchObject({ok: false})
    expect(buildEvent({type: 'x', extensions: ['type=1']})).toMatchObject({ok: false})
  })
})
