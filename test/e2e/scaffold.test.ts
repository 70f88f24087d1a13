// The scaffolding commands from the built CLI, run in a project folder as a user runs them: JSON output
// and exit codes, --dry-run, refusing to overwrite, exit 2 without a TTY, list/describe with and without a
// running mesh, and the whole flow init → trigger create → kne dev → kne send → the subscriber gets it.
import {spawn, spawnSync} from 'node:child_process'
import {existsSync, mkdtempSync, readFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {parse} from 'yaml'
import {isolatedEnv, LongRunning, runCliIn, runJs, type CliResult} from '../helpers/cli.js'
import {startSubscriber, type Subscriber} from '../helpers/subscriber.js'

const kne = runCliIn

const json = (r: CliResult): any => JSON.parse(r.stdout) // eslint-disable-line @typescript-eslint/no-explicit-any
const flat = (text: string): string => text.replace(/\s+›?\s*/g, ' ')

describe('kne init and the create commands', () => {
  let dir: string
  let env: NodeJS.ProcessEnv
  const manifest = (file: string): unknown => parse(readFileSync(join(dir, 'knative', file), 'utf8'))

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kne-scaffold-e2e-'))
    env = isolatedEnv()
    const init = await kne(dir, ['init', '--json'], env)
    expect(init.code, init.stderr).toBe(0)
  })

  it('init creates the project and, run again, keeps every file', async () => {
    expect(existsSync(join(dir, 'knative', 'trigger-event-display.yaml'))).toBe(true)
    const again = await kne(dir, ['init', '--json'], env)
    expect(again.code).toBe(0)
    expect(json(again)).toMatchObject({created: [], config: {namespace: 'default', manifests: 'knative', port: 8080}})
    expect(json(again).kept.sort()).toEqual(['README.md', 'knative/broker-default.yaml', 'knative/trigger-event-display.yaml', 'kne.yaml'])
  })

  it('broker create --json prints the resource it wrote', async () => {
    const result = await kne(dir, ['broker', 'create', 'orders', '--retry', '3', '--backoff-policy', 'linear', '--backoff-delay', 'PT1S', '--json'], env)
    expect(result.code, result.stderr).toBe(0)
    const broker = json(result)
    expect(broker).toEqual({apiVersion: 'eventing.knative.dev/v1', kind: 'Broker', metadata: {name: 'orders'},
      spec: {delivery: {retry: 3, backoffPolicy: 'linear', backoffDelay: 'PT1S'}}})
    expect(manifest('broker-orders.yaml')).toEqual(broker)
  })

  it('trigger create --dry-run prints the manifest (YAML, or -o json) and writes nothing', async () => {
    const args = ['trigger', 'create', 'big', '--broker', 'orders', '--cesql', "INT(amount) > 100", '--prefix', 'type=com.example.', '--sink', 'http://127.0.0.1:3000']
    const yaml = await kne(dir, [...args, '--dry-run'], env)
    expect(yaml.code, yaml.stderr).toBe(0)
    expect(parse(yaml.stdout)).toMatchObject({kind: 'Trigger', spec: {broker: 'orders', filters: [{prefix: {type: 'com.example.'}}, {cesql: 'INT(amount) > 100'}]}})
    expect(yaml.stderr).toContain('dry run: nothing written')
    const asJson = await kne(dir, [...args, '--dry-run', '-o', 'json'], env)
    expect(JSON.parse(asJson.stdout).spec.subscriber).toEqual({uri: 'http://127.0.0.1:3000'})
    expect(existsSync(join(dir, 'knative', 'trigger-big.yaml'))).toBe(false)
  })

  it('trigger create writes kn\'s message, then refuses to overwrite unless --force', async () => {
    const args = ['trigger', 'create', 'big', '--broker', 'orders', '--filter', 'type=com.example.order.created', '--sink', 'ksvc:big-orders']
    const first = await kne(dir, args, env)
    expect(first.code, first.stderr).toBe(0)
    expect(first.stdout).toBe("Trigger 'big' successfully created in namespace 'default'.\n")
    expect(first.stderr).toContain('warning: --sink: services.serving.knative.dev "big-orders"')
    const again = await kne(dir, [...args, '--json'], env)
    expect(again.code).toBe(2)
    expect(json(again).error.code).toBe('ALREADY_EXISTS')
    const forced = await kne(dir, ['trigger', 'create', 'big', '--broker', 'orders', '--sink', 'ksvc:big-orders', '--force', '--json'], env)
    expect(forced.code, forced.stderr).toBe(0)
    expect(manifest('trigger-big.yaml')).toEqual(json(forced))
    expect(json(forced).spec).not.toHaveProperty('filter')
  })

  it('without a TTY, a missing value fails with exit 2 naming the flag; a bad name or filter writes nothing', async () => {
    const [noSink, noName, badName, badCesql] = await Promise.all([
      kne(dir, ['trigger', 'create', 'lonely'], env),
      kne(dir, ['source', 'ping', 'create', '--schedule', '* * * * *', '--sink', 'broker:default', '--json'], env),
      kne(dir, ['broker', 'create', 'Bad_Name', '--json'], env),
      kne(dir, ['trigger', 'create', 'broken', '--cesql', "type = 'a' AND", '--sink', 'ksvc:x'], env),
    ])
    expect(noSink.code).toBe(2)
    expect(flat(noSink.stderr)).toContain('missing required flag --sink')
    expect(noName.code).toBe(2)
    expect(json(noName).error).toMatchObject({code: 'MISSING_FLAG', message: 'missing required argument NAME'})
    expect(badName.code).toBe(2)
    expect(json(badName).error.code).toBe('INVALID_NAME')
    expect(badCesql.code).toBe(3)
    expect(flat(badCesql.stderr)).toMatch(/--cesql: spec\.filters\[0\]\.cesql: .*column 15/)
    for (const file of ['trigger-lonely.yaml', 'broker-Bad_Name.yaml', 'trigger-broken.yaml']) expect(existsSync(join(dir, 'knative', file))).toBe(false)
  })

  it('creates every source kind with kn\'s flags and lists them', async () => {
    const created = await Promise.all([
      kne(dir, ['source', 'ping', 'create', 'heartbeat', '--schedule', '*/1 * * * *', '--data', '{"beat":true}', '--content-type', 'application/json', '--sink', 'broker:default', '--json'], env),
      kne(dir, ['source', 'container', 'create', 'poller', '--image', 'example.com/poller:1', '--arg', '--period=1', '--env', 'A=1', '--sink', 'broker:default', '--json'], env),
      kne(dir, ['source', 'binding', 'create', 'bind-app', '--subject', 'Deployment:apps/v1:app', '--sink', 'broker:default', '--json'], env),
      kne(dir, ['source', 'apiserver', 'create', 'k8s-events', '--resource', 'Event:v1', '--mode', 'Resource', '--sink', 'broker:default', '--json'], env),
    ])
    for (const r of created) expect(r.code, r.stderr).toBe(0)
    expect(created.map((r) => json(r).kind)).toEqual(['PingSource', 'ContainerSource', 'SinkBinding', 'ApiServerSource'])
    expect(json(created[0]!).spec).toEqual({schedule: '*/1 * * * *', contentType: 'application/json', data: '{"beat":true}',
      sink: {ref: {apiVersion: 'eventing.knative.dev/v1', kind: 'Broker', name: 'default'}}})
    const list = await kne(dir, ['source', 'list'], env)
    expect(list.code).toBe(0)
    const lines = list.stdout.trim().split('\n')
    expect(lines[0]).toMatch(/^NAME\s+TYPE\s+RESOURCE\s+SINK\s+READY$/)
    expect(lines.find((l) => l.startsWith('heartbeat'))).toMatch(/^heartbeat\s+PingSource\s+pingsources\.sources\.knative\.dev\s+broker:default\s+<unknown>$/)
    expect(lines).toHaveLength(5)
  })

  it('lists and describes without a mesh: status is unknown, not an error', async () => {
    const [table, asJson, describe, missing] = await Promise.all([
      kne(dir, ['trigger', 'list'], env),
      kne(dir, ['broker', 'list', '--json'], env),
      kne(dir, ['trigger', 'describe', 'big'], env),
      kne(dir, ['broker', 'describe', 'nope', '--json'], env),
    ])
    expect(table.code).toBe(0)
    expect(table.stdout.split('\n')[0]).toMatch(/^NAME\s+BROKER\s+SINK\s+AGE\s+CONDITIONS\s+READY\s+REASON$/)
    expect(table.stdout).toMatch(/\nbig\s+orders\s+ksvc:big-orders\s+\d+s\s+<unknown>\s+<unknown>\n/)
    expect(table.stderr).toContain('no kne mesh is running')
    expect(json(asJson).mesh).toBeNull()
    expect(json(asJson).items.map((i: {name: string; live: unknown}) => [i.name, i.live])).toEqual([['default', null], ['orders', null]])
    expect(describe.stdout).toMatch(/Broker:\s+orders/)
    expect(describe.stdout).toContain('Conditions:\n  <unknown> (no kne mesh is running')
    expect(missing.code).toBe(2)
    expect(json(missing).error.code).toBe('NOT_FOUND')
  })

  it('delete removes the resource\'s file', async () => {
    const ping = await kne(dir, ['source', 'delete', 'heartbeat', '--kind', 'ping', '--json'], env)
    expect(ping.code, ping.stderr).toBe(0)
    expect(json(ping)).toMatchObject({kind: 'PingSource', removed: 'file', message: "Ping source 'heartbeat' deleted in namespace 'default'."})
    expect(existsSync(join(dir, 'knative', 'pingsource-heartbeat.yaml'))).toBe(false)
    const trigger = await kne(dir, ['trigger', 'delete', 'big'], env)
    expect(trigger.stdout).toBe("Trigger 'big' deleted in namespace 'default'.\n")
  })

  it.skipIf(spawnSync('script', ['--version']).status !== 0)('asks for a missing name and sink in a terminal', async () => {
    // `script` gives the CLI a real pseudo-terminal, so @inquirer/prompts runs as it would for a person
    const child = spawn('script', ['-qfec', `"${process.execPath}" "${runJs}" trigger create --broker orders`, '/dev/null'], {cwd: dir, env})
    let screen = ''
    child.stdout.on('data', (d: Buffer) => (screen += d.toString()))
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve))
    const waitFor = async (pattern: RegExp): Promise<void> => {
      for (const deadline = Date.now() + 20_000; !pattern.test(screen); await new Promise((r) => setTimeout(r, 50))) {
        if (Date.now() > deadline) throw new Error(`no ${pattern} on screen:\n${screen}`)
      }
    }
    await waitFor(/Trigger name/)
    child.stdin.write('prompted\r')
    await waitFor(/Sink \(where events go\)[\s\S]*another sink/)
    expect(screen).toContain('broker:default') // the trigger's own broker (orders) is not offered
    child.stdin.write('\r') // the first choice: broker:default
    expect(await exited).toBe(0)
    expect(manifest('trigger-prompted.yaml')).toMatchObject({spec: {broker: 'orders', subscriber: {ref: {kind: 'Broker', name: 'default'}}}})
  })
})

