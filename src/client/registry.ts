// The event registry as the commands see it: when a mesh runs, the resources it runs (EventTypes, sources,
// triggers) and what it observed; with -f, or without a mesh, the manifests on disk (merged with a running
// mesh's observations). list, describe, export, browse and lint are built on it.
import {readSchemaFile} from '../project/schema-files.js'
import {request} from './http.js'
import {EXIT, KneError} from '../core/errors.js'
import {
  buildRegistry,
  eventTypesFromDocument,
  exportEventTypes,
  formatReference,
  toAsyncApi,
  toXRegistry,
  lintRegistry,
  nearestNames,
  sendLine,
  shellQuote,
  triggerCreateLine,
  typescriptTypes,
  diffRegistries,
  withLocalSchemas,
  type GeneratedType,
  type RegistryDiff,
  type EventTypeVersion,
  type ExportedEventType,
  type LintReport,
  type ObservedRegistry,
  type DocumentFormat,
  type DocumentProblem,
  type Registry,
  type RegistryEntry,
  type RegistryReference,
} from '../core/registry/index.js'
import {DEFAULT_PORT} from '../core/project.js'
import {formatBytes} from '../core/quantity.js'
import {toYaml} from '../scaffold/templates.js'
import {manifestErrorFormatter, type KReference, type ManifestError, type ManifestResource} from '../core/resources/types.js'
import {parseManifests} from '../core/resources/parse.js'
import {loadManifests, loadProjectConfig, loadProjectManifests, type LoadedProject} from '../project/manifests.js'
import type {MeshResources} from '../core/api.js'
import {writeEventTypes, writeImportedEventTypes, type ImportedFile, type WrittenEventType} from '../scaffold/eventtype.js'
import {EXAMPLE_SINK_URL} from '../scaffold/init.js'
import {displayPath, openProject} from '../scaffold/project.js'
import {rewriteFile} from '../scaffold/write-file.js'
import {existsSync, readFileSync, statSync, writeFileSync} from 'node:fs'
import {resolve} from 'node:path'
import {findMesh} from './locator.js'
import {hasRole, roleOf} from '../kinds/descriptors.js'

export interface RegistryOptions {
  /** Manifest files or folders (-f); default: kne.yaml's manifests folder. */
  files?: readonly string[]
  /** Path to kne.yaml. */
  config?: string
  cwd?: string
  /** Where kne dev's locator lives (oclif's dataDir). */
  dataDir: string
  /** Merge a running mesh's observations (default true). */
  live?: boolean
  /** Read the manifests even when a mesh runs (lint checks files). */
  manifestsOnly?: boolean
  env?: NodeJS.ProcessEnv
}

export interface LoadedRegistry {
  registry: Registry
  resources: ManifestResource[]
  project: LoadedProject
  /** The project's namespace (kne.yaml, else default). */
  namespace: string
  /** Manifest paths read (absolute); none when read from the mesh. */
  paths: string[]
  /** What the resources were read from: the running mesh, or manifests on disk. */
  readFrom: 'mesh' | 'manifests'
  manifestErrors: ManifestError[]
  /** The mesh the observations came from, or null. */
  mesh: {url: string; dropped: number} | null
  /** Why there are no observations, when there are none. */
  meshProblem?: string
}

/** Where a registry answer came from, as each result says it. */
export interface RegistrySource {
  /** The mesh the observations came from, or null. */
  mesh: {url: string} | null
  /** What the registry was built from: the running mesh, or manifests on disk. */
  readFrom: 'mesh' | 'manifests'
  /** Why there are no observations, when there are none. */
  meshProblem?: string
}

function sourceOf(loaded: LoadedRegistry): RegistrySource {
  return {
    mesh: loaded.mesh ? {url: loaded.mesh.url} : null,
    readFrom: loaded.readFrom,
    ...(loaded.meshProblem ? {meshProblem: loaded.meshProblem} : {}),
  }
}

/** The entries of one namespace, or all of them. */
function inNamespace(entries: readonly RegistryEntry[], namespace: string | undefined): RegistryEntry[] {
  return entries.filter((e) => namespace === undefined || e.namespace === namespace)
}

interface MeshRegistry {
  url?: string
  observed?: ObservedRegistry
  /** What the mesh runs, when asked for and served. */
  resources?: ManifestResource[]
  problem?: string
}

