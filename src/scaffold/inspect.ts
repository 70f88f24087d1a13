// list and describe, as kubectl does them: what the running mesh runs, or the manifests -f names (or the
// manifests folder when no mesh runs), joined with the mesh's live status (Ready and reason, URL, subscriber
// and dead-letter sink URIs, counters), in kubectl's and kn's terms.
import {existsSync, statSync} from 'node:fs'
import {resolve} from 'node:path'
import {EXIT, KneError} from '../core/errors.js'
import {formatSink, humanAge, isSourceKind} from '../core/manifests/index.js'
import type {Destination, KneResource} from '../core/resources/types.js'
import {manifestErrorFormatter, resourceKey} from '../core/resources/types.js'
import type {ResourceStatus, SourceStatus} from '../core/api.js'
import type {BrokerStatus, MeshStatus, TriggerStatus} from '../core/api.js'
import {displayPath, type ProjectContext} from './project.js'
import {findOne, meshWorkspace, rawResource, readWorkspace, type KindMatch, type Workspace, type WorkspaceEntry} from './workspace.js'
import {descriptorOf, roleOf} from '../kinds/descriptors.js'
import {textOf} from '../core/resources/read.js'

export type ConditionStatus = 'True' | 'False' | 'Unknown'

/** A Knative status condition (knative.dev/pkg apis.Condition, without times and severity). */
export interface Condition {
  type: string
  status: ConditionStatus
  reason?: string
  message?: string
}

/** The live state of a resource, as the running mesh reports it. */
export interface LiveState {
  /** False when the running mesh does not serve this resource (another project, or not reloaded yet). */
  loaded: boolean
  ready: ConditionStatus
  reason?: string
  message?: string
  conditions: Condition[]
  url?: string
  subscriberUri?: string
  sinkUri?: string
  deadLetterSinkUri?: string
  delivery?: unknown
  counters?: Record<string, number>
}

export interface ResourceView {
  kind: string
  apiVersion: string
  namespace: string
  name: string
  file: string
  document: number
  age: string
  /** The resource as written, with its namespace filled in. */
  manifest: Record<string, unknown>
  /** Problems kne's model found in the document (kne dev would refuse it). */
  errors: string[]
  /** Null when no mesh is running. */
  live: LiveState | null
}

export interface Mesh {
  url: string
  status: MeshStatus
  /** What it runs; undefined when it does not say (a kne from before GET /_kne/v1/resources). */
  resources?: readonly KneResource[]
}

/** The running mesh, its status and resources, or why there is none (never a throw). */
export interface MeshReading {
  mesh?: Mesh
  problem?: string
}

/** What list and describe read: the manifests given (-f, or --dir); else what the running mesh runs; else the manifests folder. */
export interface InspectOptions {
  /** -f: manifest files or folders. */
  files?: readonly string[]
  /** --dir was given: read that folder even when a mesh runs. */
  explicitDir?: boolean
  /** Reads the running mesh (the client's readMesh, given by the command so that scaffolding never talks to a mesh itself). */
  readMesh: () => Promise<MeshReading>
}

export interface Inspected {
  workspace: Workspace
  mesh?: Mesh
  meshProblem?: string
  readFrom: 'mesh' | 'manifests'
}

/** The line human output adds (dimmed, on stderr) when it shows the running mesh's resources rather than this folder's manifests. */
export function readFromNote(result: {readFrom: 'mesh' | 'manifests'; mesh: {url: string} | null}): string | undefined {
  return result.readFrom === 'mesh' && result.mesh ? `from the running mesh at ${result.mesh.url} (-f reads manifests instead)` : undefined
}

export async function inspectWorkspace(project: ProjectContext, options: InspectOptions): Promise<Inspected> {
  const files = options.files ?? []
  const missing = files.find((f) => !existsSync(resolve(project.cwd, f)))
  if (missing !== undefined) throw new KneError(`-f ${missing}: no such file or folder`, 'NOT_FOUND', EXIT.usage)
  const {mesh, problem} = await options.readMesh()
  const fromMesh = files.length === 0 && options.explicitDir !== true && mesh?.resources !== undefined
  const workspace = fromMesh ? meshWorkspace(project, mesh.resources!, `the running mesh at ${mesh.url}`) : readWorkspace(project, files)
  return {workspace, ...(mesh ? {mesh} : {}), ...(problem ? {meshProblem: problem} : {}), readFrom: fromMesh ? 'mesh' : 'manifests'}
}

