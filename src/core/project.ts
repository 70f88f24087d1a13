// kne.yaml: the project file. It names the default namespace, the manifests folder, the port, the
// Services that subscribers refer to (a local URL, or a command kne dev runs), the commands that stand in
// for ContainerSource images, and the delivery Brokers get when they set none.
import type {ServiceMap} from './resources/destination.js'
import type {LocalCommand} from './sources/container.js'
import type {DeliverySpec, ManifestError} from './resources/types.js'
import {isAbsoluteUrl, validateDeliverySpec} from './resources/validate.js'
import {resolve} from 'node:path'
import {parseYamlDocument} from './resources/yaml.js'
import {parseByteQuantity} from './quantity.js'
import {textOf} from './resources/read.js'
import {parseAge} from './delivery/duration.js'
import {nearestNames} from './registry/patterns.js'
import {otlpUrlProblem} from './trace-context.js'
import {VALIDATION_MODES, type ValidationMode} from './registry/violations.js'

export const PROJECT_FILE = 'kne.yaml'
/** kne test's files: event-flow tests, never read as manifests. */
export const TEST_FILE_SUFFIX = '.kne.yaml'
/** Routing snapshots, as kne test's docs name them: golden files, never read as manifests. */
export const SNAPSHOT_FILE_SUFFIX = '.snap.yaml'

export interface ProjectConfig {
  namespace: string
  /** Folder of manifests, relative to kne.yaml. */
  manifests: string
  port: number
  /** Local URLs of Services, by `name` or `namespace/name`; a service kne runs on a fixed port is here too. */
  services: ServiceMap
  /** Services kne dev runs itself (with PORT, and K_SINK when a SinkBinding binds them), by the same keys. */
  localServices: Record<string, LocalService>
  /** Commands that stand in for a ContainerSource's image, by `name` or `namespace/name`. */
  containerSources: Record<string, LocalCommand>
  /** Like Knative's config-br-defaults: what a Broker without spec.delivery gets. */
  brokerDelivery?: DeliverySpec
  /** The event log kne dev keeps (`persist:`); undefined: events live in memory only. */
  persist?: PersistConfig
  /** `registry.validate`: whether ingress checks events against their type's declared schema (off unless set). */
  validateEvents?: ValidationMode
  /** Where kne dev exports traces (`otel:`), unless --otel-endpoint or the OTEL_EXPORTER_OTLP_* variables say. */
  otel?: OtelConfig
}

/** kne.yaml's `otel:`: the OTLP/HTTP collector's base URL (`/v1/traces` is appended) and the service name. */
export interface OtelConfig {
  endpoint: string
  serviceName?: string
}

/** How appended records reach the disk: each synced before the mesh goes on, or synced in batches. */
export const PERSIST_SYNC_MODES = ['always', 'batch'] as const
export type PersistSync = (typeof PERSIST_SYNC_MODES)[number]

/** kne.yaml's `persist:`: `true`, a folder, or a mapping with the folder and the log's bounds. */
export interface PersistConfig {
  /** The log's folder as written (relative to kne.yaml); `.kne` by default. */
  dir: string
  sync?: PersistSync
  maxBytes?: number
  maxAgeMs?: number
}

/** The log's folder when `persist:` or `--persist` names none: beside kne.yaml. */
export const DEFAULT_PERSIST_DIR = '.kne'

/** A `services` entry with a command: kne dev starts it, restarts it when it dies, and routes to its port. */
export interface LocalService extends LocalCommand {
  /** Fixed port; without one kne dev picks a free port and passes it in PORT. */
  port?: number
  /** Labels a SinkBinding's subject selector is matched against. */
  labels: Record<string, string>
}

export const DEFAULT_PORT = 8080

export function defaultProjectConfig(): ProjectConfig {
  return {namespace: 'default', manifests: 'knative', port: DEFAULT_PORT, services: {}, localServices: {}, containerSources: {}}
}

/** The URL a local service answers on: loopback, on its port. */
export function localServiceUrl(port: number): string {
  return `http://127.0.0.1:${port}`
}

/**
 * Every service a reference may name, for checks that resolve nothing for real (kne validate): a local
 * service whose port kne dev has yet to pick maps to port 0.
 */
