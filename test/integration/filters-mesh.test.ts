// Every filter dialect through a running mesh: which subscribers get which events.
import {beforeAll, describe, expect, it} from 'vitest'
import type {Mesh} from '../../src/index.js'
import {useMesh} from '../helpers/mesh.js'
import {binaryHeaders, post, type Subscriber} from '../helpers/subscriber.js'

const TRIGGERS: Record<string, string> = {
  prefix: 'filters: [{prefix: {type: com.example.order.}}]',
  suffix: 'filters: [{suffix: {source: /eu}}]',
  cesql: `filters: [{cesql: "priority > 2 AND type LIKE 'com.example.%'"}]`,
  anyof: 'filters: [{any: [{exact: {type: com.example.refund}}, {exact: {subject: vip}}]}]',
  notping: 'filters: [{not: {exact: {type: com.example.ping}}}, {exact: {source: /shop}}]',
  overrides: 'filter: {attributes: {type: never.matches}}\n  filters: [{exact: {type: com.example.ping}}]',
}

describe('trigger filter dialects through the mesh', () => {
  const kit = useMesh()
  let mesh: Mesh
  const sinks: Record<string, Subscriber> = {}

  beforeAll(async () => {
    let yaml = 'apiVersion: eventing.knative.dev/v1\nkind: Broker\nmetadata: {name: default}\n'
    for (const [name, filter] of Object.entries(TRIGGERS)) {
      sinks[name] = await kit.subscriber()
      yaml += `---\napiVersion: eventing.knative.dev/v1\nkind: Trigger\nmetadata: {name: ${name}}\nspec:\n  broker: default\n  ${filter}\n  subscriber: {uri: "${sinks[name].url}"}\n`
    }
    mesh = await kit.mesh(yaml)
  })

  async function deliveredTo(headers: Record<string, string>): Promise<string[]> {
    const before = Object.fromEntries(Object.entries(sinks).map(([n, s]) => [n, s.received.length]))
    expect((await post(`${mesh.url}/default/default`, headers)).status).toBe(202) // synchronous: all deliveries done
    return Object.entries(sinks)
      .filter(([n, s]) => s.received.length > before[n]!)
      .map(([n]) => n)
      .sort()
  }

  it('routes each event only to the triggers whose filters pass', async () => {
    expect(await deliveredTo(binaryHeaders('com.example.order.created', {'ce-source': '/shop', 'ce-priority': '3'}))).toEqual([
      'cesql',
      'notping',
      'prefix',
    ])
    expect(await deliveredTo(binaryHeaders('com.example.refund', {'ce-source': '/shop/eu'}))).toEqual(['anyof', 'suffix'])
    expect(await deliveredTo(binaryHeaders('com.example.ping', {'ce-source': '/shop', 'ce-subject': 'vip'}))).toEqual([
      'anyof',
      'overrides',
    ])
  })

  it('fails CESQL on a missing attribute, as Knative does', async () => {
    // no priority extension: `priority > 2` raises a missing-attribute error, which fails the filter
    expect(await deliveredTo(binaryHeaders('com.example.order.created', {'ce-source': '/x'}))).toEqual(['prefix'])
  })

  it('explains a retained event for kne tail --explain', async () => {
    await post(`${mesh.url}/default/default`, binaryHeaders('com.example.order.created', {'ce-source': '/x'}))
    const arrival = mesh.journal
      .since()
      .filter((r) => r.kind === 'event')
      .at(-1)!
    const response = await fetch(`${mesh.url}/_kne/v1/explain?arrival=${arrival.kind === 'event' ? arrival.arrival : 0}`)
    const explanation = (await response.json()) as {triggers: {trigger: string; explanation: {delivers: boolean; root: unknown}}[]}
    const cesql = explanation.triggers.find((t) => t.trigger === 'default/cesql')!
    expect(cesql.explanation.delivers).toBe(false)
    expect(JSON.stringify(cesql.explanation.root)).toContain('missingAttribute')
    expect(explanation.triggers.find((t) => t.trigger === 'default/prefix')!.explanation.delivers).toBe(true)
  })
})
