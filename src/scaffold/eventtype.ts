// `kne eventtype create|list|describe|delete` as kn spells them (semantics §6.2): v1beta2 EventTypes in
// the manifests folder, written and removed with the scaffolding's file handling; and writing the
// registry's exported EventTypes there (`kne registry export --write`).
import {EXIT, KneError} from '../core/errors.js'
import type {Manifest} from '../core/manifests/index.js'
import type {EventTypeManifest, ExportedEventType} from '../core/registry/index.js'
import {parseSink} from '../core/sink.js'
import {assertCreatable, createResource, type CreateOptions, type CreateResult} from './create.js'
import {deleteResource, type DeleteResult} from './delete.js'
import {inspectWorkspace, resourceViews, type InspectOptions, type ResourceView, type Table} from './inspect.js'
import {displayPath, type ProjectContext} from './project.js'
import {findOne, kindIs, readWorkspace, type Workspace} from './workspace.js'
import {roleOf} from '../kinds/descriptors.js'
import {channelKind} from '../kinds/messaging/descriptor.js'

export const EVENT_TYPE_API_VERSION = 'eventing.knative.dev/v1beta2'

/**
 * EventType in the scaffolding's terms, with kn's messages (knative/client pkg/commands/eventtype). The
 * scaffolded kinds are a closed list; EventType is written the same way (one file per resource).
 */
export const EVENT_TYPE_KIND = {
  kind: 'EventType',
  apiVersion: EVENT_TYPE_API_VERSION,
  template: 'eventtype',
  resource: 'eventtypes.eventing.knative.dev',
  created: (name: string, namespace: string) => `Eventtype '${name}' successfully created in namespace '${namespace}'.`,
  deleted: (name: string, namespace: string) => `Eventtype '${name}' successfully deleted in namespace '${namespace}'.`,
}

export const EVENT_TYPES = kindIs('EventType', 'eventtypes')

export interface EventTypeOptions {
  name: string
  /** -t/--type */
  type: string
  source?: string
  /** -b/--broker: becomes a Broker reference (as kn does). */
  broker?: string
  /** -r/--reference: `broker:NAME` or `channel:NAME` (kn's sink syntax, limited to those). */
  reference?: string
  description?: string
  /** The schema URI (spec.schema, the events' dataschema). */
  schema?: string
  /** spec.schemaData: e.g. a JSON Schema of the data. */
  schemaData?: string
}

/** The v1beta2 EventType kn would create; exit 2 for flags that do not fit together. */
export function buildEventType(options: EventTypeOptions, namespace?: string): Manifest {
  if (options.broker !== undefined && options.reference !== undefined) {
    throw new KneError("use only one of '--broker' or '--reference' flags", 'INVALID_FLAG', EXIT.usage)
  }
  if (options.type === '') throw new KneError('--type must not be empty', 'INVALID_FLAG', EXIT.usage)
  let reference: Record<string, string> | undefined
  if (options.broker !== undefined) reference = {apiVersion: 'eventing.knative.dev/v1', kind: 'Broker', name: options.broker}
  if (options.reference !== undefined) {
    const parsed = parseSink(options.reference)
    const ref = parsed.ok ? parsed.destination.ref : undefined
    // kn's --reference names a broker or a Channel (not an InMemoryChannel)
    if (!ref || (roleOf(ref.kind) !== 'broker' && ref.kind !== channelKind.kind)) {
      throw new KneError(
        `--reference ${options.reference}: expected broker:NAME or channel:NAME (with :NAMESPACE optional)`,
        'INVALID_FLAG',
        EXIT.usage,
      )
    }
    reference = {apiVersion: ref.apiVersion ?? '', kind: ref.kind, name: ref.name, ...(ref.namespace ? {namespace: ref.namespace} : {})}
  }
  const spec: Record<string, unknown> = {type: options.type}
  if (options.source !== undefined) spec.source = options.source
  if (options.schema !== undefined) spec.schema = options.schema
  if (options.schemaData !== undefined) spec.schemaData = options.schemaData
  if (reference) spec.reference = reference
  if (options.description !== undefined) spec.description = options.description
  return {apiVersion: EVENT_TYPE_API_VERSION, kind: 'EventType', metadata: {name: options.name, ...(namespace ? {namespace} : {})}, spec}
}

export function createEventType(project: ProjectContext, options: EventTypeOptions, create: CreateOptions = {}): CreateResult {
  const manifest = buildEventType(options, project.explicitNamespace ? project.namespace : undefined)
  return createResource(project, EVENT_TYPE_KIND, manifest, create)
}

export function deleteEventType(project: ProjectContext, name: string): DeleteResult {
  const result = deleteResource(project, name, EVENT_TYPES)
  return {...result, message: EVENT_TYPE_KIND.deleted(name, result.namespace)}
}

// ---------------------------------------------------------------------------------------------------
// list and describe

export interface EventTypeView {
  name: string
  namespace: string
  apiVersion: string
  file: string
  age: string
  type: string
  source: string
  reference?: {apiVersion?: string; kind: string; name: string; namespace: string}
  description?: string
  schema?: string
  /** Ready follows ReferenceExists (semantics §6.1): the reference names a resource the manifests define. */
  ready: 'True' | 'False'
  reason?: string
  manifest: Record<string, unknown>
  errors: string[]
}

