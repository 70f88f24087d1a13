// What `kne dev` starts: kne.yaml and the manifests it names (or the ones given), validated, then a
// mesh serving them, with the services and sources kne.yaml and the manifests ask it to run. A project
// without manifests gets Knative's usual `default` broker.
import {dirname} from 'node:path'
import {EXIT, KneError} from '../core/errors.js'
import {parseServiceFlags} from '../core/service-flags.js'
import {resolvePersist, type OtelConfig, type PersistConfig, type PersistFlags} from '../core/project.js'
import type {ValidationMode} from '../core/registry/violations.js'
import type {ServiceMap} from '../core/resources/destination.js'
import {isOtelDisabled, otlpTracesUrl, otlpUrlProblem, type OtelEnvironment} from '../core/trace-context.js'
import {emptyManifests} from '../core/resources/parse.js'
import {manifestErrorFormatter, type Broker, type ManifestResource} from '../core/resources/types.js'
import {loadProjectManifests, problemsIn, type LoadedManifests, type LoadedProject} from '../project/manifests.js'
import {notEmulated, notEmulatedWarnings} from '../kinds/descriptors.js'
import {createMesh, type Mesh, type MeshOptions} from './mesh.js'
import type {SourceOptions} from '../kinds/sources/runtime/runtime.js'
import {watchManifests, type ManifestWatcher, type ReloadEvent} from './watch.js'

export interface DevOptions {
  /** Files or folders given with -f. */
  files: readonly string[]
  config?: string
  port?: number
  host?: string
  /** `name=URL` service mappings from --service. */
  services?: readonly string[]
  historyLimit?: number
  historyBytes?: number
  /** Events an asynchronous broker may hold before ingress answers 429. */
  maxPendingEvents?: number
  /** Bytes of events an asynchronous broker may hold before ingress answers 429. */
  maxPendingBytes?: number
  log?: MeshOptions['log']
  /** Where the output of the processes kne runs goes (services, ContainerSources). */
  output?: SourceOptions['output']
  cwd?: string
  /** --persist [DIR], --persist-sync, --persist-max: with kne.yaml's `persist:`, the event log to keep. */
  persist?: PersistFlags
  /** --validate-events: wins over kne.yaml's registry.validate. */
  validateEvents?: ValidationMode
  /** How long the services kne starts get to listen on their ports before the mesh is reported Ready anyway. */
  serviceStartTimeoutMs?: number
  /** --otel-endpoint: the OTLP/HTTP collector's base URL; without it the OTEL_EXPORTER_OTLP_* variables of `env` apply. */
  otelEndpoint?: string
  /** Where the OTEL_* variables are read (process.env by default). */
  env?: OtelEnvironment
}

/** A service's `npm start` may compile first; past this, kne dev says it is Ready and which services do not listen. */
export const SERVICE_START_TIMEOUT_MS = 10_000

export interface DevSession {
  mesh: Mesh
  project: LoadedProject
  /** The manifest paths loaded, as given (empty when the built-in default broker is served). */
  paths: string[]
  /** The same paths, absolute: what hot reload watches. */
  watchPaths: string[]
  manifests: LoadedManifests
  /** --service mappings (they win over kne.yaml's services, also after a reload). */
  flagServices: ServiceMap
  /** --validate-events, when given (it wins over kne.yaml's registry.validate, also after a reload). */
  flagValidateEvents?: ValidationMode
  /** Resources that loaded but that the mesh does not run (kinds it does not emulate yet). */
  notEmulated: ManifestResource[]
  /** The event log kept (its folder absolute), when there is one. */
  persist?: PersistConfig
  /** Services kne started that did not listen on their port in time, with why. */
  servicesNotListening: {name: string; url: string; reason: string}[]
}

export function defaultBroker(namespace = 'default'): Broker {
  return {
    apiVersion: 'eventing.knative.dev/v1',
    kind: 'Broker',
    metadata: {name: 'default', namespace, labels: {}, annotations: {}},
    spec: {},
    origin: {file: '<built-in>', document: 0},
    manifest: {apiVersion: 'eventing.knative.dev/v1', kind: 'Broker', metadata: {name: 'default', namespace}},
  }
}

