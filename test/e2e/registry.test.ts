// kne registry from the built CLI, in a project folder as a user runs it: from the manifests alone, then with
// a running kne dev whose observations are merged in; JSON output, exit codes, export validated against
// Knative's EventType CRD, lint for CI, and browse in a real terminal.
import {spawn, spawnSync} from 'node:child_process'
import {mkdtempSync, readdirSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {parse, parseAllDocuments} from 'yaml'
import {isolatedEnv, LongRunning, runCliIn, runJs, type CliResult} from '../helpers/cli.js'
import {crdValidator, hasCrds} from '../helpers/crds.js'
import {binaryHeaders, post, startSubscriber, type Subscriber} from '../helpers/subscriber.js'

const kne = runCliIn

const json = (r: CliResult): any => JSON.parse(r.stdout) // eslint-disable-line @typescript-eslint/no-explicit-any

const PROJECT = {
  'kne.yaml': 'namespace: default\nmanifests: knative\nport: 0\n',
  'knative/broker.yaml': `apiVersion: eventing.knative.dev/v1
kind: Broker
metadata: {name: default}
spec:
  delivery: {deadLetterSink: {uri: "http://127.0.0.1:9/dead"}, retry: 0}
`,
  'knative/eventtypes.yaml': `apiVersion: eventing.knative.dev/v1beta2
kind: EventType
metadata: {name: order-created}
spec:
  type: com.example.order.created
  source: /shop
  description: An order was placed
  reference: {apiVersion: eventing.knative.dev/v1, kind: Broker, name: default}
`,
  'knative/ping.yaml': `apiVersion: sources.knative.dev/v1
kind: PingSource
metadata: {name: heartbeat}
spec:
  schedule: "*/5 * * * *"
  contentType: application/json
  data: '{"beat": 1}'
  sink: {ref: {apiVersion: eventing.knative.dev/v1, kind: Broker, name: default}}
`,
}

function project(triggers: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'kne-registry-e2e-'))
  for (const [file, text] of Object.entries(PROJECT)) {
    if (file.includes('/')) spawnSync('mkdir', ['-p', join(dir, file.split('/')[0]!)])
    writeFileSync(join(dir, file), text)
  }
  writeFileSync(join(dir, 'knative/triggers.yaml'), triggers)
  return dir
}

function trigger(name: string, filter: string, url: string): string {
  return `apiVersion: eventing.knative.dev/v1\nkind: Trigger\nmetadata: {name: ${name}}\nspec:\n  broker: default\n${filter}  subscriber: {uri: "${url}"}\n---\n`
}

