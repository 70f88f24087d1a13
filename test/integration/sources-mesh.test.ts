// Sources through the library API, over real HTTP to real subscribers: PingSource ticks on a virtual
// clock (so an hourly schedule and its retries take milliseconds), firing one now through the control
// API, sinks resolved as Knative resolves them, status.sources, and ApiServerSource events for changes.
import {describe, expect, it} from 'vitest'
import {parseManifests, VirtualClock, type Mesh, type MeshOptions} from '../../src/index.js'
import type {KneResource} from '../../src/core/resources/types.js'
import {useMesh} from '../helpers/mesh.js'
import {binaryHeaders, post, type Responder} from '../helpers/subscriber.js'

const kit = useMesh()
const {subscriber} = kit

function load(yaml: string): KneResource[] {
  const parsed = parseManifests(yaml, 'test.yaml')
  expect(parsed.errors).toEqual([])
  return parsed.resources
}

const meshFrom = (yaml: string, options: MeshOptions = {}): Promise<Mesh> => kit.start({...options, resources: load(yaml)})

const status =
  (code: number): Responder =>
  (_req, res) => {
    res.writeHead(code).end()
  }

function pingSource(sink: string, extra = '', name = 'beat', schedule = '0 * * * *'): string {
  return `apiVersion: sources.knative.dev/v1\nkind: PingSource\nmetadata:\n  name: ${name}\nspec:\n  schedule: "${schedule}"\n${extra}  sink:\n${sink}---\n`
}

/** February 30th: a schedule that never fires, so that only the waits of a fired event are on the clock. */
const NEVER = '0 0 30 2 *'

const uriSink = (url: string) => `    uri: ${url}\n`
const brokerSink = '    ref:\n      apiVersion: eventing.knative.dev/v1\n      kind: Broker\n      name: default\n'
const BROKER = 'apiVersion: eventing.knative.dev/v1\nkind: Broker\nmetadata:\n  name: default\n---\n'
const trigger = (url: string) =>
  `apiVersion: eventing.knative.dev/v1\nkind: Trigger\nmetadata:\n  name: all\nspec:\n  broker: default\n  subscriber:\n    uri: ${url}\n---\n`

const fire = (mesh: Mesh, name = 'beat', namespace = 'default') =>
  post(`${mesh.url}/_kne/v1/sources/pingsources/${namespace}/${name}/fire`, {})

describe("PingSource on the mesh's clock", () => {
  it("sends Knative's event at each fire time, after the spread, in binary mode", async () => {
    const sink = await subscriber()
    const clock = new VirtualClock() // 2024-01-01T00:00:00Z
    await meshFrom(
      pingSource(
        uriSink(sink.url),
        '  contentType: application/json\n  data: \'{"message": "Hello world!"}\'\n  ceOverrides:\n    extensions:\n      extra: "1"\n',
      ),
      {clock, sources: {pingJitterMs: () => 250}},
    )
    await clock.whenSleeping(1)
    await clock.advance(3_600_000 + 250)
    const [first] = await sink.waitFor(1)
    expect(first!.headers).toMatchObject({
      'ce-specversion': '1.0',
      'ce-type': 'dev.knative.sources.ping',
      'ce-source': '/apis/v1/namespaces/default/pingsources/beat',
      'ce-time': '2024-01-01T01:00:00.25Z',
      'ce-extra': '1',
      'content-type': 'application/json',
    })
    expect(first!.body.toString()).toBe('{"message": "Hello world!"}')
    await clock.advance(3_600_000)
    const [, second] = await sink.waitFor(2)
    expect(second!.headers['ce-time']).toBe('2024-01-01T02:00:00.25Z')
    expect(second!.headers['ce-id']).not.toBe(first!.headers['ce-id'])
  })

  it("reaches a broker's triggers when its sink is the broker, and counts what it sent", async () => {
    const sub = await subscriber()
    const clock = new VirtualClock()
    const mesh = await meshFrom(BROKER + trigger(sub.url) + pingSource(brokerSink), {clock, sources: {pingJitterMs: () => 0}})
    await clock.whenSleeping(1)
    await clock.advance(3_600_000)
    const [delivered] = await sub.waitFor(1)
    expect(delivered!.headers['ce-type']).toBe('dev.knative.sources.ping')
    // the broker answers the ping's POST once the delivery is done
    await expect.poll(() => mesh.status().sources[0]!.counters.sent).toBe(1)
    expect(mesh.status().sources).toEqual([
      {
        kind: 'PingSource',
        namespace: 'default',
        name: 'beat',
        sinkUri: `${mesh.url}/default/default`,
        ready: true,
        counters: {sent: 1, failed: 0},
      },
    ])
  })

  it("retries with the sender's exponential waits, then gives the event up", async () => {
    const flaky = await subscriber((_req, res, i) => {
      res.writeHead(i < 2 ? 503 : 202).end()
    })
    const clock = new VirtualClock()
    const mesh = await meshFrom(pingSource(uriSink(flaky.url), '', 'beat', NEVER), {clock})
    const answer = await clock.runUntil(fire(mesh))
    expect(answer.status).toBe(200)
    expect(JSON.parse(answer.text)).toMatchObject({delivered: true, status: 202, attempts: 3})
    expect(clock.requestedSleeps).toEqual([100, 200])

    const down = await subscriber(status(503))
    const other = new VirtualClock()
    const failing = await meshFrom(pingSource(uriSink(down.url), '', 'beat', NEVER), {clock: other})
    const lost = await other.runUntil(fire(failing))
    expect(lost.status).toBe(502)
    expect(JSON.parse(lost.text)).toMatchObject({delivered: false, status: 503, attempts: 6})
    expect(other.requestedSleeps).toEqual([100, 200, 400, 800, 1600])
    expect(failing.status().sources[0]!.counters).toEqual({sent: 0, failed: 1})
  })

  it('does not retry a 500, as sdk-go does not', async () => {
    const broken = await subscriber(status(500))
    const mesh = await meshFrom(pingSource(uriSink(broken.url)))
    const answer = await fire(mesh)
    expect(JSON.parse(answer.text)).toMatchObject({delivered: false, status: 500, attempts: 1})
    expect(broken.received).toHaveLength(1)
  })
})

