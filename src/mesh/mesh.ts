// The in-memory event mesh as a library: start it on a port, apply a set of Knative resources (again on
// every reload), read its status and activity, and close it with a drain that accounts for every delivery.
import type {Server} from 'node:http'
import type {AddressInfo} from 'node:net'
import type {Activity} from '../core/activity.js'
import type {InFlightDelivery, MeshStatus, RedeliverAnswer, RedeliverRequest, ReloadEvent, ReloadsAnswer} from '../core/api.js'
import {acceptedHostNames} from '../core/hosts.js'
import type {DeliverySpec} from '../core/resources/types.js'
import type {PersistConfig} from '../core/project.js'
import {formatManifestError, type KneResource, type ManifestError} from '../core/resources/types.js'
import {compileEventSchemas, declaredSchemas, type ValidationMode} from '../core/registry/validation.js'
import {readSchemaFile} from '../project/schema-files.js'
import type {ServiceMap} from '../core/resources/destination.js'
import {compileTopology, type Topology} from '../core/topology.js'
import {PLUGINS} from '../kinds/plugins.js'
import {realClock, type Clock} from './clock.js'
import type {MeshContext} from './context.js'
import {HttpSender} from './http-client.js'
import {Journal} from './journal.js'
import {MeshEvents, type ActivitySource} from './events.js'
import {EventTypeObserver} from './registry.js'
import {restoreRecords, resumeDeliveries, type RestoreReport} from './event-log/restore.js'
import {openEventLog} from './event-log/file-store.js'
import type {EventLogStore} from './event-log/store.js'
import {MeshRuntime} from './runtime.js'
import {createMeshServer, DEFAULT_CONNECTION_LIMITS, type ConnectionLimits} from './server.js'
import {SourceRuntime, type SourceOptions} from '../kinds/sources/runtime/runtime.js'
import type {MeshPlugin} from './plugin.js'
import {writePrefixed, type ProcessOutput} from './processes.js'
import {meshStatus} from './status.js'
import {MeshTracing} from './tracing.js'
import {otlpTracesUrl, otlpUrlProblem} from '../core/trace-context.js'
import {KneError} from '../core/errors.js'

export interface MeshOptions {
  /** Interface to bind; loopback unless told otherwise. */
  host?: string
  /** 0 picks a free port. */
  port?: number
  resources?: readonly KneResource[]
  services?: ServiceMap
  /** Delivery for Brokers without spec.delivery (Knative's config-br-defaults). */
  brokerDelivery?: DeliverySpec
  clock?: Clock
  /** Activity records the history keeps (default 5,000). */
  historyLimit?: number
  /** Bytes of activity records the history keeps (default 64 MiB); the oldest go first. */
  historyBytes?: number
  /** Events each asynchronous broker may hold before ingress answers 429 (default 10,000). */
  maxPendingEvents?: number
  /** Bytes of events (data and attributes) each asynchronous broker may hold before ingress answers 429 (default 64 MiB). */
  maxPendingBytes?: number
  /** Where the mesh reports problems it cannot answer to a client (defaults to stderr). */
  log?: (line: string) => void
  /** Record the event types that pass through (kne's eventtype-auto-create); on unless false. */
  observeEventTypes?: boolean
  /** Local services and ContainerSource commands to run, and where their output goes. */
  sources?: SourceOptions
  /**
   * Keep every record in an event log in this folder (a path, or `{dir, sync, maxBytes, maxAgeMs}`; docs/events.md):
   * on start the mesh restores its history, counters and registry from it and resumes the deliveries that had
   * not reached an outcome. `batchWriteMs`: with batch sync, how long records may wait to be written when no
   * producer's answer needs them first (default 20 ms).
   */
  persist?: string | (PersistConfig & {batchWriteMs?: number})
  /** Timeouts for receiving a request, and the cap on open connections (defaults: DEFAULT_CONNECTION_LIMITS). */
  connectionLimits?: Partial<ConnectionLimits>
  /** Where events are found when the mesh has no persist log of its own (an EventLogStore); without either, the bounded in-memory history. */
  eventLog?: ActivitySource
  /**
   * The records a previous run of the mesh appended (its event log), oldest first: before it listens the mesh
   * takes back their history, sequence and arrival numbers, counters, failures and registry observations,
   * and once its resources are applied it resumes every delivery they leave without an outcome. The
   * resumed deliveries' first records are appended before start() resolves: whatever persists the journal
   * must subscribe to it before then.
   */
  restore?: Iterable<Activity>
  /**
   * Export spans over OTLP/HTTP (docs/observability.md): `endpoint` is the collector's base URL (`/v1/traces`
   * is appended, as with OTEL_EXPORTER_OTLP_ENDPOINT), `tracesEndpoint` the full URL (as with
   * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, and it wins). Without either nothing is exported; trace context is
   * propagated all the same. The environment variables are read by `kne dev`, not here.
   */
  otel?: {endpoint?: string; tracesEndpoint?: string; serviceName?: string}
  /**
   * Check events at broker and channel ingress against their type's declared JSON Schema (EventType
   * schemaData, or a schema URI naming a local file): `warn` records the violations, `reject` answers 400.
   * Off unless set.
   */
  validateEvents?: ValidationMode
}