export function resourceViews(
  workspace: Workspace,
  select: (e: WorkspaceEntry) => boolean,
  mesh: Mesh | undefined,
  now = Date.now(),
): ResourceView[] {
  return workspace.entries
    .filter(select)
    .map((entry) => {
      const raw = rawResource(entry)
      const metadata = {...(raw.metadata as Record<string, unknown> | undefined), namespace: entry.namespace}
      return {
        kind: entry.kind,
        apiVersion: entry.apiVersion || textOf(raw.apiVersion),
        namespace: entry.namespace,
        name: entry.name,
        file: displayPath(workspace.project, entry.file),
        document: entry.document,
        age: ageOf(entry.file, now, mesh),
        manifest: {...raw, metadata},
        errors: entry.errors.map(manifestErrorFormatter(workspace.project.cwd)),
        live: mesh ? liveState(entry, mesh.status) : null,
      }
    })
    .sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name) || a.kind.localeCompare(b.kind))
}

/** kubectl's AGE: of the manifest file; of the mesh for a resource without one (the built-in default broker). */
function ageOf(file: string, now: number, mesh: Mesh | undefined): string {
  try {
    return humanAge(now - statSync(file).mtimeMs)
  } catch {
    return mesh ? humanAge(now - Date.parse(mesh.status.startedAt)) : UNKNOWN
  }
}

function liveState(entry: WorkspaceEntry, status: MeshStatus): LiveState {
  const key = resourceKey(entry.namespace, entry.name)
  const same = (s: {namespace: string; name: string}): boolean => resourceKey(s.namespace, s.name) === key
  const role = roleOf(entry.kind)
  if (role === 'broker') {
    const broker = status.brokers.find(same)
    if (broker) return brokerState(broker)
  } else if (role === 'trigger') {
    const trigger = status.triggers.find(same)
    if (trigger) return triggerState(trigger)
  } else {
    const source = status.sources.find((s) => s.kind === entry.kind && same(s))
    if (source) return sourceState(source)
    // the kinds whose plugins report in the common shape (a mesh from before it has no such list)
    const resource = (status.resources ?? []).find((r) => r.kind === entry.kind && same(r))
    if (resource) return resourceState(resource)
  }
  const invalid = entry.errors[0]
  return {
    loaded: false,
    ready: 'Unknown',
    conditions: [],
    reason: invalid ? 'InvalidManifest' : 'NotLoaded',
    message: invalid ? invalid.message : 'the running kne mesh does not serve this resource (another project, or not reloaded yet)',
  }
}

function condition(type: string, ok: boolean, reason?: string, message?: string): Condition {
  return ok ? {type, status: 'True'} : {type, status: 'False', reason, message}
}

function readyCondition(s: {ready: boolean; reason?: string; message?: string}): Condition {
  return condition('Ready', s.ready, s.reason, s.message)
}

function brokerState(b: BrokerStatus): LiveState {
  const dls = b.reason === 'DeadLetterSinkResolveFailed'
  return {
    loaded: true,
    ready: b.ready ? 'True' : 'False',
    reason: b.reason,
    message: b.message,
    conditions: [readyCondition(b), condition('Addressable', true), condition('DeadLetterSinkResolved', !dls, b.reason, b.message)],
    url: b.url,
    deadLetterSinkUri: b.deadLetterSinkUri,
    delivery: b.delivery,
    counters: {...b.counters},
  }
}

function triggerState(t: TriggerStatus): LiveState {
  // kne's topology reports the first failing condition as the Ready reason (semantics §7)
  return {
    loaded: true,
    ready: t.ready ? 'True' : 'False',
    reason: t.reason,
    message: t.message,
    conditions: [
      readyCondition(t),
      condition('BrokerReady', t.reason !== 'BrokerDoesNotExist', t.reason, t.message),
      condition('SubscriberResolved', t.subscriberUri !== undefined, 'SubscriberResolveFailed', 'the subscriber does not resolve'),
      condition('DeadLetterSinkResolved', t.reason !== 'DeadLetterSinkResolveFailed', t.reason, t.message),
    ],
    subscriberUri: t.subscriberUri,
    deadLetterSinkUri: t.deadLetterSinkUri,
    delivery: t.delivery,
    counters: {...t.counters},
  }
}

