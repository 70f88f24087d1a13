// `kne test`: finds the test files, reads and checks every one (and the manifests each test runs) before
// anything runs, then runs each test on a private mesh of its own (127.0.0.1, port 0), on a virtual clock
// unless told otherwise, with a stand-in subscriber per entry of `subscribers`, and closes both after the
// test, passed or not. The result is the FlowTestRun every reporter reads.
import {existsSync, statSync} from 'node:fs'
import {dirname, join, resolve} from 'node:path'
import {performance} from 'node:perf_hooks'
import {Chalk} from 'chalk'
import {buildEvent} from '../core/event-builder.js'
import {EXIT, KneError} from '../core/errors.js'
import {checkExpectations, describeExpectation, type FlowObservation} from '../core/flow-test/check.js'
import {
  describeProblem,
  parseFlowTests,
  type FlowStep,
  type FlowTest,
  type FlowTestProblem,
  type SendStep,
} from '../core/flow-test/format.js'
import type {FlowStepResult, FlowTestFailure, FlowTestResult, FlowTestRun} from '../core/flow-test/report.js'
import type {DeliverySpec, KneResource} from '../core/resources/types.js'
import type {ServiceMap} from '../core/resources/destination.js'
import {manifestErrorFormatter} from '../core/resources/types.js'
import {parseSink} from '../core/sink.js'
import {compileTopology} from '../core/topology.js'
import {nearestNames} from '../core/registry/patterns.js'
import {meshAddressOf} from '../kinds/addresses.js'
import {Cancellation} from '../mesh/cancellation.js'
import {realClock, VirtualClock, type Clock} from '../mesh/clock.js'
import {explainEvent} from '../mesh/explain.js'
import {createMesh, type Mesh} from '../mesh/mesh.js'
import {Sink} from '../mesh/sink.js'
import {PROJECT_FILE, TEST_FILE_SUFFIX} from '../core/project.js'
import {
  displayPath,
  filesBelow,
  loadManifests,
  loadProjectConfig,
  manifestPaths,
  readManifestText,
  type LoadedProject,
} from '../project/manifests.js'
import {postEvent} from '../client/mesh-client.js'
import {refusalMessage} from '../client/send.js'
import {renderArrivalExplanation} from '../client/render-explain.js'
import {formatMs} from '../client/render.js'
import {runRoutingSnapshot, runSnapshotStep, snapshotTestResult} from './routing-snapshot.js'

/** Where kne test looks without arguments, below the project's folder. */
export const DEFAULT_TEST_FOLDER = 'test'

export interface FlowTestOptions {
  /** Test files and folders; none: `test/` below the project's folder (kne.yaml's, else the current one). */
  paths: readonly string[]
  /** Explicit kne.yaml. */
  config?: string
  cwd?: string
  /** The wall clock instead of the virtual one. */
  realTime?: boolean
  /** Called as each test ends, for output that follows the run. */
  onResult?: (result: FlowTestResult) => void
  /** Routing snapshot files to check, each a test of its own; with no paths, only these run. */
  snapshots?: readonly string[]
  /** An event file the snapshots route (default: one event per type the registry knows). */
  snapshotEvents?: string
  /** Rewrite routing snapshots (files and steps) with the routing as it is now. */
  updateSnapshots?: boolean
  /** A missing routing snapshot fails instead of being written. */
  ci?: boolean
}

/** A test ready to run: its file, its resources and what the project gives every test. */
interface PreparedTest {
  file: string
  test: FlowTest
  resources: readonly KneResource[]
  namespace: string
  services: ServiceMap
  brokerDelivery?: DeliverySpec
}

