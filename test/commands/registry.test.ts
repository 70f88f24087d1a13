// kne registry in process, in a project folder as a user runs it: from the manifests alone, then with a
// running mesh whose observations are merged in; JSON output, exit codes, export validated against
// Knative's EventType CRD, and lint for CI. Browse in a real terminal is in test/e2e/registry.test.ts.
import {mkdtempSync, readdirSync, readFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, beforeEach, describe, expect, it} from 'vitest'
import {parse, parseAllDocuments} from 'yaml'
import type {Mesh} from '../../src/index.js'
import {freshDataDir, meshForProject, runKne, type CommandResult} from '../helpers/command.js'
import {crdValidator, hasCrds} from '../helpers/crds.js'
import {binaryHeaders, post, startSubscriber, type Subscriber} from '../helpers/subscriber.js'
import {registryProject, trigger} from '../helpers/registry-project.js'

const json = (r: CommandResult): any => JSON.parse(r.stdout) // eslint-disable-line @typescript-eslint/no-explicit-any

describe('kne registry from the manifests alone', () => {
  let dir: string
  const env = {KNE_DATA_DIR: freshDataDir()}

  beforeEach(() => {
    dir = registryProject(
      trigger('orders', '  filter: {attributes: {type: com.example.order.created}}\n', 'http://127.0.0.1:9/orders') +
        trigger('ops', "  filters: [{cesql: \"source LIKE '/apis/v1/namespaces/%' AND team = 'ops'\"}]\n", 'http://127.0.0.1:9/ops'),
    )
  })

  it('lists declared and source-provided types with their producers and consumers', async () => {
    const result = await runKne(['registry', 'list', '--json'], {cwd: dir, env})
    expect(result.code, result.stderr).toBe(0)
    const {types, mesh} = json(result)
    expect(mesh).toBeNull()
    expect(types).toEqual([
      expect.objectContaining({
        type: 'com.example.order.created',
        source: '/shop',
        origins: ['declared'],
        producers: 0,
        consumers: 1,
        mayConsume: 0,
        reference: {apiVersion: 'eventing.knative.dev/v1', kind: 'Broker', name: 'default', namespace: 'default'},
      }),
      expect.objectContaining({
        type: 'dev.knative.sources.ping',
        source: '/apis/v1/namespaces/default/pingsources/heartbeat',
        origins: ['source'],
        producers: 1,
        consumers: 0,
        mayConsume: 1,
      }),
    ])
    const table = await runKne(['registry', 'list'], {cwd: dir, env})
    expect(table.stdout.split('\n')[0]).toMatch(/^TYPE\s+SOURCE\s+REFERENCE\s+ORIGIN\s+PRODUCERS\s+CONSUMERS$/)
    expect(table.stdout).toMatch(/dev\.knative\.sources\.ping .*Broker\/default\s+source\s+1\s+0 \(\+1 may\)/)
  })

  it('describes a type: consumers in every dialect, schema, example and ready-to-paste commands that work', async () => {
    const result = await runKne(['registry', 'describe', 'dev.knative.sources.ping', '--json'], {cwd: dir, env})
    expect(result.code, result.stderr).toBe(0)
    const [entry] = json(result).entries
    expect(entry.consumers).toEqual([expect.objectContaining({trigger: 'default/ops', verdict: 'may-match', unknownAttributes: ['team']})])
    expect(entry.schema).toMatchObject({type: 'object', properties: {beat: {type: 'integer'}}})
    expect(entry.example).toMatchObject({type: 'dev.knative.sources.ping', data: {beat: 1}})
    expect(entry.commands.send).toBe(
      'kne send --type dev.knative.sources.ping --source /apis/v1/namespaces/default/pingsources/heartbeat --to broker:default --data \'{"beat":1}\'',
    )
    expect(entry.commands.triggerCreate).toBe(
      'kne trigger create sources-ping --broker default --filter type=dev.knative.sources.ping --sink http://127.0.0.1:8081',
    )
    // the trigger line, pasted, creates a trigger the registry then counts as a consumer
    const words = entry.commands.triggerCreate.split(' ').slice(1)
    const created = await runKne(words, {cwd: dir, env})
    expect(created.code, created.stderr).toBe(0)
    const after = json(await runKne(['registry', 'describe', 'dev.knative.sources.ping', '--json'], {cwd: dir, env})).entries[0]
    expect(after.consumers.map((c: {trigger: string; verdict: string}) => `${c.trigger} ${c.verdict}`)).toEqual([
      'default/sources-ping matches',
      'default/ops may-match',
    ])
    const text = await runKne(['registry', 'describe', 'com.example.order.created'], {cwd: dir, env})
    expect(text.stdout).toContain('An order was placed')
    expect(text.stdout).toMatch(/✓ matches\s+trigger default\/orders/)
  })

  it('exits 2 for an unknown type and names the nearest known ones', async () => {
    const result = await runKne(['registry', 'describe', 'com.example.order.craeted'], {cwd: dir, env})
    expect(result.code).toBe(2)
    expect(result.stderr).toContain('unknown event type "com.example.order.craeted"')
    expect(result.stderr).toContain('did you mean "com.example.order.created"')
    const asJson = await runKne(['registry', 'describe', 'nope', '--json'], {cwd: dir, env})
    expect(asJson.code).toBe(2)
    expect(json(asJson).error).toMatchObject({code: 'UNKNOWN_TYPE'})
  })

  it("exports EventTypes Knative's CRD accepts, in v1beta2 and v1beta3", async () => {
    for (const version of ['v1beta2', 'v1beta3']) {
      const result = await runKne(['registry', 'export', '--version', version], {cwd: dir, env})
      expect(result.code, result.stderr).toBe(0)
      const docs = parseAllDocuments(result.stdout).map((d) => d.toJS() as Record<string, unknown>)
      expect(docs.map((d) => (d.metadata as {name: string}).name)).toEqual(['order-created', 'dev.knative.sources.ping'])
      if (hasCrds) for (const doc of docs) expect(crdValidator().validate(doc), JSON.stringify(doc)).toEqual([])
    }
  })

  it('lints: warnings exit 0, --strict makes them fail with 3, errors fail with 3', async () => {
    const lint = await runKne(['registry', 'lint', '--json'], {cwd: dir, env})
    expect(lint.code, lint.stderr).toBe(0)
    const report = json(lint)
    expect(report.errors).toBe(0)
    expect(report.problems.length).toBe(report.warnings)
    expect((await runKne(['registry', 'lint', '--strict'], {cwd: dir, env})).code).toBe(report.warnings > 0 ? 3 : 0)
    const broken = registryProject(
      trigger('loop', '', 'http://127.0.0.1:9/x') +
        'apiVersion: eventing.knative.dev/v1\nkind: Trigger\nmetadata: {name: lost}\nspec:\n  broker: nowhere\n  subscriber: {uri: "http://127.0.0.1:9/y"}\n',
    )
    const failed = await runKne(['registry', 'lint'], {cwd: broken, env})
    expect(failed.code).toBe(3)
    expect(failed.stdout).toMatch(/error\s+missing-broker\s+Trigger default\/lost/)
  })

  it('browse refuses to run without a terminal', async () => {
    const result = await runKne(['registry', 'browse'], {cwd: dir, env})
    expect(result.code).toBe(2)
    expect(result.stderr).toContain('needs a terminal')
  })
})

