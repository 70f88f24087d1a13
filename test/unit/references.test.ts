// References between manifests: a missing Broker, Channel, Sequence or Parallel is an error at the field
// that names it; a Service the service map does not know, or a kind kne cannot look up, is a warning.
import {describe, expect, it} from 'vitest'
import {stringify} from 'yaml'
import {checkReferences} from '../../src/core/references.js'
import {parseManifests} from '../../src/core/resources/parse.js'

function load(...docs: Record<string, unknown>[]) {
  const parsed = parseManifests(docs.map((d) => stringify(d)).join('---\n'), 'app.yaml', 'shop')
  expect(parsed.errors).toEqual([])
  return [...parsed.resources, ...parsed.others]
}

const broker = (name: string, namespace?: string) => ({
  apiVersion: 'eventing.knative.dev/v1',
  kind: 'Broker',
  metadata: {name, ...(namespace ? {namespace} : {})},
})
const trigger = (name: string, brokerName: string, subscriber: unknown) => ({
  apiVersion: 'eventing.knative.dev/v1',
  kind: 'Trigger',
  metadata: {name},
  spec: {broker: brokerName, subscriber},
})
const ref = (apiVersion: string, kind: string, name: string, namespace?: string) => ({
  ref: {apiVersion, kind, name, ...(namespace ? {namespace} : {})},
})

describe('checkReferences', () => {
  it('reports a trigger whose broker no manifest defines, at spec.broker', () => {
    const report = checkReferences(load(broker('default'), trigger('t', 'orders', {uri: 'http://x'})))
    expect(report.errors).toEqual([
      {
        file: 'app.yaml',
        document: 1,
        resource: 'Trigger shop/t',
        field: 'spec.broker',
        message: 'brokers.eventing.knative.dev "orders" not found in namespace "shop": no manifest defines Broker shop/orders',
      },
    ])
    expect(checkReferences(load(broker('orders'), trigger('t', 'orders', {uri: 'http://x'})))).toEqual({errors: [], warnings: []})
  })

  it('reports sinks, subscribers, replies and dead-letter sinks that name a missing Broker, Channel, Sequence or Parallel', () => {
    const report = checkReferences(
      load(
        {
          apiVersion: 'sources.knative.dev/v1',
          kind: 'PingSource',
          metadata: {name: 'p'},
          spec: {sink: ref('messaging.knative.dev/v1', 'Channel', 'nope')},
        },
        {
          apiVersion: 'messaging.knative.dev/v1',
          kind: 'Subscription',
          metadata: {name: 's'},
          spec: {
            channel: {apiVersion: 'messaging.knative.dev/v1', kind: 'InMemoryChannel', name: 'missing-imc'},
            subscriber: ref('flows.knative.dev/v1', 'Sequence', 'no-seq'),
            reply: ref('flows.knative.dev/v1', 'Parallel', 'no-par'),
            delivery: {deadLetterSink: ref('eventing.knative.dev/v1', 'Broker', 'dlq', 'elsewhere')},
          },
        },
        {
          apiVersion: 'flows.knative.dev/v1',
          kind: 'Sequence',
          metadata: {name: 'seq'},
          spec: {steps: [{uri: 'http://a', delivery: {deadLetterSink: ref('messaging.knative.dev/v1', 'Channel', 'gone')}}]},
        },
      ),
    )
    expect(report.errors.map((e) => `${e.resource} ${e.field}`)).toEqual([
      'PingSource shop/p spec.sink',
      'Subscription shop/s spec.channel',
      'Subscription shop/s spec.subscriber',
      'Subscription shop/s spec.reply',
      'Subscription shop/s spec.delivery.deadLetterSink',
      'Sequence shop/seq spec.steps[0].delivery.deadLetterSink',
    ])
    expect(report.errors[4]!.message).toMatch(/"dlq" not found in namespace "elsewhere"/)
  })

  it('finds targets in other namespaces and across kinds the mesh does not run', () => {
    const resources = load(
      broker('dlq', 'ops'),
      {apiVersion: 'messaging.knative.dev/v1', kind: 'InMemoryChannel', metadata: {name: 'imc'}},
      {apiVersion: 'flows.knative.dev/v1', kind: 'Parallel', metadata: {name: 'par'}, spec: {branches: [{subscriber: {uri: 'http://a'}}]}},
      trigger('t', 'dlq', ref('flows.knative.dev/v1', 'Parallel', 'par')),
      {
        apiVersion: 'messaging.knative.dev/v1',
        kind: 'Subscription',
        metadata: {name: 's'},
        spec: {
          channel: {apiVersion: 'messaging.knative.dev/v1', kind: 'InMemoryChannel', name: 'imc'},
          subscriber: {uri: 'http://x'},
          delivery: {deadLetterSink: ref('eventing.knative.dev/v1', 'Broker', 'dlq', 'ops')},
        },
      },
    )
    // the trigger's broker is in its own namespace (shop), where there is none
    expect(checkReferences(resources).errors.map((e) => e.field)).toEqual(['spec.broker'])
  })

  it('warns about Services the service map does not name, and checks the map by name and namespace/name', () => {
    const resources = load(
      broker('default'),
      trigger('a', 'default', ref('serving.knative.dev/v1', 'Service', 'orders')),
      trigger('b', 'default', ref('v1', 'Service', 'audit')),
    )
    const unmapped = checkReferences(resources)
    expect(unmapped.errors).toEqual([])
    expect(unmapped.warnings.map((w) => [w.resource, w.field, w.message])).toEqual([
      [
        'Trigger shop/a',
        'spec.subscriber',
        expect.stringMatching(/services.serving.knative.dev "orders" in namespace "shop" has no local URL/),
      ],
      ['Trigger shop/b', 'spec.subscriber', expect.stringMatching(/services "audit" in namespace "shop" has no local URL/)],
    ])
    expect(checkReferences(resources, {services: {orders: 'http://127.0.0.1:1', 'shop/audit': 'http://127.0.0.1:2'}})).toEqual({
      errors: [],
      warnings: [],
    })
    expect(
      checkReferences(resources, {services: {orders: 'http://127.0.0.1:1', 'other/audit': 'http://127.0.0.1:2'}}).warnings,
    ).toHaveLength(1)
  })

  it("warns about kinds it cannot look up, unless a manifest defines them; an EventType's reference only warns", () => {
    const resources = load(
      {apiVersion: 'eventing.knative.dev/v1alpha1', kind: 'KafkaSink', metadata: {name: 'kafka'}, spec: {topic: 't'}},
      {
        apiVersion: 'sources.knative.dev/v1',
        kind: 'PingSource',
        metadata: {name: 'to-kafka-sink'},
        spec: {sink: ref('eventing.knative.dev/v1alpha1', 'KafkaSink', 'kafka')},
      },
      {
        apiVersion: 'sources.knative.dev/v1',
        kind: 'PingSource',
        metadata: {name: 'to-kafka'},
        spec: {sink: ref('messaging.knative.dev/v1beta1', 'KafkaChannel', 'k')},
      },
      {
        apiVersion: 'eventing.knative.dev/v1beta2',
        kind: 'EventType',
        metadata: {name: 'e'},
        spec: {type: 't', reference: {apiVersion: 'eventing.knative.dev/v1', kind: 'Broker', name: 'none'}},
      },
    )
    const report = checkReferences(resources)
    expect(report.errors).toEqual([])
    expect(report.warnings.map((w) => `${w.resource} ${w.field}`)).toEqual([
      'PingSource shop/to-kafka spec.sink',
      'EventType shop/e spec.reference',
    ])
    expect(report.warnings[0]!.message).toMatch(/kne cannot resolve a reference to messaging.knative.dev\/v1beta1 KafkaChannel "k"/)
  })
})