/** Runs every test found; throws for paths that do not exist or when there is no test at all. */
export async function runFlowTests(options: FlowTestOptions): Promise<FlowTestRun> {
  const cwd = options.cwd ?? process.cwd()
  const startedAt = new Date().toISOString()
  const started = performance.now()
  const snapshotsOnly = options.paths.length === 0 && (options.snapshots?.length ?? 0) > 0
  const files = snapshotsOnly ? [] : testFiles(options.paths, options.config, cwd)
  const {prepared, problems} = prepare(files, options.config, cwd)
  const tests: FlowTestResult[] = []
  for (const file of options.snapshots ?? []) {
    const result = await snapshotTest(file, options, cwd)
    tests.push(result)
    options.onResult?.(result)
  }
  if (problems.length > 0) {
    // nothing runs when any file is bad: each test the problems are in is reported as an error
    tests.push(...problemResults(problems))
    tests.forEach((t) => options.onResult?.(t))
  } else {
    for (const test of prepared) {
      const result = await runFlowTest(test, {
        realTime: options.realTime === true,
        cwd,
        updateSnapshots: options.updateSnapshots === true,
        ci: options.ci === true,
      })
      tests.push(result)
      options.onResult?.(result)
    }
  }
  return {
    tests,
    passed: tests.filter((t) => t.status === 'passed').length,
    failed: tests.filter((t) => t.status === 'failed').length,
    errors: tests.filter((t) => t.status === 'error').length,
    durationMs: Math.round(performance.now() - started),
    startedAt,
  }
}

/** A routing snapshot of the project as a test: failed when routing changed, an error when it cannot be checked. */
async function snapshotTest(file: string, options: FlowTestOptions, cwd: string): Promise<FlowTestResult> {
  const started = performance.now()
  try {
    const result = await runRoutingSnapshot({
      file,
      projectDir: cwd,
      ...(options.config === undefined ? {} : {config: options.config}),
      ...(options.snapshotEvents === undefined ? {} : {events: options.snapshotEvents}),
      update: options.updateSnapshots === true,
      ci: options.ci === true,
    })
    return snapshotTestResult(result, Math.round(performance.now() - started), cwd)
  } catch (error) {
    if (!(error instanceof KneError)) throw error
    const failure: FlowTestFailure = {message: error.message, details: error.details ?? []}
    return {file, name: `routing snapshot ${file}`, status: 'error', durationMs: 0, meshMs: 0, steps: [], failure}
  }
}

/** The exit code of a run: 3 when a test could not run (a bad file or manifests), else 1 when one failed, else 0. */
export function runExitCode(run: FlowTestRun): number {
  return run.errors > 0 ? EXIT.invalid : run.failed > 0 ? EXIT.internal : EXIT.ok
}

/** Every `*.kne.yaml` below the given files and folders (or the project's test folder), in a stable order. */
export function testFiles(paths: readonly string[], config: string | undefined, cwd: string): string[] {
  if (paths.length === 0) {
    const project = loadProjectConfig(config, [], cwd)
    const folder = join(project.file ? dirname(project.file) : cwd, DEFAULT_TEST_FOLDER)
    const found = existsSync(folder) ? filesBelow(folder, isTestFile) : []
    if (found.length === 0) {
      throw new KneError(`no test files: kne test runs ${displayPath(folder, cwd)}/**/*${TEST_FILE_SUFFIX} without arguments`, 'NO_TESTS', {
        suggestions: ['name test files or folders: kne test path/to/orders.kne.yaml'],
      })
    }
    return found
  }
  const files: string[] = []
  for (const path of paths) {
    const full = resolve(cwd, path)
    if (!existsSync(full)) throw new KneError(`${path}: no such file or folder`, 'NO_SUCH_PATH')
    if (statSync(full).isDirectory()) {
      const found = filesBelow(full, isTestFile)
      if (found.length === 0) throw new KneError(`${path}: no *${TEST_FILE_SUFFIX} file in the folder`, 'NO_TESTS')
      files.push(...found)
    } else files.push(full)
  }
  return [...new Set(files)]
}

const isTestFile = (name: string): boolean => name.endsWith(TEST_FILE_SUFFIX)

