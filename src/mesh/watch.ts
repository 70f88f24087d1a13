// Hot reload for kne dev: chokidar watches the manifest paths and kne.yaml; every added, changed or removed
// file is read again and the whole routing table is replaced in one mesh.apply() (deliveries under way keep
// the routes they started with). A file that does not parse or validate is reported and its last good
// version stays in force: an edit never stops the mesh.
import type {ValidationMode} from '../core/registry/violations.js'
import {existsSync} from 'node:fs'
import {resolve, sep} from 'node:path'
import {watch, type FSWatcher} from 'chokidar'
import type {ServiceMap} from '../core/resources/destination.js'
import {identity} from '../core/resources/parse.js'
import {parseProjectConfig, type ProjectConfig} from '../core/project.js'
import {describeResource, manifestErrorFormatter, type ManifestError, type ManifestResource} from '../core/resources/types.js'
import {LastGoodManifests, type FileUpdate} from './last-good.js'
import {displayPath, isManifestFile, readManifestFile, readManifestText} from '../project/manifests.js'
import {isEmulated} from '../kinds/descriptors.js'
import type {Mesh} from './mesh.js'
import type {FileChange, MeshStatus, ReloadEvent} from '../core/api.js'

export type {FileChange, ReloadEvent} from '../core/api.js'

export interface WatchOptions {
  mesh: Mesh
  /** Manifest files and folders (absolute), as kne dev loaded them. */
  paths: readonly string[]
  /** The files kne dev loaded at start-up and the resources they gave (all valid). */
  initial: {files: readonly string[]; manifests: Parameters<typeof LastGoodManifests.from>[0]}
  /** kne.yaml, watched too when there is one. */
  projectFile?: string
  config: ProjectConfig
  /** --service mappings: they win over kne.yaml's services. */
  flagServices?: ServiceMap
  /** --validate-events: wins over kne.yaml's registry.validate. */
  flagValidateEvents?: ValidationMode
  /** --namespace given on the command line (wins over kne.yaml's namespace). */
  namespaceOverride?: string
  onReload(event: ReloadEvent): void
  /** Every resource a reload added, changed or removed, as it was and as it is (after the mesh applied it). */
  onResourceChanges?(changes: ResourceChange[]): void
  /** Quiet period that gathers an editor's several writes into one reload. */
  debounceMs?: number
}

/** One resource a reload changed: added (no before), removed (no after), or changed. */
export interface ResourceChange {
  before?: ManifestResource
  after?: ManifestResource
}

export interface ManifestWatcher {
  /** Stops watching (chokidar keeps Node alive until closed). */
  close(): Promise<void>
}

/** Starts watching; resolves once chokidar has scanned the paths, so no later edit is missed. */
export async function watchManifests(options: WatchOptions): Promise<ManifestWatcher> {
  const reloader = new Reloader(options)
  const projectFile = options.projectFile ? resolve(options.projectFile) : undefined
  const explicit = new Set([...options.paths.map((p) => resolve(p)), ...(projectFile ? [projectFile] : [])])
  const watcher: FSWatcher = watch([...explicit], {
    ignoreInitial: true,
    followSymlinks: false,
    // an editor's save is often several writes: wait until the size settles
    awaitWriteFinish: {stabilityThreshold: 60, pollInterval: 20},
    ignored: (path, stats) => {
      if (explicit.has(path)) return false
      const name = path.split(sep).pop() ?? ''
      if (name.startsWith('.') || name === 'node_modules') return true
      // like the start-up walk: symlinked folders are not entered (a link loop would repeat every file)
      return stats !== undefined && !stats.isDirectory() && !isManifestFile(path)
    },
  })
  watcher.on('add', (path) => reloader.queue(path, 'added'))
  watcher.on('change', (path) => reloader.queue(path, 'changed'))
  watcher.on('unlink', (path) => reloader.queue(path, 'removed'))
  watcher.on('unlinkDir', (path) => reloader.queueFolder(path))
  watcher.on('error', (error) => options.mesh.log(`kne dev: watching the manifests failed: ${(error as Error).message}`))
  await new Promise<void>((resolvePromise) => watcher.once('ready', () => resolvePromise()))
  return {
    async close() {
      reloader.stop()
      await watcher.close()
    },
  }
}

class Reloader {
  private readonly cache: LastGoodManifests
  private readonly pending = new Map<string, FileChange>()
  private timer: NodeJS.Timeout | undefined
  private config: ProjectConfig
  private namespace: string
  private applied: Snapshot
  /** Every manifest file seen, valid or not (to re-read them all when the default namespace changes). */
  private readonly known: Set<string>
  private stopped = false

