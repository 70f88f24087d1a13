// kne test --snapshot and the snapshot step in this process: a routing snapshot written, matched, failed after a
// manifest edit (exit 1, the change named), updated with --update-snapshots, failed under --ci when missing, and
// refused when the file is not one (exit 3).
import {cpSync, mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {describe, expect, it} from 'vitest'
import type {FlowTestRun} from '../../src/core/flow-test/report.js'
import {repoRoot} from '../helpers/cli.js'
import {jsonOf, runKne} from '../helpers/command.js'
import {tempDir} from '../helpers/temp.js'

function manifests(billingType: string): string {
  return `apiVersion: eventing.knative.dev/v1
kind: Broker
metadata: {name: default}
---
apiVersion: eventing.knative.dev/v1
kind: Trigger
metadata: {name: billing}
spec:
  broker: default
  filter: {attributes: {type: ${billingType}}}
  subscriber: {ref: {apiVersion: v1, kind: Service, name: billing}}
---
apiVersion: eventing.knative.dev/v1beta2
kind: EventType
metadata: {name: order-created}
spec:
  type: com.example.order.created
  source: /shop
  reference: {apiVersion: eventing.knative.dev/v1, kind: Broker, name: default}
`
}

function project(files: Record<string, string> = {}): {dir: string; edit(billingType: string): void} {
  const dir = tempDir('kne-snapshot-cmd-')
  writeFileSync(join(dir, 'kne.yaml'), 'manifests: knative\nservices:\n  billing: http://127.0.0.1:9001\n')
  mkdirSync(join(dir, 'knative'))
  const edit = (billingType: string): void => writeFileSync(join(dir, 'knative', 'resources.yaml'), manifests(billingType))
  edit('com.example.order.created')
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), {recursive: true})
    writeFileSync(join(dir, path), text)
  }
  return {dir, edit}
}

const CHANGE =
  'com.example.order.created no longer reaches trigger billing (filter type changed: was com.example.order.created, now com.example.order.updated)'