/** Reads every file and every test's manifests; a problem anywhere stops the run before it starts. */
function prepare(
  files: readonly string[],
  config: string | undefined,
  cwd: string,
): {prepared: PreparedTest[]; problems: FlowTestProblem[]} {
  const prepared: PreparedTest[] = []
  const problems: FlowTestProblem[] = []
  for (const file of files) {
    const shown = displayPath(file, cwd)
    const text = readManifestText(file)
    if ('error' in text) {
      problems.push({file: shown, document: 1, message: text.error})
      continue
    }
    const parsed = parseFlowTests(text.text, shown)
    problems.push(...parsed.problems)
    const damaged = new Set(parsed.problems.map((p) => p.document))
    const project = projectOf(file, config, cwd)
    const showProblem = manifestErrorFormatter(cwd)
    for (const error of project.errors) problems.push({file: shown, document: 1, message: `kne.yaml: ${showProblem(error)}`})
    for (const test of parsed.tests.filter((t) => !damaged.has(t.document))) {
      const paths = test.manifests ? test.manifests.map((p) => resolve(dirname(file), p)) : manifestPaths([], project, cwd)
      if (paths.length === 0) {
        problems.push({
          file: shown,
          document: test.document,
          name: test.name,
          field: 'manifests',
          message: 'no manifests: name them (manifests: [../knative]) or run kne test in a project whose kne.yaml names a manifests folder',
        })
        continue
      }
      const manifests = loadManifests(paths, project.config.namespace)
      for (const error of manifests.errors)
        problems.push({file: shown, document: test.document, field: 'manifests', message: showProblem(error)})
      const problem = (step: number, field: string, message: string): void => {
        problems.push({file: shown, document: test.document, name: test.name, step, field: `steps[${step - 1}].${field}`, message})
      }
      const served = servedAddresses(manifests.resources, project.config.namespace)
      const routes = compileTopology(manifests.resources, {meshUrl: ''})
      const keyAndName = (key: string): string[] => [key, key.slice(key.indexOf('/') + 1)]
      const triggers = [...[...routes.brokers.values()].flatMap((b) => b.triggers), ...routes.orphanTriggers].flatMap((t) =>
        keyAndName(t.key),
      )
      // a flow's own subscriptions (SEQUENCE-kn-sequence-N) are there too
      const subscriptions = [...[...routes.channels.values()].flatMap((c) => c.subscriptions), ...routes.orphanSubscriptions].flatMap((s) =>
        keyAndName(s.key),
      )
      const subscribers = [...Object.keys(test.subscribers), ...Object.keys(project.config.services)]
      test.steps.forEach((step, i) => {
        if (step.kind === 'send') {
          const url = sendUrl(step, '', project.config.namespace)
          if (url === undefined)
            problem(i + 1, 'send.to', `${step.to}: send goes to broker:NAME, channel:NAME, sequence:NAME, parallel:NAME or a URL`)
          else if (!isUrl(url) && !served.has(url))
            problem(i + 1, 'send.to', `${step.to}: no such resource in the manifests${suggestion(url, [...served.keys()], served)}`)
        }
        if (step.kind !== 'expect') return
        step.expectations.forEach((e, j) => {
          const at = `expect.${e.kind}${step.expectations.filter((x) => x.kind === e.kind).length > 1 ? `[${step.expectations.filter((x, k) => x.kind === e.kind && k < j).length}]` : ''}`
          if (e.trigger !== undefined && !triggers.includes(e.trigger))
            problem(i + 1, `${at}.trigger`, `no trigger ${e.trigger} in the manifests${didYouMean(e.trigger, triggers)}`)
          if (e.subscription !== undefined && !subscriptions.includes(e.subscription))
            problem(
              i + 1,
              `${at}.subscription`,
              `no subscription ${e.subscription} in the manifests${didYouMean(e.subscription, subscriptions)}`,
            )
          for (const field of ['to', 'deadLetterSink'] as const) {
            const name = e[field]
            if (name !== undefined && !isUrl(name) && !subscribers.includes(name))
              problem(
                i + 1,
                `${at}.${field}`,
                `${name} is neither a stand-in (subscribers) nor a service in kne.yaml, nor a URL${didYouMean(name, subscribers)}`,
              )
          }
        })
      })
      prepared.push({
        file: shown,
        test,
        resources: manifests.resources,
        namespace: project.config.namespace,
        services: project.config.services,
        brokerDelivery: project.config.brokerDelivery,
      })
    }
  }
  return {prepared, problems}
}