/** Loads configuration and manifests; throws a KneError (exit 3) listing every problem. */
export function loadDevConfiguration(options: DevOptions): Omit<DevSession, 'mesh' | 'servicesNotListening'> {
  const flagServices = parseServiceFlags(options.services ?? [])
  if (flagServices.error) throw new KneError(flagServices.error, 'INVALID_FLAG', EXIT.usage)
  const {project, paths, namespace, manifests} = loadProjectManifests({files: options.files, config: options.config, cwd: options.cwd})
  project.config.services = {...project.config.services, ...flagServices.services}
  if (manifests.errors.length > 0) {
    throw new KneError(
      `${manifests.errors.length} problem(s) in ${problemsIn(manifests.errors, project.file, 'the manifests', options.cwd)}; nothing was started`,
      'INVALID_MANIFEST',
      EXIT.invalid,
    ).withDetails(manifests.errors.map(manifestErrorFormatter(options.cwd ?? process.cwd())))
  }
  const persist = resolvePersist(project.config.persist, options.persist ?? {}, {
    projectDir: project.file ? dirname(project.file) : (options.cwd ?? process.cwd()),
    cwd: options.cwd ?? process.cwd(),
  })
  if (persist !== undefined && 'error' in persist) throw new KneError(persist.error, 'INVALID_FLAG', EXIT.usage)
  const served = paths.length > 0 ? manifests : {...emptyManifests(), resources: [defaultBroker(namespace)], files: []}
  served.warnings.push(...notEmulatedWarnings(served))
  return {
    project,
    paths: options.files.length > 0 ? [...options.files] : paths,
    watchPaths: paths,
    manifests: served,
    flagServices: flagServices.services,
    flagValidateEvents: options.validateEvents,
    notEmulated: notEmulated(served),
    persist,
  }
}

export async function startDev(options: DevOptions): Promise<DevSession> {
  const loaded = loadDevConfiguration(options)
  const port = options.port ?? loaded.project.config.port
  const {config, file} = loaded.project
  // a --service URL replaces the command kne.yaml gives the same service
  const localServices = Object.fromEntries(Object.entries(config.localServices).filter(([key]) => !Object.hasOwn(loaded.flagServices, key)))
  let mesh: Mesh
  try {
    mesh = await createMesh({
      host: options.host,
      port,
      resources: loaded.manifests.resources,
      services: config.services,
      brokerDelivery: config.brokerDelivery,
      historyLimit: options.historyLimit,
      historyBytes: options.historyBytes,
      maxPendingEvents: options.maxPendingEvents,
      maxPendingBytes: options.maxPendingBytes,
      persist: loaded.persist,
      otel: otelOptions(options, config.otel),
      validateEvents: options.validateEvents ?? config.validateEvents,
      log: options.log,
      sources: {
        localServices,
        containerSources: config.containerSources,
        projectDir: file ? dirname(file) : (options.cwd ?? process.cwd()),
        output: options.output,
      },
    })
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'EADDRINUSE') {
      throw new KneError(`port ${port} is already in use`, 'PORT_IN_USE', EXIT.usage, [
        'pick another with --port N, or --port 0 for any free port',
      ])
    }
    throw error
  }
  // Ready means an event sent now reaches the services kne started, not that their processes were spawned
  const servicesNotListening = await mesh.sources.untilServicesListen(options.serviceStartTimeoutMs ?? SERVICE_START_TIMEOUT_MS)
  return {...loaded, mesh, servicesNotListening}
}

/** The span export kne dev asks of the mesh: --otel-endpoint, else the standard variables, else kne.yaml's `otel:`. */
function otelOptions(options: DevOptions, config: OtelConfig | undefined): MeshOptions['otel'] {
  const env: OtelEnvironment = options.env ?? process.env
  const given: [string, string | undefined][] = [['--otel-endpoint', options.otelEndpoint]]
  if (!isOtelDisabled(env))
    given.push(
      ['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT],
      ['OTEL_EXPORTER_OTLP_ENDPOINT', env.OTEL_EXPORTER_OTLP_ENDPOINT],
    )
  // only the setting that is used is checked: one the flag or OTEL_SDK_DISABLED overrides cannot stop kne dev
  const used = given.find(([, value]) => value?.trim())
  const problem = used === undefined ? undefined : otlpUrlProblem(used[1]!.trim())
  if (problem !== undefined)
    throw new KneError(`${used![0]}: ${problem}`, 'INVALID_FLAG', {
      suggestions: ["give the collector's base URL, e.g. http://localhost:4318"],
    })
  // OTEL_SDK_DISABLED=true turns kne.yaml's export off as well; only the flag is stronger
  const fromConfig = config === undefined || isOtelDisabled(env) ? undefined : otlpTracesUrl(config.endpoint, {})
  const tracesEndpoint = otlpTracesUrl(options.otelEndpoint, env) ?? fromConfig
  const serviceName = env.OTEL_SERVICE_NAME?.trim() || config?.serviceName
  return tracesEndpoint === undefined ? undefined : {tracesEndpoint, serviceName}
}

/**
 * Hot reload for a running session: watches its manifest paths and kne.yaml. Undefined when there is
 * nothing to watch (the built-in default broker without a kne.yaml).
 */
export async function watchDev(session: DevSession, onReload: (event: ReloadEvent) => void): Promise<ManifestWatcher | undefined> {
  if (session.watchPaths.length === 0 && !session.project.file) return undefined
  return watchManifests({
    mesh: session.mesh,
    paths: session.watchPaths,
    projectFile: session.project.file,
    config: session.project.config,
    initial: {files: session.manifests.files, manifests: session.manifests},
    flagServices: session.flagServices,
    flagValidateEvents: session.flagValidateEvents,
    onReload,
    // ApiServerSources see the resources kne runs change as the manifests are edited
    onResourceChanges: (changes) => session.mesh.sources.observeChanges(changes),
  })
}
