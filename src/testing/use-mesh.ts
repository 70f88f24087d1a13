// useMesh: a private mesh for one test of a Node test suite (vitest, jest), with stand-in subscribers as
// kne test runs them, on the virtual clock unless told otherwise, closed when the test ends. Knows no test
// framework: it takes the framework's hooks, or finds vitest's global onTestFinished or jest's global
// afterEach.
import {resolve} from 'node:path'
import {eventBytes, type CloudEvent} from '../core/cloudevent.js'
import {KneError} from '../core/errors.js'
import {readDuration, readSendValue, readStandInsValue} from '../core/flow-test/format.js'
import type {FlowObservation} from '../core/flow-test/check.js'
import {parseManifests} from '../core/resources/parse.js'
import {manifestErrorFormatter, type KneResource, type ManifestError} from '../core/resources/types.js'
import {realClock, VirtualClock, type Clock} from '../mesh/clock.js'
import {createMesh, type Mesh} from '../mesh/mesh.js'
import {Sink, type SinkRequest} from '../mesh/sink.js'
import {loadManifests, loadProjectConfig, manifestPaths} from '../project/manifests.js'
import {observeMesh, send, settle, TEST_HISTORY_RECORDS, withStandIns} from '../services/flow-test.js'

/** A test framework's hooks: vitest's `onTestFinished`, or `afterEach` (jest, mocha) registered before the tests run. */
export interface TestHooks {
  onTestFinished?: (fn: () => Promise<void>) => void
  afterEach?: (fn: () => Promise<void>) => void
}

export interface UseMeshOptions {
  /** Stand-ins by Service name or URL, with kne test's behaviours: `{payments: {failFirst: 2}, audit: {}}`. */
  subscribers?: Record<string, Record<string, unknown>>
  /** The wall clock instead of the virtual one: retries and delays take their real time. */
  realTime?: boolean
  /** kne.yaml (namespace, services, broker delivery); default: the one in `cwd`, else beside the manifests. */
  config?: string
  /** Where relative manifest paths start; default: the current folder. */
  cwd?: string
  /** The test framework's hooks; default: vitest's global onTestFinished, or setupKneMatchers' afterEach. */
  hooks?: TestHooks
}

/** What `send` takes: a kne test `send` step's fields. */
export interface SendFields {
  broker?: string
  channel?: string
  /** kne send's `--to` grammar: `broker:NAME`, `channel:NAME`, `sequence:NAME`, `parallel:NAME` or a URL. */
  to?: string
  type: string
  source?: string
  id?: string
  subject?: string
  dataschema?: string
  datacontenttype?: string
  data?: unknown
  extensions?: Record<string, string | number | boolean>
}

export interface SentEvent {
  /** The event's id (a fresh UUID unless given). */
  id: string
  /** The mesh's answer (a synchronous broker answers once its deliveries are done). */
  status: number
  /** kne test's summary line: `sent com.example.x to broker:default: 202`. */
  summary: string
}

/** A test's mesh: send events, let (virtual) time pass, read what the stand-ins received; the matchers take it. */
export class KneTestMesh {
  private lastSendAt: number
  private work: Promise<unknown> = Promise.resolve()
  private closed: Promise<void> | undefined

  /** @internal use useMesh */
  constructor(
    /** The mesh itself (the library's Mesh: journal, status, topology). */
    readonly mesh: Mesh,
    /** Its clock: a VirtualClock unless realTime. */
    readonly clock: Clock,
    private readonly standIns: ReadonlyMap<string, {sink: Sink; requests: StandInRequests}>,
    private readonly namespace: string,
  ) {
    this.lastSendAt = clock.now()
  }

  /** The mesh's base URL: brokers at `${url}/NAMESPACE/NAME`. */
  get url(): string {
    return this.mesh.url
  }

  /** Each stand-in's URL, by the name it stands for. */
  get subscribers(): Record<string, string> {
    return Object.fromEntries([...this.standIns].map(([name, {sink}]) => [name, sink.url]))
  }

  /** Sends an event as a kne test `send` step does (binary mode, default `broker: default`); throws for fields that are not valid, or when the mesh does not take the event. */
  send(fields: SendFields): Promise<SentEvent> {
    const read = readSendValue(fields)
    if (read.value === undefined) return Promise.reject(invalid('send', read.problems))
    const step = read.value
    return this.serially(async () => {
      this.lastSendAt = this.clock.now()
      const sent = await send(this.mesh, this.clock, this.sinks, step, this.namespace)
      if (sent.problem !== undefined || sent.id === undefined || sent.status === undefined)
        throw new KneError(sent.problem ?? sent.summary, 'EVENT_REJECTED')
      return {id: sent.id, status: sent.status, summary: sent.summary}
    })
  }

