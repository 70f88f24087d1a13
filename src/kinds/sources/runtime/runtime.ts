// What the mesh runs besides brokers: PingSources on its clock, ContainerSources and kne.yaml's services
// as supervised local processes (with the SinkBinding contract in their environment), SinkBindings for
// those processes, and ApiServerSources fed by the manifest changes hot reload applies. apply() takes the
// whole configuration again on every reload; what did not change keeps running untouched.
import type {SourceStatus} from '../../../core/api.js'
import {createServer, type AddressInfo, type Server} from 'node:net'
import {resolve} from 'node:path'
import {localServiceUrl, type LocalService} from '../../../core/project.js'
import {resolveDestination, type ResolveContext, type ServiceMap} from '../../../core/resources/destination.js'
import {hasRole, KNATIVE_GROUPS} from '../../descriptors.js'
import {identity} from '../../../core/resources/parse.js'
import {
  resourceKey,
  type ApiServerSource,
  type ContainerSource,
  type KneResource,
  type ManifestResource,
  type PingSource,
  type SinkBinding,
} from '../../../core/resources/types.js'
import type {ObjectChange, WatchedObject} from '../../../core/sources/apiserver.js'
import {bindingEnvironment, subjectSelects, type Workload} from '../../../core/sources/binding.js'
import {planContainerSource, type LocalCommand} from '../../../core/sources/container.js'
import {compileSchedule} from '../../../core/sources/cron.js'
import type {Clock} from '../../../mesh/clock.js'
import {HttpSender} from '../../../mesh/http-client.js'
import {Supervisor, waitForListening, type ProcessOutput, type ProcessStatus, type RestartPolicy} from '../../../mesh/processes.js'
import {ApiServerEmitter} from './apiserver.js'
import {PingRunner, type FireOutcome, type SourceCounters} from './ping.js'

type SourceResource = PingSource | ContainerSource | SinkBinding | ApiServerSource

export interface LocalServiceStatus {
  /** Its kne.yaml key: `name` or `namespace/name`. */
  name: string
  url: string
  process: ProcessStatus
  /** `namespace/name` of the SinkBinding whose K_SINK it gets. */
  boundBy?: string
  sinkUri?: string
}

export interface SourceOptions {
  /** Services to run (kne.yaml `services` entries with a command), by `name` or `namespace/name`. */
  localServices?: Record<string, LocalService>
  /** Commands standing in for ContainerSource images, by `name` or `namespace/name`. */
  containerSources?: Record<string, LocalCommand>
  /** The folder relative `cwd`s are read from (kne.yaml's); processes run there by default. */
  projectDir?: string
  /** Where process output goes (default: `[name] line` on kne's stdout and stderr). */
  output?: (record: ProcessOutput) => void
  restart?: RestartPolicy
  stopGraceMs?: number
  /** Wait before each scheduled ping (Knative: random 0-500 ms). */
  pingJitterMs?: () => number
}

export type FireResult = {ok: true; outcome: FireOutcome} | {ok: false; reason: 'NotFound' | 'NotReady'; message: string}

interface Entry {
  resource: SourceResource
  fingerprint: string
  sinkUri?: string
  /** Set when the source cannot run: why not. */
  problem?: {reason: string; message: string}
  counters: SourceCounters & Record<string, number>
  ping?: PingRunner
  emitter?: ApiServerEmitter
  /** Supervisor keys of a ContainerSource's processes. */
  processes?: string[]
}

function isSource(r: KneResource): r is SourceResource {
  return hasRole(r, 'source')
}

function entryKey(r: {kind: string; metadata: {namespace: string; name: string}}): string {
  return `${r.kind} ${resourceKey(r.metadata.namespace, r.metadata.name)}`
}

/** A kne.yaml key as a workload: `namespace/name` is in that namespace only, `name` in every one. */
function workloadOf(key: string, service: LocalService): Workload {
  const slash = key.indexOf('/')
  return slash < 0
    ? {name: key, labels: service.labels}
    : {namespace: key.slice(0, slash), name: key.slice(slash + 1), labels: service.labels}
}

/** The entry for a namespaced resource in a map keyed by `namespace/name` or `name`. */
function lookup<T>(map: Record<string, T>, namespace: string, name: string): T | undefined {
  return map[resourceKey(namespace, name)] ?? map[name]
}

export class SourceRuntime {
  private readonly entries = new Map<string, Entry>()
  private readonly supervisor: Supervisor
  private readonly sender = new HttpSender()
  private readonly ports = new Map<string, number>()
  private readonly services = new Map<string, {url: string; boundBy?: string; sinkUri?: string}>()
  /** Stops under way (a replaced runner, a removed process), awaited on close. */
  private readonly stopping = new Set<Promise<unknown>>()
  private readonly localServices: Record<string, LocalService>
  private readonly projectDir: string
  private closed = false