export function referenceableServices(config: Pick<ProjectConfig, 'services' | 'localServices'>): ServiceMap {
  const services: ServiceMap = {}
  for (const [key, service] of Object.entries(config.localServices)) services[key] = localServiceUrl(service.port ?? 0)
  return {...services, ...config.services}
}

/** Every field kne.yaml has; anything else is a typo (namespcae:) that would otherwise be ignored. */
const PROJECT_FIELDS = ['namespace', 'manifests', 'port', 'services', 'containerSources', 'brokerDefaults', 'persist', 'registry', 'otel']

export function parseProjectConfig(text: string, file: string): {config: ProjectConfig; errors: ManifestError[]} {
  const config = defaultProjectConfig()
  const errors: ManifestError[] = []
  const parsed = parseYamlDocument(text)
  if (!parsed.ok) return {config, errors: [{file, message: parsed.message}]}
  const raw = parsed.value
  if (raw === null || raw === undefined) return {config, errors}
  if (typeof raw !== 'object' || Array.isArray(raw)) return {config, errors: [{file, message: 'kne.yaml must be a mapping'}]}
  const doc = raw as Record<string, unknown>
  const fail = (field: string, message: string): void => {
    errors.push({file, field, message})
  }
  for (const key of Object.keys(doc)) {
    if (PROJECT_FIELDS.includes(key)) continue
    const nearest = nearestNames(key, PROJECT_FIELDS, 1)[0]
    fail(key, `unknown field${nearest ? ` (did you mean ${nearest}?)` : ''}: kne.yaml has ${PROJECT_FIELDS.join(', ')}`)
  }
  if (doc.namespace !== undefined) {
    if (typeof doc.namespace === 'string' && doc.namespace !== '') config.namespace = doc.namespace
    else fail('namespace', 'must be a namespace name')
  }
  if (doc.manifests !== undefined) {
    if (typeof doc.manifests === 'string' && doc.manifests !== '') config.manifests = doc.manifests
    else fail('manifests', 'must be a folder path')
  }
  if (doc.port !== undefined) {
    if (Number.isInteger(doc.port) && (doc.port as number) >= 0 && (doc.port as number) < 65536) config.port = doc.port as number
    else fail('port', 'must be a port number (0-65535)')
  }
  if (doc.services !== undefined) {
    if (!isMapping(doc.services)) {
      fail('services', 'must map service names to URLs or to {command, port, cwd, env, labels}')
    } else {
      for (const [name, entry] of Object.entries(doc.services)) {
        const field = `services.${name}`
        if (typeof entry === 'string') {
          if (isAbsoluteUrl(entry)) config.services[name] = entry
          else fail(field, `must be an absolute URL such as http://127.0.0.1:3000, got ${JSON.stringify(entry)}`)
          continue
        }
        if (!isMapping(entry)) {
          fail(
            field,
            `must be a URL (http://127.0.0.1:3000) or a command to run ({command: "node server.js", port: 3000}), got ${JSON.stringify(entry)}`,
          )
          continue
        }
        const service = readLocalService(entry, field, fail)
        if (!service) continue
        config.localServices[name] = service
        if (service.port !== undefined) config.services[name] = localServiceUrl(service.port)
      }
    }
  }
  if (doc.containerSources !== undefined) {
    if (!isMapping(doc.containerSources)) {
      fail('containerSources', 'must map ContainerSource names to {command, cwd, env}')
    } else {
      for (const [name, entry] of Object.entries(doc.containerSources)) {
        const field = `containerSources.${name}`
        if (!isMapping(entry)) fail(field, `must be {command, cwd, env}, got ${JSON.stringify(entry)}`)
        else {
          const command = readLocalCommand(entry, field, ['command', 'cwd', 'env'], fail)
          if (command) config.containerSources[name] = command
        }
      }
    }
  }
  const defaults = doc.brokerDefaults as Record<string, unknown> | undefined
  if (defaults !== undefined) {
    for (const key of isMapping(defaults) ? Object.keys(defaults) : [])
      if (key !== 'delivery') fail(`brokerDefaults.${key}`, 'unknown field: brokerDefaults has delivery')
    const delivery = defaults?.delivery
    if (typeof delivery !== 'object' || delivery === null) {
      fail('brokerDefaults.delivery', 'must be a DeliverySpec (retry, backoffPolicy, backoffDelay, deadLetterSink, timeout)')
    } else {
      const problems = validateDeliverySpec(delivery, 'brokerDefaults.delivery', false)
      for (const p of problems) fail(p.field, p.message)
      if (problems.length === 0) config.brokerDelivery = delivery
    }
  }
  if (doc.persist !== undefined) config.persist = readPersist(doc.persist, fail)
  if (doc.registry !== undefined) {
    if (!isMapping(doc.registry)) fail('registry', 'must be a mapping: registry: {validate: off|warn|reject}')
    else {
      for (const key of Object.keys(doc.registry)) if (key !== 'validate') fail(`registry.${key}`, 'unknown field: registry has validate')
      const mode = doc.registry.validate
      if ((VALIDATION_MODES as readonly unknown[]).includes(mode)) config.validateEvents = mode as ValidationMode
      else if (mode !== undefined) fail('registry.validate', `must be ${VALIDATION_MODES.join(', ')}, got ${JSON.stringify(mode)}`)
    }
  }
  if (doc.otel !== undefined) config.otel = readOtel(doc.otel, fail)
  return {config, errors}
}