/** The project a test file belongs to: the explicit kne.yaml, else the nearest one in its folder or above, else the current folder's. */
function projectOf(file: string, config: string | undefined, cwd: string): LoadedProject {
  if (config !== undefined) return loadProjectConfig(config, [], cwd)
  for (let dir = dirname(file); ; dir = dirname(dir)) {
    const candidate = join(dir, PROJECT_FILE)
    if (existsSync(candidate)) return loadProjectConfig(candidate, [], cwd)
    if (dirname(dir) === dir) return loadProjectConfig(undefined, [], cwd)
  }
}

/** The paths the mesh serves for the manifests' brokers, channels and flows (`/default/orders` → `broker default/orders`). */
function servedAddresses(resources: readonly KneResource[], namespace: string): Map<string, string> {
  const served = new Map<string, string>()
  for (const r of resources) {
    const path = meshAddressOf({kind: r.kind, name: r.metadata.name, namespace: r.metadata.namespace}, '', namespace)
    if (path !== undefined)
      served.set(path, `${r.kind.toLowerCase()}:${r.metadata.name}${r.metadata.namespace === namespace ? '' : `:${r.metadata.namespace}`}`)
  }
  return served
}

function suggestion(path: string, paths: readonly string[], served: ReadonlyMap<string, string>): string {
  const [nearest] = nearestNames(path, paths, 1)
  if (nearest !== undefined) return ` (did you mean ${served.get(nearest)}?)`
  return served.size === 0 ? '' : `; it has ${[...served.values()].join(', ')}`
}

function didYouMean(name: string, known: readonly string[]): string {
  const [nearest] = nearestNames(name, known, 1)
  return nearest === undefined ? '' : ` (did you mean ${nearest}?)`
}

/** Where a send step posts on a mesh at `meshUrl`; undefined when its `to` names nothing kne can post to. */
function sendUrl(step: SendStep, meshUrl: string, namespace: string): string | undefined {
  const sink = parseSink(step.to, namespace)
  if (!sink.ok) return undefined
  if (sink.destination.uri) return sink.destination.uri
  return sink.destination.ref === undefined ? undefined : meshAddressOf(sink.destination.ref, meshUrl, namespace)
}

function problemResults(problems: readonly FlowTestProblem[]): FlowTestResult[] {
  const byTest = new Map<string, FlowTestProblem[]>()
  for (const problem of problems) {
    const key = `${problem.file}\u0000${problem.document}`
    byTest.set(key, [...(byTest.get(key) ?? []), problem])
  }
  return [...byTest.values()].map((list) => {
    const [first] = list as [FlowTestProblem, ...FlowTestProblem[]]
    const failure: FlowTestFailure = {
      message: describeProblem(first),
      ...(first.step === undefined ? {} : {step: first.step}),
      ...(first.field === undefined ? {} : {field: first.field}),
      details: list.slice(1).map((p) => describeProblem(p)),
    }
    return {
      file: first.file,
      name: first.name ?? (first.document > 1 ? `document ${first.document}` : first.file),
      status: 'error',
      durationMs: 0,
      meshMs: 0,
      steps: [],
      failure,
    }
  })
}

const plain = new Chalk({level: 0})

