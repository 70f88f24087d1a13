// Local processes through the library API: a kne.yaml service started with PORT (and K_SINK when a
// SinkBinding binds it), reached by a trigger's ksvc ref, restarted when it dies and stopped on close;
// a ContainerSource run as its command with the SinkBinding contract, restarted with backoff.
import {describe, expect, it} from 'vitest'
import {parseManifests, type Mesh, type MeshOptions} from '../../src/index.js'
import type {ProcessOutput} from '../../src/mesh/processes.js'
import {useMesh} from '../helpers/mesh.js'
import {binaryHeaders, post, type Subscriber} from '../helpers/subscriber.js'

const kit = useMesh()

const FAST_RESTART = {initialDelayMs: 50, maxDelayMs: 400, resetAfterMs: 60_000}

async function meshFrom(yaml: string, options: MeshOptions): Promise<{mesh: Mesh; output: ProcessOutput[]; logs: string[]}> {
  const parsed = parseManifests(yaml, 'test.yaml')
  expect(parsed.errors).toEqual([])
  const output: ProcessOutput[] = []
  const logs: string[] = []
  const mesh = await kit.start({
    ...options,
    resources: parsed.resources,
    log: (line) => logs.push(line),
    sources: {restart: FAST_RESTART, stopGraceMs: 2000, ...options.sources, output: (r) => output.push(r)},
  })
  return {mesh, output, logs}
}

const subscriber = (): Promise<Subscriber> => kit.subscriber()

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** A service: answers 202 and prints each event's type, with K_SINK and K_CE_OVERRIDES as it got them. */
const SERVER = `require('http').createServer((req, res) => {
  console.log(JSON.stringify({type: req.headers['ce-type'], sink: process.env.K_SINK, overrides: process.env.K_CE_OVERRIDES, greeting: process.env.GREETING}))
  res.writeHead(202).end()
}).listen(Number(process.env.PORT), '127.0.0.1', () => console.log('listening on ' + process.env.PORT))`

const BROKER = 'apiVersion: eventing.knative.dev/v1\nkind: Broker\nmetadata:\n  name: default\n---\n'
const TRIGGER = `apiVersion: eventing.knative.dev/v1\nkind: Trigger\nmetadata:\n  name: to-display\nspec:\n  broker: default\n  subscriber:\n    ref:\n      apiVersion: serving.knative.dev/v1\n      kind: Service\n      name: display\n---\n`
const BINDING = `apiVersion: sources.knative.dev/v1\nkind: SinkBinding\nmetadata:\n  name: bind-display\nspec:\n  subject:\n    apiVersion: apps/v1\n    kind: Deployment\n    selector:\n      matchLabels:\n        app: display\n  ceOverrides:\n    extensions:\n      origin: display\n  sink:\n    ref:\n      apiVersion: eventing.knative.dev/v1\n      kind: Broker\n      name: default\n---\n`

const lines = (output: ProcessOutput[], name: string) => output.filter((o) => o.process === name).map((o) => o.line)

describe('services kne runs', () => {
  it("starts a service with PORT and its SinkBinding's K_SINK, routes a ksvc ref to it, restarts it, and stops it", async () => {
    const {mesh, output} = await meshFrom(BROKER + TRIGGER + BINDING, {
      sources: {localServices: {display: {command: [process.execPath, '-e', SERVER], env: {GREETING: 'hi'}, labels: {app: 'display'}}}},
    })
    const [service] = mesh.sources.localServiceStatus()
    expect(service).toMatchObject({
      name: 'display',
      boundBy: 'default/bind-display',
      sinkUri: `${mesh.url}/default/default`,
      process: {state: 'running'},
    })
    await expect.poll(() => lines(output, 'display')).toContain(`listening on ${new URL(service!.url).port}`)
    expect(mesh.status().triggers[0]).toMatchObject({ready: true, subscriberUri: service!.url})
    expect(mesh.status().sources.find((s) => s.kind === 'SinkBinding')).toMatchObject({ready: true, counters: {bound: 1}})

    expect((await post(`${mesh.url}/default/default`, binaryHeaders('com.example.order'))).status).toBe(202)
    await expect.poll(() => lines(output, 'display').filter((l) => l.startsWith('{'))).toHaveLength(1)
    const seen = JSON.parse(lines(output, 'display').find((l) => l.startsWith('{'))!)
    expect(seen).toEqual({
      type: 'com.example.order',
      sink: `${mesh.url}/default/default`,
      overrides: '{"extensions":{"origin":"display"}}',
      greeting: 'hi',
    })

    const firstPid = service!.process.pid!
    process.kill(firstPid, 'SIGKILL')
    await expect.poll(() => mesh.sources.localServiceStatus()[0]!.process, {timeout: 5000}).toMatchObject({state: 'running', restarts: 1})
    const secondPid = mesh.sources.localServiceStatus()[0]!.process.pid!
    expect(secondPid).not.toBe(firstPid)
    await mesh.close()
    expect(alive(secondPid)).toBe(false)
  })

  it('leaves K_SINK out when no SinkBinding selects the service', async () => {
    const {mesh, output} = await meshFrom(BROKER + TRIGGER, {
      sources: {localServices: {display: {command: [process.execPath, '-e', SERVER], env: {}, labels: {}}}},
    })
    await expect.poll(() => lines(output, 'display').some((l) => l.startsWith('listening'))).toBe(true)
    await post(`${mesh.url}/default/default`, binaryHeaders('com.example.order'))
    await expect.poll(() => lines(output, 'display').some((l) => l.startsWith('{'))).toBe(true)
    expect(JSON.parse(lines(output, 'display').find((l) => l.startsWith('{'))!).sink).toBeUndefined()
  })
})