describe('kne test --snapshot', () => {
  it('writes a missing snapshot (exit 0), fails with the change named after an edit (exit 1), and --update-snapshots records it', async () => {
    const {dir, edit} = project()
    const first = await runKne(['test', '--snapshot', 'routing.snap.yaml'], {cwd: dir})
    expect(first.code, first.stderr).toBe(0)
    expect(first.stdout).toContain('✓ routing snapshot routing.snap.yaml — routing.snap.yaml')
    expect(first.stdout).toContain('routing snapshot routing.snap.yaml written (1 event)')
    expect(readFileSync(join(dir, 'routing.snap.yaml'), 'utf8')).toContain('- trigger: billing')

    expect((await runKne(['test', '--snapshot', 'routing.snap.yaml'], {cwd: dir})).code).toBe(0)

    edit('com.example.order.updated')
    const failed = await runKne(['test', '--snapshot', 'routing.snap.yaml'], {cwd: dir})
    expect(failed.code).toBe(1)
    expect(failed.stdout).toContain('✗ routing snapshot routing.snap.yaml')
    expect(failed.stdout).toContain(CHANGE)
    const json = await runKne(['test', '--snapshot', 'routing.snap.yaml', '--json'], {cwd: dir})
    expect(json.code).toBe(1)
    const run = jsonOf(json) as FlowTestRun
    expect(run).toMatchObject({passed: 0, failed: 1, errors: 0})
    expect(run.tests[0]).toMatchObject({file: 'routing.snap.yaml', name: 'routing snapshot routing.snap.yaml', status: 'failed'})
    expect(run.tests[0]!.failure!.details).toContain(CHANGE)

    const updated = await runKne(['test', '--snapshot', 'routing.snap.yaml', '--update-snapshots'], {cwd: dir})
    expect(updated.code).toBe(0)
    expect(updated.stdout).toContain('routing snapshot routing.snap.yaml updated (2 events, 3 routing change(s) recorded)')
    expect((await runKne(['test', '--snapshot', 'routing.snap.yaml'], {cwd: dir})).code).toBe(0)
  })

  it("examples/orders: a snapshot of the project's routing is written, then matches; kne test with it runs both", async () => {
    const dir = tempDir('kne-snapshot-example-')
    cpSync(join(repoRoot, 'examples', 'orders'), dir, {recursive: true})
    const first = await runKne(['test', '--snapshot', 'routing.snap.yaml'], {cwd: dir})
    expect(first.code, first.stdout).toBe(0)
    expect(first.stdout).toMatch(/routing snapshot routing\.snap\.yaml written \(\d+ events?\)/)
    const again = await runKne(['test', 'test', '--snapshot', 'routing.snap.yaml', '--json'], {cwd: dir})
    expect(again.code, again.stdout).toBe(0)
    const run = jsonOf(again) as FlowTestRun
    expect(run.failed + run.errors).toBe(0)
    expect(run.tests.map((t) => t.name)).toContain('routing snapshot routing.snap.yaml')
    expect(run.tests.length).toBeGreaterThan(1)
  })

  it('--ci fails on a missing snapshot and writes nothing; a file that is not a snapshot exits 3', async () => {
    const {dir} = project({'bad.snap.yaml': 'events: 3\n'})
    const ci = await runKne(['test', '--snapshot', 'routing.snap.yaml', '--ci'], {cwd: dir})
    expect(ci.code).toBe(1)
    expect(ci.stdout).toContain('routing.snap.yaml does not exist, and under --ci a missing snapshot fails instead of being written')
    expect(() => readFileSync(join(dir, 'routing.snap.yaml'))).toThrow()

    const bad = await runKne(['test', '--snapshot', 'bad.snap.yaml'], {cwd: dir})
    expect(bad.code).toBe(3)
    expect(bad.stdout).toContain('bad.snap.yaml: expected a mapping with an events list')
  })

  it('a snapshot step in a flow test checks the test manifests, beside the file, and --update-snapshots rewrites it', async () => {
    const test = `name: orders route as recorded
subscribers:
  billing: {}
steps:
  - send: {broker: default, type: com.example.order.created}
  - snapshot: {file: orders.snap.yaml}
`
    const {dir, edit} = project({'test/orders.kne.yaml': test})
    const first = await runKne(['test'], {cwd: dir})
    expect(first.code, first.stdout).toBe(0)
    expect(first.stdout).toContain('2. routing snapshot orders.snap.yaml written (1 event)')
    const written = readFileSync(join(dir, 'test', 'orders.snap.yaml'), 'utf8')
    expect(written).toContain('subscriber: svc:billing\n') // the stand-in's own URL never shows

    edit('com.example.order.updated')
    const failed = await runKne(['test', '--json'], {cwd: dir})
    expect(failed.code).toBe(1)
    const run = jsonOf(failed) as FlowTestRun
    expect(run.tests[0]!.steps.map((s) => [s.kind, s.status])).toEqual([
      ['send', 'passed'],
      ['snapshot', 'failed'],
    ])
    expect(run.tests[0]!.failure).toMatchObject({step: 2, details: expect.arrayContaining([CHANGE]) as unknown})

    expect((await runKne(['test', '-u'], {cwd: dir})).code).toBe(0)
    expect(readFileSync(join(dir, 'test', 'orders.snap.yaml'), 'utf8')).toContain('type: com.example.order.updated')
  })

  it('names the field of a bad snapshot step (exit 3)', async () => {
    const test = `name: bad
steps:
  - snapshot: {file: x.snap.yaml, event: e.yaml}
`
    const {dir} = project({'test/bad.kne.yaml': test})
    const result = await runKne(['test'], {cwd: dir})
    expect(result.code).toBe(3)
    expect(result.stdout).toContain('steps[0].snapshot.event: unknown field (did you mean events?): expected file, events')
  })
})
