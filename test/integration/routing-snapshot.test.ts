// Routing snapshots of a project on disk: written on the first run, matched on the next, failed after a
// manifest edit that changes routing, rewritten with update; events from the registry or an event file.
import {mkdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {KneError} from '../../src/core/errors.js'
import {loadManifests} from '../../src/project/manifests.js'
import {runRoutingSnapshot, runSnapshotStep, snapshotSummary, snapshotTestResult} from '../../src/services/routing-snapshot.js'
import {tempDir} from '../helpers/temp.js'

const KNE_YAML = `namespace: default
services:
  billing: http://127.0.0.1:9001
  audit: http://127.0.0.1:9002
`

const BROKER = `apiVersion: eventing.knative.dev/v1
kind: Broker
metadata: {name: default}
`

const TRIGGERS = `apiVersion: eventing.knative.dev/v1
kind: Trigger
metadata: {name: billing}
spec:
  broker: default
  filter: {attributes: {type: com.example.order.created}}
  subscriber: {ref: {apiVersion: v1, kind: Service, name: billing}}
---
apiVersion: eventing.knative.dev/v1
kind: Trigger
metadata: {name: audit}
spec:
  broker: default
  filters: [{prefix: {type: com.example.audit.}}]
  subscriber: {ref: {apiVersion: v1, kind: Service, name: audit}}
`

const EVENT_TYPES = `apiVersion: eventing.knative.dev/v1beta2
kind: EventType
metadata: {name: order-created}
spec:
  type: com.example.order.created
  source: /shop
  reference: {apiVersion: eventing.knative.dev/v1, kind: Broker, name: default}
---
apiVersion: eventing.knative.dev/v1beta2
kind: EventType
metadata: {name: audit-log}
spec:
  type: com.example.audit.log
  source: /audit
  reference: {apiVersion: eventing.knative.dev/v1, kind: Broker, name: default}
`

function project(): {dir: string; write(name: string, text: string): void} {
  const dir = tempDir('kne-snapshot-')
  mkdirSync(join(dir, 'knative'))
  writeFileSync(join(dir, 'kne.yaml'), KNE_YAML)
  const write = (name: string, text: string): void => writeFileSync(join(dir, 'knative', name), text)
  write('broker.yaml', BROKER)
  write('triggers.yaml', TRIGGERS)
  write('eventtypes.yaml', EVENT_TYPES)
  return {dir, write}
}

describe('runRoutingSnapshot', () => {
  it('writes a missing snapshot, passes when routing is the same, fails after a manifest edit, and update rewrites it', async () => {
    const {dir, write} = project()
    const file = 'routing.snap.yaml'
    const first = await runRoutingSnapshot({projectDir: dir, file})
    expect(first).toEqual({status: 'written', file, changes: [], notes: [], events: 2})
    const written = readFileSync(join(dir, file), 'utf8')
    expect(written).toContain('- type: com.example.order.created')
    expect(written).toContain('filter: {attributes: {type: com.example.order.created}}')

    expect(await runRoutingSnapshot({projectDir: dir, file})).toMatchObject({status: 'passed', changes: []})

    write('triggers.yaml', TRIGGERS.replace('type: com.example.order.created}', 'type: com.example.order.updated}'))
    const failed = await runRoutingSnapshot({projectDir: dir, file})
    expect(failed.status).toBe('failed')
    expect(failed.changes).toContain(
      'com.example.order.created no longer reaches trigger billing (filter type changed: was com.example.order.created, now com.example.order.updated)',
    )
    expect(readFileSync(join(dir, file), 'utf8')).toBe(written) // a failed check leaves the golden file alone

    const updated = await runRoutingSnapshot({projectDir: dir, file, update: true})
    expect(updated.status).toBe('updated')
    expect(updated.changes).toEqual(failed.changes)
    expect(readFileSync(join(dir, file), 'utf8')).toContain('filter: {attributes: {type: com.example.order.updated}}')
    expect(await runRoutingSnapshot({projectDir: dir, file})).toMatchObject({status: 'passed'})
    expect(await runRoutingSnapshot({projectDir: dir, file, update: true})).toMatchObject({status: 'passed'})
  })

  it('a snapshot kept in the manifests folder (*.snap.yaml) is never read as a manifest', async () => {
    const {dir} = project()
    expect(await runRoutingSnapshot({projectDir: dir, file: 'knative/routing.snap.yaml'})).toMatchObject({status: 'written'})
    expect(await runRoutingSnapshot({projectDir: dir, file: 'knative/routing.snap.yaml'})).toMatchObject({status: 'passed'})
  })

  it('under ci a missing snapshot fails and nothing is written', async () => {
    const {dir} = project()
    const result = await runRoutingSnapshot({projectDir: dir, file: 'snapshots/routing.snap.yaml', ci: true})
    expect(result).toMatchObject({status: 'failed', missing: true})
    expect(snapshotSummary(result)).toBe(
      'snapshots/routing.snap.yaml does not exist, and under --ci a missing snapshot fails instead of being written',
    )
    expect(await runRoutingSnapshot({projectDir: dir, file: 'snapshots/routing.snap.yaml'})).toMatchObject({status: 'written'})
  })

  it('routes the events of an event file, each where kne record noted it arrived', async () => {
    const {dir} = project()
    writeFileSync(
      join(dir, 'events.yaml'),
      `# kne: broker default/default at 2026-01-01T00:00:00Z
ContextAttributes: {specversion: "1.0", type: com.example.audit.login, id: "1", source: /auth}
---
ContextAttributes: {specversion: "1.0", type: com.example.audit.login, id: "2", source: /auth}
`,
    )
    const result = await runRoutingSnapshot({projectDir: dir, file: 'r.snap.yaml', events: 'events.yaml'})
    expect(result).toMatchObject({status: 'written', events: 1})
    expect(readFileSync(join(dir, 'r.snap.yaml'), 'utf8')).toMatch(/reaches:\n\s+- trigger: audit\n/)
  })

  it('says why a snapshot routes no events, which would otherwise always match', async () => {
    const {dir, write} = project()
    write('triggers.yaml', TRIGGERS.split('---')[1]!) // audit: a prefix, which requires no type
    rmSync(join(dir, 'knative', 'eventtypes.yaml'))
    const result = await runRoutingSnapshot({projectDir: dir, file: 'r.snap.yaml'})
    expect(result).toMatchObject({status: 'written', events: 0})
    expect(result.notes).toEqual([
      'no events to route: the registry knows no event type and no trigger requires one; declare EventTypes or give an event file',
    ])
  })

  it('refuses invalid manifests (exit 3) and a file that is not a snapshot (exit 3), naming it', async () => {
    const {dir, write} = project()
    writeFileSync(join(dir, 'bad.snap.yaml'), 'events: nope\n')
    await expect(runRoutingSnapshot({projectDir: dir, file: 'bad.snap.yaml'})).rejects.toMatchObject({
      code: 'SNAPSHOT_FILE',
      exitCode: 3,
      message: expect.stringMatching(/^bad\.snap\.yaml: expected a mapping with an events list/) as unknown,
    })
    write('broken.yaml', 'apiVersion: eventing.knative.dev/v1\nkind: Trigger\nmetadata: {name: x}\nspec: {}\n')
    const error = await runRoutingSnapshot({projectDir: dir, file: 'x.snap.yaml'}).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(KneError)
    expect(error).toMatchObject({code: 'INVALID_MANIFEST', exitCode: 3})
  })

  it('is one test in a kne test run, and a step of a flow test with paths relative to the test file', async () => {
    const {dir, write} = project()
    await runRoutingSnapshot({projectDir: dir, file: 'routing.snap.yaml'})
    write('triggers.yaml', TRIGGERS.replace('type: com.example.order.created}', 'type: com.example.order.updated}'))
    const failed = await runRoutingSnapshot({projectDir: dir, file: 'routing.snap.yaml'})
    const test = snapshotTestResult(failed, 12)
    expect(test).toMatchObject({
      file: 'routing.snap.yaml',
      name: 'routing snapshot routing.snap.yaml',
      status: 'failed',
      durationMs: 12,
      steps: [{step: 1, kind: 'snapshot', status: 'failed'}],
      failure: {message: 'routing changed since routing.snap.yaml was written: 3 change(s)', step: 1},
    })
    expect(test.failure!.details).toContain(failed.changes[0])

    mkdirSync(join(dir, 'test'))
    const testFile = join(dir, 'test', 'orders.kne.yaml')
    const step = await runSnapshotStep(
      {kind: 'snapshot', file: 'orders.snap.yaml'},
      {testFile, resources: loadManifests([join(dir, 'knative')]).resources, services: {}, index: 3},
    )
    expect(step.step).toEqual({
      step: 3,
      kind: 'snapshot',
      status: 'passed',
      summary: 'routing snapshot orders.snap.yaml written (3 events)',
    })
    expect(readFileSync(join(dir, 'test', 'orders.snap.yaml'), 'utf8')).toContain('com.example.order.created')
  })
})
