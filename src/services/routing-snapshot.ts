// Routing snapshots on disk: the project's manifests compiled, a set of events routed through them (from an
// event file, or one per type the registry knows), compared with the golden file, which is written when it
// is missing and rewritten on request. kne test runs them as tests of their own or as a `snapshot:` step.
import {existsSync, mkdirSync, readFileSync, statSync} from 'node:fs'
import {dirname, isAbsolute, join, relative, resolve} from 'node:path'
import {EXIT, KneError} from '../core/errors.js'
import {formatBytes} from '../core/quantity.js'
import type {FlowStepResult, FlowTestResult} from '../core/flow-test/report.js'
import {referenceableServices} from '../core/project.js'
import {buildRegistry} from '../core/registry/index.js'
import type {ServiceMap} from '../core/resources/destination.js'
import {manifestErrorFormatter, type KneResource} from '../core/resources/types.js'
import {
  computeRoutingSnapshot,
  defaultSnapshotInputs,
  diffRoutingSnapshots,
  MAX_SNAPSHOT_EVENTS,
  MAX_SNAPSHOT_TEXT,
  parseRoutingSnapshot,
  renderRoutingSnapshot,
  snapshotEventKey,
  type SnapshotInput,
  type SnapshotStep,
} from '../core/routing-snapshot.js'
import {compileTopology} from '../core/topology.js'
import {problemsIn, requireManifests} from '../project/manifests.js'
import {rewriteFile} from '../scaffold/write-file.js'
import {readEventFile} from '../client/replay.js'

export interface RoutingSnapshotOptions {
  /** The golden file (relative to `projectDir`). */
  file: string
  /** Where kne.yaml is looked for, and relative paths start (default: the current folder). */
  projectDir?: string
  /** Manifest files or folders; default: kne.yaml's manifests folder. */
  manifests?: readonly string[]
  /** Explicit kne.yaml path. */
  config?: string
  /** An event file (kne record's YAML or JSONL); default: one event per type the registry knows. */
  events?: string
  /** Rewrite the file with the current routing instead of comparing. */
  update?: boolean
  /** A missing file fails instead of being written (Jest's --ci). */
  ci?: boolean
}

export type RoutingSnapshotStatus = 'passed' | 'failed' | 'written' | 'updated'

export interface RoutingSnapshotResult {
  status: RoutingSnapshotStatus
  /** The file, as given. */
  file: string
  /** Routing changes since the file was written (why it failed, or what --update-snapshots recorded). */
  changes: string[]
  /** Differences that leave routing as it was (triggers an event does not reach, added, removed or refiltered). */
  notes: string[]
  /** Distinct events routed. */
  events: number
  /** Failed because the file does not exist (under --ci), not because routing changed. */
  missing?: true
}

/** The mesh URL the snapshot's topology is compiled with: only which addresses are the mesh's matters. */
const SNAPSHOT_MESH_URL = 'http://127.0.0.1:8080'

/** Loads the project's manifests, routes the events, compares with (or writes) the golden file, and says how it went. */
export async function runRoutingSnapshot(options: RoutingSnapshotOptions): Promise<RoutingSnapshotResult> {
  const cwd = resolve(options.projectDir ?? process.cwd())
  const {manifests, project} = requireManifests({files: options.manifests ?? [], config: options.config, cwd})
  if (manifests.errors.length > 0) {
    throw new KneError(
      `${manifests.errors.length} problem(s) in ${problemsIn(manifests.errors, project.file, 'the manifests', cwd)}; no routing snapshot was taken`,
      'INVALID_MANIFEST',
      EXIT.invalid,
    ).withDetails(manifests.errors.map(manifestErrorFormatter(cwd)))
  }
  return checkRoutingSnapshot({
    resources: manifests.resources,
    services: referenceableServices(project.config),
    path: isAbsolute(options.file) ? options.file : join(cwd, options.file),
    file: options.file,
    ...(options.events === undefined ? {} : {events: isAbsolute(options.events) ? options.events : join(cwd, options.events)}),
    update: options.update === true,
    ci: options.ci === true,
  })
}