describe('kne registry from the manifests alone', () => {
  let dir: string
  const env = isolatedEnv()

  beforeAll(() => {
    dir = project(trigger('orders', '  filter: {attributes: {type: com.example.order.created}}\n', 'http://127.0.0.1:9/orders')
      + trigger('ops', '  filters: [{cesql: "source LIKE \'/apis/v1/namespaces/%\' AND team = \'ops\'"}]\n', 'http://127.0.0.1:9/ops'))
  })

  it('lists declared and source-provided types with their producers and consumers', async () => {
    const result = await kne(dir, ['registry', 'list', '--json'], env)
    expect(result.code, result.stderr).toBe(0)
    const {types, mesh} = json(result)
    expect(mesh).toBeNull()
    expect(types).toEqual([
      expect.objectContaining({type: 'com.example.order.created', source: '/shop', origins: ['declared'], producers: 0, consumers: 1, mayConsume: 0,
        reference: {apiVersion: 'eventing.knative.dev/v1', kind: 'Broker', name: 'default', namespace: 'default'}}),
      expect.objectContaining({type: 'dev.knative.sources.ping', source: '/apis/v1/namespaces/default/pingsources/heartbeat', origins: ['source'],
        producers: 1, consumers: 0, mayConsume: 1}),
    ])
    const table = await kne(dir, ['registry', 'list'], env)
    expect(table.stdout.split('\n')[0]).toMatch(/^TYPE\s+SOURCE\s+REFERENCE\s+ORIGIN\s+PRODUCERS\s+CONSUMERS$/)
    expect(table.stdout).toMatch(/dev\.knative\.sources\.ping .*Broker\/default\s+source\s+1\s+0 \(\+1 may\)/)
  })

  it('describes a type: consumers in every dialect, schema, example and ready-to-paste commands that work', async () => {
    const result = await kne(dir, ['registry', 'describe', 'dev.knative.sources.ping', '--json'], env)
    expect(result.code, result.stderr).toBe(0)
    const [entry] = json(result).entries
    expect(entry.consumers).toEqual([expect.objectContaining({trigger: 'default/ops', verdict: 'may-match', unknownAttributes: ['team']})])
    expect(entry.schema).toMatchObject({type: 'object', properties: {beat: {type: 'integer'}}})
    expect(entry.example).toMatchObject({type: 'dev.knative.sources.ping', data: {beat: 1}})
    expect(entry.commands.send).toBe("kne send --type dev.knative.sources.ping --source /apis/v1/namespaces/default/pingsources/heartbeat --to broker:default --data '{\"beat\":1}'")
    expect(entry.commands.triggerCreate).toBe('kne trigger create sources-ping --broker default --filter type=dev.knative.sources.ping --sink http://127.0.0.1:8081')
    // the trigger line, pasted, creates a trigger the registry then counts as a consumer
    const words = entry.commands.triggerCreate.split(' ').slice(1)
    const created = await kne(dir, words, env)
    expect(created.code, created.stderr).toBe(0)
    const after = json(await kne(dir, ['registry', 'describe', 'dev.knative.sources.ping', '--json'], env)).entries[0]
    expect(after.consumers.map((c: {trigger: string; verdict: string}) => `${c.trigger} ${c.verdict}`)).toEqual(['default/sources-ping matches', 'default/ops may-match'])
    const text = await kne(dir, ['registry', 'describe', 'com.example.order.created'], env)
    expect(text.stdout).toContain('An order was placed')
    expect(text.stdout).toMatch(/✓ matches\s+trigger default\/orders/)
  })

  it('exits 2 for an unknown type and names the nearest known ones', async () => {
    const result = await kne(dir, ['registry', 'describe', 'com.example.order.craeted'], env)
    expect(result.code).toBe(2)
    expect(result.stderr).toContain('unknown event type "com.example.order.craeted"')
    expect(result.stderr).toContain('did you mean "com.example.order.created"')
    const asJson = await kne(dir, ['registry', 'describe', 'nope', '--json'], env)
    expect(asJson.code).toBe(2)
    expect(json(asJson).error).toMatchObject({code: 'UNKNOWN_TYPE'})
  })

  it('exports EventTypes Knative\'s CRD accepts, in v1beta2 and v1beta3', async () => {
    for (const version of ['v1beta2', 'v1beta3']) {
      const result = await kne(dir, ['registry', 'export', '--version', version], env)
      expect(result.code, result.stderr).toBe(0)
      const docs = parseAllDocuments(result.stdout).map((d) => d.toJS() as Record<string, unknown>)
      expect(docs.map((d) => (d.metadata as {name: string}).name)).toEqual(['order-created', 'dev.knative.sources.ping'])
      if (hasCrds) for (const doc of docs) expect(crdValidator().validate(doc), JSON.stringify(doc)).toEqual([])
    }
  })

  it('lints: warnings exit 0, --strict makes them fail with 3, errors fail with 3', async () => {
    const lint = await kne(dir, ['registry', 'lint', '--json'], env)
    expect(lint.code, lint.stderr).toBe(0)
    const report = json(lint)
    expect(report.errors).toBe(0)
    expect(report.problems.length).toBe(report.warnings)
    expect((await kne(dir, ['registry', 'lint', '--strict'], env)).code).toBe(report.warnings > 0 ? 3 : 0)
    const broken = project(trigger('loop', '', 'http://127.0.0.1:9/x') + 'apiVersion: eventing.knative.dev/v1\nkind: Trigger\nmetadata: {name: lost}\nspec:\n  broker: nowhere\n  subscriber: {uri: "http://127.0.0.1:9/y"}\n')
    const failed = await kne(broken, ['registry', 'lint'], env)
    expect(failed.code).toBe(3)
    expect(failed.stdout).toMatch(/error\s+missing-broker\s+Trigger default\/lost/)
  })

  it('browse refuses to run without a terminal', async () => {
    const result = await kne(dir, ['registry', 'browse'], env)
    expect(result.code).toBe(2)
    expect(result.stderr).toContain('needs a terminal')
  })

  it.skipIf(spawnSync('script', ['--version']).status !== 0)('browse in a terminal: search, read a type, quit', async () => {
    const child = spawn('script', ['-qfec', `"${process.execPath}" "${runJs}" registry browse`, '/dev/null'], {cwd: dir, env})
    let screen = ''
    child.stdout.on('data', (d: Buffer) => (screen += d.toString()))
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve))
    const waitFor = async (pattern: RegExp): Promise<void> => {
      for (const deadline = Date.now() + 20_000; !pattern.test(screen); await new Promise((r) => setTimeout(r, 50))) {
        if (Date.now() > deadline) throw new Error(`no ${pattern} on screen:\n${screen}`)
      }
    }
    await waitFor(/Event type \(2 known/)
    child.stdin.write('order')
    await waitFor(/com\.example\.order\.created/)
    child.stdin.write('\r')
    await waitFor(/What now\?/)
    expect(screen).toContain('An order was placed')
    expect(screen).toContain('kne send --type com.example.order.created')
    child.stdin.write('\x1b[B\x1b[B\x1b[B\r') // down to Quit
    expect(await exited).toBe(0)
  })

  it.skipIf(spawnSync('script', ['--version']).status !== 0)('browse exits 130 on Ctrl-C, as a shell reports SIGINT', async () => {
    const child = spawn('script', ['-qfec', `"${process.execPath}" "${runJs}" registry browse`, '/dev/null'], {cwd: dir, env})
    let screen = ''
    child.stdout.on('data', (d: Buffer) => (screen += d.toString()))
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve))
    for (const deadline = Date.now() + 20_000; !/Event type/.test(screen); await new Promise((r) => setTimeout(r, 50))) {
      if (Date.now() > deadline) throw new Error(`no prompt on screen:\n${screen}`)
    }
    child.stdin.write('\x03')
    expect(await exited).toBe(130)
  })

  it.skipIf(spawnSync('script', ['--version']).status !== 0)('trigger create exits 130 on Ctrl-C at its first prompt, like browse', async () => {
    const child = spawn('script', ['-qfec', `"${process.execPath}" "${runJs}" trigger create`, '/dev/null'], {cwd: dir, env})
    let screen = ''
    child.stdout.on('data', (d: Buffer) => (screen += d.toString()))
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve))
    for (const deadline = Date.now() + 20_000; !/\?/.test(screen); await new Promise((r) => setTimeout(r, 50))) {
      if (Date.now() > deadline) throw new Error(`no prompt on screen:\n${screen}`)
    }
    child.stdin.write('\x03')
    expect(await exited).toBe(130)
  })
})