/** Runs one test on a mesh and stand-ins of its own, closed when it ends, whatever happened. */
async function runFlowTest(
  prepared: PreparedTest,
  options: {realTime: boolean; cwd?: string; updateSnapshots?: boolean; ci?: boolean},
): Promise<FlowTestResult> {
  const {test} = prepared
  const started = performance.now()
  const clock: Clock = options.realTime ? realClock : new VirtualClock()
  const meshStart = clock.now()
  const standIns = new Map<string, Sink>()
  let mesh: Mesh | undefined
  const steps: FlowStepResult[] = test.steps.map((step, i) => ({
    step: i + 1,
    kind: step.kind,
    summary: stepSummary(step),
    status: 'skipped',
  }))
  let failure: FlowTestFailure | undefined
  let status: FlowTestResult['status'] = 'passed'
  const meshLog: string[] = []
  try {
    for (const [name, behaviour] of Object.entries(test.subscribers)) standIns.set(name, await Sink.start({...behaviour, clock}))
    mesh = await createMesh({
      ...withStandIns(prepared.resources, prepared.services, standIns),
      brokerDelivery: prepared.brokerDelivery,
      clock,
      // the expectations read the history: keep all of a test's records (still bounded in bytes)
      historyLimit: TEST_HISTORY_RECORDS,
      observeEventTypes: false,
      log: (line) => meshLog.push(line),
    })
    const running = mesh
    const names = new Map([...standIns].map(([name, sink]) => [name, sink.url]))
    const sinks = [...standIns.values()]
    let lastSendAt = clock.now()
    for (const [i, step] of test.steps.entries()) {
      const result = steps[i]!
      if (step.kind === 'send') {
        lastSendAt = clock.now()
        const sent = await send(running, clock, sinks, step, prepared.namespace)
        result.summary = sent.summary
        if (sent.problem !== undefined) failure = {message: sent.problem, step: i + 1, details: []}
      } else if (step.kind === 'wait') {
        await settle(running, clock, sinks, clock.now() + step.ms)
      } else if (step.kind === 'snapshot') {
        const checked = await runSnapshotStep(step, {
          testFile: resolve(options.cwd ?? process.cwd(), prepared.file),
          // the manifests as written: a stand-in's port would change the snapshot from run to run
          resources: prepared.resources,
          services: {...standInNames(standIns), ...prepared.services},
          update: options.updateSnapshots === true,
          ci: options.ci === true,
          index: i + 1,
        })
        result.summary = checked.step.summary
        failure = checked.failure
      } else {
        const until = step.withinMs === undefined ? undefined : lastSendAt + step.withinMs
        await settle(running, clock, sinks, until)
        const observation = observeMesh(running, names, until)
        const checked = checkExpectations(step.expectations, observation, step.inOrder)
        if (!checked.pass) failure = {message: checked.message, step: i + 1, details: checked.details}
      }
      result.status = failure === undefined ? 'passed' : 'failed'
      if (failure !== undefined) {
        status = 'failed'
        break
      }
    }
  } catch (error) {
    status = 'error'
    const message = error instanceof KneError || error instanceof Error ? error.message : String(error)
    failure = {message: `the test could not run: ${message}`, details: meshLog}
    const current = steps.find((s) => s.status === 'skipped')
    if (current) current.status = 'error'
  } finally {
    await mesh?.close({drainTimeoutMs: 0})
    await Promise.all([...standIns.values()].map((s) => s.close()))
  }
  return {
    file: prepared.file,
    name: test.name,
    status,
    durationMs: Math.round(performance.now() - started),
    meshMs: clock.now() - meshStart,
    steps,
    ...(failure === undefined ? {} : {failure}),
  }
}

/**
 * What a mesh did, for the expectation checks (core/flow-test/check.ts): its records, its subscribers named
 * by `names` (name → the URL that stands for it), the mesh's own addresses without its port, and each
 * arrival's trigger decisions; only what happened by clock time `until` when given.
 */