describe('references to channels Knative creates', () => {
  it("accepts refs to a Channel's backing InMemoryChannel and to a flow's channels", () => {
    const yaml = `apiVersion: messaging.knative.dev/v1
kind: Channel
metadata: {name: orders}
---
apiVersion: flows.knative.dev/v1
kind: Sequence
metadata: {name: seq}
spec:
  steps: [{uri: "http://127.0.0.1:9/a"}, {uri: "http://127.0.0.1:9/b"}]
---
apiVersion: messaging.knative.dev/v1
kind: Subscription
metadata: {name: tap}
spec:
  channel: {apiVersion: messaging.knative.dev/v1, kind: InMemoryChannel, name: seq-kn-sequence-1}
  subscriber: {ref: {apiVersion: messaging.knative.dev/v1, kind: InMemoryChannel, name: orders}}
---
apiVersion: messaging.knative.dev/v1
kind: Subscription
metadata: {name: lost}
spec:
  channel: {apiVersion: messaging.knative.dev/v1, kind: InMemoryChannel, name: seq-kn-sequence-2}
  subscriber: {uri: "http://127.0.0.1:9/c"}
`
    const parsed = parseManifests(yaml, 'flows.yaml')
    expect(parsed.errors).toEqual([])
    const report = checkReferences(parsed.resources)
    expect(report.errors.map((e) => `${e.resource} ${e.field}`)).toEqual(['Subscription default/lost spec.channel'])
  })
})
