// kne filter test reading its event from stdin, and kne tail --explain following a running kne dev.
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

describe('kne filter test from stdin', () => {
  const env = isolatedEnv()

  it('finds a trigger in the manifests', async () => {
    const r = await runCli(
      ['filter', 'test', '--event', '-', '--trigger', 'order-created', '-n', 'shop', '-f', shop, '--json'],
      env,
      JSON.stringify({specversion: '1.0', id: '2', source: '/x', type: 'com.example.order.created'}),
    )
    expect(r.code, r.stderr).toBe(0)
    expect(JSON.parse(r.stdout)).toMatchObject({subject: 'trigger shop/order-created', explanation: {applied: 'filter', delivers: true}})
  })
})

describe('kne tail --explain', () => {
  let env: NodeJS.ProcessEnv
  let dev: LongRunning
  let sink: Subscriber

  beforeAll(async () => {
    sink = await startSubscriber()
    env = isolatedEnv()
    dev = new LongRunning(
      ['dev', '--port', '0', '-f', shop, '--service', `order-processor=${sink.url}`, '--service', `audit=${sink.url}`],
      env,
    )
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