function sourceState(s: SourceStatus): LiveState {
  return {
    loaded: true,
    ready: s.ready ? 'True' : 'False',
    reason: s.reason,
    message: s.message,
    conditions: [readyCondition(s), condition('SinkProvided', s.sinkUri !== undefined, 'NotFound', 'the sink does not resolve')],
    sinkUri: s.sinkUri,
    counters: s.counters,
  }
}

function resourceState(r: ResourceStatus): LiveState {
  return {
    loaded: true,
    ready: r.ready ? 'True' : 'False',
    reason: r.reason,
    message: r.message,
    conditions: [readyCondition(r), ...r.conditions.map((c) => condition(c.type, c.ready, c.reason, c.message))],
    url: r.url,
    sinkUri: r.sinkUri,
    counters: {...r.counters},
  }
}

// ---------------------------------------------------------------------------------------------------
// Tables (kubectl's and kn's columns)

const UNKNOWN = '<unknown>'

function readyText(v: ResourceView): string {
  return v.live ? (v.live.loaded ? v.live.ready : UNKNOWN) : UNKNOWN
}

/** kn's REASON: empty when Ready, else `<reason> : <message>`. */
function reasonText(v: ResourceView): string {
  if (!v.live) return v.errors.length > 0 ? `InvalidManifest : ${v.errors.length} problem(s)` : ''
  if (v.live.ready === 'True') return ''
  return [v.live.reason, v.live.message].filter(Boolean).join(' : ')
}

/** kn's CONDITIONS: `<n> OK / <total>`. */
function conditionsText(v: ResourceView): string {
  if (!v.live?.loaded) return UNKNOWN
  return `${v.live.conditions.filter((c) => c.status === 'True').length} OK / ${v.live.conditions.length}`
}

function spec(v: ResourceView): Record<string, unknown> {
  return (v.manifest.spec as Record<string, unknown> | undefined) ?? {}
}

export interface Table {
  headers: string[]
  rows: string[][]
}

function withNamespace(table: Table, views: ResourceView[], allNamespaces: boolean): Table {
  if (!allNamespaces) return table
  return {headers: ['NAMESPACE', ...table.headers], rows: table.rows.map((row, i) => [views[i]!.namespace, ...row])}
}

export function brokerTable(views: ResourceView[], allNamespaces = false): Table {
  return withNamespace(
    {
      headers: ['NAME', 'URL', 'AGE', 'READY', 'REASON'],
      rows: views.map((v) => [v.name, v.live?.url ?? (v.live ? '' : UNKNOWN), v.age, readyText(v), reasonText(v)]),
    },
    views,
    allNamespaces,
  )
}

export function triggerTable(views: ResourceView[], allNamespaces = false): Table {
  return withNamespace(
    {
      headers: ['NAME', 'BROKER', 'SINK', 'AGE', 'CONDITIONS', 'READY', 'REASON'],
      rows: views.map((v) => [
        v.name,
        textOf(spec(v).broker),
        formatSink(spec(v).subscriber as Destination | undefined, v.namespace),
        v.age,
        conditionsText(v),
        readyText(v),
        reasonText(v),
      ]),
    },
    views,
    allNamespaces,
  )
}

/** An addressable kind with a sink (an EventTransform): NAME URL SINK AGE READY REASON. */
export function addressableTable(views: ResourceView[], allNamespaces = false): Table {
  return withNamespace(
    {
      headers: ['NAME', 'URL', 'SINK', 'AGE', 'READY', 'REASON'],
      rows: views.map((v) => [
        v.name,
        v.live?.url ?? (v.live ? '' : UNKNOWN),
        formatSink(spec(v).sink as Destination | undefined, v.namespace),
        v.age,
        readyText(v),
        reasonText(v),
      ]),
    },
    views,
    allNamespaces,
  )
}