/**
 * Reads what a running mesh observed, and with `resources` what it runs; undefined (with the reason) when
 * none runs or it cannot be read.
 */
export async function fetchObservations(
  dataDir: string,
  env: NodeJS.ProcessEnv = process.env,
  options: {resources?: boolean} = {},
): Promise<MeshRegistry> {
  let url: string
  try {
    url = findMesh(dataDir, env).url
  } catch {
    return {problem: 'no kne mesh is running: showing what the manifests declare'}
  }
  try {
    const [response, served] = await Promise.all([
      request(`${url}/_kne/v1/registry`, {timeoutMs: 5000}),
      options.resources ? request(`${url}/_kne/v1/resources`, {timeoutMs: 5000}) : undefined,
    ])
    // a mesh from before GET /_kne/v1/resources: its manifests are read from disk instead
    const resources =
      served?.statusCode === 200 ? (((await served.body.json()) as MeshResources).resources as ManifestResource[]) : undefined
    if (served && served.statusCode !== 200) await served.body.dump()
    if (response.statusCode !== 200) {
      const text = await response.body.text()
      return {
        url,
        ...(resources ? {resources} : {}),
        problem: `${url} does not report observed event types (HTTP ${response.statusCode}${text ? `: ${text.slice(0, 200)}` : ''})`,
      }
    }
    return {url, observed: (await response.body.json()) as ObservedRegistry, ...(resources ? {resources} : {})}
  } catch (error) {
    const err = error as {code?: string; cause?: {code?: string}; message?: string}
    return {url, problem: `cannot reach ${url}: ${err.cause?.code ?? err.code ?? err.message}`}
  }
}

/** The running mesh's registry (what it runs, plus what it observed) unless -f names manifests; else the manifests' (plus observations). */
export async function loadRegistry(options: RegistryOptions): Promise<LoadedRegistry> {
  const files = options.files ?? []
  const fromMesh = files.length === 0 && options.manifestsOnly !== true && options.live !== false
  const live: MeshRegistry =
    options.live === false
      ? {problem: 'observations not requested'}
      : await fetchObservations(options.dataDir, options.env, {resources: fromMesh})
  const mesh = live.observed && live.url ? {url: live.url, dropped: live.observed.dropped} : null
  const problem = live.problem ? {meshProblem: live.problem} : {}
  if (live.resources) {
    const project = loadProjectConfig(options.config, [], options.cwd)
    const registry = buildRegistry({resources: withLocalSchemas(live.resources, readSchemaFile), observed: live.observed?.types})
    return {
      registry,
      resources: live.resources,
      project,
      namespace: project.config.namespace,
      paths: [],
      readFrom: 'mesh',
      manifestErrors: [],
      mesh: mesh ?? {url: live.url!, dropped: 0},
      ...problem,
    }
  }
  const {project, paths, namespace, manifests} = loadProjectManifests({files, config: options.config, cwd: options.cwd})
  const resources = [...manifests.resources, ...manifests.others]
  // an EventType's schema file is its schema: described, exported, made into examples and types
  const registry = buildRegistry({resources: withLocalSchemas(resources, readSchemaFile), observed: live.observed?.types})
  return {registry, resources, project, namespace, paths, readFrom: 'manifests', manifestErrors: manifests.errors, mesh, ...problem}
}

// ---------------------------------------------------------------------------------------------------
// list

export interface RegistryRow {
  type: string
  namespace: string
  /** The source, or the pattern sources share; undefined when unknown. */
  source?: string
  reference?: RegistryReference
  broker?: string
  origins: string[]
  producers: number
  consumers: number
  /** Consumers whose filters only may match. */
  mayConsume: number
  /** Events seen by the running mesh. */
  count?: number
  lastSeen?: string
}

export interface RegistryListResult extends RegistrySource {
  types: RegistryRow[]
  /** Problems in the manifests (the registry shows what did load). */
  manifestErrors: number
  /** EventTypes that could not be used. */
  problems: string[]
}

export interface ListOptions extends RegistryOptions {
  namespace?: string
  /** Only types whose events flow into this broker (in `namespace`, else the project's). */
  broker?: string
}

