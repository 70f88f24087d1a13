// What the server, the status, explain and control endpoints and the kind plugins see of a running mesh:
// read-only, so that only the Mesh itself swaps its topology, starts draining or ends its streams.
import type {MeshStatus, ReloadsAnswer} from '../core/api.js'
import type {KneResource} from '../core/resources/types.js'
import type {EventSchemas} from '../core/registry/validation.js'
import type {Topology} from '../core/topology.js'
import type {MeshEvents} from './events.js'
import type {Journal} from './journal.js'
import type {EventTypeObserver} from './registry.js'
import type {ProcessOutput} from './processes.js'
import type {MeshRuntime} from './runtime.js'
import type {SourceRuntime} from '../kinds/sources/runtime/runtime.js'

export interface MeshContext {
  readonly url: string
  readonly startedAt: Date
  /** The routes of the configuration last applied (swapped whole on reload). */
  readonly topology: Topology
  /** True once close() began: ingress answers 503. */
  readonly draining: boolean
  /** Why ingress refuses events now (503): the mesh is shutting down, or its event log cannot keep them. */
  readonly refusal: string | undefined
  /** The names requests may carry in their Host header; undefined when bound to every interface (any name). */
  readonly acceptedHosts: ReadonlySet<string> | undefined
  /** What the mesh runs, as last applied. */
  readonly resources: readonly KneResource[]
  readonly journal: Journal
  readonly runtime: MeshRuntime
  readonly eventTypes: EventTypeObserver | undefined
  /** Declared schemas ingress checks events against (kne.yaml registry.validate); undefined when off or none. */
  readonly eventSchemas: {mode: 'warn' | 'reject'; schemas: EventSchemas} | undefined
  /** Find, show and redeliver the events the mesh accepted. */
  readonly events: MeshEvents
  readonly sources: SourceRuntime
  /** The folder the processes the mesh runs start in, relative working folders included (kne.yaml's). */
  readonly projectDir: string
  /** How often the manifests were reloaded, what the last reload did, and the problems of the files still refused. */
  readonly reloads: ReloadsAnswer
  status(): MeshStatus
  log(line: string): void
  /** Where a line of a process the mesh runs goes (kne dev prints it under `[name]`). */
  processOutput(record: ProcessOutput): void
  /** Keeps an activity stream to end when the mesh closes; returns what forgets it. */
  keepStream(stream: {end(): void}): () => void
}
