// kne filter test in process: the decision, what each filter saw, and the exit codes (0 delivered, 1 not, 2 bad input).
import {mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {repoRoot} from '../helpers/cli.js'
import {freshDataDir, runKne} from '../helpers/command.js'

const dir = mkdtempSync(join(tmpdir(), 'kne-filter-'))
const eventFile = join(dir, 'order.json')
writeFileSync(eventFile, JSON.stringify({specversion: '1.0', id: '1', source: '/shop', type: 'com.example.order.created', priority: 3}))
const shop = join(repoRoot, 'test', 'fixtures', 'shop')

describe('kne filter test', () => {
  const env = {KNE_DATA_DIR: freshDataDir()}

  it('exits 0 and explains a passing CESQL filter (--json)', async () => {
    const r = await runKne(['filter', 'test', '--event', eventFile, '--cesql', "type LIKE 'com.example.%' AND priority > 2", '--json'], {
      env,
    })
    expect(r.code, r.stderr).toBe(0)
    const report = JSON.parse(r.stdout)
    expect(report.explanation).toMatchObject({applied: 'filters', result: 'pass', delivers: true})
    expect(JSON.stringify(report.explanation.root)).toContain('"value":true')
  })

  it('exits 1 and shows the value it saw when a legacy filter drops the event', async () => {
    const r = await runKne(
      ['filter', 'test', '--event', eventFile, '--filter', 'type=com.example.order.created', '--filter', 'source=/other'],
      {env},
    )
    expect(r.code).toBe(1)
    expect(r.stdout).toContain('NOT DELIVERED')
    expect(r.stdout).toContain('✗ source: want "/other", saw "/shop"')
  })

  it('explains every trigger of the broker for an event given by its attributes, and exits 1 when none takes it', async () => {
    const r = await runKne(
      ['filter', 'test', '--type', 'com.example.nothing', '-n', 'shop', '-f', shop, '--filter', 'type=x', '--broker', 'default'],
      {env},
    )
    expect(r.code).toBe(1)
    const all = await runKne(['filter', 'test', '--type', 'com.example.refund', '--source', '/shop', '-n', 'shop', '-f', shop], {env})
    expect(all.code, all.stderr).toBe(0)
    expect(all.stdout).toMatch(
      /broker shop\/default:\n {2}trigger shop\/order-created\n {4}NOT DELIVERED[^]*trigger shop\/everything-audited\n {4}DELIVERED/,
    )
  })

  it('exits 2 for CESQL that does not parse, with the position', async () => {
    const r = await runKne(['filter', 'test', '--event', eventFile, '--cesql', 'priority > 4-1'], {env})
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/line 1, column \d+/)
  })

  it('exits 2 for an unknown trigger and names the ones it found', async () => {
    const r = await runKne(['filter', 'test', '--event', eventFile, '--trigger', 'nope', '-n', 'shop', '-f', shop], {env})
    expect(r.code).toBe(2)
    expect(r.stderr.replace(/\s+›?\s*/g, ' ')).toContain('shop/order-created')
  })
})