describe('kne registry with a running mesh', () => {
  let dir: string
  let env: {KNE_DATA_DIR: string}
  let mesh: Mesh
  let orders: Subscriber
  let meshUrl: string

  beforeAll(async () => {
    orders = await startSubscriber()
    dir = registryProject(trigger('orders', '  filters: [{prefix: {type: com.example.order.}}]\n', orders.url))
    env = {KNE_DATA_DIR: freshDataDir()}
    mesh = await meshForProject(dir, env.KNE_DATA_DIR)
    meshUrl = mesh.url
  })

  afterAll(async () => {
    await mesh?.close()
    await orders?.close()
  })

  it('from another folder, shows what kne dev runs and says where it came from; -f is accepted', async () => {
    const elsewhere = mkdtempSync(join(tmpdir(), 'kne-registry-elsewhere-'))
    const [listed, described] = await Promise.all([
      runKne(['registry', 'list'], {cwd: elsewhere, env}),
      runKne(['source', 'describe', 'heartbeat'], {cwd: elsewhere, env}),
    ])
    expect(listed.stdout).toMatch(/com\.example\.order\.created\s+\/shop\s+Broker\/default\s+declared/)
    expect(listed.stderr).toContain(`from the running mesh at ${meshUrl}`)
    expect(described.code, described.stderr).toBe(0)
    expect(described.stdout).toMatch(/Schedule:\s+\*\/5 \* \* \* \*/)
    const fromFile = await runKne(['source', 'list', '-f', join(dir, 'knative/ping.yaml'), '--json'], {cwd: elsewhere, env})
    expect(json(fromFile)).toMatchObject({readFrom: 'manifests', items: [{name: 'heartbeat', live: {loaded: true}}]})
  })

  it('merges the types kne dev observed: counts, sources, inferred schema; export --write commits them', async () => {
    const send = async (type: string, source: string, data: unknown): Promise<void> => {
      const answer = await post(
        `${meshUrl}/default/default`,
        binaryHeaders(type, {'ce-source': source, 'content-type': 'application/json'}),
        JSON.stringify(data),
      )
      expect(answer.status).toBe(202)
    }
    await send('com.example.order.created', '/shop', {id: 1, total: 12.5, at: '2024-05-01T10:00:00Z'})
    await send('com.example.order.created', '/shop', {id: 2, total: 3, at: '2024-05-01T10:01:00Z', coupon: 'X'})
    await send('com.example.order.shipped', '/warehouse/1', {id: 1, carrier: 'ups'})
    await send('com.example.order.shipped', '/warehouse/2', {id: 2})
    await orders.waitFor(4)

    const {types, mesh} = json(await runKne(['registry', 'list', '--json'], {cwd: dir, env}))
    expect(mesh).toEqual({url: meshUrl})
    expect(types.find((t: {type: string}) => t.type === 'com.example.order.created')).toMatchObject({
      origins: ['declared', 'observed'],
      count: 2,
      consumers: 1,
    })
    expect(types.find((t: {type: string}) => t.type === 'com.example.order.shipped')).toMatchObject({
      origins: ['observed'],
      count: 2,
      source: '/warehouse/{warehouse}',
      producers: 2,
      consumers: 1,
    })
    const brokerOnly = json(await runKne(['registry', 'list', '--broker', 'other', '--json'], {cwd: dir, env}))
    expect(brokerOnly.types).toEqual([])

    const described = json(await runKne(['registry', 'describe', 'com.example.order.created', '--json'], {cwd: dir, env})).entries[0]
    expect(described.schemaOrigin).toBe('inferred')
    expect(described.schema).toMatchObject({
      required: ['id', 'total', 'at'],
      properties: {at: {type: 'string', format: 'date-time'}, coupon: {type: 'string'}},
    })
    expect(described.observed).toMatchObject({count: 2, via: {ingress: 2, reply: 0}})

    const written = await runKne(['registry', 'export', '--write', '--json'], {cwd: dir, env})
    expect(written.code, written.stderr).toBe(0)
    expect(json(written).written.map((w: {type: string; action: string}) => `${w.type} ${w.action}`)).toEqual([
      'com.example.order.created declared',
      'com.example.order.shipped created',
      'dev.knative.sources.ping created',
    ])
    const files = readdirSync(join(dir, 'knative')).filter((f) => f.startsWith('eventtype-'))
    expect(files.sort()).toEqual(['eventtype-com.example.order.shipped.yaml', 'eventtype-dev.knative.sources.ping.yaml'])
    const shipped = parse(readFileSync(join(dir, 'knative', 'eventtype-com.example.order.shipped.yaml'), 'utf8'))
    expect(shipped).toMatchObject({
      apiVersion: 'eventing.knative.dev/v1beta2',
      kind: 'EventType',
      spec: {type: 'com.example.order.shipped', source: '/warehouse/{warehouse}'},
    })
    expect(JSON.parse(shipped.spec.schemaData).required).toEqual(['id'])
    if (hasCrds) expect(crdValidator().validate(shipped)).toEqual([])
    // a second --write overwrites nothing
    const again = json(await runKne(['registry', 'export', '--write', '--json'], {cwd: dir, env}))
    // (this mesh does not reload its manifests, so the files written are there but not declared by it yet)
    expect(again.written.map((w: {action: string}) => w.action)).toEqual(['declared', 'exists', 'exists'])
  })
})
