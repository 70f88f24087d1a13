// A mesh for scripts, as a CI job uses it: kne dev --detach returns once Ready (or with the start-up error), kne
// status and kne send find it, kne stop drains it and reports what it left unfinished; meshes with their own state
// dirs do not see each other. No step sleeps: each command returns when what it waits for has happened.
import {mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, expect, it, onTestFinished} from 'vitest'
import {isolatedEnv, repoRoot, runCli, type CliResult} from '../helpers/cli.js'
import {startSubscriber} from '../helpers/subscriber.js'
import {isProcessAlive} from '../../src/mesh/pid.js'

interface Detached {
  url: string
  pid: number
  logFile: string
  stateDir: string
}

/** kne dev --detach --json; the process is killed when the test ends, whatever happens to it. */
async function detach(args: string[], env: NodeJS.ProcessEnv): Promise<Detached> {
  const result = await runCli(['dev', '--detach', '--port', '0', '--json', ...args], env)
  expect(result.code, result.stderr).toBe(0)
  const mesh = JSON.parse(result.stdout) as Detached
  onTestFinished(() => {
    try {
      process.kill(mesh.pid, 'SIGKILL')
    } catch {
      // stopped by the test
    }
  })
  return mesh
}

function json<T>(result: CliResult): T {
  return JSON.parse(result.stdout) as T
}

describe('kne dev --detach, kne status, kne stop', () => {
  it('a script starts a mesh, checks it, sends to it and stops it', async () => {
    const env = isolatedEnv()
    const mesh = await detach([], env)
    expect(mesh.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(mesh.stateDir).toBe(env.KNE_DATA_DIR)
    expect(mesh.logFile.startsWith(env.KNE_DATA_DIR!)).toBe(true)

    const status = await runCli(['status', '--json'], env)
    expect(status.code, status.stderr).toBe(0)
    expect(json(status)).toMatchObject({url: mesh.url, pid: mesh.pid, logFile: mesh.logFile, brokers: [{name: 'default'}]})

    const sent = await runCli(['send', '--type', 'com.example.ping', '--json'], env)
    expect(sent.code, sent.stderr).toBe(0)
    const human = await runCli(['status'], env)
    expect(human.stdout).toContain(`Running on ${mesh.url}  pid ${mesh.pid}`)
    expect(human.stdout).toMatch(/Events\s+1 accepted/)

    const stopped = await runCli(['stop', '--json'], env)
    expect(stopped.code, stopped.stderr).toBe(0)
    expect(json(stopped)).toEqual({url: mesh.url, pid: mesh.pid, logFile: mesh.logFile, unfinished: [], resumable: false})
    const none = await runCli(['status', '--json'], env)
    expect(none.code).toBe(4)
    expect(json(none)).toMatchObject({error: {code: 'MESH_NOT_RUNNING'}})
  })

  it('returns the start-up error of a broken manifest, with the exit code kne dev gives', async () => {
    const env = isolatedEnv()
    const result = await runCli(['dev', '--detach', '--port', '0', '-f', join(repoRoot, 'test', 'fixtures', 'broken')], env)
    expect(result.code).toBe(3)
    expect(result.stderr).toContain('problem(s) in the manifests; nothing was started')
    expect(result.stderr).toContain('invalid attribute name "Event_Type"')
    expect((await runCli(['stop'], env)).code).toBe(4)
  })

  it('two meshes with their own state dirs run side by side, each stopped by its own kne stop', async () => {
    const env = isolatedEnv()
    const dirs = [mkdtempSync(join(tmpdir(), 'kne-state-')), mkdtempSync(join(tmpdir(), 'kne-state-'))]
    const [first, second] = await Promise.all([detach(['--state-dir', dirs[0]!], env), detach([], {...env, KNE_STATE_DIR: dirs[1]})])
    expect(first.url).not.toBe(second.url)
    const seen = await Promise.all(dirs.map((dir) => runCli(['status', '--json'], {...env, KNE_STATE_DIR: dir})))
    expect(seen.map((s) => json<{url: string}>(s).url)).toEqual([first.url, second.url])
    // the data dir has neither: kne send there finds no mesh unless KNE_URL names one
    expect((await runCli(['send', '--type', 'com.example.ping'], env)).code).toBe(4)
    expect((await runCli(['send', '--type', 'com.example.ping'], {...env, KNE_URL: second.url})).code).toBe(0)

    const stopFirst = await runCli(['stop', '--state-dir', dirs[0]!, '--json'], env)
    expect(json(stopFirst)).toMatchObject({url: first.url})
    const still = await runCli(['status', '--json'], {...env, KNE_STATE_DIR: dirs[1]})
    expect(json(still)).toMatchObject({url: second.url})
    const stopSecond = await runCli(['stop', '--json'], {...env, KNE_STATE_DIR: dirs[1]})
    expect(stopSecond.code, stopSecond.stderr).toBe(0)
    expect(json(stopSecond)).toMatchObject({url: second.url})
  })

  for (const persist of [false, true])
    it(`kne stop with a delivery still retrying and a short --drain-timeout exits 5 naming it and what became of it${persist ? ' (--persist)' : ''}`, async () => {
      const env = isolatedEnv()
      const failing = await startSubscriber((_req, res) => void res.writeHead(500).end())
      onTestFinished(() => failing.close())
      const dir = mkdtempSync(join(tmpdir(), 'kne-detach-'))
      writeFileSync(
        join(dir, 'trigger.yaml'),
        `apiVersion: eventing.knative.dev/v1
kind: Broker
metadata: {name: default, namespace: default}
---
apiVersion: eventing.knative.dev/v1
kind: Trigger
metadata: {name: flaky, namespace: default}
spec:
  broker: default
  subscriber: {uri: ${failing.url}}
  delivery: {retry: 10, backoffPolicy: linear, backoffDelay: PT10S}
`,
      )
      await detach(['-f', dir, ...(persist ? ['--persist', join(dir, '.kne')] : [])], env)
      const sent = await runCli(['send', '--type', 'com.example.ping', '--id', 'stuck-1', '--async'], env)
      expect(sent.code, sent.stderr).toBe(0)
      await failing.waitFor(1)

      const stopped = await runCli(['stop', '--drain-timeout', '100ms'], env)
      expect(stopped.code, stopped.stderr).toBe(5)
      expect(stopped.stdout).toMatch(
        new RegExp(
          String.raw`^not finished: event stuck-1 \(arrival \d+\) on .* for trigger default\/flaky: ${persist ? 'left in the event log: the next kne dev --persist resumes it' : 'marked failed'}$`,
          'm',
        ),
      )
    })
})

it('kne dev --detach that is not Ready within --wait-timeout exits 6 and stops the mesh it started', async () => {
  const env = isolatedEnv()
  // no kne dev is Ready a millisecond after it was spawned
  const result = await runCli(['dev', '--detach', '--port', '0', '--wait-timeout', '1ms', '--json'], env)
  expect(result.code).toBe(6)
  const error = (JSON.parse(result.stderr) as {error: {code: string; message: string}}).error
  expect(error.code).toBe('DETACHED_TIMEOUT')
  const pid = Number(/\(pid (\d+)\)/.exec(error.message)![1])
  onTestFinished(() => {
    try {
      process.kill(pid, 'SIGKILL')
    } catch {
      // stopped by kne
    }
  })
  expect(isProcessAlive(pid)).toBe(false)
  expect((await runCli(['status'], env)).code).toBe(4)
})