export async function listRegistry(options: ListOptions): Promise<RegistryListResult> {
  const loaded = await loadRegistry(options)
  const brokerKey = options.broker === undefined ? undefined : `${options.namespace ?? loaded.namespace}/${options.broker}`
  const types = inNamespace(loaded.registry.entries, options.namespace)
    .filter((e) => brokerKey === undefined || e.broker === brokerKey)
    .map(toRow)
  return {
    types,
    ...sourceOf(loaded),
    manifestErrors: loaded.manifestErrors.length,
    problems: loaded.registry.problems,
  }
}

function toRow(e: RegistryEntry): RegistryRow {
  const row: RegistryRow = {
    type: e.type,
    namespace: e.namespace,
    origins: e.origins,
    producers: e.producers.length,
    consumers: e.consumers.filter((c) => c.verdict === 'matches').length,
    mayConsume: e.consumers.filter((c) => c.verdict === 'may-match').length,
  }
  const source = e.source ?? e.sourcePattern
  if (source) row.source = source
  if (e.reference) row.reference = e.reference
  if (e.broker) row.broker = e.broker
  if (e.observed) {
    row.count = e.observed.count
    row.lastSeen = e.observed.lastSeen
  }
  return row
}

// ---------------------------------------------------------------------------------------------------
// describe

export interface DescribedEntry extends RegistryEntry {
  /** Ready-to-paste command lines. */
  commands: {triggerCreate: string; send: string}
}

export interface RegistryDescribeResult extends RegistrySource {
  type: string
  /** One entry per reference the type comes through. */
  entries: DescribedEntry[]
}

export interface DescribeOptions extends RegistryOptions {
  namespace?: string
}

/** The registry's entries of a type (in one namespace when given); exit 2 with the nearest known names when there is none. */
function entriesOfType(loaded: Awaited<ReturnType<typeof loadRegistry>>, type: string, namespace: string | undefined): RegistryEntry[] {
  const inScope = loaded.registry.entries.filter((e) => namespace === undefined || e.namespace === namespace)
  const entries = inScope.filter((e) => e.type === type)
  if (entries.length === 0)
    throw unknownType(
      type,
      inScope.map((e) => e.type),
      loaded,
    )
  return entries
}

/** Everything about one type; exit 2 with the nearest known names when the registry does not know it. */
export async function describeRegistryType(type: string, options: DescribeOptions): Promise<RegistryDescribeResult> {
  const loaded = await loadRegistry(options)
  const entries = entriesOfType(loaded, type, options.namespace)
  return {
    type,
    entries: entries.map((e) => ({...e, commands: commandsFor(e, loaded.namespace)})),
    ...sourceOf(loaded),
  }
}

export function commandsFor(entry: RegistryEntry, namespace: string): {triggerCreate: string; send: string} {
  return {triggerCreate: triggerCreateLine(entry, {sink: EXAMPLE_SINK_URL, namespace}), send: sendLine(entry)}
}

function unknownType(type: string, known: string[], loaded: LoadedRegistry): KneError {
  const nearest = nearestNames(type, known)
  const suggestions =
    nearest.length > 0
      ? [`did you mean ${nearest.map((n) => JSON.stringify(n)).join(', ')}?`]
      : [known.length > 0 ? 'kne registry list shows the known types' : 'declare it with kne eventtype create, or send one through kne dev']
  if (!loaded.mesh) suggestions.push(`${loaded.meshProblem ?? 'no observations'}; types seen by kne dev appear while it runs`)
  return new KneError(
    `unknown event type ${JSON.stringify(type)}: the registry knows ${known.length === 0 ? 'no types' : `${new Set(known).size} type(s)`}`,
    'UNKNOWN_TYPE',
    {suggestions},
  )
}

// ---------------------------------------------------------------------------------------------------
// example

export type ExampleOrigin = NonNullable<RegistryEntry['exampleOrigin']>

/** Which example kne used, in words. */
export const EXAMPLE_ORIGINS: Record<ExampleOrigin, string> = {
  declared: "the example in the EventType's schema",
  observed: 'the latest event kne dev saw',
  source: 'the event its source sends',
  schema: "made from the EventType's schema, with every required field",
}

export interface RegistryExampleResult extends RegistrySource {
  type: string
  namespace: string
  /** `Kind/name` the type comes through, or `-`. */
  reference: string
  /** `namespace/name` of the broker its events flow into, when known. */
  broker?: string
  origin: ExampleOrigin
  /** The origin in words. */
  from: string
  /** The example event, in the CloudEvents JSON format. */
  event: Record<string, unknown>
}