  /** Lets the mesh work until every event has its outcome (on the virtual clock, every retry and delay passes at once). */
  idle(): Promise<void> {
    return this.serially(() => settle(this.mesh, this.clock, this.sinks))
  }

  /** Lets this much mesh time pass (`2s`, `500ms`, `PT5M` or milliseconds), as a kne test `wait` step: PingSource ticks, retries due. */
  advance(duration: number | string): Promise<void> {
    const ms = readDuration(duration)
    if (ms === undefined)
      return Promise.reject(
        new KneError(`advance: ${JSON.stringify(duration)} is not a duration such as 2s, 500ms or PT2S`, 'INVALID_INPUT'),
      )
    return this.serially(() => settle(this.mesh, this.clock, this.sinks, this.clock.now() + ms))
  }

  /** The CloudEvents a stand-in received (every attempt, failed ones too), oldest first. */
  received(subscriber: string): CloudEvent[] {
    return this.requests(subscriber).flatMap((r) => (r.event === undefined ? [] : [r.event]))
  }

  /** The requests a stand-in received, each with the answer it gave, oldest first (the oldest go past 64 MiB). */
  requests(subscriber: string): SinkRequest[] {
    const standIn = this.standIns.get(subscriber)
    if (standIn === undefined)
      throw new KneError(`no stand-in ${subscriber}: the stand-ins are ${[...this.standIns.keys()].join(', ') || '(none)'}`, 'NOT_FOUND')
    return [...standIn.requests.list]
  }

  /**
   * What the mesh did, for the matchers: after letting it work until idle, or for `withinMs` of mesh time
   * after the last send (on the wall clock: until idle, or that long at most).
   */
  observe(withinMs?: number): Promise<FlowObservation> {
    return this.serially(async () => {
      const until = withinMs === undefined ? undefined : this.lastSendAt + withinMs
      await settle(this.mesh, this.clock, this.sinks, until)
      const names = new Map([...this.standIns].map(([name, {sink}]) => [name, sink.url]))
      return observeMesh(this.mesh, names, until)
    })
  }

  /** Closes the mesh and the stand-ins; again, it does nothing. */
  close(): Promise<void> {
    this.closed ??= (async () => {
      try {
        await this.mesh.close({drainTimeoutMs: 0})
      } finally {
        await Promise.all([...this.standIns.values()].map(({sink}) => sink.close()))
      }
    })()
    return this.closed
  }

  /** The stand-ins: the virtual clock moves while they hold an answer for its delay. */
  private get sinks(): Sink[] {
    return [...this.standIns.values()].map(({sink}) => sink)
  }

  /** One thing at a time drives the clock: a matcher awaited beside a send waits for it. */
  private serially<T>(task: () => Promise<T>): Promise<T> {
    const next = this.work.then(task, task)
    this.work = next.catch(() => undefined)
    return next
  }
}

/** A stand-in's requests, the oldest dropped beyond a byte bound. */
class StandInRequests {
  readonly list: SinkRequest[] = []
  private bytes = 0
  constructor(private readonly maxBytes: number) {}

  add(request: SinkRequest): void {
    this.list.push(request)
    this.bytes += sizeOf(request)
    while (this.bytes > this.maxBytes && this.list.length > 1) this.bytes -= sizeOf(this.list.shift()!)
  }
}

const STAND_IN_BYTES = 64 * 1024 * 1024

function sizeOf(request: SinkRequest): number {
  return 256 + request.path.length + (request.event === undefined ? (request.error?.length ?? 0) : eventBytes(request.event))
}

/** The hooks setupKneMatchers was given, for every useMesh that is given none. */
let defaultHooks: TestHooks = {}

/** Sets the hooks useMesh uses when its options give none (setupKneMatchers' second argument). */
export function setDefaultHooks(hooks: TestHooks): void {
  defaultHooks = hooks
}

/** Meshes a jest-style afterEach (registered by registerAfterEach) closes. */
const closedAfterEach = new Set<KneTestMesh>()
let afterEachRegistered = false

/** Registers, once, an afterEach that closes the meshes useMesh made during the test; call it before the tests run. */
export function registerAfterEach(afterEach: NonNullable<TestHooks['afterEach']>): void {
  if (afterEachRegistered) return
  afterEach(async () => {
    const meshes = [...closedAfterEach]
    closedAfterEach.clear()
    await Promise.all(meshes.map((m) => m.close()))
  })
  afterEachRegistered = true
}

