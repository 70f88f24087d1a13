// kne events list|show and kne redeliver, run in process against a mesh in this process (or a log folder it
// wrote): what they print, their --json documents and their exit codes.
import {mkdtempSync, readdirSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {writeLocator} from '../../src/client/locator.js'
import {attemptRecord, eventRecord, outcomeRecord, settledRecord, type Activity} from '../../src/core/activity.js'
import {openEventLog} from '../../src/mesh/event-log/file-store.js'
import {parseManifests, VirtualClock, type Mesh} from '../../src/index.js'
import {freshDataDir, jsonOf, runKne} from '../helpers/command.js'
import {useMesh} from '../helpers/mesh.js'
import {binaryHeaders, post} from '../helpers/subscriber.js'
import {writeV1Folder} from '../helpers/event-log-v1.js'

const kit = useMesh()

function manifests(subscriberUrl: string, dlsUrl: string, withTrigger = true): string {
  const broker = `apiVersion: eventing.knative.dev/v1\nkind: Broker\nmetadata:\n  name: default\nspec:\n  delivery:\n    retry: 1\n    backoffDelay: PT1S\n    deadLetterSink:\n      uri: ${dlsUrl}\n`
  const trigger = `---\napiVersion: eventing.knative.dev/v1\nkind: Trigger\nmetadata:\n  name: orders\nspec:\n  broker: default\n  subscriber:\n    uri: ${subscriberUrl}\n`
  return withTrigger ? broker + trigger : broker
}

describe('kne events and kne redeliver', () => {
  it('lists a dead-lettered event, shows it whole, and redelivers it once the subscriber is fixed', async () => {
    let fixed = false
    const orders = await kit.subscriber((_req, res) => {
      res.writeHead(fixed ? 200 : 503).end()
    })
    const dls = await kit.subscriber()
    const clock = new VirtualClock()
    const mesh: Mesh = await kit.mesh(manifests(orders.url, dls.url), {clock, log: () => undefined})
    const dataDir = freshDataDir()
    writeLocator(dataDir, {version: 'test', pid: process.pid, url: mesh.url, startedAt: mesh.startedAt.toISOString()})
    const kne = (...args: string[]) => runKne(args, {env: {KNE_DATA_DIR: dataDir}})
    for (const id of ['cmd-1', 'cmd-2']) {
      const headers = {...binaryHeaders('com.example.order', {'ce-id': id}), 'content-type': 'application/json'}
      await clock.runUntil(post(`${mesh.url}/default/default`, headers, '{"order":{"id":1,"items":["book"]}}'))
    }

    const listed = await kne('events', 'list', '--outcome', 'dead-lettered', '--json')
    expect(listed.code).toBe(0)
    expect(jsonOf(listed).events.map((e: {id: string}) => e.id)).toEqual(['cmd-2', 'cmd-1'])
    const table = await kne('events', 'list', '--outcome', 'dead-lettered', '--trigger', 'orders', '--limit', '1')
    expect(table.stdout.split('\n')[0]).toMatch(/^ARRIVAL\s+TIME\s+AT\s+TYPE\s+ID\s+DELIVERIES$/)
    expect(table.stdout).toContain('default/orders: dead-lettered (2 attempts)')
    expect(table.stdout).not.toContain('cmd-1')
    expect(table.stderr).toContain('showing the newest 1 of 2 events (--limit)')
    expect(jsonOf(await kne('events', 'list', '--outcome', 'pending', '--json')).events).toEqual([])

    const shown = await kne('events', 'show', 'cmd-1')
    expect(shown.code).toBe(0)
    expect(shown.stdout).toContain('arrival 1: com.example.order id=cmd-1 at default/default')
    // the data pretty-printed
    expect(shown.stdout).toContain('data:\n  {\n    "order": {\n      "id": 1,')
    expect(shown.stdout).toMatch(/path:\n.*default\/default ← com\.example\.order id=cmd-1/)
    expect(shown.stdout).toMatch(/→ default\/orders attempt 2: HTTP 503/)
    expect(shown.stdout).toMatch(/dead-lettered default\/orders id=cmd-1/)
    expect(shown.stdout).toContain('triggers now:')
    const yaml = await kne('events', 'show', '1', '-o', 'yaml')
    expect(yaml.stdout).toMatch(/^- summary:\n {4}arrival: 1\n/)
    expect(yaml.stdout).toContain('  event:\n    specversion: "1.0"\n')
    expect(yaml.stdout).toContain('    data:\n      order:\n        id: 1\n')
    const missing = await kne('events', 'show', 'nothing', '--json')
    expect(missing.code).toBe(2)
    expect(jsonOf(missing)).toMatchObject({error: {code: 'EVENT_NOT_FOUND'}})

    const dry = await kne('redeliver', '--dry-run', '--json')
    expect(dry.code).toBe(0)
    expect(jsonOf(dry).redeliveries.map((r: {id: string}) => r.id)).toEqual(['cmd-1', 'cmd-2'])
    await mesh.idle()
    expect(orders.received).toHaveLength(4)

    fixed = true
    const sent = await kne('redeliver', 'cmd-1')
    expect(sent.code).toBe(0)
    expect(sent.stdout).toBe('redelivered event cmd-1 (arrival 1, dead-lettered) to trigger default/orders as arrival 3\n')
    await mesh.idle()
    expect(orders.received.map((r) => r.headers['ce-id'])).toEqual(['cmd-1', 'cmd-1', 'cmd-2', 'cmd-2', 'cmd-1'])
    const again = await kne('redeliver', 'cmd-1', '--json')
    expect(again.code).toBe(0)
    expect(jsonOf(again).redeliveries).toEqual([expect.objectContaining({skipped: 'already redelivered as arrival 3, and delivered'})])
    const redelivery = (await kne('events', 'show', '3')).stdout
    expect(redelivery).toContain('redelivers arrival 1 to default/orders')
    // its path starts as kne tail prints it
    expect(redelivery).toMatch(/default\/default ← com\.example\.order id=cmd-1 source=\/test redelivery of arrival 1 to default\/orders\n/)

    // the trigger is gone: reported, not sent, exit 5
    mesh.apply(parseManifests(manifests(orders.url, dls.url, false), 'test.yaml').resources)
    const gone = await kne('redeliver', 'cmd-2')
    expect(gone.code).toBe(5)
    expect(gone.stdout).toContain(
      'not sent event cmd-2 (arrival 2, dead-lettered) to trigger default/orders: trigger default/orders no longer exists',
    )
    const unknown = await kne('redeliver', '99', '--json')
    expect(unknown.code).toBe(2)
    expect(jsonOf(unknown).notFound).toEqual(['99'])
  })

  it('refuses a time it cannot read, and says when no mesh runs', async () => {
    const bad = await runKne(['events', 'list', '--since', 'yesterday'])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain('expected a duration back from now (10m, 2h) or a time such as 2026-01-31T09:00:00Z')
    const none = await runKne(['events', 'list', '--json'])
    expect(none.code).toBe(4)
    expect(jsonOf(none)).toMatchObject({error: {code: 'MESH_NOT_RUNNING'}})
  })
})

describe('kne events list|show --from DIR: a log folder read without a running mesh', () => {
  it('finds the events the log holds, whole, and skips a damaged record with a note', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kne-events-from-'))
    const orders = await kit.subscriber((req, res) => {
      res.writeHead(req.headers['ce-id'] === 'big-1' ? 200 : 503).end()
    })
    const dls = await kit.subscriber()
    const clock = new VirtualClock()
    const mesh = await kit.mesh(manifests(orders.url, dls.url), {clock, log: () => undefined})
    const store = openEventLog({dir})
    const unsubscribe = mesh.journal.subscribe((record) => store.append(record))
    const big = 'x'.repeat(70 * 1024)
    await clock.runUntil(
      post(`${mesh.url}/default/default`, {...binaryHeaders('com.example.order', {'ce-id': 'big-1'}), 'content-type': 'text/plain'}, big),
    )
    await clock.runUntil(post(`${mesh.url}/default/default`, binaryHeaders('com.example.order', {'ce-id': 'dead-1'})))
    await mesh.idle()
    unsubscribe()
    store.close()
    // no mesh runs for these commands: a fresh data folder
    const listed = await runKne(['events', 'list', '--from', dir, '--outcome', 'dead-lettered', '--json'])
    expect(listed.code).toBe(0)
    expect(jsonOf(listed)).toMatchObject({from: 'log', events: [{id: 'dead-1', deliveries: [{outcome: 'dead-lettered', attempts: 2}]}]})
    // the log keeps the event whole, where the history cuts its data at 64 KiB
    const shown = await runKne(['events', 'show', 'big-1', '--from', dir, '--json'])
    expect(shown.code).toBe(0)
    const [detail] = jsonOf(shown).events
    expect(detail.event.data).toHaveLength(70 * 1024)
    expect(detail.dataTruncated).toBeUndefined()
    expect(detail.path.map((r: {kind: string}) => r.kind)).toEqual(['event', 'attempt', 'outcome', 'settled'])

    // a damaged record in the middle: skipped and reported, the rest still read
    const [segment] = readdirSync(join(dir, 'segments'))
    const file = join(dir, 'segments', segment!)
    const text = readFileSync(file, 'utf8')
    writeFileSync(file, text.replace('"kind":"outcome"', '"kind":"0utcome"'))
    const damaged = await runKne(['events', 'list', '--from', dir])
    expect(damaged.code).toBe(0)
    expect(damaged.stdout).toContain('dead-1')
    expect(damaged.stderr).toMatch(/skipped a damaged record: .*\.log at byte \d+: checksum mismatch/)
    const missing = await runKne(['events', 'show', 'nothing', '--from', dir, '--json'])
    expect(missing.code).toBe(2)
    expect(jsonOf(missing)).toMatchObject({error: {code: 'EVENT_NOT_FOUND'}})
  })

  it('lists and shows the events of a version 1 log, and of the version 2 lines a kne dev added to it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kne-events-v1-'))
    const at = '2026-12-04T12:00:00.000Z'
    const pathOf = (arrival: number, id: string, data: string, first: number): Activity[] => {
      const ref = {broker: 'default/default', arrival, id, type: 'com.example.order', source: '/shop'}
      const event = {
        specversion: '1.0' as const,
        id,
        source: '/shop',
        type: 'com.example.order',
        datacontenttype: 'text/plain',
        extensions: {},
        data: Buffer.from(data),
      }
      const records = [
        eventRecord(ref, 'ingress', undefined, undefined, {matched: ['default/orders'], notMatched: []}, event),
        attemptRecord(ref, {trigger: 'default/orders'}, 'subscriber', 'http://127.0.0.1:1/', 1, 503, 'Service Unavailable', 2, undefined),
        outcomeRecord(ref, {trigger: 'default/orders'}, {outcome: 'dead-lettered', status: 503, error: 'Service Unavailable'}),
        settledRecord(ref, {'default/orders': 'dead-lettered'}),
      ]
      records.forEach((record, i) => Object.assign(record, {seq: first + i, at}))
      return records
    }
    writeV1Folder(dir, pathOf(1, 'old-1', 'from version 1\nwith a line break', 1))
    const store = openEventLog({dir})
    for (const record of pathOf(2, 'new-1', 'from version 2', 5)) store.append(record)
    store.close()

    const listed = await runKne(['events', 'list', '--from', dir, '--outcome', 'dead-lettered', '--json'])
    expect(listed.code).toBe(0)
    expect(listed.stderr).toBe('')
    expect(jsonOf(listed).events.map((e: {id: string}) => e.id)).toEqual(['new-1', 'old-1'])
    for (const [id, data] of [
      ['old-1', 'from version 1\nwith a line break'],
      ['new-1', 'from version 2'],
    ]) {
      const shown = await runKne(['events', 'show', id!, '--from', dir, '--json'])
      expect(shown.code).toBe(0)
      const [detail] = jsonOf(shown).events
      expect(detail.event.data).toBe(data)
      expect(detail.path.map((r: {kind: string}) => r.kind)).toEqual(['event', 'attempt', 'outcome', 'settled'])
    }
  })

  it("refuses a folder that is not kne's log, and one that does not exist", async () => {
    const other = mkdtempSync(join(tmpdir(), 'kne-not-a-log-'))
    writeFileSync(join(other, 'notes.txt'), 'mine')
    const refused = await runKne(['events', 'list', '--from', other, '--json'])
    expect(refused.code).toBe(2)
    expect(jsonOf(refused)).toMatchObject({error: {code: 'NOT_AN_EVENT_LOG'}})
    const absent = await runKne(['events', 'list', '--from', join(other, 'nowhere'), '--json'])
    expect(absent.code).toBe(2)
    expect(jsonOf(absent)).toMatchObject({error: {code: 'NO_SUCH_PATH'}})
  })
})