  constructor(private readonly options: SourceOptions & {clock: Clock; log: (line: string) => void}) {
    this.localServices = options.localServices ?? {}
    this.projectDir = options.projectDir ?? process.cwd()
    this.supervisor = new Supervisor({output: options.output, log: options.log, restart: options.restart, stopGraceMs: options.stopGraceMs})
  }

  /** Picks a free port for every local service that names none; call before the first apply. */
  async prepare(): Promise<void> {
    const entries = Object.entries(this.localServices)
    const picked = await freePorts(entries.filter(([, s]) => s.port === undefined).length)
    for (const [key, service] of entries) this.ports.set(key, service.port ?? picked.shift()!)
  }

  /** The URLs of the local services, to merge into the service map references resolve against. */
  serviceUrls(): ServiceMap {
    return Object.fromEntries([...this.ports].map(([key, port]) => [key, localServiceUrl(port)]))
  }

  /** Takes a new configuration: starts what is new, restarts what changed, stops what went away. */
  apply(resources: readonly KneResource[], ctx: ResolveContext): void {
    if (this.closed) return
    const sources = resources.filter(isSource)
    const seen = new Set<string>()
    for (const resource of sources) {
      const key = entryKey(resource)
      seen.add(key)
      const sink = resolveDestination(resource.spec.sink, resource.metadata.namespace, ctx)
      const sinkUri = sink.ok ? sink.uri : undefined
      const mapped =
        resource.kind === 'ContainerSource'
          ? lookup(this.options.containerSources ?? {}, resource.metadata.namespace, resource.metadata.name)
          : undefined
      const fingerprint = JSON.stringify([resource.apiVersion, resource.manifest, sinkUri, mapped])
      const current = this.entries.get(key)
      if (current?.fingerprint === fingerprint) continue
      const counters = current?.counters ?? {sent: 0, failed: 0}
      // a ContainerSource's processes are replaced in place (stopped, then started with the new spec)
      if (current) this.retire(current, true)
      const entry: Entry = {resource, fingerprint, counters, ...(sinkUri ? {sinkUri} : {})}
      if (!sink.ok) entry.problem = {reason: 'NotFound', message: `Unable to resolve the sink: ${sink.message}`}
      else this.start(entry, sinkUri!, mapped)
      for (const stale of current?.processes ?? []) if (!entry.processes?.includes(stale)) this.track(this.supervisor.remove(stale))
      this.entries.set(key, entry)
    }
    for (const [key, entry] of this.entries) {
      if (seen.has(key)) continue
      this.entries.delete(key)
      this.retire(entry, false)
    }
    this.applyServices(sources.filter((r): r is SinkBinding => r.kind === 'SinkBinding'))
  }

  private start(entry: Entry, sinkUri: string, mapped: LocalCommand | undefined): void {
    const {resource} = entry
    const deps = {clock: this.options.clock, sender: this.sender, log: this.options.log}
    switch (resource.kind) {
      case 'PingSource': {
        const compiled = compileSchedule(resource.spec.schedule, resource.spec.timezone)
        if (!compiled.ok) {
          entry.problem = {reason: 'InvalidSchedule', message: compiled.error}
          return
        }
        const jitterMs = this.options.pingJitterMs ?? (() => Math.floor(Math.random() * 500))
        entry.ping = new PingRunner(resource, compiled.schedule, sinkUri, entry.counters, {...deps, jitterMs})
        entry.ping.start()
        return
      }
      case 'ApiServerSource':
        entry.emitter = new ApiServerEmitter(resource, sinkUri, entry.counters, deps)
        return
      case 'ContainerSource': {
        // ContainerSource creates a SinkBinding for its pods: they get K_SINK and K_CE_OVERRIDES (semantics §5.4)
        const plan = planContainerSource(
          resource,
          bindingEnvironment(sinkUri, resource.spec.ceOverrides, resource.spec.sink.CACerts),
          mapped,
        )
        if (!plan.ok) {
          entry.problem = {reason: plan.reason, message: plan.message}
          return
        }
        for (const note of plan.notes) this.options.log(`ContainerSource ${note}`)
        entry.processes = plan.processes.map((p, i) => {
          const key = `${entryKey(resource)}#${i}`
          this.track(
            this.supervisor.ensure(key, {name: p.name, command: p.command, cwd: resolve(this.projectDir, p.cwd ?? '.'), env: p.env}),
          )
          return key
        })
        return
      }
      case 'SinkBinding':
        // applied to the local services it selects (applyServices) and to `kne run --binding`
        return
    }
  }