/** kn source list: NAME TYPE RESOURCE SINK READY. */
export function sourceTable(views: ResourceView[], allNamespaces = false): Table {
  return withNamespace(
    {
      headers: ['NAME', 'TYPE', 'RESOURCE', 'SINK', 'READY'],
      rows: views.map((v) => [
        v.name,
        v.kind,
        `${v.kind.toLowerCase()}s.${v.apiVersion.split('/')[0]}`,
        formatSink(spec(v).sink as Destination | undefined, v.namespace),
        readyText(v),
      ]),
    },
    views,
    allNamespaces,
  )
}

/** Columns padded like kubectl's (three spaces apart), trailing blanks trimmed. */
export function renderTable(table: Table, noHeaders = false): string[] {
  const rows = noHeaders ? table.rows : [table.headers, ...table.rows]
  const widths = table.headers.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)))
  return rows.map((r) =>
    r
      .map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]! + 3)))
      .join('')
      .trimEnd(),
  )
}

export function isSource(entry: WorkspaceEntry): boolean {
  return isSourceKind(entry.apiVersion) || (entry.apiVersion === '' && /Source$|^SinkBinding$/.test(entry.kind))
}

// ---------------------------------------------------------------------------------------------------
// kubectl-style objects (-o yaml|json) and kn-style describe text

/** The resource with a Knative-shaped `status` from the running mesh (none without one). */
export function withStatus(v: ResourceView): Record<string, unknown> {
  if (!v.live?.loaded) return v.manifest
  const status: Record<string, unknown> = {}
  if (v.live.url) status.address = {url: v.live.url}
  if (v.live.subscriberUri) status.subscriberUri = v.live.subscriberUri
  if (v.live.sinkUri) status.sinkUri = v.live.sinkUri
  if (v.live.deadLetterSinkUri) status.deadLetterSinkUri = v.live.deadLetterSinkUri
  status.conditions = v.live.conditions
  return {...v.manifest, status}
}

export function asList(views: ResourceView[]): Record<string, unknown> {
  return {apiVersion: 'v1', kind: 'List', items: views.map(withStatus)}
}

/** `kn … describe` as text: metadata, the kind's spec, then live state and conditions. */
export function describeText(v: ResourceView, meshProblem?: string): string[] {
  const lines: string[] = []
  const attr = (label: string, value: unknown, indent = 0): void => {
    if (value === undefined || value === '') return
    lines.push(`${' '.repeat(indent)}${`${label}:`.padEnd(Math.max(14 - indent, label.length + 2))}${textOf(value)}`)
  }
  const meta = v.manifest.metadata as {labels?: Record<string, string>; annotations?: Record<string, string>}
  attr('Name', v.name)
  attr('Namespace', v.namespace)
  attr('Labels', pairs(meta.labels))
  attr('Annotations', pairs(meta.annotations))
  attr('Age', v.age)
  attr('File', v.document > 0 ? `${v.file} (document ${v.document + 1})` : v.file)
  const s = spec(v)
  const descriptor = descriptorOf(v.kind)
  if (descriptor?.role === 'broker') {
    lines.push('', 'Address:')
    attr('URL', v.live?.url ?? UNKNOWN, 2)
  }
  if (descriptor?.role === 'trigger') {
    attr('Broker', s.broker)
    const attributes = (s.filter as {attributes?: Record<string, string>} | undefined)?.attributes
    if (attributes) {
      lines.push('Filter:')
      for (const [k, value] of Object.entries(attributes)) attr(k, value, 2)
    }
    if (Array.isArray(s.filters) && s.filters.length > 0) {
      lines.push('Filters:')
      for (const f of s.filters) lines.push(`  - ${JSON.stringify(f)}`)
    }
  }
  for (const {label, field} of descriptor?.describeFields ?? []) attr(label, fieldText(s, field))
  for (const key of ['subject', 'resources', 'mode', 'serviceAccountName', 'template'] as const) {
    if (s[key] !== undefined) attr(key[0]!.toUpperCase() + key.slice(1), JSON.stringify(s[key]))
  }
  const sink = (s.subscriber ?? s.sink) as Destination | undefined
  if (sink) {
    lines.push('', 'Sink:')
    if (sink.ref) {
      attr('Name', sink.ref.name, 2)
      if (sink.ref.namespace && sink.ref.namespace !== v.namespace) attr('Namespace', sink.ref.namespace, 2)
      attr('Resource', `${sink.ref.kind} (${sink.ref.apiVersion ?? ''})`, 2)
      attr('Path', sink.uri, 2)
    } else {
      attr('URI', sink.uri, 2)
    }
    attr('Resolved', v.live?.subscriberUri ?? v.live?.sinkUri ?? (v.live?.loaded ? 'does not resolve' : UNKNOWN), 2)
  }
  const delivery = (v.live?.delivery ?? s.delivery) as Record<string, unknown> | undefined
  if (delivery && Object.keys(delivery).length > 0) {
    lines.push('', v.live?.delivery && !s.delivery ? 'Delivery (defaulted):' : 'Delivery:')
    for (const [k, value] of Object.entries(delivery)) {
      attr(k, k === 'deadLetterSink' ? formatSink(value as Destination, v.namespace) : value, 2)
    }
    if (v.live?.deadLetterSinkUri) attr('deadLetterSinkUri', v.live.deadLetterSinkUri, 2)
  }
  if (v.errors.length > 0) {
    lines.push('', 'Problems (kne dev refuses this document):')
    for (const e of v.errors) lines.push(`  ${e}`)
  }
  lines.push('', 'Conditions:')
  if (!v.live) lines.push(`  ${UNKNOWN} (${meshProblem ?? 'no kne mesh is running'}; start one with kne dev)`)
  else if (!v.live.loaded) lines.push(`  ${UNKNOWN} (${v.live.reason}: ${v.live.message})`)
  else {
    lines.push('  OK TYPE                     REASON')
    for (const c of v.live.conditions) {
      lines.push(
        `  ${c.status === 'True' ? '++' : c.status === 'False' ? '!!' : '??'} ${c.type.padEnd(24)} ${[c.reason, c.message].filter(Boolean).join(': ')}`.trimEnd(),
      )
    }
  }
  if (v.live?.counters) {
    lines.push('', 'Counters:')
    lines.push(
      `  ${Object.entries(v.live.counters)
        .map(([k, n]) => `${k} ${n}`)
        .join(', ')}`,
    )
  }
  return lines
}