/** What a snapshot is checked against: resources already loaded, and absolute paths. */
interface SnapshotCheck {
  resources: readonly KneResource[]
  services: ServiceMap
  /** The golden file's absolute path, and the name messages give it. */
  path: string
  file: string
  /** An event file's absolute path. */
  events?: string
  update: boolean
  ci: boolean
}

async function checkRoutingSnapshot(check: SnapshotCheck): Promise<RoutingSnapshotResult> {
  const {path, file} = check
  const topology = compileTopology(check.resources, {meshUrl: SNAPSHOT_MESH_URL, services: check.services})
  const inputs =
    check.events === undefined
      ? defaultSnapshotInputs(buildRegistry({resources: check.resources}).entries, topology)
      : await fileEvents(check.events)
  const current = computeRoutingSnapshot(topology, inputs)
  const text = renderRoutingSnapshot(current)
  // a file kne could not read back is not written: every event lists every trigger of its brokers
  if (text.length > MAX_SNAPSHOT_TEXT)
    throw new KneError(
      `${file}: the snapshot of ${current.events.length} events would be larger than ${formatBytes(MAX_SNAPSHOT_TEXT)}; route a representative set of events (--snapshot-events FILE)`,
      'SNAPSHOT_FILE',
    )
  // an empty snapshot always matches: say why it is empty rather than let it pass unnoticed
  const empty =
    current.events.length > 0
      ? []
      : [
          check.events === undefined
            ? 'no events to route: the registry knows no event type and no trigger requires one; declare EventTypes or give an event file'
            : `no events to route: ${check.events} holds none`,
        ]
  const result = (status: RoutingSnapshotStatus, changes: string[] = [], notes: string[] = []): RoutingSnapshotResult => ({
    status,
    file,
    changes,
    notes: [...empty, ...notes],
    events: current.events.length,
  })

  if (!existsSync(path)) {
    if (check.ci && !check.update)
      return {
        ...result('failed', ['run kne test --update-snapshots where the snapshot can be reviewed, and commit the file']),
        missing: true,
      }
    write(path, text, file)
    return result('written')
  }
  const recorded = parseRoutingSnapshot(readSnapshot(path, file), file)
  const {changes, notes} = diffRoutingSnapshots(recorded, current)
  if (check.update) {
    if (changes.length === 0 && notes.length === 0 && renderRoutingSnapshot(recorded) === text) return result('passed')
    write(path, text, file)
    return result('updated', changes, notes)
  }
  return result(changes.length > 0 ? 'failed' : 'passed', changes, notes)
}

/** The file's events, where kne's note says they arrived (else at every broker); distinct ones only, bounded. */
async function fileEvents(file: string): Promise<SnapshotInput[]> {
  const inputs = new Map<string, SnapshotInput>()
  for await (const item of readEventFile(file).events) {
    const key = snapshotEventKey(item.event)
    if (inputs.has(key)) continue
    if (inputs.size >= MAX_SNAPSHOT_EVENTS)
      throw new KneError(
        `${file}: more than ${MAX_SNAPSHOT_EVENTS} distinct events (by type, source, subject and extensions); a snapshot is for a representative set`,
        'EVENT_FILE',
      )
    const recorded = item.recorded
    inputs.set(key, {
      event: item.event,
      ...(recorded?.broker !== undefined ? {broker: recorded.broker} : {}),
      ...(recorded?.channel !== undefined ? {channel: recorded.channel} : {}),
    })
  }
  return [...inputs.values()]
}