  constructor(private readonly options: WatchOptions) {
    this.cache = LastGoodManifests.from(options.initial.manifests)
    this.config = options.config
    this.namespace = options.namespaceOverride ?? options.config.namespace
    this.applied = snapshot(this.cache)
    this.known = new Set(options.initial.files.map((f) => resolve(f)))
  }

  queue(path: string, change: FileChange): void {
    if (this.stopped) return
    const previous = this.pending.get(path)
    // removed then added again within one quiet period is a change (editors save by renaming)
    this.pending.set(
      path,
      previous === 'removed' && change === 'added' ? 'changed' : previous === 'added' && change === 'changed' ? 'added' : change,
    )
    clearTimeout(this.timer)
    this.timer = setTimeout(() => {
      try {
        this.flush()
      } catch (error) {
        // a reload must never stop the mesh: what was in force stays in force
        this.options.mesh.log(`kne dev: reload failed, the manifests in force are unchanged: ${(error as Error).message}`)
      }
    }, this.options.debounceMs ?? 100)
  }

  queueFolder(folder: string): void {
    for (const file of this.known) if (file.startsWith(folder + sep)) this.queue(file, 'removed')
  }

  stop(): void {
    this.stopped = true
    clearTimeout(this.timer)
  }

  private flush(): void {
    if (this.stopped) return
    const batch = [...this.pending.entries()]
    this.pending.clear()
    const notes: string[] = []
    const updates: {file: string; change: FileChange; update: FileUpdate}[] = []
    const projectFile = this.options.projectFile ? resolve(this.options.projectFile) : undefined
    let rereadAll = false
    const problems: ManifestError[] = []
    for (const [file, change] of batch) {
      if (file === projectFile) {
        const outcome = this.reloadConfig(file, change)
        problems.push(...outcome.problems)
        notes.push(...outcome.notes)
        rereadAll ||= outcome.namespaceChanged
        continue
      }
      if (change === 'removed') this.known.delete(file)
      else this.known.add(file)
      const parsed = change === 'removed' || !existsSync(file) ? undefined : readManifestFile(file, this.namespace)
      updates.push({file, change, update: this.cache.update(file, parsed)})
    }
    if (rereadAll) {
      for (const file of this.known) {
        if (updates.some((u) => u.file === file)) continue
        updates.push({file, change: 'changed', update: this.cache.update(file, readManifestFile(file, this.namespace))})
      }
    }
    problems.push(...updates.flatMap((u) => u.update.problems))
    const before = this.applied
    this.applied = snapshot(this.cache)
    const changes = resourceChanges(before, this.applied)
    const diff = changeLabels(changes)
    const services = {...this.config.services, ...this.options.flagServices}
    const readyBefore = readiness(this.options.mesh.status())
    if (diff.added.length + diff.changed.length + diff.removed.length > 0 || batch.some(([f]) => f === projectFile)) {
      this.options.mesh.apply(this.cache.resources, {
        services,
        brokerDelivery: this.config.brokerDelivery,
        validateEvents: this.options.flagValidateEvents ?? this.config.validateEvents,
      })
    }
    if (changes.length > 0) this.options.onResourceChanges?.(changes)
    const status = this.options.mesh.status()
    const readyAfter = readiness(status)
    const becameReady: string[] = []
    const becameNotReady: string[] = []
    for (const [label, now] of readyAfter) {
      const then = readyBefore.get(label)
      // a resource the reload added or changed is listed as such already
      if (then === undefined || then.ready === now.ready || diff.added.includes(label) || diff.changed.includes(label)) continue
      if (now.ready) becameReady.push(label)
      else becameNotReady.push(`${label}${now.reason ? ` (${now.reason})` : ''}`)
    }
    const event: ReloadEvent = {
      kind: 'reload',
      at: new Date().toISOString(),
      files: [
        ...batch
          .filter(([f]) => f === projectFile)
          .map(([file, change]) => {
            const taken = problems.every((p) => p.file !== file)
            return {file, change, taken, keptLastGood: !taken}
          }),
        ...updates.map((u) => ({file: u.file, change: u.change, taken: u.update.taken, keptLastGood: u.update.keptLastGood})),
      ],
      ...diff,
      becameReady,
      becameNotReady,
      brokers: status.brokers.length,
      triggers: status.triggers.length,
      notEmulated: [...this.cache.resources, ...this.cache.others].filter((r) => !isEmulated(r)).map(describeResource),
      problems,
      warnings: updates.flatMap((u) => u.update.warnings),
      notes,
    }
    this.options.mesh.recordReload(event)
    this.options.onReload(event)
  }

