// The scaffolding commands in process, run in a project folder as a user runs them: JSON output and exit codes,
// --dry-run, refusing to overwrite, exit 2 without a TTY, list and describe without a running mesh.
import {existsSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {beforeEach, describe, expect, it} from 'vitest'
import {parse} from 'yaml'
import {freshDataDir, runKne, type CommandResult} from '../helpers/command.js'
import {tempDir} from '../helpers/temp.js'

const json = (r: CommandResult): any => JSON.parse(r.stdout) // eslint-disable-line @typescript-eslint/no-explicit-any
const flat = (text: string): string => text.replace(/\s+›?\s*/g, ' ')
/** A trigger whose Service kne cannot run yet: created with a warning. */
const CREATE_BIG_ORDERS = [
  'trigger',
  'create',
  'big',
  '--broker',
  'orders',
  '--filter',
  'type=com.example.order.created',
  '--sink',
  'ksvc:big-orders',
]

describe('kne init and the create commands', () => {
  let dir: string
  let env: {KNE_DATA_DIR: string}
  const manifest = (file: string): unknown => parse(readFileSync(join(dir, 'knative', file), 'utf8'))

  /** Runs `kne ARGS` in the test's project; it must succeed. */
  const scaffold = async (...args: string[]): Promise<void> => {
    const result = await runKne(args, {cwd: dir, env})
    expect(result.code, result.stderr).toBe(0)
  }

  beforeEach(async () => {
    dir = tempDir('kne-scaffold-')
    env = {KNE_DATA_DIR: freshDataDir()}
    const init = await runKne(['init', '--json'], {cwd: dir, env})
    expect(init.code, init.stderr).toBe(0)
  })

  it('init creates the project and, run again, keeps every file', async () => {
    expect(existsSync(join(dir, 'knative', 'trigger-event-display.yaml'))).toBe(true)
    const again = await runKne(['init', '--json'], {cwd: dir, env})
    expect(again.code).toBe(0)
    expect(json(again)).toMatchObject({created: [], config: {namespace: 'default', manifests: 'knative', port: 8080}})
    expect(json(again).kept.sort()).toEqual([
      '.gitignore',
      'README.md',
      'knative/broker-default.yaml',
      'knative/trigger-event-display.yaml',
      'kne.yaml',
    ])
  })

  it('broker create --json prints the resource it wrote', async () => {
    const result = await runKne(
      ['broker', 'create', 'orders', '--retry', '3', '--backoff-policy', 'linear', '--backoff-delay', 'PT1S', '--json'],
      {cwd: dir, env},
    )
    expect(result.code, result.stderr).toBe(0)
    const broker = json(result)
    expect(broker).toEqual({
      apiVersion: 'eventing.knative.dev/v1',
      kind: 'Broker',
      metadata: {name: 'orders'},
      spec: {delivery: {retry: 3, backoffPolicy: 'linear', backoffDelay: 'PT1S'}},
    })
    expect(manifest('broker-orders.yaml')).toEqual(broker)
  })

  it('trigger create --dry-run prints the manifest (YAML, or -o json) and writes nothing', async () => {
    await scaffold('broker', 'create', 'orders')
    const args = [
      'trigger',
      'create',
      'big',
      '--broker',
      'orders',
      '--cesql',
      'INT(amount) > 100',
      '--prefix',
      'type=com.example.',
      '--sink',
      'http://127.0.0.1:3000',
    ]
    const yaml = await runKne([...args, '--dry-run'], {cwd: dir, env})
    expect(yaml.code, yaml.stderr).toBe(0)
    expect(parse(yaml.stdout)).toMatchObject({
      kind: 'Trigger',
      spec: {broker: 'orders', filters: [{prefix: {type: 'com.example.'}}, {cesql: 'INT(amount) > 100'}]},
    })
    expect(yaml.stderr).toContain('dry run: nothing written')
    const asJson = await runKne([...args, '--dry-run', '-o', 'json'], {cwd: dir, env})
    expect(JSON.parse(asJson.stdout).spec.subscriber).toEqual({uri: 'http://127.0.0.1:3000'})
    expect(existsSync(join(dir, 'knative', 'trigger-big.yaml'))).toBe(false)
  })

  it("trigger create writes kn's message, then refuses to overwrite unless --force", async () => {
    await scaffold('broker', 'create', 'orders')
    const args = CREATE_BIG_ORDERS
    const first = await runKne(args, {cwd: dir, env})
    expect(first.code, first.stderr).toBe(0)
    expect(first.stdout).toBe("Trigger 'big' successfully created in namespace 'default'.\n")
    expect(first.stderr).toContain('warning: --sink: services.serving.knative.dev "big-orders"')
    const again = await runKne([...args, '--json'], {cwd: dir, env})
    expect(again.code).toBe(2)
    expect(json(again).error.code).toBe('ALREADY_EXISTS')
    const forced = await runKne(['trigger', 'create', 'big', '--broker', 'orders', '--sink', 'ksvc:big-orders', '--force', '--json'], {
      cwd: dir,
      env,
    })
    expect(forced.code, forced.stderr).toBe(0)
    expect(manifest('trigger-big.yaml')).toEqual(json(forced))
    expect(json(forced).spec).not.toHaveProperty('filter')
  })

  it('without a TTY, a missing value fails with exit 2 naming the flag; a bad name or filter writes nothing', async () => {
    const [noSink, noName, badName, badCesql] = await Promise.all([
      runKne(['trigger', 'create', 'lonely'], {cwd: dir, env}),
      runKne(['source', 'ping', 'create', '--schedule', '* * * * *', '--sink', 'broker:default', '--json'], {cwd: dir, env}),
      runKne(['broker', 'create', 'Bad_Name', '--json'], {cwd: dir, env}),
      runKne(['trigger', 'create', 'broken', '--cesql', "type = 'a' AND", '--sink', 'ksvc:x'], {cwd: dir, env}),
    ])
    expect(noSink.code).toBe(2)
    expect(flat(noSink.stderr)).toContain('missing required flag --sink')
    expect(noName.code).toBe(2)
    expect(json(noName).error).toMatchObject({code: 'MISSING_FLAG', message: 'missing required argument NAME'})
    expect(badName.code).toBe(2)
    expect(json(badName).error.code).toBe('INVALID_NAME')
    expect(badCesql.code).toBe(3)
    expect(flat(badCesql.stderr)).toMatch(/--cesql: spec\.filters\[0\]\.cesql: .*column 15/)
    for (const file of ['trigger-lonely.yaml', 'broker-Bad_Name.yaml', 'trigger-broken.yaml'])
      expect(existsSync(join(dir, 'knative', file))).toBe(false)
  })

  it("creates every source kind with kn's flags and lists them", async () => {
    const created = await Promise.all([
      runKne(
        [
          'source',
          'ping',
          'create',
          'heartbeat',
          '--schedule',
          '*/1 * * * *',
          '--data',
          '{"beat":true}',
          '--content-type',
          'application/json',
          '--sink',
          'broker:default',
          '--json',
        ],
        {cwd: dir, env},
      ),
      runKne(
        [
          'source',
          'container',
          'create',
          'poller',
          '--image',
          'example.com/poller:1',
          '--arg',
          '--period=1',
          '--env',
          'A=1',
          '--sink',
          'broker:default',
          '--json',
        ],
        {cwd: dir, env},
      ),
      runKne(['source', 'binding', 'create', 'bind-app', '--subject', 'Deployment:apps/v1:app', '--sink', 'broker:default', '--json'], {
        cwd: dir,
        env,
      }),
      runKne(
        [
          'source',
          'apiserver',
          'create',
          'k8s-events',
          '--resource',
          'Event:v1',
          '--mode',
          'Resource',
          '--sink',
          'broker:default',
          '--json',
        ],
        {cwd: dir, env},
      ),
    ])
    for (const r of created) expect(r.code, r.stderr).toBe(0)
    expect(created.map((r) => json(r).kind)).toEqual(['PingSource', 'ContainerSource', 'SinkBinding', 'ApiServerSource'])
    expect(json(created[0]).spec).toEqual({
      schedule: '*/1 * * * *',
      contentType: 'application/json',
      data: '{"beat":true}',
      sink: {ref: {apiVersion: 'eventing.knative.dev/v1', kind: 'Broker', name: 'default'}},
    })
    const list = await runKne(['source', 'list'], {cwd: dir, env})
    expect(list.code).toBe(0)
    const lines = list.stdout.trim().split('\n')
    expect(lines[0]).toMatch(/^NAME\s+TYPE\s+RESOURCE\s+SINK\s+READY$/)
    expect(lines.find((l) => l.startsWith('heartbeat'))).toMatch(
      /^heartbeat\s+PingSource\s+pingsources\.sources\.knative\.dev\s+broker:default\s+<unknown>$/,
    )
    expect(lines).toHaveLength(5)
  })

  it('lists and describes without a mesh: status is unknown, not an error', async () => {
    await scaffold('broker', 'create', 'orders')
    await scaffold(...CREATE_BIG_ORDERS)
    const [table, asJson, describe, missing] = await Promise.all([
      runKne(['trigger', 'list'], {cwd: dir, env}),
      runKne(['broker', 'list', '--json'], {cwd: dir, env}),
      runKne(['trigger', 'describe', 'big'], {cwd: dir, env}),
      runKne(['broker', 'describe', 'nope', '--json'], {cwd: dir, env}),
    ])
    expect(table.code).toBe(0)
    expect(table.stdout.split('\n')[0]).toMatch(/^NAME\s+BROKER\s+SINK\s+AGE\s+CONDITIONS\s+READY\s+REASON$/)
    expect(table.stdout).toMatch(/\nbig\s+orders\s+ksvc:big-orders\s+\d+s\s+<unknown>\s+<unknown>\n/)
    expect(table.stderr).toContain('no kne mesh is running')
    expect(json(asJson).mesh).toBeNull()
    expect(json(asJson).items.map((i: {name: string; live: unknown}) => [i.name, i.live])).toEqual([
      ['default', null],
      ['orders', null],
    ])
    expect(describe.stdout).toMatch(/Broker:\s+orders/)
    expect(describe.stdout).toContain('Conditions:\n  <unknown> (no kne mesh is running')
    expect(missing.code).toBe(2)
    expect(json(missing).error.code).toBe('NOT_FOUND')
  })

  it("delete removes the resource's file", async () => {
    await scaffold('source', 'ping', 'create', 'heartbeat', '--schedule', '*/1 * * * *', '--sink', 'broker:default')
    await scaffold('trigger', 'create', 'big', '--sink', 'ksvc:big-orders')
    const ping = await runKne(['source', 'delete', 'heartbeat', '--kind', 'ping', '--json'], {cwd: dir, env})
    expect(ping.code, ping.stderr).toBe(0)
    expect(json(ping)).toMatchObject({
      kind: 'PingSource',
      removed: 'file',
      message: "Ping source 'heartbeat' deleted in namespace 'default'.",
    })
    expect(existsSync(join(dir, 'knative', 'pingsource-heartbeat.yaml'))).toBe(false)
    const trigger = await runKne(['trigger', 'delete', 'big'], {cwd: dir, env})
    expect(trigger.stdout).toBe("Trigger 'big' deleted in namespace 'default'.\n")
  })
})