export function observeMesh(mesh: Mesh, names: ReadonlyMap<string, string> = new Map(), until?: number): FlowObservation {
  const byUrl = new Map([...names].map(([name, url]) => [originOf(url), name]))
  // the mesh's own addresses (a flow's channels) without its port, which changes from run to run
  byUrl.set(mesh.url, MESH_NAME)
  const nameOf = (url: string): string | undefined => {
    const name = byUrl.get(originOf(url))
    return name === MESH_NAME ? `${MESH_NAME}${url.slice(mesh.url.length)}` : name
  }
  const records = mesh.journal.since()
  const explain = (arrival: number): string[] => {
    const record = records.find((r) => r.kind === 'event' && r.arrival === arrival)
    const explanation = record && explainEvent(mesh.topology, record)
    if (explanation === undefined) return []
    return renderArrivalExplanation(explanation, plain).map((line) => withNames(line, byUrl))
  }
  return {records, nameOf, explain, ...(until === undefined ? {} : {until})}
}

function stepSummary(step: FlowStep): string {
  switch (step.kind) {
    case 'send':
      return `send ${step.type} to ${step.to}`
    case 'wait':
      return `wait ${formatMs(step.ms)}`
    case 'snapshot':
      return `routing snapshot ${step.file}`
    case 'expect': {
      const what = step.expectations.map(describeExpectation).join(step.inOrder ? ', then ' : '; ')
      return step.withinMs === undefined ? what : `${what} within ${formatMs(step.withinMs)}`
    }
  }
}

/** Posts a send step's event and waits for the answer, moving virtual time while a synchronous broker delivers. */
export async function send(
  mesh: Mesh,
  clock: Clock,
  standIns: readonly Sink[],
  step: SendStep,
  namespace: string,
): Promise<{summary: string; problem?: string; id?: string; status?: number}> {
  const built = buildEvent({
    type: step.type,
    source: step.source,
    id: step.id,
    subject: step.subject,
    dataschema: step.dataschema,
    data: step.data,
    contentType: step.datacontenttype,
    extensions: Object.entries(step.extensions).map(([k, v]) => `${k}=${v}`),
    now: new Date(clock.now()),
  })
  if (!built.ok) return {summary: `send ${step.type} to ${step.to}`, problem: `the event is not valid: ${built.error}`}
  const url = sendUrl(step, mesh.url, namespace)!
  const posted = postEvent(url, built.event, 'binary')
  // a send straight to a URL (a stand-in's, say) may need time to pass with no delivery under way
  const answer = clock instanceof VirtualClock ? await drive(mesh, clock, standIns, posted, !url.startsWith(mesh.url)) : await posted
  const summary = `sent ${step.type}${step.id === undefined ? '' : ` id=${step.id}`} to ${step.to}: ${answer.status}`
  // a synchronous broker answers 500 when a delivery failed: the event was taken all the same
  const arrived = mesh.journal.since().some((r) => r.kind === 'event' && r.id === built.event.id && r.via === 'ingress')
  const sent = {summary, id: built.event.id, status: answer.status}
  if (answer.status < 300 || arrived) return sent
  return {...sent, problem: `${step.to} did not take the event: ${refusalMessage(answer)}`}
}

/**
 * Lets the mesh work until every delivery has its outcome, or until clock time `until`: on the virtual
 * clock by moving time from one wait to the next, so retries and delays pass at once.
 */
export async function settle(mesh: Mesh, clock: Clock, standIns: readonly Sink[], until?: number): Promise<void> {
  if (until === undefined) {
    await (clock instanceof VirtualClock ? drive(mesh, clock, standIns, mesh.idle(), false) : mesh.idle())
    return
  }
  const deadline = new Cancellation()
  const timeUp = clock.sleep(Math.max(0, until - clock.now()), deadline).catch(() => undefined)
  try {
    // on the wall clock, an idle mesh need not wait out the bound; on the virtual one, the time passes at once
    if (clock instanceof VirtualClock) await drive(mesh, clock, standIns, timeUp, true)
    else await Promise.race([mesh.idle(), timeUp])
  } finally {
    deadline.abort(new Error('settled'))
  }
}