  private reloadConfig(file: string, change: FileChange): {problems: ManifestError[]; notes: string[]; namespaceChanged: boolean} {
    if (change === 'removed' || !existsSync(file)) {
      return {
        problems: [],
        notes: ['kne.yaml was removed: its last settings stay in force until kne dev restarts'],
        namespaceChanged: false,
      }
    }
    const read = readManifestText(file)
    if ('error' in read) return {problems: [{file, message: read.error}], notes: [], namespaceChanged: false}
    const {config, errors} = parseProjectConfig(read.text, file)
    if (errors.length > 0) return {problems: errors, notes: [], namespaceChanged: false}
    const notes: string[] = []
    // services, namespace and brokerDefaults apply with the reload; these shape the process itself
    for (const key of ['port', 'manifests', 'persist', 'otel'] as const) {
      if (JSON.stringify(config[key]) !== JSON.stringify(this.config[key])) {
        notes.push(`kne.yaml: ${key} changed; it takes effect when kne dev restarts`)
      }
    }
    // the processes kne dev runs are started with it
    if (
      JSON.stringify([config.localServices, config.containerSources]) !==
      JSON.stringify([this.config.localServices, this.config.containerSources])
    ) {
      notes.push('kne.yaml: a service command or a containerSources entry changed; it takes effect when kne dev restarts')
    }
    const namespace = this.options.namespaceOverride ?? config.namespace
    const namespaceChanged = namespace !== this.namespace
    this.config = config
    this.namespace = namespace
    return {problems: [], notes, namespaceChanged}
  }
}

/** Whether each broker and trigger is Ready, by `Kind namespace/name`. */
function readiness(status: MeshStatus): Map<string, {ready: boolean; reason?: string}> {
  const out = new Map<string, {ready: boolean; reason?: string}>()
  for (const b of status.brokers) out.set(`Broker ${b.namespace}/${b.name}`, {ready: b.ready, reason: b.reason})
  for (const t of status.triggers) out.set(`Trigger ${t.namespace}/${t.name}`, {ready: t.ready, reason: t.reason})
  for (const r of status.resources) out.set(`${r.kind} ${r.namespace}/${r.name}`, {ready: r.ready, reason: r.reason})
  return out
}

type Snapshot = Map<string, {label: string; fingerprint: string; resource: ManifestResource}>

function snapshot(cache: LastGoodManifests): Snapshot {
  const out: Snapshot = new Map()
  for (const r of [...cache.resources, ...cache.others] as ManifestResource[]) {
    out.set(identity(r), {
      label: describeResource(r),
      fingerprint: JSON.stringify([r.apiVersion, r.metadata.namespace, r.manifest]),
      resource: r,
    })
  }
  return out
}

function resourceChanges(before: Snapshot, after: Snapshot): ResourceChange[] {
  const changes: ResourceChange[] = []
  for (const [key, now] of after) {
    const then = before.get(key)
    if (!then) changes.push({after: now.resource})
    else if (then.fingerprint !== now.fingerprint) changes.push({before: then.resource, after: now.resource})
  }
  for (const [key, then] of before) if (!after.has(key)) changes.push({before: then.resource})
  return changes
}

function changeLabels(changes: readonly ResourceChange[]): Pick<ReloadEvent, 'added' | 'changed' | 'removed'> {
  return {
    added: changes.filter((c) => !c.before).map((c) => describeResource(c.after!)),
    changed: changes.filter((c) => c.before && c.after).map((c) => describeResource(c.after!)),
    removed: changes.filter((c) => !c.after).map((c) => describeResource(c.before!)),
  }
}

/** A reload as lines for a terminal: one summary line, then one line per problem, warning or note. */
export function describeReload(event: ReloadEvent, cwd = process.cwd()): {summary: string; problems: string[]; notes: string[]} {
  const show = (file: string): string => displayPath(file, cwd)
  const files = event.files
    .map(
      (f) =>
        `${show(f.file)} ${f.change}${f.taken ? '' : f.keptLastGood ? ' (refused: its last good version stays in force)' : ' (refused: not loaded)'}`,
    )
    .join(', ')
  const changes = [
    ...event.added.map((r) => `+${r}`),
    ...event.changed.map((r) => `~${r}`),
    ...event.removed.map((r) => `-${r}`),
    ...event.becameReady.map((r) => `${r} now Ready`),
    ...event.becameNotReady.map((r) => `${r} now not Ready`),
  ]
  const served = `${event.brokers} broker(s), ${event.triggers} trigger(s)`
  const summary =
    event.problems.length > 0
      ? `reload: ${files}: ${event.problems.length} problem(s) → ${served}${changes.length ? ` [${changes.join(', ')}]` : ''}`
      : `reload: ${files} → ${served}${changes.length ? ` [${changes.join(', ')}]` : ' (nothing changed)'}`
  const relativise = manifestErrorFormatter(cwd)
  return {
    summary,
    problems: event.problems.map(relativise),
    notes: [...event.warnings.map((w) => `warning: ${relativise(w)}`), ...event.notes],
  }
}