function readSnapshot(path: string, file: string): string {
  try {
    const stats = statSync(path)
    if (!stats.isFile()) throw new Error('not a file')
    if (stats.size > MAX_SNAPSHOT_TEXT) throw new Error(`larger than ${formatBytes(MAX_SNAPSHOT_TEXT)}`)
    return readFileSync(path, 'utf8')
  } catch (error) {
    throw new KneError(`${file}: cannot read: ${(error as Error).message}`, 'SNAPSHOT_FILE')
  }
}

function write(path: string, text: string, file: string): void {
  try {
    mkdirSync(dirname(path), {recursive: true})
    rewriteFile(path, text)
  } catch (error) {
    throw new KneError(`${file}: cannot write: ${(error as Error).message}`, 'SNAPSHOT_FILE')
  }
}

/** One line for a snapshot's outcome, as kne test prints it. */
export function snapshotSummary(result: RoutingSnapshotResult): string {
  const events = `${result.events} event${result.events === 1 ? '' : 's'}`
  const [note, ...more] = result.notes
  const noted = note === undefined ? '' : `; ${note}${more.length > 0 ? ` (and ${more.length} more note(s))` : ''}`
  switch (result.status) {
    case 'written':
      return `routing snapshot ${result.file} written (${events})${noted}`
    case 'updated':
      return `routing snapshot ${result.file} updated (${events}, ${result.changes.length} routing change(s) recorded)`
    case 'passed':
      return `routing of ${events} matches ${result.file}${noted}`
    case 'failed':
      if (result.missing) return `${result.file} does not exist, and under --ci a missing snapshot fails instead of being written`
      return `routing changed since ${result.file} was written: ${result.changes.length} change(s)`
  }
}

/** The step a snapshot is, in a flow test's report. */
export function snapshotStepResult(result: RoutingSnapshotResult, step: number): FlowStepResult {
  // a failed step says what it checked; the failure says what changed
  const summary = result.status === 'failed' ? `routing snapshot ${result.file}` : snapshotSummary(result)
  return {step, kind: 'snapshot', summary, status: result.status === 'failed' ? 'failed' : 'passed'}
}

/** A snapshot as a test of its own (named after its file), so it appears in --json, JUnit and TAP like the others. */
export function snapshotTestResult(result: RoutingSnapshotResult, durationMs: number, cwd = process.cwd()): FlowTestResult {
  const file = isAbsolute(result.file) ? relative(cwd, result.file) || result.file : result.file
  return {
    file,
    name: `routing snapshot ${file}`,
    status: result.status === 'failed' ? 'failed' : 'passed',
    durationMs,
    meshMs: 0,
    steps: [snapshotStepResult(result, 1)],
    ...(result.status === 'failed'
      ? {
          failure: {
            message: snapshotSummary(result),
            step: 1,
            details: result.missing ? result.changes : [...result.changes, 'kne test --update-snapshots records the new routing'],
          },
        }
      : {}),
  }
}

/**
 * Runs a flow test's `snapshot:` step on the test's resources (as its manifests are written, before stand-ins
 * take their subscribers' places); its file and events are relative to the test file. Returns the step's
 * result, and the failure when routing changed; throws a KneError when the step cannot run.
 */
export async function runSnapshotStep(
  step: SnapshotStep,
  context: {
    testFile: string
    resources: readonly KneResource[]
    services: ServiceMap
    update?: boolean
    ci?: boolean
    /** 1-based, as the test file counts its steps. */
    index: number
  },
): Promise<{step: FlowStepResult; failure?: {message: string; step: number; details: string[]}}> {
  const dir = dirname(resolve(context.testFile))
  const result = await checkRoutingSnapshot({
    resources: context.resources,
    services: context.services,
    path: resolve(dir, step.file),
    file: step.file,
    ...(step.events === undefined ? {} : {events: resolve(dir, step.events)}),
    update: context.update === true,
    ci: context.ci === true,
  })
  const stepResult = snapshotStepResult(result, context.index)
  if (result.status !== 'failed') return {step: stepResult}
  return {step: stepResult, failure: {message: snapshotSummary(result), step: context.index, details: result.changes}}
}