/** A spec field by its dotted path (`jsonata.expression`), as describe shows it: objects as JSON, a multi-line text from its own line. */
function fieldText(spec: Record<string, unknown>, field: string): string | undefined {
  let value: unknown = spec
  for (const key of field.split('.'))
    value = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined
  if (value === undefined) return undefined
  if (typeof value === 'string') return value.includes('\n') ? `\n${value.replace(/\n+$/, '').replace(/^/gm, '  ')}` : value
  return JSON.stringify(value)
}

function pairs(map: Record<string, string> | undefined): string | undefined {
  if (!map || Object.keys(map).length === 0) return undefined
  return Object.entries(map)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ')
}

// ---------------------------------------------------------------------------------------------------
// The list and describe services

export interface ListResult {
  /** The running mesh, or null (status columns are then unknown). */
  mesh: {url: string} | null
  /** Why there is no live status, when there is none. */
  meshProblem?: string
  /** What the items were read from: the running mesh, or manifests on disk. */
  readFrom: 'mesh' | 'manifests'
  items: ResourceView[]
}

export async function listResources(
  project: ProjectContext,
  match: KindMatch,
  options: InspectOptions & {allNamespaces?: boolean},
): Promise<ListResult> {
  const {workspace, mesh, meshProblem, readFrom} = await inspectWorkspace(project, options)
  const items = resourceViews(
    workspace,
    (e) => match.kind(e) && (options.allNamespaces === true || e.namespace === project.namespace),
    mesh,
  )
  return {mesh: mesh ? {url: mesh.url} : null, meshProblem, readFrom, items}
}

export interface DescribeResult {
  mesh: {url: string} | null
  meshProblem?: string
  readFrom: 'mesh' | 'manifests'
  item: ResourceView
}

export async function describeResource(
  project: ProjectContext,
  name: string,
  match: KindMatch,
  options: InspectOptions,
): Promise<DescribeResult> {
  const {workspace, mesh, meshProblem, readFrom} = await inspectWorkspace(project, options)
  const entry = findOne(workspace, project.namespace, name, match)
  return {mesh: mesh ? {url: mesh.url} : null, meshProblem, readFrom, item: resourceViews(workspace, (e) => e === entry, mesh)[0]!}
}