// jest (or mocha) allows no hook inside a test: with its globals, the afterEach that closes each test's
// meshes is registered as kne/testing loads (the top of a test file, or a setup file)
const globalHooks = globalThis as {onTestFinished?: unknown; afterEach?: unknown}
if (globalHooks.onTestFinished === undefined && typeof globalHooks.afterEach === 'function')
  registerAfterEach(globalHooks.afterEach as NonNullable<TestHooks['afterEach']>)

/**
 * Starts a private mesh on 127.0.0.1 (a free port) running `manifests` (a file or folder path, a list of
 * them, or YAML text: a string with a line break; none: kne.yaml's manifests folder), with a stand-in per
 * entry of `subscribers`, and closes both when the test ends.
 */
export async function useMesh(manifests?: string | readonly string[], options: UseMeshOptions = {}): Promise<KneTestMesh> {
  const cwd = options.cwd ?? process.cwd()
  const given = manifests === undefined ? [] : typeof manifests === 'string' ? [manifests] : [...manifests]
  const texts = given.filter((m) => m.includes('\n'))
  const paths = given.filter((m) => !m.includes('\n')).map((p) => resolve(cwd, p))
  const project = loadProjectConfig(options.config, paths, cwd)
  const show = manifestErrorFormatter(cwd)
  const {namespace} = project.config
  const errors: ManifestError[] = [...project.errors]
  const resources: KneResource[] = []
  const files = given.length === 0 ? manifestPaths([], project, cwd) : paths
  if (given.length === 0 && files.length === 0)
    throw new KneError(
      'useMesh: no manifests: give a path, a list of paths or YAML text, or run in a project whose kne.yaml names a manifests folder',
      'NO_MANIFESTS',
    )
  if (files.length > 0) {
    const loaded = loadManifests(files, namespace)
    errors.push(...loaded.errors)
    resources.push(...loaded.resources)
  }
  texts.forEach((text, i) => {
    const parsed = parseManifests(text, `manifests[${i}]`, namespace)
    errors.push(...parsed.errors)
    resources.push(...parsed.resources)
  })
  if (errors.length > 0)
    throw new KneError(`useMesh: the manifests are not valid:\n${errors.map((e) => `  ${show(e)}`).join('\n')}`, 'INVALID_MANIFEST')
  const read = readStandInsValue(options.subscribers ?? {})
  if (read.value === undefined) throw invalid('useMesh', read.problems)
  const clock: Clock = options.realTime === true ? realClock : new VirtualClock()
  const standIns = new Map<string, {sink: Sink; requests: StandInRequests}>()
  let mesh: Mesh | undefined
  try {
    for (const [name, behaviour] of Object.entries(read.value)) {
      const requests = new StandInRequests(STAND_IN_BYTES)
      standIns.set(name, {sink: await Sink.start({...behaviour, clock}, (r) => requests.add(r)), requests})
    }
    const sinks = new Map([...standIns].map(([name, {sink}]) => [name, sink]))
    mesh = await createMesh({
      ...withStandIns(resources, project.config.services, sinks),
      brokerDelivery: project.config.brokerDelivery,
      clock,
      historyLimit: TEST_HISTORY_RECORDS,
      observeEventTypes: false,
      log: () => undefined,
    })
  } catch (error) {
    await Promise.all([...standIns.values()].map(({sink}) => sink.close()))
    throw error
  }
  const handle = new KneTestMesh(mesh, clock, standIns, namespace)
  closeWhenTestEnds(handle, options.hooks)
  return handle
}

/** vitest's onTestFinished (given, setupKneMatchers', or a global), else the registered afterEach (jest); else the caller closes. */
function closeWhenTestEnds(handle: KneTestMesh, given: TestHooks | undefined): void {
  const hooks = given ?? defaultHooks
  const onTestFinished = hooks.onTestFinished ?? (globalThis as {onTestFinished?: TestHooks['onTestFinished']}).onTestFinished
  if (onTestFinished !== undefined) {
    try {
      onTestFinished(() => handle.close())
      return
    } catch {
      // not in a test (a beforeAll): an afterEach below, or the caller, closes it
    }
  }
  if (hooks.afterEach !== undefined) registerAfterEach(hooks.afterEach)
  if (afterEachRegistered && !outsideTest()) closedAfterEach.add(handle)
}

/** Whether jest's global expect says no test is running (a beforeAll's mesh must outlive the first test). */
function outsideTest(): boolean {
  const expect = (globalThis as {expect?: {getState?: () => {currentTestName?: string} | undefined}}).expect
  const state = typeof expect?.getState === 'function' ? expect.getState() : undefined
  return state !== undefined && state.currentTestName === undefined
}

function invalid(what: string, problems: readonly string[]): KneError {
  return new KneError(`${what}: ${problems.join('; ')}`, 'INVALID_INPUT')
}