describe('PingSource schedules far ahead', () => {
  const DAY = 86_400_000

  it('waits a year for a yearly schedule on a virtual clock and fires once, at its time', async () => {
    const sink = await subscriber()
    const clock = new VirtualClock() // 2024-01-01T00:00:00Z: the next fire time is 2025-01-01
    const mesh = await meshFrom(pingSource(uriSink(sink.url), '', 'beat', '0 0 1 1 *'), {clock, sources: {pingJitterMs: () => 0}})
    await clock.whenSleeping(1)
    await clock.advance(366 * DAY - 1)
    expect(sink.received).toHaveLength(0)
    await clock.advance(1)
    const [sent] = await sink.waitFor(1)
    expect(sent!.headers['ce-time']).toBe('2025-01-01T00:00:00Z')
    await expect.poll(() => mesh.status().sources[0]!.counters).toEqual({sent: 1, failed: 0})
    expect(clock.nextWakeIn).toBe(365 * DAY)
  })

  it("sends nothing on the real clock for a schedule months away (past setTimeout's 24.8-day limit)", async () => {
    const sink = await subscriber()
    const month = ((new Date().getUTCMonth() + 6) % 12) + 1
    const mesh = await meshFrom(pingSource(uriSink(sink.url), '', 'beat', `0 0 1 ${month} *`), {sources: {pingJitterMs: () => 0}})
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect(sink.received).toHaveLength(0)
    expect(mesh.status().sources[0]!.counters).toEqual({sent: 0, failed: 0})
  })

  it("sends many pings at once without Node's MaxListenersExceededWarning", async () => {
    const warnings: Error[] = []
    const onWarning = (warning: Error): void => {
      warnings.push(warning)
    }
    process.on('warning', onWarning)
    kit.defer(() => process.off('warning', onWarning))
    const held: (() => void)[] = []
    const slow = await subscriber((_req, res) => {
      held.push(() => res.writeHead(202).end())
    })
    const mesh = await meshFrom(pingSource(uriSink(slow.url), '', 'beat', NEVER))
    const fired = Array.from({length: 12}, () => fire(mesh))
    await slow.waitFor(12)
    for (const release of held) release()
    expect((await Promise.all(fired)).map((answer) => answer.status)).toEqual(Array(12).fill(200))
    await new Promise((resolve) => setImmediate(resolve))
    expect(warnings.map((warning) => warning.name)).not.toContain('MaxListenersExceededWarning')
  })
})