export interface CloseReport {
  /**
   * Deliveries that had not finished when the drain timeout ran out: each was failed and recorded, or, with
   * an event log (`resumable`), left there without an outcome for the next start to resume.
   */
  unfinished: InFlightDelivery[]
  resumable: boolean
}

export const DEFAULT_MAX_PENDING_EVENTS = 10_000
export const DEFAULT_MAX_PENDING_BYTES = 64 * 1024 * 1024

/** What a reload may change besides the resources; a setting left out keeps its value. */
export interface ApplyOptions {
  services?: ServiceMap
  /** Delivery for Brokers without spec.delivery (kne.yaml brokerDefaults); undefined for Knative's stock default. */
  brokerDelivery?: DeliverySpec
  validateEvents?: ValidationMode
}

export class Mesh implements MeshContext {
  readonly journal: Journal
  /** Every event accepted into a broker or a channel, and its deliveries. */
  readonly runtime: MeshRuntime
  /** The event types seen so far (GET /_kne/v1/registry); undefined when observation is off. */
  readonly eventTypes: EventTypeObserver | undefined
  /** PingSources, ContainerSources, SinkBindings, ApiServerSources and the local services kne runs. */
  readonly sources: SourceRuntime
  /** The events accepted so far: query, show, redeliver (from the event log when there is one). */
  readonly events: MeshEvents
  /** Open activity streams (ended when the mesh closes). */
  private readonly streams = new Set<{end(): void}>()
  readonly startedAt = new Date()
  private currentTopology: Topology
  private closing = false
  private reloadCount = 0
  private lastReload: ReloadEvent | undefined
  /** Per file, the problems of its latest version while its last good version stays in force. */
  private readonly refused = new Map<string, ManifestError[]>()
  private hosts: ReadonlySet<string> | undefined
  private applied: readonly KneResource[]
  /** The kind families' runtimes (src/kinds/plugins.ts). */
  private readonly plugins: readonly MeshPlugin[]
  private readonly server: Server
  /** The clock retry waits run on: a VirtualClock when the caller passed one. */
  readonly clock: Clock
  private readonly sender = new HttpSender()
  private baseUrl = ''
  /** What a start from a previous run's records (options.restore, or the event log) found and resumed. */
  restored: RestoreReport | undefined
  /** The event log every record goes to (options.persist). */
  readonly eventLog: EventLogStore | undefined
  private schemaCheck: MeshContext['eventSchemas']
  private unusableSchemas: ManifestError[] = []

  /** Trace context of every event, and the span exporter when one is configured (options.otel). */
  readonly tracing: MeshTracing