export interface ExampleOptions extends DescribeOptions {
  /** Prefer the type as it flows into this broker (in `namespace`, else the project's). */
  broker?: string
  /** Or where the example is going (kne send --example's --to): when it is a broker, prefer that broker. */
  to?: KReference
}

const EXAMPLE_RANK: Record<ExampleOrigin, number> = {declared: 0, observed: 1, source: 2, schema: 3}

/**
 * The registry's example of a type: the declared schema's own example, else the latest observed event,
 * else a source's, else one made from the schema. Exit 2 when the type is unknown or has none.
 */
export async function registryExample(type: string, options: ExampleOptions): Promise<RegistryExampleResult> {
  const loaded = await loadRegistry(options)
  const entries = entriesOfType(loaded, type, options.namespace)
  const to = options.to && hasRole({apiVersion: options.to.apiVersion ?? '', kind: options.to.kind}, 'broker') ? options.to.name : undefined
  const brokerName = options.broker ?? to
  const broker = brokerName === undefined ? undefined : `${options.namespace ?? loaded.namespace}/${brokerName}`
  const withExample = entries
    .filter((e) => e.example !== undefined && e.exampleOrigin !== undefined)
    .sort(
      (a, b) =>
        Number(b.broker === broker) - Number(a.broker === broker) || EXAMPLE_RANK[a.exampleOrigin!] - EXAMPLE_RANK[b.exampleOrigin!],
    )
  const entry = withExample[0]
  if (entry === undefined)
    throw new KneError(
      `no example of ${type}: no EventType declares a JSON Schema of its data, and no event of it was seen`,
      'NO_EXAMPLE',
      {
        suggestions: [
          `add schemaData to its EventType, or send one event of it through kne dev (kne send --type ${shellQuote(type)} --data …)`,
        ],
      },
    )
  return {
    type,
    namespace: entry.namespace,
    reference: formatReference(entry.reference),
    ...(entry.broker ? {broker: entry.broker} : {}),
    origin: entry.exampleOrigin!,
    from: EXAMPLE_ORIGINS[entry.exampleOrigin!],
    event: entry.example!,
    ...sourceOf(loaded),
  }
}

// ---------------------------------------------------------------------------------------------------
// codegen

export const CODEGEN_LANGUAGES = ['typescript'] as const
export type CodegenLanguage = (typeof CODEGEN_LANGUAGES)[number]

export interface CodegenOptions extends RegistryOptions {
  lang: CodegenLanguage
  namespace?: string
  /** Write the code to this file (replaced whole) instead of returning it to print. */
  out?: string
}

export interface RegistryCodegenResult extends RegistrySource {
  lang: CodegenLanguage
  /** The file written, absolute. */
  file?: string
  /** The code, when no file was written. */
  code?: string
  types: GeneratedType[]
  skipped: string[]
}

/** Types for code from the registry: one per event type, and the union of them all. */
export async function registryCodegen(options: CodegenOptions): Promise<RegistryCodegenResult> {
  const loaded = await loadRegistry(options)
  const entries = inNamespace(loaded.registry.entries, options.namespace)
  const {code, types, skipped} = typescriptTypes(entries)
  const file = options.out === undefined ? undefined : resolve(options.cwd ?? process.cwd(), options.out)
  if (file !== undefined) rewriteFile(file, code)
  return {
    lang: options.lang,
    ...(file === undefined ? {code} : {file}),
    types,
    skipped,
    ...sourceOf(loaded),
  }
}

// ---------------------------------------------------------------------------------------------------
// diff

/** What `kne registry diff` compares: `current`, or a registry export (a file or folder of EventType manifests). */
export const CURRENT_REGISTRY = 'current'

export interface RegistryDocument {
  /** As given: `current`, or the path. */
  label: string
  entries: RegistryEntry[]
  /** The resources it was built from (its triggers are consumers). */
  resources: ManifestResource[]
  /** The running mesh, the project's manifests, a file or folder of EventType manifests, or a standard document. */
  readFrom: 'mesh' | 'manifests' | 'file' | DocumentFormat
}