describe('scaffold → kne dev → kne send, end to end', () => {
  let dir: string
  let env: NodeJS.ProcessEnv
  let dev: LongRunning
  let display: Subscriber
  let hello: Subscriber
  let meshUrl: string

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kne-flow-e2e-'))
    env = isolatedEnv()
    display = await startSubscriber()
    hello = await startSubscriber()
    expect((await kne(dir, ['init'], env)).code).toBe(0)
    const created = await kne(dir, ['trigger', 'create', 'hello', '--filter', 'type=com.example.hello', '--sink', 'ksvc:hello'], env)
    expect(created.code, created.stderr).toBe(0)
    dev = new LongRunning(['dev', '--config', join(dir, 'kne.yaml'), '--port', '0', '--quiet',
      '--service', `hello=${hello.url}`, '--service', `event-display=${display.url}`], env)
    meshUrl = (await dev.waitFor(/Ready on (http:\/\/127\.0\.0\.1:\d+)/))[1]!
  })

  afterAll(async () => {
    dev?.kill()
    await display?.close()
    await hello?.close()
  })

  it('the scaffolded trigger gets the events its filter lets through', async () => {
    const sent = await kne(dir, ['send', '--type', 'com.example.hello', '--data', '{"hi":1}'], env)
    expect(sent.code, sent.stderr).toBe(0)
    const [got] = await hello.waitFor(1)
    expect(got!.headers['ce-type']).toBe('com.example.hello')
    expect(JSON.parse(got!.body.toString())).toEqual({hi: 1})
    expect((await kne(dir, ['send', '--type', 'com.example.other'], env)).code).toBe(0)
    expect(await display.waitFor(2)).toHaveLength(2) // the example trigger takes everything
    expect(hello.received).toHaveLength(1)
  })

  it('list and describe show the live status: URL, Ready, resolved subscriber, counters', async () => {
    const [brokers, triggers, described] = await Promise.all([
      kne(dir, ['broker', 'list'], env),
      kne(dir, ['trigger', 'list', '--json'], env),
      kne(dir, ['trigger', 'describe', 'hello', '--json'], env),
    ])
    expect(brokers.stdout).toMatch(new RegExp(`\\ndefault\\s+${meshUrl}/default/default\\s+\\d+s\\s+True\\n`))
    expect(json(triggers).mesh).toEqual({url: meshUrl})
    expect(json(triggers).items.map((i: {name: string; live: {ready: string; subscriberUri: string}}) => [i.name, i.live.ready, i.live.subscriberUri]))
      .toEqual([['event-display', 'True', display.url], ['hello', 'True', hello.url]])
    expect(json(described).item.live).toMatchObject({loaded: true, ready: 'True', counters: {delivered: 1}})
    const yaml = await kne(dir, ['trigger', 'describe', 'hello', '-o', 'yaml'], env)
    expect(parse(yaml.stdout).status).toMatchObject({subscriberUri: hello.url, conditions: expect.arrayContaining([{type: 'Ready', status: 'True'}])})
  })

  it('a trigger created while kne dev runs is picked up and gets its events', async () => {
    const created = await kne(dir, ['trigger', 'create', 'late', '--filter', 'type=com.example.late', '--sink', hello.url], env)
    expect(created.code, created.stderr).toBe(0)
    let late: {live: {loaded: boolean; ready: string}} | undefined
    for (const deadline = Date.now() + 15_000; !late?.live.loaded && Date.now() < deadline;) {
      late = json(await kne(dir, ['trigger', 'list', '--json'], env)).items.find((i: {name: string}) => i.name === 'late')
    }
    expect(late?.live).toMatchObject({loaded: true, ready: 'True'})
    expect((await kne(dir, ['send', '--type', 'com.example.late'], env)).code).toBe(0)
    const received = await hello.waitFor(2)
    expect(received[1]!.headers['ce-type']).toBe('com.example.late')
  })

  it('a trigger the running mesh does not serve (another folder) is reported as not loaded', async () => {
    const other = join(dir, 'elsewhere')
    expect((await kne(dir, ['trigger', 'create', 'stray', '--dir', other, '--sink', 'ksvc:hello'], env)).code).toBe(0)
    const list = await kne(dir, ['trigger', 'list', '--dir', other], env)
    expect(list.code).toBe(0)
    expect(list.stdout).toMatch(/\nstray\s+default\s+ksvc:hello\s+\d+s\s+<unknown>\s+<unknown>\s+NotLoaded : the running kne mesh does not serve/)
  })
})