describe('ContainerSource as a local command', () => {
  // sends one event to K_SINK with K_CE_OVERRIDES applied, then exits 1 (a crash kne must restart)
  const EMITTER = `const overrides = JSON.parse(process.env.K_CE_OVERRIDES || '{}').extensions || {}
const headers = {'ce-specversion': '1.0', 'ce-id': String(process.pid), 'ce-source': 'heartbeats', 'ce-type': 'dev.knative.eventing.samples.heartbeat'}
for (const [k, v] of Object.entries(overrides)) headers['ce-' + k] = v
fetch(process.env.K_SINK, {method: 'POST', headers, body: process.env.BEAT}).then((r) => { console.log('sent ' + r.status); process.exit(1) })`

  function containerSource(sink: string): string {
    return `apiVersion: sources.knative.dev/v1
kind: ContainerSource
metadata:
  name: heartbeats
spec:
  ceOverrides:
    extensions:
      beat: "yes"
  template:
    spec:
      containers:
        - image: gcr.io/knative-nightly/knative.dev/eventing/cmd/heartbeats
          command: [${JSON.stringify(process.execPath)}, -e, ${JSON.stringify(EMITTER)}]
          env:
            - name: BEAT
              value: "thump"
  sink:
    uri: ${sink}
`
  }

  it("runs the container's command with K_SINK and K_CE_OVERRIDES, and restarts it each time it exits", async () => {
    const sink = await subscriber()
    const {mesh, output, logs} = await meshFrom(containerSource(sink.url), {})
    const received = await sink.waitFor(3, 15_000)
    expect(received[0]!.headers).toMatchObject({'ce-type': 'dev.knative.eventing.samples.heartbeat', 'ce-beat': 'yes'})
    expect(received[0]!.body.toString()).toBe('thump')
    expect(new Set(received.map((r) => r.headers['ce-id'])).size).toBe(3) // three processes
    expect(lines(output, 'default/heartbeats')).toContain('sent 200')
    expect(logs.some((l) => /^default\/heartbeats: exit code 1; restarting in 50ms$/.test(l))).toBe(true)
    expect(logs.some((l) => /restarting in 100ms$/.test(l))).toBe(true) // the delay doubles
    await expect.poll(() => mesh.status().sources[0]!.counters.restarts).toBeGreaterThanOrEqual(2)
  })

  it("waits as long as its restart policy says, even past setTimeout's 24.8-day limit", async () => {
    const crash = `apiVersion: sources.knative.dev/v1\nkind: ContainerSource\nmetadata:\n  name: crash\nspec:\n  template:\n    spec:\n      containers:\n        - image: crash\n          command: [${JSON.stringify(process.execPath)}, -e, "process.exit(1)"]\n  sink:\n    uri: http://127.0.0.1:9/\n`
    const month = 30 * 86_400_000
    const {mesh, logs} = await meshFrom(crash, {sources: {restart: {initialDelayMs: month, maxDelayMs: month, resetAfterMs: month}}})
    await expect.poll(() => logs.some((l) => l.startsWith('default/crash: exit code 1; restarting in'))).toBe(true)
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect(mesh.status().sources[0]!.counters.restarts).toBe(0)
  })

  it('restarts its process when an edit changes it, and stops it when the edit removes it', async () => {
    const idle = (beat: string) => `apiVersion: sources.knative.dev/v1
kind: ContainerSource
metadata:
  name: idle
spec:
  template:
    spec:
      containers:
        - image: example/idle
          command: [${JSON.stringify(process.execPath)}, -e, "console.log('up ' + process.env.BEAT); setInterval(() => {}, 1000)"]
          env: [{name: BEAT, value: "${beat}"}]
  sink:
    uri: http://127.0.0.1:1/
`
    const {mesh, output} = await meshFrom(idle('one'), {})
    await expect.poll(() => lines(output, 'default/idle')).toEqual(['up one'])
    const pid = (): number | undefined => mesh.sources.processes().find((p) => p.name === 'default/idle')?.pid
    const first = pid()!
    mesh.apply(parseManifests(idle('two'), 'edit.yaml').resources)
    await expect.poll(() => lines(output, 'default/idle')).toEqual(['up one', 'up two'])
    expect(alive(first)).toBe(false)
    const second = pid()!
    mesh.apply([])
    await expect.poll(() => alive(second)).toBe(false)
    expect(mesh.status().sources).toEqual([])
  })

  it("is not Ready when its image has no command kne can run, and runs kne.yaml's command in its place", async () => {
    const sink = await subscriber()
    const image = containerSource(sink.url).replace(/ {10}command: .*\n/, '')
    const {mesh} = await meshFrom(image, {})
    expect(mesh.status().sources[0]).toMatchObject({kind: 'ContainerSource', ready: false, reason: 'NoLocalCommand'})

    const mapped = await meshFrom(image, {sources: {containerSources: {heartbeats: {command: [process.execPath, '-e', EMITTER], env: {}}}}})
    const [event] = await sink.waitFor(1, 10_000)
    expect(event!.body.toString()).toBe('thump') // the container's env is kept
    expect(mapped.mesh.status().sources[0]!.sinkUri).toBe(sink.url)
  })
})