/**
 * Reads one side of a diff: `current` (the running mesh's registry, else the project's), or a registry
 * export. Every input format is read here (EventType manifests today).
 */
export async function loadRegistryDocument(spec: string, options: RegistryOptions): Promise<RegistryDocument> {
  if (spec === CURRENT_REGISTRY) {
    const loaded = await loadRegistry(options)
    return {label: spec, entries: loaded.registry.entries, resources: loaded.resources, readFrom: loaded.readFrom}
  }
  const cwd = options.cwd ?? process.cwd()
  if (!existsSync(resolve(cwd, spec)))
    throw new KneError(`${spec}: no such file or folder (give a registry export, or ${CURRENT_REGISTRY})`, 'NO_SUCH_PATH', EXIT.usage)
  const project = loadProjectConfig(options.config, [], cwd)
  if (statSync(resolve(cwd, spec)).isFile()) {
    // an xRegistry or AsyncAPI 3 document (kne registry export --format), read as kne registry import reads it
    const mapped = eventTypesFromDocument(readDocumentText(spec, cwd), {namespace: project.config.namespace})
    if (mapped.format !== undefined) {
      if (mapped.problems.length > 0)
        throw new KneError(
          `${spec}: ${mapped.problems.length} problem(s) in the ${mapped.format === 'asyncapi' ? 'AsyncAPI' : 'xRegistry'} document`,
          'INVALID_DOCUMENT',
        ).withDetails(mapped.problems.slice(0, MAX_LISTED_PROBLEMS).map((p) => `${p.path || '/'}: ${p.message}`))
      const parsed = parseManifests(
        mapped.eventTypes.map((e) => toYaml(e.manifest)).join('---\n'),
        resolve(cwd, spec),
        project.config.namespace,
      )
      const resources = [...parsed.resources, ...parsed.others]
      return {label: spec, entries: buildRegistry({resources}).entries, resources, readFrom: mapped.format}
    }
  }
  const manifests = loadManifests([resolve(cwd, spec)], project.config.namespace)
  if (manifests.errors.length > 0)
    throw new KneError(
      `${manifests.errors.length} problem(s) in ${spec}: it is not a registry export kne can read`,
      'INVALID_MANIFEST',
      EXIT.invalid,
    ).withDetails(manifests.errors.map(manifestErrorFormatter(cwd)))
  const resources = [...manifests.resources, ...manifests.others]
  return {
    label: spec,
    entries: buildRegistry({resources: withLocalSchemas(resources, readSchemaFile)}).entries,
    resources,
    readFrom: 'file',
  }
}

export interface RegistryDiffResult extends RegistryDiff {
  old: {label: string; readFrom: RegistryDocument['readFrom']}
  new: {label: string; readFrom: RegistryDocument['readFrom']}
}

/** Compares two registries; consumers are the triggers of both and of the current registry (exports hold none), matched against both sides' types. */
export async function diffRegistry(
  oldSpec: string,
  newSpec: string,
  options: RegistryOptions & {namespace?: string},
): Promise<RegistryDiffResult> {
  const before = await loadRegistryDocument(oldSpec, options)
  const after = await loadRegistryDocument(newSpec, options)
  const current =
    oldSpec === CURRENT_REGISTRY
      ? before
      : newSpec === CURRENT_REGISTRY
        ? after
        : await loadRegistryDocument(CURRENT_REGISTRY, options).catch(() => undefined)
  // both sides' types with every trigger known: which triggers consume each type, wherever they are declared
  const everything = buildRegistry({resources: [...before.resources, ...after.resources, ...(current?.resources ?? [])]})
  const consumers = new Map<string, string[]>()
  for (const e of everything.entries)
    consumers.set(`${e.namespace}/${e.type}`, [...(consumers.get(`${e.namespace}/${e.type}`) ?? []), ...e.consumers.map((c) => c.trigger)])
  const diff = diffRegistries(
    inNamespace(before.entries, options.namespace),
    inNamespace(after.entries, options.namespace),
    (namespace, type) => consumers.get(`${namespace}/${type}`) ?? [],
  )
  return {old: {label: before.label, readFrom: before.readFrom}, new: {label: after.label, readFrom: after.readFrom}, ...diff}
}

// ---------------------------------------------------------------------------------------------------
// export and lint