describe('firing and resolving through the control API', () => {
  it('fires a PingSource now and answers with the event id and where it went', async () => {
    const sink = await subscriber()
    const mesh = await meshFrom(pingSource(uriSink(sink.url), '  data: hello\n'))
    const answer = await fire(mesh)
    expect(answer.status).toBe(200)
    const body = JSON.parse(answer.text) as {id: string; sinkUri: string}
    const [received] = await sink.waitFor(1)
    expect(received!.headers['ce-id']).toBe(body.id)
    expect(body.sinkUri).toBe(sink.url)
    expect(received!.body.toString()).toBe('hello')
  })

  it('answers 404 for an unknown PingSource, 409 for one whose sink does not resolve, 405 for GET', async () => {
    const mesh = await meshFrom(pingSource(brokerSink, '', 'orphan'))
    expect((await fire(mesh, 'nope')).status).toBe(404)
    const notReady = await fire(mesh, 'orphan')
    expect(notReady.status).toBe(409)
    expect(JSON.parse(notReady.text).error).toMatch(/brokers.eventing.knative.dev "default" not found/)
    expect((await post(`${mesh.url}/_kne/v1/sources/pingsources/default/orphan/fire`, {}, undefined, 'GET')).status).toBe(405)
    expect(mesh.status().sources[0]).toMatchObject({
      ready: false,
      reason: 'NotFound',
      message: expect.stringMatching(/^Unable to resolve the sink: /),
    })
  })

  it('resolves a Destination as the mesh resolves sinks', async () => {
    const mesh = await meshFrom(BROKER, {services: {display: 'http://127.0.0.1:3000'}})
    const resolve = async (destination: unknown, namespace = 'default') => {
      const query = new URLSearchParams({namespace, destination: JSON.stringify(destination)})
      const r = await post(`${mesh.url}/_kne/v1/resolve?${query}`, {}, undefined, 'GET')
      return {status: r.status, body: JSON.parse(r.text) as {uri?: string; error?: string}}
    }
    expect(await resolve({ref: {apiVersion: 'eventing.knative.dev/v1', kind: 'Broker', name: 'default'}})).toEqual({
      status: 200,
      body: {uri: `${mesh.url}/default/default`},
    })
    expect(await resolve({ref: {apiVersion: 'serving.knative.dev/v1', kind: 'Service', name: 'display'}, uri: '/events'})).toEqual({
      status: 200,
      body: {uri: 'http://127.0.0.1:3000/events'},
    })
    expect((await resolve({ref: {apiVersion: 'eventing.knative.dev/v1', kind: 'Broker', name: 'default'}}, 'shop')).status).toBe(404)
    expect((await resolve({uri: 'not a url'})).status).toBe(400)
  })
})

describe('ApiServerSource on manifest changes', () => {
  const watcher = (url: string, mode = 'Reference') =>
    `apiVersion: sources.knative.dev/v1\nkind: ApiServerSource\nmetadata:\n  name: watch\nspec:\n  mode: ${mode}\n  resources:\n    - apiVersion: eventing.knative.dev/v1\n      kind: Trigger\n  sink:\n    uri: ${url}\n---\n`

  it('sends add, update and delete for the resources it watches, in order, and ignores the rest', async () => {
    const sink = await subscriber()
    const mesh = await meshFrom(BROKER + watcher(sink.url, 'Resource'))
    const [route] = load(trigger('http://127.0.0.1:1/'))
    const [edited] = load(trigger('http://127.0.0.1:2/'))
    const [otherBroker] = load('apiVersion: eventing.knative.dev/v1\nkind: Broker\nmetadata:\n  name: other\n')
    mesh.sources.observeChanges([{after: route}, {after: otherBroker}])
    mesh.sources.observeChanges([{before: route, after: edited}])
    mesh.sources.observeChanges([{before: edited}])
    await mesh.sources.idle()
    const received = await sink.waitFor(3)
    expect(received.map((r) => r.headers['ce-type'])).toEqual([
      'dev.knative.apiserver.resource.add',
      'dev.knative.apiserver.resource.update',
      'dev.knative.apiserver.resource.delete',
    ])
    expect(received[0]!.headers).toMatchObject({
      'ce-source': 'https://kubernetes.default.svc',
      'ce-subject': '/apis/eventing.knative.dev/v1/namespaces/default/triggers/all',
      'ce-kind': 'Trigger',
      'ce-apiversion': 'eventing.knative.dev/v1',
      'ce-name': 'all',
      'ce-namespace': 'default',
      'content-type': 'application/json',
    })
    expect(JSON.parse(received[1]!.body.toString()).spec.subscriber.uri).toBe('http://127.0.0.1:2/')
    expect(mesh.status().sources.find((s) => s.kind === 'ApiServerSource')!.counters).toEqual({sent: 3, failed: 0})
  })

  it('reports nothing for the reload that creates it (it sees changes after it starts)', async () => {
    const sink = await subscriber()
    const mesh = await meshFrom(BROKER)
    const resources = load(BROKER + watcher(sink.url) + trigger('http://127.0.0.1:1/'))
    mesh.apply(resources)
    mesh.sources.observeChanges(resources.filter((r) => r.kind !== 'Broker').map((after) => ({after})))
    await mesh.sources.idle()
    const [route] = load(trigger('http://127.0.0.1:3/'))
    mesh.sources.observeChanges([{before: resources[2], after: route}])
    const [update] = await sink.waitFor(1)
    expect(update!.headers['ce-type']).toBe('dev.knative.apiserver.ref.update')
    expect(update!.body.toString()).toBe('{"kind":"Trigger","namespace":"default","name":"all","apiVersion":"eventing.knative.dev/v1"}')
    expect(sink.received).toHaveLength(1)
  })
})

describe('broker ingress is unaffected', () => {
  it('still answers events posted by producers', async () => {
    const sub = await subscriber()
    const mesh = await meshFrom(BROKER + trigger(sub.url) + pingSource(brokerSink))
    expect((await post(`${mesh.url}/default/default`, binaryHeaders('com.example.x'))).status).toBe(202)
    await sub.waitFor(1)
  })
})
