// kne record and kne replay against real meshes: what arrives from outside is recorded (not the replies it
// causes), and replayed into a fresh mesh with the same manifests it reaches the same subscribers, in the same
// order, through the same triggers; the recorded gaps are kept on a virtual clock.
import {mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {record} from '../../src/client/record.js'
import {replay} from '../../src/client/replay.js'
import type {ActivityJson} from '../../src/core/activity.js'
import {parseYamlEventFile} from '../../src/core/event-file.js'
import {VirtualClock, type Mesh} from '../../src/index.js'
import {answerEvent, appender, BROKER, channel, subscription, trigger} from '../helpers/flows.js'
import {conformanceDir, hasConformance} from '../helpers/conformance.js'
import {useMesh} from '../helpers/mesh.js'
import {binaryHeaders, post, type Received, type Subscriber} from '../helpers/subscriber.js'

const kit = useMesh()

interface Shop {
  mesh: Mesh
  orders: Subscriber
  audit: Subscriber
  replier: Subscriber
  reviews: Subscriber
}

/** A broker with a typed trigger, a trigger for everything, one whose subscriber replies, and a channel with a subscription. */
async function shop(): Promise<Shop> {
  const orders = await kit.subscriber()
  const audit = await kit.subscriber()
  const replier = await kit.subscriber((req, res) =>
    answerEvent(res, 'com.example.answer', {to: req.headers['ce-id']}, {'ce-id': `answer-to-${String(req.headers['ce-id'])}`}),
  )
  const reviews = await kit.subscriber()
  const mesh = await kit.mesh(
    BROKER +
      trigger('orders', orders.url, 'com.example.order') +
      trigger('audit', audit.url) +
      trigger('asks', replier.url, 'com.example.ask') +
      channel('reviews') +
      subscription('reviews', 'reviews', reviews.url),
  )
  return {mesh, orders, audit, replier, reviews}
}

/** What a subscriber got, without what a broker stamps on each arrival. */
function seen(subscriber: Subscriber): {headers: Record<string, unknown>; body: string}[] {
  return subscriber.received.map((r: Received) => {
    const {
      knativearrivaltime: _arrival,
      'ce-knativearrivaltime': _ceArrival,
      host: _host,
      'content-length': _length,
      connection: _connection,
      traceparent: _traceparent,
      ...headers
    } = r.headers
    return {headers, body: r.body.toString('base64')}
  })
}

/** Each arrival from outside: its id and the triggers it matched. */
function routing(mesh: Mesh): [string, string[] | undefined][] {
  return (mesh.journal.since() as ActivityJson[])
    .filter((r) => r.kind === 'event' && r.via === 'ingress' && r.from === undefined)
    .map((r) => [r.kind === 'event' ? r.id : '', r.kind === 'event' ? r.matched : undefined])
}

const tempFile = (name: string): string => join(mkdtempSync(join(tmpdir(), 'kne-record-')), name)

/** Sends the same five events: JSON data with its spacing, a question (its subscriber replies), binary data, a channel's event, a structured one. */
async function produce(mesh: Mesh): Promise<void> {
  const broker = `${mesh.url}/default/default`
  const sent = [
    await post(
      broker,
      {...binaryHeaders('com.example.order', {'ce-id': 'o-1'}), 'content-type': 'application/json'},
      '{"id": 1,  "note": "spaced"}',
    ),
    await post(broker, {...binaryHeaders('com.example.ask', {'ce-id': 'a-1'}), 'content-type': 'text/plain'}, 'how much?\n'),
    await post(
      broker,
      {...binaryHeaders('com.example.order', {'ce-id': 'o-2'}), 'content-type': 'application/octet-stream'},
      Buffer.from([0xff, 0x00, 0x01, 0xfe]),
    ),
    await post(`${mesh.url}/channels/default/reviews`, binaryHeaders('com.example.review', {'ce-id': 'r-1', 'ce-tenant': 'acme'}), 'great'),
    await post(
      broker,
      {'content-type': 'application/cloudevents+json'},
      JSON.stringify({specversion: '1.0', id: 'o-3', source: '/test', type: 'com.example.order', count: 5, data: {a: [1, 2]}}),
    ),
  ]
  expect(sent.map((s) => s.status)).toEqual([202, 202, 202, 202, 202])
}

describe('record and replay', () => {
  it.each(['yaml', 'jsonl'] as const)(
    'a %s recording replays into a fresh mesh: the same events reach the same subscribers in the same order',
    async (format) => {
      const original = await shop()
      const file = tempFile(`shop.${format}`)
      let subscribed!: () => void
      const live = new Promise<void>((resolve) => (subscribed = resolve))
      const recording = record(original.mesh.url, file, {selector: {}, format, count: 5, onSubscribed: () => subscribed()})
      await live
      await produce(original.mesh)
      const result = await recording
      expect(result).toMatchObject({recorded: 5, skipped: [], timedOut: false, meshStopped: false})
      // the reply the question caused reached the audit trigger, and is not in the recording: the replay makes it again
      expect(original.audit.received.map((r) => r.headers['ce-id'])).toContain('answer-to-a-1')
      const text = readFileSync(file, 'utf8')
      expect(text).not.toContain('answer-to-a-1')
      expect(text).not.toContain('knativearrivaltime')

      const fresh = await shop()
      const report = await replay(file, {namespace: 'default', dataDir: tempFile('data'), env: {KNE_URL: fresh.mesh.url}})
      expect(report).toMatchObject({format, sent: 5, accepted: 5, rejected: 0})
      expect(report.events.map((e) => [e.id, e.to])).toEqual([
        ['o-1', 'broker:default:default'],
        ['a-1', 'broker:default:default'],
        ['o-2', 'broker:default:default'],
        ['r-1', 'channel:reviews:default'],
        ['o-3', 'broker:default:default'],
      ])
      for (const name of ['orders', 'audit', 'replier', 'reviews'] as const) expect(seen(fresh[name]), name).toEqual(seen(original[name]))
      expect(routing(fresh.mesh)).toEqual(routing(original.mesh))
      if (format === 'yaml') {
        expect(text).toContain('# kne: broker default/default at ')
        expect(text).toContain('# kne: channel default/reviews at ')
        expect(text).toContain('DataBase64: /wAB/g==')
        // JSON data is written as it was sent, spaces and all
        expect(text).toContain('{"id": 1,  "note": "spaced"}')
      }
    },
  )

  it("an event sent to a Sequence is recorded at the flow's first channel, and replayed there runs the flow again", async () => {
    const flow = async (): Promise<{mesh: Mesh; end: Subscriber}> => {
      const step = await kit.subscriber(appender('a'))
      const end = await kit.subscriber()
      const mesh = await kit.mesh(
        `apiVersion: flows.knative.dev/v1\nkind: Sequence\nmetadata:\n  name: checkout\nspec:\n  steps:\n    - uri: ${step.url}\n  reply:\n    uri: ${end.url}\n---\n`,
      )
      return {mesh, end}
    }
    const original = await flow()
    const file = tempFile('flow.yaml')
    let subscribed!: () => void
    const live = new Promise<void>((resolve) => (subscribed = resolve))
    const recording = record(original.mesh.url, file, {selector: {}, format: 'yaml', count: 1, onSubscribed: () => subscribed()})
    await live
    const headers = {...binaryHeaders('com.example.start', {'ce-id': 's-1'}), 'content-type': 'application/json'}
    expect((await post(`${original.mesh.url}/sequences/default/checkout`, headers, '{"path":[]}')).status).toBe(202)
    await recording
    const fresh = await flow()
    const report = await replay(file, {namespace: 'default', dataDir: tempFile('data'), env: {KNE_URL: fresh.mesh.url}})
    expect(report.events.map((e) => [e.id, e.to, e.status])).toEqual([['s-1', 'channel:checkout-kn-sequence-0:default', 202]])
    expect(fresh.end.received.map((r) => r.body.toString())).toEqual(['{"path":["a"]}'])
    expect(original.end.received.map((r) => r.body.toString())).toEqual(['{"path":["a"]}'])
  })

  it('leaves out a redelivery: the event it sends again is already in the recording', async () => {
    const {mesh, orders} = await shop()
    const file = tempFile('redelivered.yaml')
    let subscribed!: () => void
    const live = new Promise<void>((resolve) => (subscribed = resolve))
    const recording = record(mesh.url, file, {selector: {}, format: 'yaml', count: 2, onSubscribed: () => subscribed()})
    await live
    const broker = `${mesh.url}/default/default`
    expect((await post(broker, binaryHeaders('com.example.order', {'ce-id': 'o-1'}))).status).toBe(202)
    mesh.redeliver({arrivals: ['o-1'], outcomes: ['delivered'], trigger: 'default/orders'})
    await orders.waitFor(2)
    expect((await post(broker, binaryHeaders('com.example.order', {'ce-id': 'o-2'}))).status).toBe(202)
    await recording
    expect(parseYamlEventFile(readFileSync(file, 'utf8'), file).map((e) => e.event.id)).toEqual(['o-1', 'o-2'])
  })

  it('--history records what the mesh still holds, and leaves out an event whose data the history cut, naming it', async () => {
    const {mesh} = await shop()
    const big = 'x'.repeat(70 * 1024)
    expect(
      (
        await post(
          `${mesh.url}/default/default`,
          {...binaryHeaders('com.example.order', {'ce-id': 'big'}), 'content-type': 'text/plain'},
          big,
        )
      ).status,
    ).toBe(202)
    expect((await post(`${mesh.url}/default/default`, binaryHeaders('com.example.order', {'ce-id': 'small'}), 'ok')).status).toBe(202)
    const file = tempFile('history.yaml')
    const warnings: string[] = []
    const result = await record(mesh.url, file, {selector: {}, format: 'yaml', history: true, count: 1, onSkipped: (w) => warnings.push(w)})
    expect(result).toMatchObject({recorded: 1, skipped: ['big']})
    expect(warnings).toEqual([
      expect.stringMatching(/^event big left out: the mesh's history keeps only the first 64 KiB of its data \(70 KiB\)/),
    ])
    expect(parseYamlEventFile(readFileSync(file, 'utf8'), file).map((e) => e.event.id)).toEqual(['small'])
  })

  it('picks events by broker, channel and type', async () => {
    const {mesh} = await shop()
    const file = tempFile('reviews.yaml')
    let subscribed!: () => void
    const live = new Promise<void>((resolve) => (subscribed = resolve))
    const recording = record(mesh.url, file, {
      selector: {channel: 'default/reviews'},
      format: 'yaml',
      count: 1,
      onSubscribed: () => subscribed(),
    })
    await live
    await produce(mesh)
    await recording
    expect(parseYamlEventFile(readFileSync(file, 'utf8'), file).map((e) => [e.event.id, e.recorded?.channel])).toEqual([
      ['r-1', 'default/reviews'],
    ])
  })
})

describe('the pace of a replay', () => {
  const recorded = (id: string, at: string): string =>
    `# kne: broker default/default at ${at}\nContextAttributes:\n  specversion: "1.0"\n  type: com.example.order\n  id: ${id}\n  source: /test\n`
  const file = tempFile('paced.yaml')
  writeFileSync(
    file,
    [
      recorded('p-1', '2026-12-04T10:00:00.000Z'),
      recorded('p-2', '2026-12-04T10:00:01.000Z'),
      recorded('p-3', '2026-12-04T10:00:03.500Z'),
      recorded('p-4', '2026-12-04T10:00:03.500Z'),
    ].join('---\n'),
  )

  it.each([
    ['as fast as each is answered', {kind: 'answered'} as const, []],
    ['--as-recorded keeps the recorded gaps', {kind: 'recorded', speed: 1} as const, [1000, 2500]],
    ['--speed 2 halves them', {kind: 'recorded', speed: 2} as const, [500, 1250]],
    ['--rate 4 sends four a second', {kind: 'rate', perSecond: 4} as const, [250, 250, 250]],
  ])('%s', async (_name, pace, sleeps) => {
    const {mesh, orders} = await shop()
    const clock = new VirtualClock()
    const report = await clock.runUntil(
      replay(file, {namespace: 'default', dataDir: tempFile('data'), env: {KNE_URL: mesh.url}, pace, clock}),
    )
    expect(report.accepted).toBe(4)
    expect(clock.requestedSleeps).toEqual(sleeps)
    expect(orders.received.map((r) => r.headers['ce-id'])).toEqual(['p-1', 'p-2', 'p-3', 'p-4'])
  })
})

describe('replay reports each event', () => {
  it('an event the mesh refuses is reported, and the others are still sent', async () => {
    const {mesh, orders} = await shop()
    const file = tempFile('mixed.jsonl')
    const line = (id: string, broker: string): string =>
      JSON.stringify({kne: {broker}, event: {specversion: '1.0', id, source: '/test', type: 'com.example.order'}})
    writeFileSync(file, [line('m-1', 'default/default'), line('m-2', 'default/nope'), line('m-3', 'default/default')].join('\n'))
    const report = await replay(file, {namespace: 'default', dataDir: tempFile('data'), env: {KNE_URL: mesh.url}})
    expect(report).toMatchObject({sent: 3, accepted: 2, rejected: 1})
    expect(report.events[1]).toMatchObject({
      id: 'm-2',
      to: 'broker:nope:default',
      status: 404,
      accepted: false,
      error: expect.stringContaining('answered 404'),
    })
    expect(orders.received.map((r) => r.headers['ce-id'])).toEqual(['m-1', 'm-3'])
  })

  it('a report lists at most 10,000 events and counts the rest; --dry-run sends nothing', async () => {
    const {orders} = await shop()
    const file = tempFile('many.jsonl')
    const line = (i: number): string => JSON.stringify({specversion: '1.0', id: `n-${i}`, source: '/test', type: 'com.example.order'})
    writeFileSync(file, Array.from({length: 10_002}, (_, i) => line(i)).join('\n'))
    const report = await replay(file, {namespace: 'default', dataDir: tempFile('data'), dryRun: true})
    expect(report).toMatchObject({sent: 10_002, dryRun: true, eventsLeftOut: 2})
    expect(report.events).toHaveLength(10_000)
    expect(report.events.at(-1)).toEqual({
      index: 10_000,
      position: 'line 10000',
      id: 'n-9999',
      type: 'com.example.order',
      source: '/test',
      to: 'broker:default',
    })
    expect(orders.received).toEqual([])
  })

  it('--new-ids gives each event a fresh id', async () => {
    const {mesh, orders} = await shop()
    const file = tempFile('ids.jsonl')
    // as an editor on Windows may save it: a byte-order mark and CRLF line ends
    writeFileSync(file, `\uFEFF${JSON.stringify({specversion: '1.0', id: 'same', source: '/test', type: 'com.example.order'})}\r\n`)
    const report = await replay(file, {namespace: 'default', dataDir: tempFile('data'), env: {KNE_URL: mesh.url}, newIds: true})
    expect(report.events[0]!.id).not.toBe('same')
    expect(orders.received[0]!.headers['ce-id']).toBe(report.events[0]!.id)
  })
})

describe.skipIf(!hasConformance)("the conformance tool's fixtures", () => {
  it('v1.yaml is sent as the tool sends it: binary, then structured, with its TransportExtensions as headers', async () => {
    const receiver = await kit.subscriber()
    const file = join(conformanceDir!, 'cloudevents_conformance', 'yaml', 'v1.yaml')
    const report = await replay(file, {namespace: 'default', dataDir: tempFile('data'), to: receiver.url})
    expect(report).toMatchObject({sent: 2, accepted: 2})
    const [binary, structured] = receiver.received
    expect(binary!.headers).toMatchObject({'user-agent': 'foo', 'ce-id': '4321-4321-4321', 'ce-comexampleextension1': 'value'})
    expect(binary!.body.toString()).toBe('{"world":"hello"}\n')
    expect(structured!.headers).toMatchObject({'user-agent': 'foo', 'content-type': 'application/cloudevents+json; charset=utf-8'})
    expect(JSON.parse(structured!.body.toString())).toMatchObject({
      id: '4321-4321-4321',
      comexampleextension2: '{"othervalue": 5}',
      data: {world: 'hello'},
    })
  })
})