describe('kne registry with a running kne dev', () => {
  let dir: string
  let env: NodeJS.ProcessEnv
  let dev: LongRunning
  let orders: Subscriber
  let meshUrl: string

  beforeAll(async () => {
    orders = await startSubscriber()
    dir = project(trigger('orders', '  filters: [{prefix: {type: com.example.order.}}]\n', orders.url))
    env = isolatedEnv()
    dev = new LongRunning(['dev', '--config', join(dir, 'kne.yaml'), '--port', '0', '--quiet'], env)
    meshUrl = (await dev.waitFor(/Ready on (http:\/\/127\.0\.0\.1:\d+)/))[1]!
  })

  afterAll(async () => {
    dev?.signal('SIGINT')
    await dev?.exited
    await orders?.close()
  })

  it('from another folder, shows what kne dev runs and says where it came from; -f is accepted', async () => {
    const elsewhere = mkdtempSync(join(tmpdir(), 'kne-registry-elsewhere-'))
    const [listed, described] = await Promise.all([
      kne(elsewhere, ['registry', 'list'], env),
      kne(elsewhere, ['source', 'describe', 'heartbeat'], env),
    ])
    expect(listed.stdout).toMatch(/com\.example\.order\.created\s+\/shop\s+Broker\/default\s+declared/)
    expect(listed.stderr).toContain(`from the running mesh at ${meshUrl}`)
    expect(described.code, described.stderr).toBe(0)
    expect(described.stdout).toMatch(/Schedule:\s+\*\/5 \* \* \* \*/)
    const fromFile = await kne(elsewhere, ['source', 'list', '-f', join(dir, 'knative/ping.yaml'), '--json'], env)
    expect(json(fromFile)).toMatchObject({readFrom: 'manifests', items: [{name: 'heartbeat', live: {loaded: true}}]})
  })

  it('merges the types kne dev observed: counts, sources, inferred schema; export --write commits them', async () => {
    const send = async (type: string, source: string, data: unknown): Promise<void> => {
      const answer = await post(`${meshUrl}/default/default`, binaryHeaders(type, {'ce-source': source, 'content-type': 'application/json'}), JSON.stringify(data))
      expect(answer.status).toBe(202)
    }
    await send('com.example.order.created', '/shop', {id: 1, total: 12.5, at: '2024-05-01T10:00:00Z'})
    await send('com.example.order.created', '/shop', {id: 2, total: 3, at: '2024-05-01T10:01:00Z', coupon: 'X'})
    await send('com.example.order.shipped', '/warehouse/1', {id: 1, carrier: 'ups'})
    await send('com.example.order.shipped', '/warehouse/2', {id: 2})
    await orders.waitFor(4)

    const {types, mesh} = json(await kne(dir, ['registry', 'list', '--json'], env))
    expect(mesh).toEqual({url: meshUrl})
    expect(types.find((t: {type: string}) => t.type === 'com.example.order.created')).toMatchObject({origins: ['declared', 'observed'], count: 2, consumers: 1})
    expect(types.find((t: {type: string}) => t.type === 'com.example.order.shipped')).toMatchObject({origins: ['observed'], count: 2,
      source: '/warehouse/{warehouse}', producers: 2, consumers: 1})
    const brokerOnly = json(await kne(dir, ['registry', 'list', '--broker', 'other', '--json'], env))
    expect(brokerOnly.types).toEqual([])

    const described = json(await kne(dir, ['registry', 'describe', 'com.example.order.created', '--json'], env)).entries[0]
    expect(described.schemaOrigin).toBe('inferred')
    expect(described.schema).toMatchObject({required: ['id', 'total', 'at'], properties: {at: {type: 'string', format: 'date-time'}, coupon: {type: 'string'}}})
    expect(described.observed).toMatchObject({count: 2, via: {ingress: 2, reply: 0}})

    const written = await kne(dir, ['registry', 'export', '--write', '--json'], env)
    expect(written.code, written.stderr).toBe(0)
    expect(json(written).written.map((w: {type: string; action: string}) => `${w.type} ${w.action}`)).toEqual([
      'com.example.order.created declared', 'com.example.order.shipped created', 'dev.knative.sources.ping created'])
    const files = readdirSync(join(dir, 'knative')).filter((f) => f.startsWith('eventtype-'))
    expect(files.sort()).toEqual(['eventtype-com.example.order.shipped.yaml', 'eventtype-dev.knative.sources.ping.yaml'])
    const shipped = parse(readFileSync(join(dir, 'knative', 'eventtype-com.example.order.shipped.yaml'), 'utf8'))
    expect(shipped).toMatchObject({apiVersion: 'eventing.knative.dev/v1beta2', kind: 'EventType', spec: {type: 'com.example.order.shipped', source: '/warehouse/{warehouse}'}})
    expect(JSON.parse(shipped.spec.schemaData).required).toEqual(['id'])
    if (hasCrds) expect(crdValidator().validate(shipped)).toEqual([])
    // a second --write overwrites nothing
    const again = json(await kne(dir, ['registry', 'export', '--write', '--json'], env))
    expect(again.written.map((w: {action: string}) => w.action)).toEqual(['declared', 'declared', 'declared'])
  })
})
