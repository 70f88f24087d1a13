import {mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {isolatedEnv, LongRunning, repoRoot, runCli} from '../helpers/cli.js'
import {startSubscriber, type Subscriber} from '../helpers/subscriber.js'

const dir = mkdtempSync(join(tmpdir(), 'kne-filter-'))
const eventFile = join(dir, 'order.json')
writeFileSync(eventFile, JSON.stringify({specversion: '1.0', id: '1', source: '/shop', type: 'com.example.order.created', priority: 3}))
const shop = join(repoRoot, 'test', 'fixtures', 'shop')

describe('kne filter test', () => {
  const env = isolatedEnv()

  it('exits 0 and explains a passing CESQL filter (--json)', async () => {
    const r = await runCli(['filter', 'test', '--event', eventFile, '--cesql', "type LIKE 'com.example.%' AND priority > 2", '--json'], env)
    expect(r.code, r.stderr).toBe(0)
    const report = JSON.parse(r.stdout)
    expect(report.explanation).toMatchObject({applied: 'filters', result: 'pass', delivers: true})
    expect(JSON.stringify(report.explanation.root)).toContain('"value":true')
  })

  it('exits 1 and shows the value it saw when a legacy filter drops the event', async () => {
    const r = await runCli(['filter', 'test', '--event', eventFile, '--filter', 'type=com.example.order.created', '--filter', 'source=/other'], env)
    expect(r.code).toBe(1)
    expect(r.stdout).toContain('NOT DELIVERED')
    expect(r.stdout).toContain('✗ source: want "/other", saw "/shop"')
  })

  it('finds a trigger in the manifests', async () => {
    const r = await runCli(['filter', 'test', '--event', '-', '--trigger', 'order-created', '-n', 'shop', '-f', shop, '--json'], env,
      JSON.stringify({specversion: '1.0', id: '2', source: '/x', type: 'com.example.order.created'}))
    expect(r.code, r.stderr).toBe(0)
    expect(JSON.parse(r.stdout)).toMatchObject({subject: 'trigger shop/order-created', explanation: {applied: 'filter', delivers: true}})
  })

  it('explains every trigger of the broker for an event given by its attributes, and exits 1 when none takes it', async () => {
    const r = await runCli(['filter', 'test', '--type', 'com.example.nothing', '-n', 'shop', '-f', shop, '--filter', 'type=x', '--broker', 'default'], env)
    expect(r.code).toBe(1)
    const all = await runCli(['filter', 'test', '--type', 'com.example.refund', '--source', '/shop', '-n', 'shop', '-f', shop], env)
    expect(all.code, all.stderr).toBe(0)
    expect(all.stdout).toMatch(/broker shop\/default:\n  trigger shop\/order-created\n    NOT DELIVERED[^]*trigger shop\/everything-audited\n    DELIVERED/)
  })

  it('exits 2 for CESQL that does not parse, with the position', async () => {
    const r = await runCli(['filter', 'test', '--event', eventFile, '--cesql', 'priority > 4-1'], env)
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/line 1, column \d+/)
  })

  it('exits 2 for an unknown trigger and names the ones it found', async () => {
    const r = await runCli(['filter', 'test', '--event', eventFile, '--trigger', 'nope', '-n', 'shop', '-f', shop], env)
    expect(r.code).toBe(2)
    expect(r.stderr.replace(/\s+›?\s*/g, ' ')).toContain('shop/order-created')
  })
})

describe('kne tail --explain', () => {
  let env: NodeJS.ProcessEnv
  let dev: LongRunning
  let sink: Subscriber

  beforeAll(async () => {
    sink = await startSubscriber()
    env = isolatedEnv()
    dev = new LongRunning(['dev', '--port', '0', '-f', shop, '--service', `order-processor=${sink.url}`, '--service', `audit=${sink.url}`], env)
    await dev.waitFor(/Ready on/)
  })
  afterAll(async () => {
    dev.kill()
    await sink.close()
  })

  it('says why each trigger of the broker matched or not', async () => {
    const tail = new LongRunning(['tail', '--explain', '--count', '1', '--timeout', '20s'], env)
    await tail.waitFor(/connected to/)
    const sent = await runCli(['send', '--type', 'com.example.refund', '-n', 'shop'], env)
    expect(sent.code, sent.stderr).toBe(0)
    expect(await tail.exited).toBe(0)
    expect(tail.stdout).toMatch(/trigger shop\/order-created → http:\/\/127\.0\.0\.1:\d+\n\s+NOT DELIVERED/)
    expect(tail.stdout).toContain('✗ type: want "com.example.order.created", saw "com.example.refund"')
    expect(tail.stdout).toMatch(/trigger shop\/everything-audited[^\n]*\n\s+DELIVERED/)
  })
})