const OTEL_FIELDS = ['endpoint', 'serviceName']

/** `otel: {endpoint: http://localhost:4318, serviceName: shop}`. */
function readOtel(value: unknown, fail: Fail): OtelConfig | undefined {
  if (!isMapping(value)) {
    fail('otel', `must be {endpoint, serviceName}, got ${JSON.stringify(value)}`)
    return undefined
  }
  for (const key of Object.keys(value))
    if (!OTEL_FIELDS.includes(key)) fail(`otel.${key}`, `unknown field: otel has ${OTEL_FIELDS.join(', ')}`)
  const problem = typeof value.endpoint === 'string' ? otlpUrlProblem(value.endpoint) : 'it is missing'
  if (problem !== undefined) {
    fail('otel.endpoint', `must be the collector's http or https base URL (http://localhost:4318): ${problem}`)
    return undefined
  }
  const otel: OtelConfig = {endpoint: value.endpoint as string}
  if (value.serviceName !== undefined) {
    if (typeof value.serviceName === 'string' && value.serviceName !== '') otel.serviceName = value.serviceName
    else fail('otel.serviceName', `must be a name, got ${JSON.stringify(value.serviceName)}`)
  }
  return otel
}

const PERSIST_FIELDS = ['dir', 'sync', 'maxSize', 'maxAge']

/** `persist: true`, `persist: path`, or `persist: {dir, sync, maxSize, maxAge}`; `false` keeps events in memory only. */
function readPersist(value: unknown, fail: Fail): PersistConfig | undefined {
  if (value === false) return undefined
  if (value === true) return {dir: DEFAULT_PERSIST_DIR}
  if (typeof value === 'string' && value !== '') return {dir: value}
  if (!isMapping(value)) {
    fail('persist', `must be true, a folder, or {dir, sync, maxSize, maxAge}, got ${JSON.stringify(value)}`)
    return undefined
  }
  for (const key of Object.keys(value))
    if (!PERSIST_FIELDS.includes(key)) fail(`persist.${key}`, `unknown field: persist has ${PERSIST_FIELDS.join(', ')}`)
  const persist: PersistConfig = {dir: DEFAULT_PERSIST_DIR}
  if (value.dir !== undefined) {
    if (typeof value.dir === 'string' && value.dir !== '') persist.dir = value.dir
    else fail('persist.dir', 'must be a folder path')
  }
  if (value.sync !== undefined) {
    if ((PERSIST_SYNC_MODES as readonly unknown[]).includes(value.sync)) persist.sync = value.sync as PersistSync
    else fail('persist.sync', `must be ${PERSIST_SYNC_MODES.join(' or ')}, got ${JSON.stringify(value.sync)}`)
  }
  if (value.maxSize !== undefined) {
    const bytes = parseByteQuantity(textOf(value.maxSize))
    if (bytes !== undefined && bytes > 0) persist.maxBytes = bytes
    else fail('persist.maxSize', `must be a size such as 256Mi or 1Gi, got ${JSON.stringify(value.maxSize)}`)
  }
  if (value.maxAge !== undefined) {
    const ms = parseAge(textOf(value.maxAge))
    if (ms !== undefined && ms > 0) persist.maxAgeMs = ms
    else fail('persist.maxAge', `must be a duration such as 12h or 7d, got ${JSON.stringify(value.maxAge)}`)
  }
  return persist
}

