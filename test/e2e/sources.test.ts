// Sources and services from the built CLI: one kne dev runs a project whose kne.yaml gives a service a
// command; a PingSource firing every second reaches it through the broker, `kne source ping fire` sends one
// at once, a ContainerSource is restarted when it exits, an ApiServerSource reports a manifest added while
// kne dev runs, and stopping kne dev stops every process it started.
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it, onTestFinished} from 'vitest'
import {isolatedEnv, LongRunning} from '../helpers/cli.js'
import {runKne} from '../helpers/command.js'
import {tempDir} from '../helpers/temp.js'

/** The service: prints one JSON line per event it receives, with the binding variables it was started with. */
const DISPLAY = `require('http').createServer((req, res) => {
  console.log(JSON.stringify({type: req.headers['ce-type'], id: req.headers['ce-id'], subject: req.headers['ce-subject'], sink: process.env.K_SINK}))
  res.writeHead(202).end()
}).listen(Number(process.env.PORT), '127.0.0.1')`

const MANIFESTS = `apiVersion: eventing.knative.dev/v1
kind: Broker
metadata:
  name: default
---
apiVersion: eventing.knative.dev/v1
kind: Trigger
metadata:
  name: to-display
spec:
  broker: default
  subscriber:
    ref:
      apiVersion: serving.knative.dev/v1
      kind: Service
      name: display
---
apiVersion: sources.knative.dev/v1
kind: PingSource
metadata:
  name: every-second
spec:
  schedule: "* * * * * *"
  contentType: application/json
  data: '{"tick": true}'
  sink:
    ref:
      apiVersion: eventing.knative.dev/v1
      kind: Broker
      name: default
---
apiVersion: sources.knative.dev/v1
kind: PingSource
metadata:
  name: nightly
spec:
  schedule: "0 3 * * *"
  sink:
    ref:
      apiVersion: eventing.knative.dev/v1
      kind: Broker
      name: default
---
apiVersion: sources.knative.dev/v1
kind: SinkBinding
metadata:
  name: bind-display
spec:
  subject:
    apiVersion: apps/v1
    kind: Deployment
    name: display
  sink:
    ref:
      apiVersion: eventing.knative.dev/v1
      kind: Broker
      name: default
---
apiVersion: sources.knative.dev/v1
kind: ApiServerSource
metadata:
  name: watch-triggers
spec:
  resources:
    - apiVersion: eventing.knative.dev/v1
      kind: Trigger
  sink:
    ref:
      apiVersion: eventing.knative.dev/v1
      kind: Broker
      name: default
---
apiVersion: sources.knative.dev/v1
kind: ContainerSource
metadata:
  name: heartbeats
spec:
  template:
    spec:
      containers:
        - image: gcr.io/knative-nightly/knative.dev/eventing/cmd/heartbeats
          command: [node, -e, "console.log('beat to ' + process.env.K_SINK); process.exit(2)"]
  sink:
    ref:
      apiVersion: eventing.knative.dev/v1
      kind: Broker
      name: default
`