  private constructor(
    private readonly options: MeshOptions,
    eventLog: EventLogStore | undefined,
    tracing: MeshTracing,
  ) {
    this.eventLog = eventLog
    this.tracing = tracing
    const clock = (this.clock = options.clock ?? realClock)
    this.journal = new Journal(clock, {records: options.historyLimit, bytes: options.historyBytes})
    this.runtime = new MeshRuntime({
      journal: this.journal,
      dispatch: {clock, journal: this.journal, sender: this.sender, tracing},
      maxPendingEvents: options.maxPendingEvents ?? DEFAULT_MAX_PENDING_EVENTS,
      maxPendingBytes: options.maxPendingBytes ?? DEFAULT_MAX_PENDING_BYTES,
      now: () => clock.now(),
    })
    this.eventTypes = options.observeEventTypes === false ? undefined : new EventTypeObserver(this.journal, {log: (line) => this.log(line)})
    this.sources = new SourceRuntime({...options.sources, clock, log: (line) => this.log(line)})
    this.events = new MeshEvents(this, this.journal, {log: eventLog ?? options.eventLog})
    this.applied = options.resources ?? []
    this.currentTopology = compileTopology([], {meshUrl: ''})
    this.plugins = PLUGINS.map((create) => create(this))
    this.server = createMeshServer(this, this.plugins, {...DEFAULT_CONNECTION_LIMITS, ...options.connectionLimits})
  }

  /** Starts a mesh and resolves once it is listening. */
  static async start(options: MeshOptions = {}): Promise<Mesh> {
    const log = (line: string): void => (options.log ?? ((l: string) => process.stderr.write(`${l}\n`)))(line)
    const tracesUrl = options.otel?.tracesEndpoint || (options.otel?.endpoint ? otlpTracesUrl(options.otel.endpoint, {}) : undefined)
    const urlProblem = tracesUrl === undefined ? undefined : otlpUrlProblem(tracesUrl)
    if (urlProblem !== undefined) throw new KneError(`cannot export traces: ${urlProblem}`, 'INVALID_FLAG')
    // the log's lock is taken before anything else: a folder another kne uses stops the start here
    const eventLog: EventLogStore | undefined =
      options.persist === undefined
        ? undefined
        : openPersistedLog(options.persist, options.clock ?? realClock, log, () => mesh.runtime.oldestUnsettledSeq())
    let mesh: Mesh
    let tracing = MeshTracing.off
    try {
      if (tracesUrl !== undefined) tracing = await MeshTracing.exporting({url: tracesUrl, serviceName: options.otel?.serviceName, log})
      mesh = new Mesh(options, eventLog, tracing)
    } catch (error) {
      eventLog?.close()
      await tracing.close()
      throw error
    }
    try {
      // before anything can be appended: the records go on from the previous run's numbers
      // the restore's one pass over the log builds the events index too
      const records = eventLog ? mesh.events.indexing(eventLog.read()) : options.restore
      const restored = records && restoreRecords(mesh, records)
      if (eventLog) mesh.persistTo(eventLog)
      await mesh.listen()
      await mesh.sources.prepare()
      mesh.apply(mesh.applied)
      if (restored) mesh.restored = resumeDeliveries(mesh, restored)
    } catch (error) {
      eventLog?.close()
      await mesh.tracing.close()
      throw error
    }
    return mesh
  }

  /** Every record appended from now on goes to the event log first; a failed write makes ingress refuse events for a while. */
  private persistTo(eventLog: EventLogStore): void {
    this.journal.onSinkFailure = (error) =>
      this.log(`the event log cannot keep records (${error.message}); ingress answers 503 until it can`)
    this.journal.setSink(
      (record) => eventLog.append(record),
      (seq) => eventLog.commit(seq),
    )
  }