export interface RegistryExportOptions extends RegistryOptions {
  version?: EventTypeVersion
  namespace?: string
  /** Write the types no EventType declares yet to the manifests folder (`dir`, else kne.yaml's). */
  write?: {force?: boolean; dir?: string}
}

/** An exported EventType and where its facts came from. */
export type ExportItem = Omit<ExportedEventType, 'entry'> & {origins: string[]}

export interface RegistryExportResult extends RegistrySource {
  version: EventTypeVersion
  items: ExportItem[]
  /** The project's namespace: manifests in it leave metadata.namespace out. */
  namespace: string
  /** With `write`: what happened to each type. */
  written?: WrittenEventType[]
}

export async function exportRegistry(options: RegistryExportOptions): Promise<RegistryExportResult> {
  const loaded = await loadRegistry(options)
  const entries = inNamespace(loaded.registry.entries, options.namespace)
  const version = options.version ?? 'v1beta2'
  const items = exportEventTypes(entries, {version, defaultNamespace: loaded.namespace})
  const written = options.write
    ? writeEventTypes(openProject({config: options.config, dir: options.write.dir, cwd: options.cwd}), items, {force: options.write.force})
    : undefined
  return {
    version,
    namespace: loaded.namespace,
    items: items.map(({entry, ...item}) => ({...item, origins: entry.origins})),
    ...(written ? {written} : {}),
    ...sourceOf(loaded),
  }
}

export interface RegistryLintResult extends LintReport, Omit<RegistrySource, 'readFrom'> {}

export async function lintProject(options: RegistryOptions): Promise<RegistryLintResult> {
  const loaded = await loadRegistry({...options, manifestsOnly: true})
  const report = lintRegistry({
    resources: loaded.resources,
    registry: loaded.registry,
    services: loaded.project.config.services,
    brokerDelivery: loaded.project.config.brokerDelivery,
    manifestErrors: loaded.manifestErrors,
    readSchemaFile,
  })
  // lint reads manifests only: its answer does not say what it read from
  const {readFrom: _readFrom, ...source} = sourceOf(loaded)
  return {...report, ...source}
}

// ---------------------------------------------------------------------------------------------------
// AsyncAPI and xRegistry documents

export type RegistryDocumentFormat = DocumentFormat

export interface RegistryDocumentOptions extends RegistryOptions {
  format: RegistryDocumentFormat
  namespace?: string
  /** Only this broker: `NAMESPACE/NAME`, or `NAME` in the project's namespace. */
  broker?: string
  /** Write the document to this file (JSON for xRegistry; AsyncAPI as YAML unless the name ends in .json). */
  output?: string
}

export interface RegistryDocumentResult extends RegistrySource {
  format: RegistryDocumentFormat
  document: Record<string, unknown>
  /** The document as text (what is printed or written). */
  text: string
  /** Where it was written, with -o. */
  file?: string
  /** The address its servers and endpoints give: the running mesh's, else kne.yaml's port on 127.0.0.1. */
  meshUrl: string
  /** Event types in the document. */
  types: number
}

export async function exportRegistryDocument(options: RegistryDocumentOptions): Promise<RegistryDocumentResult> {
  const loaded = await loadRegistry(options)
  const entries = inNamespace(loaded.registry.entries, options.namespace)
  const resources = loaded.resources.filter((r) => options.namespace === undefined || r.metadata.namespace === options.namespace)
  const broker = options.broker === undefined ? undefined : brokerKey(options.broker, options.namespace ?? loaded.namespace, loaded)
  const meshUrl = loaded.mesh?.url ?? `http://127.0.0.1:${loaded.project.config.port || DEFAULT_PORT}`
  const input = {entries, resources, meshUrl, ...(broker ? {broker} : {})}
  const document = options.format === 'asyncapi' ? toAsyncApi(input) : toXRegistry(input)
  const asYaml = options.format === 'asyncapi' && !(options.output ?? '').toLowerCase().endsWith('.json')
  const text = asYaml ? toYaml(document) : `${JSON.stringify(document, null, 2)}\n`
  let file: string | undefined
  if (options.output !== undefined) {
    const path = resolve(options.cwd ?? process.cwd(), options.output)
    try {
      writeFileSync(path, text)
    } catch (error) {
      throw new KneError(`cannot write ${options.output}: ${(error as Error).message}`, 'DOCUMENT_FILE')
    }
    file = options.output
  }
  return {
    format: options.format,
    document,
    text,
    ...(file ? {file} : {}),
    meshUrl,
    types: entries.filter((e) => broker === undefined || e.broker === broker).length,
    ...sourceOf(loaded),
  }
}