/**
 * Moves virtual time to the next wait, again and again, until `work` settles, but only while the mesh waits
 * on the clock alone: no request of its own under way other than the ones a stand-in holds for its delay.
 * So an attempt's answer is in before a later retry or tick is due, whatever the machine's speed. Without
 * `idleMayAdvance`, time stands still while no delivery is under way (a PingSource's tick waits for a wait step).
 */
async function drive<T>(mesh: Mesh, clock: VirtualClock, standIns: readonly Sink[], work: Promise<T>, idleMayAdvance: boolean): Promise<T> {
  let settled = false
  const done = work.then(
    () => (settled = true),
    () => (settled = true),
  )
  for (let advances = 0, polls = 0; advances < MAX_ADVANCES;) {
    await new Promise((resolve) => setImmediate(resolve))
    if (settled) return work
    const held = standIns.reduce((sum, s) => sum + s.holding, 0)
    const waitsOnClock = mesh.requestsInFlight <= held && (idleMayAdvance || mesh.runtime.inFlightCount > 0)
    if (clock.pending > 0 && waitsOnClock) {
      await clock.advanceToNext()
      advances++
      polls = 0
    } else {
      // a request is under way (or nothing waits): let real I/O go on, looking less often as it lasts
      await Promise.race([done, new Promise((resolve) => setTimeout(resolve, polls++ < 100 ? 1 : 10))])
    }
  }
  throw new Error(`the mesh was still busy after ${MAX_ADVANCES} waits on the virtual clock`)
}

const MAX_ADVANCES = 100_000
export const TEST_HISTORY_RECORDS = 1_000_000
/** How output names the mesh's own URL. */
const MESH_NAME = '(mesh)'

/** The stand-ins' Service names, each as a Service the snapshot's topology resolves (the URL never shows). */
function standInNames(standIns: ReadonlyMap<string, Sink>): ServiceMap {
  return Object.fromEntries([...standIns.keys()].filter((name) => !isUrl(name)).map((name) => [name, STAND_IN_URL]))
}

const STAND_IN_URL = 'http://stand-in.kne.invalid'

function isUrl(name: string): boolean {
  return /^https?:\/\//i.test(name)
}

function originOf(url: string): string {
  return URL.parse(url)?.origin ?? url
}

/** The resources and services a test's mesh runs: stand-ins by Service name in the services, by URL in the resources. */
export function withStandIns(
  resources: readonly KneResource[],
  services: ServiceMap,
  standIns: ReadonlyMap<string, {url: string}>,
): {resources: readonly KneResource[]; services: ServiceMap} {
  const withNames: ServiceMap = {...services}
  for (const [name, sink] of standIns) if (!isUrl(name)) withNames[name] = sink.url
  return {resources: withStandInUrls(resources, standIns), services: withNames}
}

/** Subscriber URLs the manifests give literally, pointed at their stand-ins (`http://audit.example.com/in` → the stand-in's URL). */
function withStandInUrls(resources: readonly KneResource[], standIns: ReadonlyMap<string, {url: string}>): readonly KneResource[] {
  const urls = [...standIns].filter(([name]) => isUrl(name)).map(([name, sink]) => [name.replace(/\/+$/, ''), sink.url] as const)
  if (urls.length === 0) return resources
  const rewrite = (value: unknown): unknown => {
    if (typeof value === 'string') {
      for (const [from, to] of urls)
        if (value === from || value.startsWith(`${from}/`) || value.startsWith(`${from}?`)) return `${to}${value.slice(from.length)}`
      return value
    }
    if (Array.isArray(value)) return value.map(rewrite)
    if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, rewrite(v)]))
    return value
  }
  return resources.map((r) => ({...r, spec: rewrite(r.spec)}) as KneResource)
}

/** A line with the stand-ins' local URLs replaced by their names, so output does not change from run to run. */
function withNames(line: string, byUrl: ReadonlyMap<string, string>): string {
  let out = line
  for (const [origin, name] of byUrl) out = out.replaceAll(origin, name)
  return out
}