export interface EventTypeListResult {
  items: EventTypeView[]
  /** What the items were read from: the running mesh, or manifests on disk. */
  readFrom: 'mesh' | 'manifests'
  mesh: {url: string} | null
}

export async function listEventTypes(
  project: ProjectContext,
  options: InspectOptions & {allNamespaces?: boolean},
): Promise<EventTypeListResult> {
  const {workspace, mesh, readFrom} = await inspectWorkspace(project, options)
  const views = resourceViews(
    workspace,
    (e) => EVENT_TYPES.kind(e) && (options.allNamespaces === true || e.namespace === project.namespace),
    mesh,
  )
  return {items: views.map((v) => eventTypeView(v, workspace)), readFrom, mesh: mesh ? {url: mesh.url} : null}
}

export async function describeEventType(
  project: ProjectContext,
  name: string,
  options: InspectOptions,
): Promise<{view: EventTypeView; readFrom: 'mesh' | 'manifests'; mesh: {url: string} | null}> {
  const {workspace, mesh, readFrom} = await inspectWorkspace(project, options)
  const entry = findOne(workspace, project.namespace, name, EVENT_TYPES)
  return {
    view: eventTypeView(resourceViews(workspace, (e) => e === entry, mesh)[0]!, workspace),
    readFrom,
    mesh: mesh ? {url: mesh.url} : null,
  }
}

function eventTypeView(v: ResourceView, workspace: Workspace): EventTypeView {
  const spec = (v.manifest.spec as Record<string, unknown> | undefined) ?? {}
  const attributes = Array.isArray(spec.attributes) ? (spec.attributes as {name?: unknown; value?: unknown}[]) : undefined
  const attribute = (name: string): string | undefined => {
    const value = attributes?.find((a) => a.name === name)?.value
    return typeof value === 'string' ? value : undefined
  }
  const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined)
  const rawRef = spec.reference as {apiVersion?: string; kind?: string; name?: string; namespace?: string} | undefined
  let reference: EventTypeView['reference']
  if (rawRef?.kind && rawRef.name)
    reference = {apiVersion: rawRef.apiVersion, kind: rawRef.kind, name: rawRef.name, namespace: rawRef.namespace ?? v.namespace}
  else if (typeof spec.broker === 'string')
    reference = {apiVersion: 'eventing.knative.dev/v1', kind: 'Broker', name: spec.broker, namespace: v.namespace}
  const view: EventTypeView = {
    name: v.name,
    namespace: v.namespace,
    apiVersion: v.apiVersion,
    file: v.file,
    age: v.age,
    type: text(spec.type) ?? attribute('type') ?? '',
    source: text(spec.source) ?? attribute('source') ?? '',
    ready: 'True',
    manifest: v.manifest,
    errors: v.errors,
  }
  if (reference) view.reference = reference
  const description = text(spec.description)
  if (description) view.description = description
  const schema = text(spec.schema) ?? attribute('schemadata')
  if (schema) view.schema = schema
  if (
    reference &&
    !workspace.entries.some((e) => e.kind === reference.kind && e.name === reference.name && e.namespace === reference.namespace)
  ) {
    view.ready = 'False'
    view.reason = `ReferenceDoesNotExist : ${reference.kind} ${reference.namespace}/${reference.name} is not in ${workspace.where ?? displayPath(workspace.project, workspace.project.manifestsDir)}`
  }
  if (v.errors.length > 0) {
    view.ready = 'False'
    view.reason = `InvalidManifest : ${v.errors.length} problem(s)`
  }
  return view
}

/** kn eventtype list: NAME TYPE SOURCE REFERENCE AGE READY (NAMESPACE first with -A). */
export function eventTypeTable(views: EventTypeView[], allNamespaces = false): Table {
  const rows = views.map((v) => [v.name, v.type, v.source, v.reference?.name ?? '', v.age, v.ready])
  return allNamespaces
    ? {headers: ['NAMESPACE', 'NAME', 'TYPE', 'SOURCE', 'REFERENCE', 'AGE', 'READY'], rows: rows.map((r, i) => [views[i]!.namespace, ...r])}
    : {headers: ['NAME', 'TYPE', 'SOURCE', 'REFERENCE', 'AGE', 'READY'], rows}
}