  private async listen(): Promise<void> {
    const {options} = this
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject)
      const host = options.host ?? '127.0.0.1'
      this.server.listen(options.port ?? 0, host, () => {
        this.server.off('error', reject)
        this.hosts = acceptedHostNames(host, (this.server.address() as AddressInfo).address)
        resolve()
      })
    })
    const address = this.server.address() as AddressInfo
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address
    this.baseUrl = `http://${host}:${address.port}`
  }

  get url(): string {
    return this.baseUrl
  }

  /** The routes of the configuration last applied (swapped whole on reload). */
  get topology(): Topology {
    return this.currentTopology
  }

  /** True once close() began: ingress answers 503. */
  get draining(): boolean {
    return this.closing
  }

  /** Why ingress refuses events now (503); undefined while it accepts them. */
  get refusal(): string | undefined {
    if (this.closing) return 'kne is shutting down and no longer accepts events'
    const failure = this.journal.sinkFailure
    // for a second after a failed write; then an event is let through to try the log again
    if (failure !== undefined && Date.now() - failure.at < LOG_RETRY_MS)
      return `kne cannot keep events in its event log (${failure.message}); send them again later`
    return undefined
  }

  /** The declared schemas ingress checks events against; undefined when validation is off or no type has one. */
  get eventSchemas(): MeshContext['eventSchemas'] {
    return this.schemaCheck
  }

  /** Schemas of the configuration last applied that could not be read or compiled (their types are not checked). */
  get schemaProblems(): readonly ManifestError[] {
    return this.unusableSchemas
  }

  /** The names requests may carry in their Host header; undefined when bound to every interface (any name). */
  get acceptedHosts(): ReadonlySet<string> | undefined {
    return this.hosts
  }

  /** What the mesh runs, as last applied, each with its file and manifest (GET /_kne/v1/resources). */
  get resources(): readonly KneResource[] {
    return this.applied
  }

  /** How often kne dev reloaded the manifests, and the last reload (GET /_kne/v1/reloads; the console shows its problems). */
  get reloads(): ReloadsAnswer {
    const problems = [...this.refused.values()].flat()
    return this.lastReload === undefined ? {count: 0, problems} : {count: this.reloadCount, last: this.lastReload, problems}
  }

  recordReload(event: ReloadEvent): void {
    this.reloadCount++
    this.lastReload = event
    for (const {file, taken} of event.files) {
      if (taken) this.refused.delete(file)
      else
        this.refused.set(
          file,
          event.problems.filter((p) => p.file === file),
        )
    }
  }

  keepStream(stream: {end(): void}): () => void {
    this.streams.add(stream)
    return () => this.streams.delete(stream)
  }

  /** HTTP requests the mesh has sent (deliveries, dead letters, replies) and not yet had an answer to. */
  get requestsInFlight(): number {
    return this.sender.inFlight
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port
  }

  /** Replaces the whole configuration; deliveries already under way finish with the routes they started with. */
  apply(resources: readonly KneResource[], options: ApplyOptions = {}): Topology {
    this.applied = resources
    if ('services' in options) this.options.services = options.services
    if ('brokerDelivery' in options) this.options.brokerDelivery = options.brokerDelivery
    if ('validateEvents' in options) this.options.validateEvents = options.validateEvents
    const {services, brokerDelivery} = this.options
    this.currentTopology = compileTopology(resources, {
      meshUrl: this.baseUrl,
      services: {...this.sources.serviceUrls(), ...services},
      brokerDelivery,
    })
    this.compileSchemas(resources)
    for (const plugin of this.plugins) plugin.apply?.(this)
    return this.currentTopology
  }

  /** Compiles the declared schemas when validation is on; one that does not compile is logged, and its type not checked. */
  private compileSchemas(resources: readonly KneResource[]): void {
    const mode = this.options.validateEvents ?? 'off'
    this.schemaCheck = undefined
    this.unusableSchemas = []
    if (mode === 'off') return
    const declared = declaredSchemas(resources, readSchemaFile)
    const compiled = compileEventSchemas(declared.schemas)
    this.unusableSchemas = [...declared.problems, ...compiled.problems]
    for (const problem of this.unusableSchemas) this.log(formatManifestError(problem))
    if (compiled.schemas.size > 0) this.schemaCheck = {mode, schemas: compiled.schemas}
  }

  status(): MeshStatus {
    return meshStatus(this, this.plugins)
  }

  /**
   * Sends events again (kne redeliver): the events given by arrival or id, or those a filter picks, each to
   * its triggers or subscriptions whose delivery ended dead-lettered or failed, as a new arrival.
   */
  redeliver(request: RedeliverRequest = {}): RedeliverAnswer {
    return this.events.redeliver(request)
  }

  /** Resolves once every event accepted so far has reached its outcome on every matched trigger. */
  idle(): Promise<void> {
    return this.runtime.idle()
  }

  get projectDir(): string {
    return this.options.sources?.projectDir ?? process.cwd()
  }

  processOutput(record: ProcessOutput): void {
    ;(this.options.sources?.output ?? writePrefixed)(record)
  }

  log(line: string): void {
    ;(this.options.log ?? ((l: string) => process.stderr.write(`${l}\n`)))(line)
  }

  /**
   * Stops accepting events (503), waits up to `drainTimeoutMs` for deliveries under way, then gives up on
   * the rest — each recorded as failed — and closes every connection.
   */
  async close({drainTimeoutMs = 0}: {drainTimeoutMs?: number} = {}): Promise<CloseReport> {
    this.closing = true
    // no new events from sources; local services stay up until the drain is over, as they may be subscribers
    await this.sources.stopProducers()
    const drained = await Promise.race([
      this.runtime.idle().then(() => true),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(false), drainTimeoutMs).unref()),
    ])
    const unfinished = drained ? [] : [...this.runtime.inFlight].map((d) => ({...d}))
    // with an event log, what did not finish stays there without an outcome: the next start resumes it
    this.closeEventLog()
    this.runtime.stop(new Error('kne stopped before the delivery finished (drain timeout)'))
    if (!drained) await Promise.race([this.runtime.idle(), new Promise((resolve) => setTimeout(resolve, 2000).unref())])
    await this.sources.close()
    for (const stream of this.streams) stream.end()
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve())
      this.server.closeAllConnections()
    })
    await this.sender.close()
    for (const plugin of this.plugins) await plugin.close?.()
    // the spans of the last deliveries go out before close resolves
    await this.tracing.close()
    return {unfinished, resumable: this.eventLog !== undefined}
  }

  /** Writes and syncs what the event log holds, releases its lock, and sends it no more records. */
  private closeEventLog(): void {
    if (this.eventLog === undefined) return
    this.journal.setSink(undefined)
    try {
      this.eventLog.close()
    } catch (error) {
      this.log(`the event log could not be closed cleanly: ${(error as Error).message}`)
    }
  }
}

/** Starts a mesh (the library entry point): `const mesh = await createMesh({resources}); … await mesh.close()`. */
export function createMesh(options: MeshOptions = {}): Promise<Mesh> {
  return Mesh.start(options)
}

/** How long ingress refuses events without trying the event log again after it failed to write one. */
const LOG_RETRY_MS = 1000

/** Opens the event log for a mesh: bounds and sync as configured, damage reported on the mesh's log. */
function openPersistedLog(
  option: string | (PersistConfig & {batchWriteMs?: number}),
  clock: Clock,
  log: (line: string) => void,
  keepFrom: () => number | undefined,
): EventLogStore {
  const persist = typeof option === 'string' ? {dir: option} : option
  return openEventLog({
    dir: persist.dir,
    sync: persist.sync,
    maxBytes: persist.maxBytes,
    maxAgeMs: persist.maxAgeMs,
    batchWriteMs: persist.batchWriteMs,
    keepFrom,
    now: () => clock.now(),
    onDamage: (damage) => log(`event log: ${damage.file} at offset ${damage.offset}: ${damage.problem}; the record is skipped`),
  })
}