/** What `--persist [DIR]`, `--persist-sync` and `--persist-max` say; `dir` is '' for `--persist` alone. */
export interface PersistFlags {
  dir?: string
  sync?: PersistSync
  bounds?: readonly ({bytes: number} | {ageMs: number})[]
}

/**
 * The event log kne dev keeps, its folder absolute: the flags win over kne.yaml's `persist:`; a folder from
 * kne.yaml is relative to kne.yaml, one from --persist to the current folder. Undefined: no log.
 */
export function resolvePersist(
  config: PersistConfig | undefined,
  flags: PersistFlags,
  where: {projectDir: string; cwd: string},
): PersistConfig | {error: string} | undefined {
  if (flags.dir === undefined && config === undefined) {
    return flags.sync !== undefined || (flags.bounds?.length ?? 0) > 0
      ? {error: '--persist-sync and --persist-max set up the event log: add --persist (or persist: in kne.yaml)'}
      : undefined
  }
  const dir = flags.dir ? resolve(where.cwd, flags.dir) : resolve(where.projectDir, config?.dir ?? DEFAULT_PERSIST_DIR)
  const persist: PersistConfig = {...config, dir}
  if (flags.sync !== undefined) persist.sync = flags.sync
  for (const bound of flags.bounds ?? []) {
    if ('bytes' in bound) persist.maxBytes = bound.bytes
    else persist.maxAgeMs = bound.ageMs
  }
  return persist
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

type Fail = (field: string, message: string) => void

/** `{command, cwd, env}`: a command line (run by the shell) or an argv list, a folder, string variables. */
function readLocalCommand(entry: Record<string, unknown>, field: string, known: readonly string[], fail: Fail): LocalCommand | undefined {
  let ok = true
  const problem = (at: string, message: string): void => {
    ok = false
    fail(`${field}.${at}`, message)
  }
  for (const key of Object.keys(entry)) if (!known.includes(key)) problem(key, `unknown field (expected ${known.join(', ')})`)
  const {command, cwd, env} = entry
  const isArgv = Array.isArray(command) && command.length > 0 && command.every((a) => typeof a === 'string' || typeof a === 'number')
  if (!(typeof command === 'string' && command.trim() !== '') && !isArgv) {
    problem(
      'command',
      `must be a command line ("node server.js") or a list of arguments ([node, server.js]), got ${JSON.stringify(command)}`,
    )
  }
  if (cwd !== undefined && (typeof cwd !== 'string' || cwd === '')) problem('cwd', 'must be a folder (relative to kne.yaml)')
  const variables: Record<string, string> = {}
  if (env !== undefined) {
    if (!isMapping(env)) problem('env', 'must map variable names to values')
    else {
      for (const [name, value] of Object.entries(env)) {
        // YAML reads PORT: 3000 as a number: a variable is its text either way
        if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') variables[name] = String(value)
        else problem(`env.${name}`, `must be a string, got ${JSON.stringify(value)}`)
      }
    }
  }
  if (!ok) return undefined
  return {command: Array.isArray(command) ? command.map(String) : (command as string), ...(cwd ? {cwd: cwd as string} : {}), env: variables}
}

function readLocalService(entry: Record<string, unknown>, field: string, fail: Fail): LocalService | undefined {
  const command = readLocalCommand(entry, field, ['command', 'port', 'cwd', 'env', 'labels'], fail)
  const {port, labels} = entry
  let ok = command !== undefined
  if (port !== undefined && !(Number.isInteger(port) && (port as number) > 0 && (port as number) < 65536)) {
    ok = false
    fail(`${field}.port`, 'must be a port number (1-65535); leave it out and kne dev picks a free one')
  }
  const labelMap: Record<string, string> = {}
  if (labels !== undefined) {
    if (!isMapping(labels) || Object.values(labels).some((v) => typeof v !== 'string')) {
      ok = false
      fail(`${field}.labels`, 'must map label keys to string values')
    } else Object.assign(labelMap, labels)
  }
  if (!ok) return undefined
  return {...command!, ...(port !== undefined ? {port: port as number} : {}), labels: labelMap}
}