/** kn eventtype describe as text: metadata, Source, Reference and the conditions. */
export function describeEventTypeText(v: EventTypeView): string[] {
  const lines: string[] = []
  const attr = (label: string, value: string | undefined, indent = 0): void => {
    if (value === undefined || value === '') return
    lines.push(`${' '.repeat(indent)}${`${label}:`.padEnd(Math.max(14 - indent, label.length + 2))}${value}`)
  }
  attr('Name', v.name)
  attr('Namespace', v.namespace)
  attr('API Version', v.apiVersion)
  attr('Age', v.age)
  attr('File', v.file)
  attr('Type', v.type)
  attr('Source', v.source)
  attr('Schema', v.schema)
  attr('Description', v.description)
  if (v.reference) {
    lines.push('', 'Reference:')
    attr('APIVersion', v.reference.apiVersion, 2)
    attr('Kind', v.reference.kind, 2)
    attr('Name', v.reference.name, 2)
    attr('Namespace', v.reference.namespace, 2)
  }
  if (v.errors.length > 0) {
    lines.push('', 'Problems (kne dev refuses this document):')
    for (const e of v.errors) lines.push(`  ${e}`)
  }
  lines.push('', 'Conditions:', '  OK TYPE                     REASON')
  const ok = v.ready === 'True'
  lines.push(`  ${ok ? '++' : '!!'} Ready                    ${ok ? '' : (v.reason ?? '')}`.trimEnd())
  lines.push(`  ${v.reference && !ok ? '!!' : '++'} ReferenceExists          ${v.reference && !ok ? (v.reason ?? '') : ''}`.trimEnd())
  if (v.type) lines.push('', `The registry's view (schema, producers, consumers): kne registry describe ${v.type}`)
  return lines
}

// ---------------------------------------------------------------------------------------------------
// kne registry export --write

export interface WrittenEventType {
  name: string
  namespace: string
  type: string
  /** Where it went (relative to the current folder when below it). */
  file?: string
  /** `declared`: an EventType in the manifests already describes it, nothing written. `exists`: one of that name exists (use --force). */
  action: 'created' | 'replaced' | 'declared' | 'exists'
}

/** Writes each exported type that no manifest declares yet, one file each; never overwrites without `force`. */
export function writeEventTypes(
  project: ProjectContext,
  items: readonly ExportedEventType[],
  options: {force?: boolean} = {},
): WrittenEventType[] {
  return items.map((item) => {
    const base = {name: item.name, namespace: item.namespace, type: item.type}
    if (item.entry.origins.includes('declared')) return {...base, action: 'declared' as const}
    try {
      const result = createResource(project, EVENT_TYPE_KIND, asManifest(item.manifest), {force: options.force})
      return {
        ...base,
        file: displayPath(project, result.file),
        action: result.action === 'replaced' ? ('replaced' as const) : ('created' as const),
      }
    } catch (error) {
      if (error instanceof KneError && error.code === 'ALREADY_EXISTS') return {...base, action: 'exists' as const}
      throw error
    }
  })
}

function asManifest(manifest: EventTypeManifest): Manifest {
  return manifest as unknown as Manifest
}

// ---------------------------------------------------------------------------------------------------
// kne registry import

export interface ImportedFile {
  name: string
  namespace: string
  type: string
  apiVersion: string
  /** Where it went (or, with --dry-run, would go). */
  file: string
  action: 'created' | 'replaced' | 'dry-run'
  /** What kne dev would report about it (a reference the manifests do not define, …). */
  warnings: string[]
}

/**
 * Writes imported EventTypes, one file each, as `kne eventtype create` does; every one is checked first (a valid
 * manifest, no EventType of its name without `force`), so that nothing is written unless all can be.
 */
export function writeImportedEventTypes(
  project: ProjectContext,
  manifests: readonly EventTypeManifest[],
  options: {force?: boolean; dryRun?: boolean} = {},
): ImportedFile[] {
  const refused: {code: string; message: string; details?: readonly string[]}[] = []
  const workspace = options.force ? undefined : readWorkspace(project)
  const checked = manifests.map((manifest) => {
    try {
      const result = createResource(project, EVENT_TYPE_KIND, asManifest(manifest), {dryRun: true, force: options.force})
      if (workspace) assertCreatable(workspace, EVENT_TYPE_KIND, result.namespace, result.manifest.metadata.name, {})
      return result
    } catch (error) {
      if (!(error instanceof KneError)) throw error
      refused.push(error)
      return undefined
    }
  })
  if (refused.length > 0) {
    const exists = refused.filter((e) => e.code === 'ALREADY_EXISTS').length
    throw new KneError(
      `nothing imported: ${refused.length} EventType(s) cannot be written`,
      exists === refused.length ? 'ALREADY_EXISTS' : 'INVALID_MANIFEST',
      exists > 0 ? {suggestions: ['pass --force to replace them']} : {},
    ).withDetails(refused.flatMap((e) => [e.message, ...(e.details ?? []).map((d) => `  ${d}`)]))
  }
  return checked.map((dry) => {
    const result = options.dryRun ? dry! : createResource(project, EVENT_TYPE_KIND, dry!.manifest, {force: options.force})
    const {name} = result.manifest.metadata
    return {
      name,
      namespace: result.namespace,
      type: typeof result.manifest.spec?.type === 'string' ? result.manifest.spec.type : attributeType(result.manifest),
      apiVersion: result.manifest.apiVersion,
      file: displayPath(project, result.file),
      action: result.action,
      warnings: result.warnings,
    }
  })
}

function attributeType(manifest: Manifest): string {
  const attributes = (manifest.spec as {attributes?: {name?: string; value?: string}[]} | undefined)?.attributes ?? []
  return attributes.find((a) => a.name === 'type')?.value ?? ''
}
