// `kne run` from the built CLI: the SinkBinding contract in the child's environment (from --sink or a
// SinkBinding of the manifests, resolved by a running mesh), its output passed through, signals
// forwarded, and kne run's exit code the child's.
import {mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {createMesh, parseManifests, type Mesh} from '../../src/index.js'
import {isolatedEnv, LongRunning, runCli} from '../helpers/cli.js'
import {runKne} from '../helpers/command.js'

/** A child that prints the contract it got as JSON, then exits with the code it is given. */
const PRINT_AND_EXIT = (code: number) => [
  'node',
  '-e',
  `console.log(JSON.stringify({K_SINK: process.env.K_SINK, K_CE_OVERRIDES: process.env.K_CE_OVERRIDES, K_CA_CERTS: process.env.K_CA_CERTS})); process.exit(${code})`,
]

const MANIFESTS = `apiVersion: eventing.knative.dev/v1
kind: Broker
metadata:
  name: default
---
apiVersion: sources.knative.dev/v1
kind: SinkBinding
metadata:
  name: bind-app
spec:
  subject:
    apiVersion: apps/v1
    kind: Deployment
    name: app
  ceOverrides:
    extensions:
      team: <payments>
      env: dev
  sink:
    ref:
      apiVersion: eventing.knative.dev/v1
      kind: Broker
      name: default
    uri: /events
---
apiVersion: sources.knative.dev/v1
kind: SinkBinding
metadata:
  name: bind-missing
spec:
  subject:
    apiVersion: apps/v1
    kind: Deployment
    name: other
  sink:
    ref:
      apiVersion: eventing.knative.dev/v1
      kind: Broker
      name: missing
`

describe('kne run', () => {
  let mesh: Mesh
  let env: NodeJS.ProcessEnv
  let file: string

  beforeAll(async () => {
    const parsed = parseManifests(MANIFESTS, 'app.yaml')
    expect(parsed.errors).toEqual([])
    mesh = await createMesh({resources: parsed.resources, log: () => undefined})
    const dir = mkdtempSync(join(tmpdir(), 'kne-run-e2e-'))
    file = join(dir, 'app.yaml')
    writeFileSync(file, MANIFESTS)
    env = isolatedEnv({KNE_URL: mesh.url})
  })

  afterAll(async () => {
    await mesh.close()
  })

  const run = (args: string[], extra: NodeJS.ProcessEnv = {}) => runCli(['run', ...args], {...env, ...extra})
  // what fails before a command starts needs no process of its own
  const runInProcess = (args: string[], extra: Record<string, string> = {}) =>
    runKne(['run', ...args], {env: {KNE_DATA_DIR: env.KNE_DATA_DIR!, KNE_URL: env.KNE_URL!, ...extra}})
  const contract = (stdout: string) => JSON.parse(stdout.trim().split('\n').pop()!) as Record<string, string | undefined>

  it("gives a URL sink as K_SINK and an empty K_CE_OVERRIDES, passes the output through and exits with the child's code", async () => {
    const result = await run(['--sink', 'http://127.0.0.1:9999/events', '--', ...PRINT_AND_EXIT(3)], {KNE_URL: ''})
    expect(result.code).toBe(3)
    expect(contract(result.stdout)).toEqual({K_SINK: 'http://127.0.0.1:9999/events', K_CE_OVERRIDES: ''})
    expect(result.stderr).toMatch(/kne run: K_SINK=http:\/\/127\.0\.0\.1:9999\/events/)
  })

  it('resolves broker:NAME through the running mesh, with --ce-override as K_CE_OVERRIDES', async () => {
    const result = await run(['--sink', 'broker:default', '--ce-override', 'b=2', '--ce-override', 'a=1', '--', ...PRINT_AND_EXIT(0)])
    expect(result.code).toBe(0)
    expect(contract(result.stdout)).toEqual({K_SINK: `${mesh.url}/default/default`, K_CE_OVERRIDES: '{"extensions":{"a":"1","b":"2"}}'})
  })

  it("takes a SinkBinding's sink (ref plus uri) and its ceOverrides exactly as Knative formats them", async () => {
    const result = await run(['--binding', 'bind-app', '-f', file, '--', ...PRINT_AND_EXIT(0)])
    expect(result.code).toBe(0)
    // RFC 3986: an absolute path replaces the broker's path (semantics §5.6)
    expect(contract(result.stdout)).toEqual({
      K_SINK: `${mesh.url}/events`,
      K_CE_OVERRIDES: '{"extensions":{"env":"dev","team":"\\u003cpayments\\u003e"}}',
    })
  })

  it('refuses what it cannot bind, with the documented exit codes', async () => {
    expect((await runInProcess(['--sink', 'broker:default'])).code).toBe(2) // no command after --
    expect((await runInProcess(['--', 'true'])).code).toBe(2) // neither --sink nor --binding
    expect((await runInProcess(['--sink', 'broker:nope', '--', 'true'])).code).toBe(2)
    const missing = await runInProcess(['--binding', 'bind-none', '-f', file, '--', 'true'])
    expect(missing.code).toBe(2)
    expect(missing.stderr).toMatch(/sinkbindings\.sources\.knative\.dev "bind-none" not found/)
    const unresolved = await runInProcess(['--binding', 'bind-missing', '-f', file, '--', 'true'])
    expect(unresolved.code).toBe(3)
    expect(unresolved.stderr).toMatch(/SinkBinding default\/bind-missing: spec\.sink does not resolve/)
    expect(
      (
        await runInProcess(['--sink', 'broker:default', '--', 'true'], {
          KNE_URL: '',
          KNE_DATA_DIR: mkdtempSync(join(tmpdir(), 'kne-none-')),
        })
      ).code,
    ).toBe(4)
    expect((await runInProcess(['--sink', 'http://127.0.0.1:1/', '--', 'kne-no-such-command'])).code).toBe(127)
  })

  it('passes SIGTERM on to the command and exits with its code, or 128+15 when the signal ends it', async () => {
    const handled = new LongRunning(
      [
        'run',
        '--sink',
        'http://127.0.0.1:1/',
        '--',
        'node',
        '-e',
        `process.on('SIGTERM', () => { console.log('child got SIGTERM'); process.exit(42) }); console.log('child ready'); setInterval(() => {}, 1000)`,
      ],
      env,
    )
    await handled.waitFor(/child ready/)
    handled.signal('SIGTERM')
    expect(await handled.exited).toBe(42)
    expect(handled.stdout).toMatch(/child got SIGTERM/)

    const unhandled = new LongRunning(
      ['run', '--sink', 'http://127.0.0.1:1/', '--', 'node', '-e', `console.log('child ready'); setInterval(() => {}, 1000)`],
      env,
    )
    await unhandled.waitFor(/child ready/)
    unhandled.signal('SIGTERM')
    expect(await unhandled.exited).toBe(143)
  })
})
