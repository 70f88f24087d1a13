// kne test from the built CLI: the repository's own example project passes, and a copy of it with a broken
// expectation or a broken file fails with exit 1 or 3.
import {cpSync, mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {isolatedEnv, repoRoot, runCliIn} from '../helpers/cli.js'

const example = join(repoRoot, 'examples', 'orders')

/** A copy of examples/orders whose test/orders.kne.yaml is edited by `edit`. */
function editedExample(edit: (text: string) => string): string {
  const dir = mkdtempSync(join(tmpdir(), 'kne-flowtest-e2e-'))
  cpSync(example, dir, {recursive: true})
  const file = join(dir, 'test', 'orders.kne.yaml')
  writeFileSync(file, edit(readFileSync(file, 'utf8')))
  return dir
}

describe('kne test (built CLI)', () => {
  it('passes on examples/orders: brokers, triggers, retries with a dead-letter sink, a Sequence and a channel', async () => {
    const r = await runCliIn(example, ['test'], isolatedEnv())
    expect(r.code, r.stdout + r.stderr).toBe(0)
    expect(r.stdout).toMatch(/5 tests: 5 passed/)
    expect(r.stdout).toContain('✓ payments that keep failing are dead-lettered after five retries — test/orders.kne.yaml')
  })

  it('exits 1 when an expectation fails, and says what the mesh did', async () => {
    const dir = editedExample((text) =>
      text.replace('{to: order-processor, type: com.example.order.created, data: {id: 1}}', '{to: order-processor, data: {id: 9}}'),
    )
    const r = await runCliIn(dir, ['test', 'test/orders.kne.yaml'], isolatedEnv())
    expect(r.code, r.stderr).toBe(1)
    expect(r.stdout).toContain('expected delivered to order-processor: data {"id":9}, but the mesh made no such delivery')
    expect(r.stdout).toContain('data.id: want 9, saw 1')
    expect(r.stdout).toMatch(/3 tests: 2 passed, 1 failed/)
  })

  it('exits 3 for a bad test file, with its file, step and field, under --json too', async () => {
    const dir = editedExample((text) => text.replace('deadLetterSink: dead-letters', 'deadLeterSink: dead-letters'))
    const r = await runCliIn(dir, ['test', '--json'], isolatedEnv())
    expect(r.code, r.stderr).toBe(3)
    const run = JSON.parse(r.stdout) as {tests: {file: string; status: string; failure: {message: string; step: number; field: string}}[]}
    expect(run.tests).toEqual([
      expect.objectContaining({
        file: 'test/orders.kne.yaml',
        status: 'error',
        failure: expect.objectContaining({
          step: 2,
          field: 'steps[1].expect.deadLettered.deadLeterSink',
          message: expect.stringContaining('unknown field (did you mean deadLetterSink?)'),
        }),
      }),
    ])
  })
})
