// What `kne dev` starts: kne.yaml and the manifests it names (or the ones given), validated, then a
// mesh serving them. A project without manifests gets Knative's usual `default` broker.
import {existsSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {EXIT, KneError} from '../core/errors.js'
import {parseServiceFlags} from '../core/project.js'
import type {ParsedManifests} from '../core/resources/parse.js'
import {formatManifestError, type Broker} from '../core/resources/types.js'
import {loadManifests, loadProjectConfig, type LoadedProject} from './manifests.js'
import {createMesh, type Mesh, type MeshOptions} from './mesh.js'

export interface DevOptions {
  /** Files or folders given with -f. */
  files: readonly string[]
  config?: string
  port?: number
  host?: string
  /** `name=URL` service mappings from --service. */
  services?: readonly string[]
  historyLimit?: number
  /** Events an asynchronous broker may hold before ingress answers 429. */
  maxPendingEvents?: number
  log?: MeshOptions['log']
  cwd?: string
}

export interface DevSession {
  mesh: Mesh
  project: LoadedProject
  /** The manifest paths loaded (empty when the built-in default broker is served). */
  paths: string[]
  manifests: ParsedManifests
}

export function defaultBroker(namespace = 'default'): Broker {
  return {apiVersion: 'eventing.knative.dev/v1', kind: 'Broker', metadata: {name: 'default', namespace, labels: {}, annotations: {}},
    spec: {}, origin: {file: '<built-in>', document: 0}}
}

/** Loads configuration and manifests; throws a KneError (exit 3) listing every problem. */
export function loadDevConfiguration(options: DevOptions): Omit<DevSession, 'mesh'> {
  const cwd = options.cwd ?? process.cwd()
  const project = loadProjectConfig(options.config, options.files, cwd)
  const flagServices = parseServiceFlags(options.services ?? [])
  if (flagServices.error) throw new KneError(flagServices.error, 'INVALID_FLAG', EXIT.usage)
  project.config.services = {...project.config.services, ...flagServices.services}
  let paths = [...options.files]
  if (paths.length === 0 && project.file) {
    const folder = join(dirname(project.file), project.config.manifests)
    if (existsSync(folder)) paths = [folder]
  }
  const manifests: ParsedManifests = paths.length > 0
    ? loadManifests(paths.map((p) => join(p.startsWith('/') ? '' : cwd, p)), project.config.namespace)
    : {resources: [defaultBroker(project.config.namespace)], others: [], errors: [], warnings: []}
  const errors = [...project.errors, ...manifests.errors]
  if (errors.length > 0) {
    throw new KneError(`${errors.length} problem(s) in the manifests; nothing was started`, 'INVALID_MANIFEST', EXIT.invalid)
      .withDetails(errors.map(formatManifestError))
  }
  return {project, paths, manifests}
}

export async function startDev(options: DevOptions): Promise<DevSession> {
  const loaded = loadDevConfiguration(options)
  const port = options.port ?? loaded.project.config.port
  let mesh: Mesh
  try {
    mesh = await createMesh({
      host: options.host, port, resources: loaded.manifests.resources, services: loaded.project.config.services,
      brokerDelivery: loaded.project.config.brokerDelivery, historyLimit: options.historyLimit, maxPendingEvents: options.maxPendingEvents, log: options.log,
    })
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'EADDRINUSE') {
      throw new KneError(`port ${port} is already in use`, 'PORT_IN_USE', EXIT.usage, ['pick another with --port N, or --port 0 for any free port'])
    }
    throw error
  }
  return {...loaded, mesh}
}