describe('kne dev runs sources and services', () => {
  let dir: string
  let env: NodeJS.ProcessEnv
  let dev: LongRunning
  let url: string

  const displayed = (): {type: string; id: string; subject?: string; sink?: string}[] =>
    dev.stdout
      .split('\n')
      .filter((l) => l.startsWith('[display] {'))
      .map((l) => JSON.parse(l.slice('[display] '.length)))

  async function until<T>(what: string, probe: () => T | undefined, timeoutMs = 15_000): Promise<T> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const value = probe()
      if (value !== undefined) return value
      if (Date.now() > deadline) throw new Error(`${what} did not happen\nstdout:\n${dev.stdout}\nstderr:\n${dev.stderr}`)
      await new Promise((r) => setTimeout(r, 50))
    }
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kne-sources-e2e-'))
    writeFileSync(join(dir, 'app.yaml'), MANIFESTS)
    writeFileSync(
      join(dir, 'kne.yaml'),
      `port: 0\nmanifests: .\nservices:\n  display:\n    command: [node, -e, ${JSON.stringify(DISPLAY)}]\n`,
    )
    env = isolatedEnv()
    dev = new LongRunning(['dev', '--config', join(dir, 'kne.yaml'), '--quiet'], env)
    url = (await dev.waitFor(/Ready on (http:\/\/127\.0\.0\.1:\d+)/))[1]!
    // the watcher starts after Ready: a manifest written before it has scanned would count as already there
    await dev.waitFor(/Watching the manifests for changes/)
  })

  afterAll(async () => {
    // SIGTERM, not SIGKILL: kne dev stops the processes it started
    dev.signal('SIGTERM')
    await dev.exited
  })

  it('prints the sources and the service it runs, and the status lists every source', async () => {
    expect(dev.stdout).toMatch(
      /Service display {2}http:\/\/127\.0\.0\.1:\d+ {2}running \(pid \d+\) {2}K_SINK=http:\/\/127\.0\.0\.1:\d+\/default\/default \(SinkBinding default\/bind-display\)/,
    )
    expect(dev.stdout).toMatch(/PingSource default\/every-second {2}→ http:\/\/127\.0\.0\.1:\d+\/default\/default {2}Ready/)
    const list = await runKne(['source', 'list', '--config', join(dir, 'kne.yaml'), '--json'], {env: {KNE_DATA_DIR: env.KNE_DATA_DIR!}})
    expect(list.code).toBe(0)
    const items = (JSON.parse(list.stdout) as {items: {kind: string; name: string; live: {loaded: boolean; ready: string}}[]}).items
    expect(Object.fromEntries(items.map((i) => [i.name, [i.kind, i.live.loaded]]))).toEqual({
      'bind-display': ['SinkBinding', true],
      'every-second': ['PingSource', true],
      heartbeats: ['ContainerSource', true],
      nightly: ['PingSource', true],
      'watch-triggers': ['ApiServerSource', true],
    })
    // the live columns come from the running mesh's status.sources
    const everySecond = items.find((i) => i.name === 'every-second') as unknown as {live: {ready: string; sinkUri?: string}}
    expect(everySecond.live.ready).toBe('True')
    expect(everySecond.live.sinkUri).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/default\/default$/)
  })

  it('delivers a PingSource firing every second through the broker to the service kne started', async () => {
    const pings = await until('two pings', () => {
      const seen = displayed().filter((e) => e.type === 'dev.knative.sources.ping')
      return seen.length >= 2 ? seen : undefined
    })
    expect(pings[0]!.sink).toBe(`${url}/default/default`)
  })

  it('kne source ping fire sends one now; an unknown name exits 2', async () => {
    const fired = await runKne(['source', 'ping', 'fire', 'nightly', '--json'], {env: {KNE_DATA_DIR: env.KNE_DATA_DIR!, KNE_URL: url}})
    expect(fired.code).toBe(0)
    const {id, delivered, status} = JSON.parse(fired.stdout) as {id: string; delivered: boolean; status: number}
    expect([delivered, status]).toEqual([true, 202])
    await until('the fired ping', () => displayed().find((e) => e.id === id))
    const unknown = await runKne(['source', 'ping', 'fire', 'nope'], {env: {KNE_DATA_DIR: env.KNE_DATA_DIR!, KNE_URL: url}})
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toMatch(/pingsources\.sources\.knative\.dev "nope" not found/)
  })

  it('restarts a ContainerSource each time it exits, its output prefixed with its name', async () => {
    await until(
      'two runs',
      () =>
        (dev.stdout.match(/^\[default\/heartbeats\] beat to http:\/\/127\.0\.0\.1:\d+\/default\/default$/gm)?.length ?? 0) >= 2 ||
        undefined,
    )
    expect(dev.stderr).toMatch(/default\/heartbeats: exit code 2; restarting in 1s/)
  })

  it('sends an ApiServerSource event when a manifest adds a resource it watches', async () => {
    writeFileSync(
      join(dir, 'more.yaml'),
      'apiVersion: eventing.knative.dev/v1\nkind: Trigger\nmetadata:\n  name: audit\nspec:\n  broker: default\n  filter:\n    attributes:\n      type: com.example.never\n  subscriber:\n    uri: http://127.0.0.1:1/\n',
    )
    onTestFinished(() => rmSync(join(dir, 'more.yaml'), {force: true}))
    const added = await until('the add event', () => displayed().find((e) => e.type === 'dev.knative.apiserver.ref.add'))
    expect(added.subject).toBe('/apis/eventing.knative.dev/v1/namespaces/default/triggers/audit')
  })
})

describe('kne dev stopped', () => {
  it('stops every process it started on SIGTERM', async () => {
    const dir = tempDir('kne-sources-e2e-')
    writeFileSync(
      join(dir, 'app.yaml'),
      `apiVersion: eventing.knative.dev/v1
kind: Broker
metadata:
  name: default
---
apiVersion: sources.knative.dev/v1
kind: ContainerSource
metadata:
  name: idle
spec:
  template:
    spec:
      containers:
        - image: example.com/idle
          command: [node, -e, "setInterval(() => undefined, 1000)"]
  sink:
    ref:
      apiVersion: eventing.knative.dev/v1
      kind: Broker
      name: default
`,
    )
    writeFileSync(
      join(dir, 'kne.yaml'),
      `port: 0\nmanifests: .\nservices:\n  display:\n    command: [node, -e, ${JSON.stringify(DISPLAY)}]\n`,
    )
    const dev = new LongRunning(['dev', '--config', join(dir, 'kne.yaml'), '--quiet'], isolatedEnv())
    onTestFinished(() => dev.kill())
    // kne dev takes signals once its watcher runs
    await dev.waitFor(/Watching the manifests for changes/)
    await dev.waitFor(/: started \(pid \d+\)[\s\S]*: started \(pid \d+\)/)
    const pids = [...`${dev.stderr}`.matchAll(/: started \(pid (\d+)\)/g)].map((m) => Number(m[1]))
    expect(pids).toHaveLength(2)
    dev.signal('SIGTERM')
    expect(await dev.exited).toBe(0)
    const alive = pids.filter((pid) => {
      try {
        process.kill(pid, 0)
        return true
      } catch {
        return false
      }
    })
    expect(alive).toEqual([])
  })
})