  /** Stops a replaced or removed source; `keepProcesses` leaves a ContainerSource's processes for its successor to replace. */
  private retire(entry: Entry, keepProcesses: boolean): void {
    if (entry.ping) this.track(entry.ping.stop())
    if (entry.emitter) this.track(entry.emitter.stop())
    if (!keepProcesses) for (const key of entry.processes ?? []) this.track(this.supervisor.remove(key))
  }

  private applyServices(bindings: readonly SinkBinding[]): void {
    const ordered = [...bindings].sort((a, b) => entryKey(a).localeCompare(entryKey(b)))
    for (const [key, service] of Object.entries(this.localServices)) {
      const port = this.ports.get(key)
      if (port === undefined) continue
      const workload = workloadOf(key, service)
      // the first binding (by namespace and name) whose sink resolves wins, as only one K_SINK can be set
      const binding = ordered
        .map((b) => ({b, entry: this.entries.get(entryKey(b))}))
        .find(({b, entry}) => entry?.sinkUri !== undefined && subjectSelects(b.spec.subject, workload))
      const env: Record<string, string> = {...service.env, PORT: String(port)}
      if (binding) Object.assign(env, bindingEnvironment(binding.entry!.sinkUri!, binding.b.spec.ceOverrides, binding.b.spec.sink.CACerts))
      this.services.set(key, {
        url: localServiceUrl(port),
        ...(binding ? {boundBy: resourceKey(binding.b.metadata.namespace, binding.b.metadata.name), sinkUri: binding.entry!.sinkUri} : {}),
      })
      this.track(
        this.supervisor.ensure(`Service ${key}`, {
          name: key,
          command: service.command,
          cwd: resolve(this.projectDir, service.cwd ?? '.'),
          env,
        }),
      )
    }
  }

  /** Feeds ApiServerSources the changes a reload applied (call after apply()). */
  observeChanges(changes: readonly {before?: ManifestResource; after?: ManifestResource}[]): void {
    if (this.closed || changes.length === 0) return
    // an ApiServerSource starts watching after the reload that creates it, and reports no existing objects
    const created = new Set(changes.filter((c) => !c.before && c.after).map((c) => identity(c.after!)))
    const objectChanges: ObjectChange[] = changes.map((c) => ({
      ...(c.before ? {before: watched(c.before)} : {}),
      ...(c.after ? {after: watched(c.after)} : {}),
    }))
    for (const entry of this.entries.values()) {
      if (entry.emitter && !created.has(identity(entry.resource))) entry.emitter.observe(objectChanges)
    }
  }

  /** Resolves once the events of every change observed so far have been sent. */
  async idle(): Promise<void> {
    await Promise.all([...this.entries.values()].map((e) => e.emitter?.idle() ?? Promise.resolve()))
  }

  /** Sends a PingSource's event now (kne source ping fire). */
  async fire(namespace: string, name: string): Promise<FireResult> {
    const entry = this.entries.get(`PingSource ${resourceKey(namespace, name)}`)
    if (!entry) {
      const known = [...this.entries.values()]
        .filter((e) => e.resource.kind === 'PingSource')
        .map((e) => resourceKey(e.resource.metadata.namespace, e.resource.metadata.name))
      return {
        ok: false,
        reason: 'NotFound',
        message: `pingsources.sources.knative.dev "${name}" not found in namespace "${namespace}"${known.length ? `; this mesh runs ${known.join(', ')}` : ''}`,
      }
    }
    if (!entry.ping)
      return {
        ok: false,
        reason: 'NotReady',
        message: `PingSource ${namespace}/${name} is not Ready: ${entry.problem?.message ?? 'not running'}`,
      }
    return {ok: true, outcome: await entry.ping.fire()}
  }