/** `NAMESPACE/NAME` of a broker the registry's resources define; exit 2 naming the known ones otherwise. */
function brokerKey(broker: string, namespace: string, loaded: LoadedRegistry): string {
  const key = broker.includes('/') ? broker : `${namespace}/${broker}`
  const known = loaded.resources
    .filter((r) => !('supported' in r) && roleOf(r.kind) === 'broker')
    .map((r) => `${r.metadata.namespace}/${r.metadata.name}`)
  if (!known.includes(key))
    throw new KneError(`no Broker ${key} in ${loaded.readFrom === 'mesh' ? 'the running mesh' : 'the manifests'}`, 'NOT_FOUND', {
      suggestions: [known.length > 0 ? `known brokers: ${known.join(', ')}` : 'create one with kne broker create'],
    })
  return key
}

/** Problems listed one per line; the rest are counted. */
const MAX_LISTED_PROBLEMS = 100

/** The largest document kne registry import reads. */
export const MAX_DOCUMENT_BYTES = 16 * 1024 * 1024

export interface RegistryImportOptions {
  file: string
  config?: string
  /** The manifests folder to write to [default: kne.yaml's]. */
  dir?: string
  cwd?: string
  force?: boolean
  dryRun?: boolean
}

export interface RegistryImportResult {
  format: RegistryDocumentFormat
  file: string
  dryRun: boolean
  /** What was (or, with dryRun, would be) written. */
  written: ImportedFile[]
  /** Parts of the document no EventType holds. */
  unmapped: DocumentProblem[]
}

/** A document's text, at most MAX_DOCUMENT_BYTES; a KneError when it cannot be read. */
function readDocumentText(file: string, cwd: string): string {
  try {
    const size = statSync(resolve(cwd, file)).size
    if (size > MAX_DOCUMENT_BYTES)
      throw new KneError(`${file}: ${formatBytes(size)}, more than the ${formatBytes(MAX_DOCUMENT_BYTES)} kne reads`, 'DOCUMENT_FILE')
    return readFileSync(resolve(cwd, file), 'utf8')
  } catch (error) {
    if (error instanceof KneError) throw error
    const err = error as NodeJS.ErrnoException
    if (err.code === 'ENOENT') throw new KneError(`no such file: ${file}`, 'NO_SUCH_PATH')
    throw new KneError(`cannot read ${file}: ${err.message}`, 'DOCUMENT_FILE')
  }
}

/** Reads an xRegistry or AsyncAPI 3 document and writes its event types as EventTypes; nothing when any part is wrong. */
export function importRegistryDocument(options: RegistryImportOptions): RegistryImportResult {
  const cwd = options.cwd ?? process.cwd()
  const path = resolve(cwd, options.file)
  const text = readDocumentText(options.file, cwd)
  const project = openProject({config: options.config, dir: options.dir, cwd})
  const mapped = eventTypesFromDocument(text, {namespace: project.config.namespace})
  if (mapped.problems.length > 0 || mapped.format === undefined) {
    throw new KneError(
      `${displayPath(project, path)}: ${mapped.format === undefined ? 'not an xRegistry or AsyncAPI 3 document' : `${mapped.problems.length} problem(s) in the ${mapped.format === 'asyncapi' ? 'AsyncAPI' : 'xRegistry'} document`}; nothing written`,
      'INVALID_DOCUMENT',
    ).withDetails([
      ...mapped.problems.slice(0, MAX_LISTED_PROBLEMS).map((p) => `${p.path || '/'}: ${p.message}`),
      ...(mapped.problems.length > MAX_LISTED_PROBLEMS ? [`… and ${mapped.problems.length - MAX_LISTED_PROBLEMS} more`] : []),
    ])
  }
  const written = writeImportedEventTypes(
    project,
    mapped.eventTypes.map((e) => e.manifest),
    {force: options.force, dryRun: options.dryRun},
  )
  return {format: mapped.format, file: options.file, dryRun: options.dryRun === true, written, unmapped: mapped.unmapped}
}
