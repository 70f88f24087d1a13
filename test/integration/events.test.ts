// Finding events and redelivering them through the control API, over real HTTP to real subscribers, on a
// virtual clock: a subscriber that fails until it is fixed dead-letters an event; the event is found by its
// outcome, redelivered once the subscriber is fixed, and the two arrivals name each other.
import {mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {parseManifests, VirtualClock, type Mesh} from '../../src/index.js'
import type {EventShowAnswer, EventsAnswer, RedeliverAnswer} from '../../src/core/api.js'
import {useMesh} from '../helpers/mesh.js'
import {binaryHeaders, post, type Responder} from '../helpers/subscriber.js'

const kit = useMesh()

function brokerYaml(subscriberUrl: string, dlsUrl: string, extraTrigger = ''): string {
  return (
    `apiVersion: eventing.knative.dev/v1\nkind: Broker\nmetadata:\n  name: default\nspec:\n  delivery:\n    retry: 1\n    backoffDelay: PT1S\n    deadLetterSink:\n      uri: ${dlsUrl}\n---\n` +
    `apiVersion: eventing.knative.dev/v1\nkind: Trigger\nmetadata:\n  name: orders\nspec:\n  broker: default\n  filter:\n    attributes:\n      type: com.example.order\n  subscriber:\n    uri: ${subscriberUrl}\n` +
    extraTrigger
  )
}

/** A subscriber that answers 500 until fixed. */
function fixable(): {responder: Responder; fix: () => void} {
  let fixed = false
  return {
    fix: () => {
      fixed = true
    },
    responder: (_req, res) => {
      res.writeHead(fixed ? 200 : 500).end()
    },
  }
}

async function getJson<T>(url: string): Promise<{status: number; body: T}> {
  const response = await fetch(url)
  return {status: response.status, body: (await response.json()) as T}
}

async function redeliver(mesh: Mesh, body: unknown): Promise<{status: number; body: RedeliverAnswer}> {
  const response = await fetch(`${mesh.url}/_kne/v1/redeliver`, {
    method: 'POST',
    headers: {'content-type': 'application/json'},
    body: JSON.stringify(body),
  })
  return {status: response.status, body: (await response.json()) as RedeliverAnswer}
}

describe('finding and redelivering events', () => {
  it('finds a dead-lettered event, redelivers it once the subscriber is fixed, and links the two arrivals', async () => {
    const {responder, fix} = fixable()
    const orders = await kit.subscriber(responder)
    const dls = await kit.subscriber()
    const clock = new VirtualClock()
    const mesh = await kit.mesh(brokerYaml(orders.url, dls.url), {clock})
    const sent = await clock.runUntil(post(`${mesh.url}/default/default`, binaryHeaders('com.example.order', {'ce-id': 'order-1'})))
    expect(sent.status).toBe(202)
    await dls.waitFor(1)
    // another event, delivered to nobody's subscriber: not dead-lettered
    await post(`${mesh.url}/default/default`, binaryHeaders('com.example.other', {'ce-id': 'other-1'}))

    const dead = await getJson<EventsAnswer>(`${mesh.url}/_kne/v1/events?outcome=dead-lettered`)
    expect(dead.status).toBe(200)
    expect(dead.body.events.map((e) => [e.arrival, e.id, e.settled])).toEqual([[1, 'order-1', true]])
    expect(dead.body.events[0]!.deliveries).toEqual([
      expect.objectContaining({trigger: 'default/orders', outcome: 'dead-lettered', attempts: 2, status: 500}),
    ])
    const all = await getJson<EventsAnswer>(`${mesh.url}/_kne/v1/events`)
    expect(all.body.events.map((e) => e.id)).toEqual(['other-1', 'order-1'])
    expect(all.body.from).toBe('history')

    // a dry run lists what would go, and sends nothing
    const dry = await redeliver(mesh, {dryRun: true})
    expect(dry.status).toBe(200)
    expect(dry.body.redeliveries).toEqual([
      {arrival: 1, id: 'order-1', type: 'com.example.order', trigger: 'default/orders', outcome: 'dead-lettered'},
    ])
    await mesh.idle()
    expect(orders.received).toHaveLength(2)
    expect((await getJson<EventsAnswer>(`${mesh.url}/_kne/v1/events`)).body.events).toHaveLength(2)

    fix()
    const done = await redeliver(mesh, {})
    expect(done.body.redeliveries).toEqual([expect.objectContaining({arrival: 1, trigger: 'default/orders', redelivery: 3, status: 202})])
    await clock.runUntil(mesh.idle())
    const [again] = (await orders.waitFor(3)).slice(2)
    // the subscriber sees the event as it saw it the first time: same id, same arrival time
    expect(again!.headers['ce-id']).toBe('order-1')
    expect(again!.headers['ce-knativearrivaltime']).toBe(orders.received[0]!.headers['ce-knativearrivaltime'])
    expect(again!.headers['ce-knativebrokerttl']).toBeUndefined()

    const shown = await getJson<EventShowAnswer>(`${mesh.url}/_kne/v1/events/order-1`)
    expect(shown.status).toBe(200)
    const [redelivered, original] = shown.body.events
    expect(redelivered!.summary).toMatchObject({arrival: 3, redelivers: {arrival: 1, trigger: 'default/orders'}, settled: true})
    expect(redelivered!.summary.deliveries).toEqual([
      expect.objectContaining({trigger: 'default/orders', outcome: 'delivered', attempts: 1}),
    ])
    expect(original!.summary.deliveries[0]).toMatchObject({outcome: 'dead-lettered', redeliveredAs: [3]})
    // the original's path: arrival, both attempts, the dead letter, outcome, settled, then the redelivery's arrival
    expect(original!.path.map((r) => (r.kind === 'attempt' ? `${r.kind}:${r.target}:${r.attempt}` : r.kind))).toEqual([
      'event',
      'attempt:subscriber:1',
      'attempt:subscriber:2',
      'attempt:dead-letter-sink:1',
      'outcome',
      'settled',
      'event',
    ])
    expect(original!.event).toMatchObject({id: 'order-1', type: 'com.example.order', source: '/test'})
    expect(original!.explanation?.triggers.map((t) => [t.trigger, t.explanation.delivers])).toEqual([['default/orders', true]])
    expect((await getJson<EventShowAnswer>(`${mesh.url}/_kne/v1/events/3`)).body.events.map((e) => e.summary.arrival)).toEqual([3])

    // a second redelivery finds it done
    const second = await redeliver(mesh, {arrivals: ['order-1']})
    expect(second.body.redeliveries).toEqual([
      expect.objectContaining({arrival: 1, skipped: 'already redelivered as arrival 3, and delivered'}),
    ])
    expect(second.body.redeliveries[0]!.redelivery).toBeUndefined()
    await mesh.idle()
    expect(orders.received).toHaveLength(3)
    expect(mesh.status().triggers[0]!.counters).toMatchObject({matched: 2, delivered: 1, deadLettered: 1})
  })

  it('reports a trigger that no longer exists instead of sending, and only redelivers the trigger asked for', async () => {
    const failing = await kit.subscriber((_req, res) => {
      res.writeHead(500).end()
    })
    const dls = await kit.subscriber()
    const clock = new VirtualClock()
    const audit = `---\napiVersion: eventing.knative.dev/v1\nkind: Trigger\nmetadata:\n  name: audit\nspec:\n  broker: default\n  subscriber:\n    uri: ${failing.url}\n`
    const mesh = await kit.mesh(brokerYaml(failing.url, dls.url, audit), {clock})
    await clock.runUntil(post(`${mesh.url}/default/default`, binaryHeaders('com.example.order', {'ce-id': 'order-2'})))
    const only = await redeliver(mesh, {arrivals: [1], trigger: 'default/audit', dryRun: true})
    expect(only.body.redeliveries.map((r) => r.trigger)).toEqual(['default/audit'])

    mesh.apply(parseManifests(brokerYaml(failing.url, dls.url), 'test.yaml').resources)
    const answer = await redeliver(mesh, {arrivals: [1]})
    expect(answer.body.redeliveries).toEqual([
      expect.objectContaining({trigger: 'default/orders', redelivery: 2}),
      expect.objectContaining({trigger: 'default/audit', error: 'trigger default/audit no longer exists on broker default/default'}),
    ])
    await clock.runUntil(mesh.idle())
  })

  it('does not send again an event whose data the history cut, and says why', async () => {
    const failing = await kit.subscriber((_req, res) => {
      res.writeHead(500).end()
    })
    const dls = await kit.subscriber()
    const clock = new VirtualClock()
    const mesh = await kit.mesh(brokerYaml(failing.url, dls.url), {clock})
    const headers = {...binaryHeaders('com.example.order', {'ce-id': 'big-1'}), 'content-type': 'text/plain'}
    await clock.runUntil(post(`${mesh.url}/default/default`, headers, 'x'.repeat(70 * 1024)))
    const shown = await getJson<EventShowAnswer>(`${mesh.url}/_kne/v1/events/big-1`)
    expect(shown.body.events[0]).toMatchObject({dataTruncated: true, dataBytes: 70 * 1024})
    const answer = await redeliver(mesh, {})
    expect(answer.body.redeliveries).toEqual([
      expect.objectContaining({
        arrival: 1,
        error: 'the history kept only the first 64 KiB of its data (70 KiB); kne dev --persist keeps events whole',
      }),
    ])
    expect(failing.received).toHaveLength(2)
  })

  it('finds and redelivers from the event log when the mesh keeps one (persist): the event whole', async () => {
    const {responder, fix} = fixable()
    const orders = await kit.subscriber(responder)
    const dls = await kit.subscriber()
    const clock = new VirtualClock()
    const dir = mkdtempSync(join(tmpdir(), 'kne-events-log-'))
    const mesh = await kit.mesh(brokerYaml(orders.url, dls.url), {clock, persist: {dir}})
    const headers = {...binaryHeaders('com.example.order', {'ce-id': 'big-2'}), 'content-type': 'text/plain'}
    await clock.runUntil(post(`${mesh.url}/default/default`, headers, 'y'.repeat(70 * 1024)))
    const found = await getJson<EventsAnswer>(`${mesh.url}/_kne/v1/events?outcome=dead-lettered`)
    expect(found.body).toMatchObject({from: 'log', events: [{arrival: 1, id: 'big-2'}]})
    fix()
    expect((await redeliver(mesh, {})).body.redeliveries).toEqual([expect.objectContaining({redelivery: 2})])
    await clock.runUntil(mesh.idle())
    // sent again whole: the log keeps an event's data, where the history keeps 64 KiB
    expect((await orders.waitFor(3))[2]!.body.length).toBe(70 * 1024)
    const shown = await getJson<EventShowAnswer>(`${mesh.url}/_kne/v1/events/big-2`)
    expect(shown.body.events.map((e) => [e.summary.arrival, e.dataTruncated, (e.event!.data as string).length])).toEqual([
      [2, undefined, 70 * 1024],
      [1, undefined, 70 * 1024],
    ])
  })

  it('redelivers a subscription of a channel', async () => {
    const {responder, fix} = fixable()
    const sub = await kit.subscriber(responder)
    const clock = new VirtualClock()
    const mesh = await kit.mesh(
      `apiVersion: messaging.knative.dev/v1\nkind: InMemoryChannel\nmetadata:\n  name: orders\n---\n` +
        `apiVersion: messaging.knative.dev/v1\nkind: Subscription\nmetadata:\n  name: worker\nspec:\n  channel:\n    apiVersion: messaging.knative.dev/v1\n    kind: InMemoryChannel\n    name: orders\n  subscriber:\n    uri: ${sub.url}\n`,
      {clock},
    )
    await clock.runUntil(post(`${mesh.url}/channels/default/orders`, binaryHeaders('com.example.order', {'ce-id': 'c-1'})))
    const failed = await getJson<EventsAnswer>(`${mesh.url}/_kne/v1/events?outcome=failed&subscription=default/worker`)
    expect(failed.body.events.map((e) => [e.channel, e.id])).toEqual([['default/orders', 'c-1']])
    fix()
    const answer = await redeliver(mesh, {subscription: 'default/worker'})
    expect(answer.body.redeliveries).toEqual([expect.objectContaining({subscription: 'default/worker', redelivery: 2})])
    await clock.runUntil(mesh.idle())
    expect(sub.received.map((r) => r.headers['ce-id'])).toEqual(['c-1', 'c-1'])
    const delivered = await getJson<EventsAnswer>(`${mesh.url}/_kne/v1/events?outcome=delivered`)
    expect(delivered.body.events.map((e) => [e.arrival, e.redelivers])).toEqual([[2, {arrival: 1, subscription: 'default/worker'}]])
  })

  it('answers bad requests clearly and changes nothing', async () => {
    const mesh = await kit.mesh(`apiVersion: eventing.knative.dev/v1\nkind: Broker\nmetadata:\n  name: default\n`)
    const bad = await getJson<{error: string}>(`${mesh.url}/_kne/v1/events?outcome=lost`)
    expect(bad).toEqual({status: 400, body: {error: 'outcome "lost" is not one of delivered, dead-lettered, failed, pending'}})
    expect((await getJson<{error: string}>(`${mesh.url}/_kne/v1/events?limit=-1`)).status).toBe(400)
    expect((await getJson<{error: string}>(`${mesh.url}/_kne/v1/events?colour=red`)).status).toBe(400)
    expect((await getJson<{error: string}>(`${mesh.url}/_kne/v1/events/nothing`)).status).toBe(404)
    const text = await fetch(`${mesh.url}/_kne/v1/redeliver`, {method: 'POST', headers: {'content-type': 'text/plain'}, body: '{}'})
    expect(text.status).toBe(415)
    const notJson = await fetch(`${mesh.url}/_kne/v1/redeliver`, {method: 'POST', headers: {'content-type': 'application/json'}, body: '{'})
    expect(notJson.status).toBe(400)
    expect((await redeliver(mesh, {arrivals: 'all'})).status).toBe(400)
    expect((await redeliver(mesh, {outcomes: ['gone']})).status).toBe(400)
    const foreign = await fetch(`${mesh.url}/_kne/v1/redeliver`, {
      method: 'POST',
      headers: {'content-type': 'application/json', origin: 'http://evil.example'},
      body: '{}',
    })
    expect(foreign.status).toBe(403)
    expect((await fetch(`${mesh.url}/_kne/v1/redeliver`)).status).toBe(405)
    expect(await redeliver(mesh, {arrivals: [7, 'x']})).toEqual({
      status: 200,
      body: {dryRun: false, redeliveries: [], notFound: ['7', 'x']},
    })
  })
})