  status(): SourceStatus[] {
    return [...this.entries.values()]
      .map((entry) => this.sourceStatus(entry))
      .sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name) || a.kind.localeCompare(b.kind))
  }

  private sourceStatus(entry: Entry): SourceStatus {
    const {kind, metadata} = entry.resource
    const base = {kind, namespace: metadata.namespace, name: metadata.name, ...(entry.sinkUri ? {sinkUri: entry.sinkUri} : {})}
    if (entry.problem) return {...base, ready: false, ...entry.problem, counters: this.counters(entry)}
    if (kind === 'ContainerSource') {
      const down = (entry.processes ?? []).map((key) => this.supervisor.get(key)?.status()).find((s) => s && s.state !== 'running')
      if (down) {
        const when = down.restartAt === undefined ? '' : `; restarting in ${Math.max(0, Math.ceil((down.restartAt - Date.now()) / 1000))}s`
        return {
          ...base,
          ready: false,
          reason: 'ProcessRestarting',
          message: `${down.name}: ${down.lastExit ?? 'not running'}${when}`,
          counters: this.counters(entry),
        }
      }
    }
    if (kind === 'SinkBinding') {
      const bound = [...this.services].filter(([, s]) => s.boundBy === resourceKey(metadata.namespace, metadata.name)).map(([key]) => key)
      const message =
        bound.length > 0
          ? `K_SINK set for local service(s) ${bound.join(', ')}`
          : `no service kne runs matches its subject: run the workload with kne run --binding ${metadata.name} -- COMMAND`
      return {...base, ready: true, message, counters: this.counters(entry)}
    }
    if (entry.resource.kind === 'ApiServerSource') {
      // kne's objects are its manifests' Knative resources: a watch on Pods or Events never fires
      const unseen = entry.resource.spec.resources.filter((r) => !KNATIVE_GROUPS.includes(r.apiVersion.split('/')[0]!))
      if (unseen.length > 0) {
        const kinds = unseen.map((r) => `${r.apiVersion} ${r.kind}`).join(', ')
        return {
          ...base,
          ready: true,
          message: `kne has no ${kinds} objects (it emulates the API server over the Knative resources of its manifests): those never send events`,
          counters: this.counters(entry),
        }
      }
    }
    return {...base, ready: true, counters: this.counters(entry)}
  }

  private counters(entry: Entry): Record<string, number> {
    switch (entry.resource.kind) {
      case 'ContainerSource':
        return {restarts: (entry.processes ?? []).reduce((n, key) => n + (this.supervisor.get(key)?.status().restarts ?? 0), 0)}
      case 'SinkBinding': {
        const key = resourceKey(entry.resource.metadata.namespace, entry.resource.metadata.name)
        return {bound: [...this.services.values()].filter((s) => s.boundBy === key).length}
      }
      default:
        return {sent: entry.counters.sent, failed: entry.counters.failed}
    }
  }

  localServiceStatus(): LocalServiceStatus[] {
    return [...this.services].map(([name, s]) => ({
      name,
      url: s.url,
      process: this.supervisor.get(`Service ${name}`)?.status() ?? {name, state: 'stopped', restarts: 0},
      ...(s.boundBy ? {boundBy: s.boundBy, sinkUri: s.sinkUri} : {}),
    }))
  }

  /**
   * Waits until every local service accepts connections on its port, at most `timeoutMs`, and no longer for
   * one whose process exited. Returns the services that do not listen, with why.
   */
  async untilServicesListen(timeoutMs: number): Promise<{name: string; url: string; reason: string}[]> {
    const waits = [...this.services].map(async ([name, service]) => {
      const status = (): ProcessStatus | undefined => this.supervisor.get(`Service ${name}`)?.status()
      const listening = await waitForListening(this.ports.get(name)!, {timeoutMs, running: () => status()?.state === 'running'})
      if (listening) return undefined
      const exited = status()?.lastExit
      return {name, url: service.url, reason: exited ?? `nothing accepts connections after ${timeoutMs / 1000} s`}
    })
    return (await Promise.all(waits)).filter((w) => w !== undefined)
  }

  /** Every process kne runs for the mesh: services and ContainerSources. */
  processes(): ProcessStatus[] {
    return this.supervisor.keys().map((key) => this.supervisor.get(key)!.status())
  }

  /** Stops what produces events (schedules, watches, ContainerSource processes); services keep running. */
  async stopProducers(): Promise<void> {
    this.closed = true
    for (const entry of this.entries.values()) this.retire(entry, false)
    await this.settle()
  }

  /** Stops everything, services included, and waits until every process has exited. */
  async close(): Promise<void> {
    this.closed = true
    for (const entry of this.entries.values()) this.retire(entry, false)
    await this.settle()
    await this.supervisor.stopAll()
    await this.sender.close()
  }

  private track(work: Promise<unknown>): void {
    const settled = work.catch((error: unknown) => this.options.log(`kne: ${(error as Error).message}`))
    this.stopping.add(settled)
    void settled.finally(() => this.stopping.delete(settled))
  }

  private async settle(): Promise<void> {
    while (this.stopping.size > 0) await Promise.allSettled([...this.stopping])
  }
}

function watched(r: ManifestResource): WatchedObject {
  return {apiVersion: r.apiVersion, kind: r.kind, metadata: r.metadata, manifest: r.manifest}
}

/** Ports nothing listens on right now (the kernel's picks for port 0), all held open until all are picked so that none repeats. */
async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      {length: count},
      () =>
        new Promise<Server>((resolveServer, reject) => {
          const server = createServer()
          server.unref()
          server.once('error', reject)
          server.listen(0, '127.0.0.1', () => resolveServer(server))
        }),
    ),
  )
  const ports = servers.map((server) => (server.address() as AddressInfo).port)
  await Promise.all(servers.map((server) => new Promise((done) => server.close(done))))
  return ports
}
