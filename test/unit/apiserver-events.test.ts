// ApiServerSource events as Knative's adapter makes them (semantics §5.3), for the resources kne runs:
// Resource and Reference mode data, subject, extensions, and what a selector-filtered watch reports.
import {describe, expect, it} from 'vitest'
import {parseManifests} from '../../src/core/resources/parse.js'
import type {ApiServerSource, KneResource} from '../../src/core/resources/types.js'
import {apiServerEvent, selfLink, watchedOperations, type WatchedObject} from '../../src/core/sources/apiserver.js'

function load(yaml: string): KneResource[] {
  const parsed = parseManifests(yaml, 'a.yaml')
  expect(parsed.errors).toEqual([])
  return parsed.resources
}

function source(spec: string, namespace = 'default'): ApiServerSource {
  return load(
    `apiVersion: sources.knative.dev/v1\nkind: ApiServerSource\nmetadata:\n  name: watch\n  namespace: ${namespace}\nspec:\n  sink:\n    uri: http://127.0.0.1:1/\n${spec}`,
  )[0] as ApiServerSource
}

function broker(labels = '', namespace = 'default'): WatchedObject {
  return load(`apiVersion: eventing.knative.dev/v1\nkind: Broker\nmetadata:\n  name: orders\n  namespace: ${namespace}\n${labels}`)[0]!
}

const at = {id: 'id-1', timeMs: Date.parse('2024-03-01T12:00:00Z')}
const brokers = '  resources:\n    - apiVersion: eventing.knative.dev/v1\n      kind: Broker\n'

describe('ApiServerSource events', () => {
  it("Reference mode: ref types, the object's reference as Go marshals an ObjectReference, subject and extensions", () => {
    const src = source(brokers)
    const event = apiServerEvent(src, 'add', broker(), 'eventing.knative.dev/v1', at)
    expect(event).toMatchObject({
      type: 'dev.knative.apiserver.ref.add',
      source: 'https://kubernetes.default.svc',
      datacontenttype: 'application/json',
      subject: '/apis/eventing.knative.dev/v1/namespaces/default/brokers/orders',
      time: '2024-03-01T12:00:00Z',
      extensions: {kind: 'Broker', apiversion: 'eventing.knative.dev/v1', name: 'orders', namespace: 'default'},
    })
    expect(Buffer.from(event.data!).toString()).toBe(
      '{"kind":"Broker","namespace":"default","name":"orders","apiVersion":"eventing.knative.dev/v1"}',
    )
  })

  it('Resource mode: resource types and the whole object, keys sorted, namespace filled in', () => {
    const src = source(`${brokers}  mode: Resource\n  ceOverrides:\n    extensions:\n      team: core\n`)
    const event = apiServerEvent(src, 'delete', broker('  labels:\n    tier: gold\n'), 'eventing.knative.dev/v1', at)
    expect(event.type).toBe('dev.knative.apiserver.resource.delete')
    expect(Buffer.from(event.data!).toString()).toBe(
      '{"apiVersion":"eventing.knative.dev/v1","kind":"Broker","metadata":{"labels":{"tier":"gold"},"name":"orders","namespace":"default"}}',
    )
    expect(event.extensions.team).toBe('core')
  })

  it('builds subjects as Knative does, /versionUnknown for a group without a version', () => {
    expect(selfLink('v1', 'Pod', 'test', 'unit')).toBe('/apis/v1/namespaces/test/pods/unit')
    expect(selfLink('serving.knative.dev', 'Revision', 'ns', 'r')).toBe(
      '/apis/serving.knative.dev/versionUnknown/namespaces/ns/revisions/r',
    )
  })
})

describe('what a watch reports', () => {
  const selected = source(
    `  resources:\n    - apiVersion: eventing.knative.dev/v1\n      kind: Broker\n      selector:\n        matchLabels:\n          watched: "yes"\n`,
  )
  const on = broker('  labels:\n    watched: "yes"\n')
  const off = broker('  labels:\n    watched: "no"\n')
  const ops = (src: ApiServerSource, before?: WatchedObject, after?: WatchedObject) =>
    watchedOperations(src, {before, after}).map((o) => o.op)

  it('reports add, update and delete for matching objects, nothing for other kinds', () => {
    expect(ops(selected, undefined, on)).toEqual(['add'])
    expect(ops(selected, on, on)).toEqual(['update'])
    expect(ops(selected, on, undefined)).toEqual(['delete'])
    expect(ops(source('  resources:\n    - apiVersion: v1\n      kind: Event\n'), undefined, on)).toEqual([])
  })

  it('reports an object that starts matching as added and one that stops as deleted', () => {
    expect(ops(selected, off, on)).toEqual(['add'])
    expect(ops(selected, on, off)).toEqual(['delete'])
    expect(ops(selected, off, off)).toEqual([])
  })

  it('watches its own namespace, or those its namespaceSelector picks by kubernetes.io/metadata.name', () => {
    const elsewhere = broker('', 'shop')
    expect(ops(source(brokers), undefined, elsewhere)).toEqual([])
    expect(
      ops(source(`${brokers}  namespaceSelector:\n    matchLabels:\n      kubernetes.io/metadata.name: shop\n`), undefined, elsewhere),
    ).toEqual(['add'])
    expect(ops(source(`${brokers}  namespaceSelector: {}\n`), undefined, elsewhere)).toEqual(['add'])
  })

  it('with an owner, watches only objects that owner controls', () => {
    const owned = load(
      `apiVersion: eventing.knative.dev/v1\nkind: Broker\nmetadata:\n  name: orders\n  ownerReferences:\n    - {apiVersion: apps/v1, kind: Deployment, name: d, uid: u, controller: true}\n`,
    )[0]!
    const owner = source(`${brokers}  owner:\n    apiVersion: apps/v1\n    kind: Deployment\n`)
    expect(ops(owner, undefined, owned)).toEqual(['add'])
    expect(ops(owner, undefined, broker())).toEqual([])
  })
})
