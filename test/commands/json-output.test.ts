// Every command that is not a stream, run with --json in a project with a running mesh: stdout is exactly one
// JSON document (the result, or the error), and -o with --json exits 2. The commands come from kne's oclif
// configuration, so a new command is covered as soon as it exists (and fails here until it has arguments).
import {mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import type {Mesh} from '../../src/index.js'
import {repoRoot} from '../helpers/cli.js'
import {startSubscriber, type Subscriber} from '../helpers/subscriber.js'
import {freshDataDir, kneCommands, meshForProject, runKne, type CommandResult} from '../helpers/command.js'

/** Streams print NDJSON records (tested in test/e2e); kne run's output is its command's. */
const STREAMING = new Set(['dev', 'tail', 'sink'])
const WITHOUT_JSON = new Set(['run'])

/** The least each command needs, in the project below (what it deletes, SETUP creates first). */
const ARGS: Record<string, string[]> = {
  'broker:create': ['orders'],
  'broker:delete': ['retired'],
  'broker:describe': ['default'],
  'broker:list': [],
  'eventtype:create': ['refund', '--type', 'com.example.refund'],
  'eventtype:delete': ['chargeback'],
  'eventtype:describe': ['order-created'],
  'eventtype:list': [],
  'eventtransform:create': ['retype', '--jsonata', '$merge([$, {"type": "com.example.retyped"}])', '--sink', 'broker:default'],
  'eventtransform:delete': ['retired'],
  'eventtransform:describe': ['rename'],
  'eventtransform:list': [],
  'events:list': [],
  'events:show': ['json-show-1'],
  export: [],
  'filter:test': ['--type', 'com.example.order.created'],
  // the mesh's clock is virtual, but the recording's timeout is real time
  record: ['-o', 'recording.yaml', '--timeout', '50ms'],
  init: ['another'],
  'jobsink:create': ['report', '--image', 'ghcr.io/acme/report:1', '--cmd', 'cat'],
  'jobsink:delete': ['retired'],
  'jobsink:describe': ['logger'],
  'jobsink:list': [],
  'registry:browse': [],
  'registry:codegen': ['--lang', 'typescript'],
  'registry:describe': ['com.example.order.created'],
  'registry:diff': ['current', 'current'],
  'registry:example': ['com.example.order.created'],
  'registry:export': [],
  'registry:import': ['exported.json', '--dry-run', '--force'],
  'registry:lint': [],
  'registry:list': [],
  redeliver: ['--dry-run'],
  replay: [join(repoRoot, 'test', 'fixtures', 'events', 'orders.yaml'), '--async'],
  send: ['--type', 'com.example.order.created', '--async'],
  status: [],
  // the mesh here runs in the test's own process: kne stop looks in a state dir without it, and finds none
  stop: ['--state-dir', mkdtempSync(join(tmpdir(), 'kne-json-state-'))],
  'source:apiserver:create': ['k8s', '--resource', 'Event:v1', '--sink', 'broker:default'],
  'source:binding:create': ['bind', '--subject', 'Deployment:apps/v1:app', '--sink', 'broker:default'],
  'source:container:create': ['poller', '--image', 'ghcr.io/acme/poller', '--sink', 'broker:default'],
  'source:delete': ['unbind', '--kind', 'binding'],
  'source:describe': ['heartbeat'],
  'source:list': [],
  'source:ping:create': ['nightly', '--schedule', '0 3 * * *', '--sink', 'broker:default'],
  'source:ping:fire': ['heartbeat'],
  test: [join(repoRoot, 'examples', 'orders')],
  'trigger:create': ['audit', '--sink', 'http://127.0.0.1:9/'],
  'trigger:delete': ['retired'],
  'trigger:describe': ['event-display'],
  'trigger:list': [],
  ui: [],
  validate: [],
}

/** What a command's test creates before it runs, so that no test needs another to have run first. */
const SETUP: Record<string, string[]> = {
  'broker:delete': ['broker', 'create', 'retired'],
  'eventtype:delete': ['eventtype', 'create', 'chargeback', '--type', 'com.example.chargeback'],
  'eventtransform:delete': ['eventtransform', 'create', 'retired', '--jsonata', '$'],
  'registry:import': ['registry', 'export', '--format', 'xregistry', '-o', 'exported.json'],
  'events:show': ['send', '--type', 'com.example.order.created', '--id', 'json-show-1', '--async'],
  // an event seen is an example
  'registry:example': ['send', '--type', 'com.example.order.created', '--id', 'json-example-1', '--data', '{"id": 1}', '--async'],
  'jobsink:delete': ['jobsink', 'create', 'retired', '--image', 'ghcr.io/acme/report:1', '--cmd', 'cat'],
  'source:delete': ['source', 'binding', 'create', 'unbind', '--subject', 'Deployment:apps/v1:app', '--sink', 'broker:default'],
  'trigger:delete': ['trigger', 'create', 'retired', '--sink', 'http://127.0.0.1:9/'],
}

/** Exit codes other than 0 that are the answer, not a failure of the test. */
const EXPECTED_EXIT: Record<string, number> = {
  'registry:browse': 2, // needs a terminal
  'registry:lint': 0,
  stop: 4, // no mesh in its state dir
}

function oneJsonDocument(result: CommandResult): unknown {
  const text = result.stdout.trim()
  expect(text, `stdout is empty (stderr: ${result.stderr})`).not.toBe('')
  return JSON.parse(text) // throws on a second document
}

describe('--json prints exactly one JSON document', async () => {
  const commands = await kneCommands()
  let project: string
  let dataDir: string
  let mesh: Mesh
  let subscriber: Subscriber
  const run = (args: string[]): Promise<CommandResult> => runKne(args, {cwd: project, env: {KNE_DATA_DIR: dataDir}})

  beforeAll(async () => {
    subscriber = await startSubscriber()
    project = mkdtempSync(join(tmpdir(), 'kne-json-'))
    dataDir = freshDataDir()
    for (const setup of [
      ['init', '.'],
      // its sink answers at once: fire waits for the answer, and the mesh's clock is virtual
      ['source', 'ping', 'create', 'heartbeat', '--schedule', '*/5 * * * *', '--sink', subscriber.url],
      ['eventtype', 'create', 'order-created', '--type', 'com.example.order.created', '--broker', 'default'],
      ['jobsink', 'create', 'logger', '--image', 'docker.io/library/bash:5', '--cmd', 'cat'],
      ['eventtransform', 'create', 'rename', '--jsonata', '$'],
    ]) {
      const result = await run(setup)
      expect(result.code, result.stderr).toBe(0)
    }
    mesh = await meshForProject(project, dataDir)
  })

  afterAll(async () => {
    await mesh?.close()
    await subscriber?.close()
  })

  it('knows the arguments of every command', () => {
    const missing = [...commands.keys()].filter((id) => !STREAMING.has(id) && !WITHOUT_JSON.has(id) && ARGS[id] === undefined)
    expect(missing, 'add the arguments these commands need to ARGS').toEqual([])
    expect([...commands].filter(([, c]) => !c.enableJsonFlag).map(([id]) => id)).toEqual([...WITHOUT_JSON])
  })

  for (const id of [...commands.keys()].filter((id) => !STREAMING.has(id) && !WITHOUT_JSON.has(id))) {
    it(`kne ${id.replaceAll(':', ' ')} --json`, async () => {
      if (SETUP[id]) {
        const setup = await run(SETUP[id])
        expect(setup.code, setup.stderr).toBe(0)
      }
      const result = await run([...id.split(':'), ...(ARGS[id] ?? []), '--json'])
      const document = oneJsonDocument(result) as {error?: unknown}
      expect(result.code, JSON.stringify(document)).toBe(EXPECTED_EXIT[id] ?? 0)
      if (result.code !== 0) expect(document).toHaveProperty('error')
    })
  }

  // -o yaml|json: kubectl's format flag (kne test's --output FILE goes with --json: test/commands/test-reporters.test.ts)
  for (const id of [...commands].filter(([, c]) => c.flags?.output?.char === 'o').map(([id]) => id)) {
    it(`kne ${id.replaceAll(':', ' ')} -o json --json exits 2 with one JSON error`, async () => {
      const result = await run([...id.split(':'), ...(ARGS[id] ?? []), '-o', 'json', '--json'])
      expect(result.code).toBe(2)
      expect(oneJsonDocument(result)).toMatchObject({
        error: {code: 'INVALID_FLAG', message: expect.stringContaining('-o json and --json do not go together')},
      })
    })
  }
})

describe('the streams report an error under --json as one JSON line on stderr, stdout left to their records', () => {
  it.each([
    ['dev', ['dev', '--port', '0', '-f', 'test/fixtures/broken', '--json'], 3],
    ['tail', ['tail', '--json'], 4],
    ['sink', ['sink', '--port', '0', '--fail-rate', '2', '--json'], 2],
  ])('kne %s', async (_name, args, code) => {
    const result = await runKne(args)
    expect(result.code).toBe(code)
    expect(result.stdout).toBe('')
    const lines = result.stderr.trim().split('\n')
    expect(JSON.parse(lines.at(-1)!)).toHaveProperty('error.code')
  })
})

it('an unknown command under --json is one JSON error, exit 2', async () => {
  const result = await runKne(['triger', 'create', '--json'])
  expect(result.code).toBe(2)
  expect(JSON.parse(result.stdout)).toMatchObject({
    error: {code: 'UNKNOWN_COMMAND', suggestions: ['did you mean `kne trigger create`?', 'run `kne help` for the list of commands']},
  })
})

it('a command line that does not parse, under --json, is one JSON error with the code USAGE, exit 2', async () => {
  const result = await runKne(['send', '--no-such-flag', '--json'])
  expect(result.code).toBe(2)
  expect(JSON.parse(result.stdout)).toMatchObject({error: {code: 'USAGE', message: expect.stringContaining('--no-such-flag')}})
})
