// A mesh with an event log (createMesh({persist})): a restart on the same folder takes back the history, the
// numbers and the counters; a stop that leaves deliveries waiting for a retry leaves them in the log for the
// next start; a log that cannot write makes ingress answer 503 instead of accepting events it cannot keep.
import {readdirSync, rmSync, symlinkSync} from 'node:fs'
import {join} from 'node:path'
import {brokerWithTrigger} from '../helpers/flows.js'
import {describe, expect, it} from 'vitest'
import {VirtualClock} from '../../src/index.js'
import {openEventLogReadOnly} from '../../src/mesh/event-log/file-store.js'
import {useMesh} from '../helpers/mesh.js'
import {binaryHeaders, post} from '../helpers/subscriber.js'
import {tempDir} from '../helpers/temp.js'

const kit = useMesh()

const RETRY = '{retry: 3, backoffPolicy: linear, backoffDelay: PT10S}'
const shop = (subscriberUrl: string, async = false): string => brokerWithTrigger(subscriberUrl, {async, delivery: RETRY})

const send = (url: string, id: string, data = '{}') =>
  post(`${url}/default/default`, binaryHeaders('com.example.order', {'ce-id': id, 'content-type': 'application/json'}), data)

describe('createMesh({persist})', () => {
  it('started again on the same folder, takes back the history, counters and events index, and numbers on after them', async () => {
    const subscriber = await kit.subscriber()
    const dir = tempDir('kne-persist-')
    const first = await kit.mesh(shop(subscriber.url), {persist: dir})
    for (const id of ['a', 'b']) expect((await send(first.url, id)).status).toBe(202)
    const lastSeq = first.journal.next - 1
    const history = first.journal.since(0)
    await first.close()
    const second = await kit.mesh(shop(subscriber.url), {persist: {dir}})
    expect(second.restored).toMatchObject({records: lastSeq, deliveries: 0})
    expect(second.journal.since(0).map((r) => r.seq)).toEqual([...Array(lastSeq).keys()].map((i) => i + 1))
    // every record as it was, those of a delivery the log wrote in one line too
    expect(second.journal.since(0)).toEqual(history)
    expect(history.map((r) => r.kind)).toEqual(['event', 'attempt', 'outcome', 'settled', 'event', 'attempt', 'outcome', 'settled'])
    expect(second.runtime.triggerCountersFor('default/orders')).toMatchObject({matched: 2, delivered: 2})
    expect((await send(second.url, 'c')).status).toBe(202)
    const c = second.journal.since(lastSeq + 1).find((r) => r.kind === 'event')
    expect(c).toMatchObject({seq: lastSeq + 1, arrival: 3, id: 'c'})
    // the restore's pass over the log built the events index, which the journal feeds: a request reads no segment
    rmSync(join(dir, 'segments'), {recursive: true})
    expect(second.events.query().events.map((e) => [e.id, e.deliveries[0]?.outcome])).toEqual([
      ['c', 'delivered'],
      ['b', 'delivered'],
      ['a', 'delivered'],
    ])
  })

  it('stopped while a delivery waits for its retry, leaves it in the log; the next start delivers it', async () => {
    const clock = new VirtualClock()
    const subscriber = await kit.subscriber((_req, res) => void res.writeHead(503).end())
    const dir = tempDir('kne-persist-')
    const first = await kit.mesh(shop(subscriber.url, true), {persist: {dir}, clock})
    expect((await send(first.url, 'waiting')).status).toBe(202)
    await subscriber.waitFor(1)
    const report = await first.close({drainTimeoutMs: 0})
    expect(report).toMatchObject({resumable: true, unfinished: [{id: 'waiting', trigger: 'default/orders'}]})
    subscriber.respond((_req, res) => void res.writeHead(200).end())
    const restartClock = new VirtualClock()
    const second = await kit.mesh(shop(subscriber.url), {persist: {dir}, clock: restartClock})
    expect(second.restored).toMatchObject({arrivals: 1, deliveries: 1})
    await restartClock.advance(10_000)
    await second.idle()
    expect(subscriber.received.map((r) => r.headers['ce-id'])).toEqual(['waiting', 'waiting'])
    const outcomes = second.journal.since(0).filter((r) => r.kind === 'outcome')
    // the stop's own "failed" never reached the log: the one outcome is the delivery after the restart
    expect(outcomes.map((r) => r.kind === 'outcome' && r.outcome)).toEqual(['delivered'])
  })

  for (const async of [true, false])
    it(`has an event's record in the log's files when its producer is answered (${async ? 'asynchronous' : 'synchronous'} broker)`, async () => {
      const subscriber = await kit.subscriber()
      const dir = tempDir('kne-persist-')
      // records could wait a minute: only the answer's commit writes them
      const mesh = await kit.mesh(shop(subscriber.url, async), {persist: {dir, batchWriteMs: 60_000}})
      for (const id of ['one', 'two', 'three']) {
        expect((await send(mesh.url, id)).status).toBe(202)
        const onDisk = [...openEventLogReadOnly(dir).read()].filter((r) => r.kind === 'event').map((r) => r.kind === 'event' && r.id)
        expect(onDisk.at(-1)).toBe(id)
      }
    })

  for (const async of [true, false])
    it(`answers 503 while the log cannot write an event, and accepts events again once it can (${async ? 'asynchronous' : 'synchronous'} broker)`, async () => {
      const subscriber = await kit.subscriber()
      const dir = tempDir('kne-persist-')
      // segments of 64 KiB: an event of 100 KiB starts a new one, whose file is made /dev/full (every write: ENOSPC)
      const mesh = await kit.mesh(shop(subscriber.url, async), {persist: {dir, maxBytes: 512 * 1024}, log: () => undefined})
      expect((await send(mesh.url, 'small')).status).toBe(202)
      await mesh.idle()
      const next = join(dir, 'segments', `${String(mesh.journal.next).padStart(20, '0')}.log`)
      symlinkSync('/dev/full', next)
      const big = JSON.stringify({pad: 'x'.repeat(100 * 1024)})
      const refused = await send(mesh.url, 'big', big)
      expect(refused.status).toBe(503)
      expect(refused.text).toMatch(/could not keep the event in its event log .*ENOSPC/)
      // an asynchronous broker answers before it delivers: the event is not delivered; a synchronous one answers
      // after its deliveries, which were made (at-least-once: the producer sends it again)
      expect(subscriber.received.map((r) => r.headers['ce-id'])).toEqual(async ? ['small'] : ['small', 'big'])
      // the next request is refused before its body is read, without trying the log
      expect((await send(mesh.url, 'soon')).status).toBe(503)
      rmSync(next)
      await new Promise((resolve) => setTimeout(resolve, 1100))
      expect((await send(mesh.url, 'big-again', big)).status).toBe(202)
      expect(readdirSync(join(dir, 'segments')).length).toBeGreaterThan(1)
      expect(mesh.eventLog?.stats().records).toBeGreaterThan(4)
    })
})
