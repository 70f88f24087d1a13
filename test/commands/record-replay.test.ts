// kne record, kne replay and kne send --file in process against a mesh in this process: their --json
// reports and exit codes (0 all accepted, 5 one refused, 2 a bad file, 6 --count not reached in time).
import {mkdirSync, mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import type {Mesh} from '../../src/index.js'
import {repoRoot} from '../helpers/cli.js'
import {freshDataDir, jsonOf, meshForProject, runKne} from '../helpers/command.js'
import {startSubscriber, withId, type Subscriber} from '../helpers/subscriber.js'

const ORDERS = join(repoRoot, 'test', 'fixtures', 'events', 'orders.yaml')

describe('kne record, kne replay, kne send --file', () => {
  let orders: Subscriber
  let mesh: Mesh
  let project: string
  const env = {KNE_DATA_DIR: freshDataDir()}
  const kne = (args: string[]) => runKne(args, {env, cwd: project})

  beforeAll(async () => {
    orders = await startSubscriber()
    project = mkdtempSync(join(tmpdir(), 'kne-replay-'))
    writeFileSync(join(project, 'kne.yaml'), `namespace: default\nmanifests: knative\n`)
    mkdirSync(join(project, 'knative'))
    writeFileSync(
      join(project, 'knative', 'all.yaml'),
      'apiVersion: eventing.knative.dev/v1\nkind: Broker\nmetadata: {name: default}\n---\n' +
        'apiVersion: eventing.knative.dev/v1\nkind: Trigger\nmetadata: {name: orders}\nspec:\n  broker: default\n' +
        `  filter: {attributes: {type: com.example.order.created}}\n  subscriber: {uri: "${orders.url}"}\n`,
    )
    mesh = await meshForProject(project, env.KNE_DATA_DIR)
  })

  afterAll(async () => {
    await mesh?.close()
    await orders?.close()
  })

  it('kne replay --json reports each event sent and exits 0 when all were accepted', async () => {
    const result = await kne(['replay', ORDERS, '--json'])
    expect(result.code, result.stderr).toBe(0)
    expect(jsonOf(result)).toMatchObject({
      file: ORDERS,
      format: 'yaml',
      sent: 2,
      accepted: 2,
      rejected: 0,
      events: [
        {index: 1, position: 'document 1, line 2', id: 'order-1', to: 'broker:default:default', status: 202, accepted: true},
        {index: 2, id: 'order-2', status: 202, accepted: true},
      ],
    })
    const structured = await orders.waitForMatch(withId('order-2'))
    expect(structured.body.toString()).toBe('a plain text order\n')
  })

  it('kne replay prints a line per event and the count on stderr', async () => {
    const result = await kne(['replay', ORDERS])
    expect(result.code, result.stderr).toBe(0)
    expect(result.stdout).toBe(
      '1  order-1 (com.example.order.created) → broker:default:default  202\n2  order-2 (com.example.order.created) → broker:default:default  202\n',
    )
    expect(result.stderr).toContain(`2 events sent from ${ORDERS}: 2 accepted, 0 not accepted`)
  })

  it('exits 5 when an event is not accepted, and reports it', async () => {
    const result = await kne(['replay', ORDERS, '--to', 'broker:nope', '--json'])
    expect(result.code).toBe(5)
    expect(jsonOf(result)).toMatchObject({
      sent: 2,
      accepted: 0,
      rejected: 2,
      events: [{status: 404, error: expect.stringContaining('answered 404')}, {}],
    })
  })

  it('--dry-run lists what would be sent, and sends nothing', async () => {
    const result = await kne(['replay', ORDERS, '--dry-run', '--to', 'channel:audit:shop'])
    expect(result.code, result.stderr).toBe(0)
    expect(result.stdout).toBe(
      '1  order-1 (com.example.order.created) → channel:audit:shop\n2  order-2 (com.example.order.created) → channel:audit:shop\n',
    )
  })

  it('a bad file exits 2, naming the file, the document and the field', async () => {
    const bad = join(project, 'bad.yaml')
    writeFileSync(bad, 'ContextAttributes:\n  specversion: "1.0"\n  id: x\n  source: /s\n')
    const result = await kne(['replay', bad, '--json'])
    expect(result.code).toBe(2)
    expect(jsonOf(result)).toMatchObject({
      error: {code: 'EVENT_FILE', message: `${bad}: document 1, line 2: ContextAttributes.type: REQUIRED but missing or empty`},
    })
    const missing = await kne(['replay', join(project, 'none.yaml')])
    expect(missing.code).toBe(2)
    expect(missing.stderr).toContain('none.yaml: no such file')
  })

  it('refuses a bad --rate or --speed, and --rate with --as-recorded', async () => {
    expect((await kne(['replay', ORDERS, '--rate', '0'])).code).toBe(2)
    expect((await kne(['replay', ORDERS, '--speed', 'fast'])).code).toBe(2)
    expect((await kne(['replay', ORDERS, '--rate', '5', '--as-recorded'])).code).toBe(2)
  })

  it('kne send --file sends the events of a file, each to where it was recorded', async () => {
    const result = await kne(['send', '--file', ORDERS, '--json'])
    expect(result.code, result.stderr).toBe(0)
    expect(jsonOf(result)).toMatchObject({sent: 2, accepted: 2, events: [{id: 'order-1'}, {id: 'order-2'}]})
  })

  it('kne send without --type or --file exits 2 and says so', async () => {
    const result = await kne(['send', '--json'])
    expect(result.code).toBe(2)
    expect(jsonOf(result)).toMatchObject({error: {code: 'MISSING_FLAG', message: expect.stringContaining('--type is required (or --file')}})
    expect((await kne(['send', '--file', ORDERS, '--type', 'x'])).code).toBe(2)
    expect((await kne(['send', '--file', ORDERS, '--mode', 'structured'])).code).toBe(2)
  })

  it('kne record --history writes what the mesh holds; --count not reached in --timeout exits 6 with the count', async () => {
    const sent = await kne(['send', '--type', 'com.example.order.created', '--id', 'rec-1', '--data', '{"n": 1}'])
    expect(sent.code, sent.stderr).toBe(0)
    const file = join(project, 'held.yaml')
    const result = await kne([
      'record',
      '-o',
      file,
      '--history',
      '--type',
      'com.example.order.created',
      '--count',
      '100',
      '--timeout',
      '300ms',
      '--json',
    ])
    expect(result.code).toBe(6)
    expect(jsonOf(result)).toMatchObject({
      error: {code: 'RECORD_TIMEOUT', message: expect.stringMatching(/: \d+ of 100 events recorded to /)},
    })
    expect(readFileSync(file, 'utf8')).toContain('id: rec-1')
    const done = await kne(['record', '-o', join(project, 'one.jsonl'), '--history', '--count', '1', '--json'])
    expect(done.code, done.stderr).toBe(0)
    expect(jsonOf(done)).toMatchObject({format: 'jsonl', recorded: 1, skipped: []})
  })

  it('kne record refuses a file it cannot write', async () => {
    const result = await kne(['record', '-o', join(project, 'no', 'such', 'folder.yaml'), '--timeout', '10ms'])
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/folder\.yaml: cannot write \(ENOENT\)/)
  })
})
