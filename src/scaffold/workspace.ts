// The resources in a project's manifests folder, read with kne's resource model, so that scaffolding,
// list, describe and delete see exactly what kne dev would load.
import {existsSync, statSync} from 'node:fs'
import {resolve} from 'node:path'
import {EXIT, KneError} from '../core/errors.js'
import {emptyManifests, type ParsedManifests} from '../core/resources/parse.js'
import type {KneResource, ManifestError, OtherResource} from '../core/resources/types.js'
import {loadManifests} from '../project/manifests.js'
import {displayPath, type ProjectContext} from './project.js'
import {readDocument} from './files.js'

export interface WorkspaceEntry {
  apiVersion: string
  kind: string
  namespace: string
  name: string
  file: string
  /** 0-based index of the YAML document in the file. */
  document: number
  /** The resource as kne's model reads it; undefined when the document did not validate. */
  resource?: KneResource | OtherResource
  /** The document's problems, when it did not validate. */
  errors: ManifestError[]
}

export interface Workspace {
  project: ProjectContext
  entries: WorkspaceEntry[]
  manifests: ParsedManifests
  /** Where the entries come from, as messages name it (default: the manifests folder). */
  where?: string
}

/** The project's manifests folder, or the files and folders given instead (-f). */
export function readWorkspace(project: ProjectContext, files: readonly string[] = []): Workspace {
  const manifests: ParsedManifests =
    files.length > 0
      ? loadManifests(
          files.map((f) => resolve(project.cwd, f)),
          project.config.namespace,
        )
      : existsSync(project.manifestsDir) && statSync(project.manifestsDir).isDirectory()
        ? loadManifests([project.manifestsDir], project.config.namespace)
        : emptyManifests()
  const entries: WorkspaceEntry[] = [...manifests.resources, ...manifests.others].map(entryOf)
  // a document that failed validation still names its resource: keep it so it can be listed and deleted
  for (const error of manifests.errors) {
    const id = /^(\S+) ([^/\s]+)\/(\S+)$/.exec(error.resource ?? '')
    if (!id || error.document === undefined || id[3] === '<unnamed>') continue
    const [, kind, namespace, name] = id as unknown as [string, string, string, string]
    const known = entries.find((e) => e.file === error.file && e.document === error.document && e.kind === kind && e.name === name)
    if (known) known.errors.push(error)
    else entries.push({apiVersion: '', kind, namespace, name, file: error.file, document: error.document, errors: [error]})
  }
  return {project, entries, manifests, ...(files.length > 0 ? {where: files.join(', ')} : {})}
}

/** The resources a running mesh serves, as a workspace: `where` names the mesh. */
export function meshWorkspace(project: ProjectContext, resources: readonly KneResource[], where: string): Workspace {
  return {project, entries: resources.map(entryOf), manifests: {...emptyManifests(), resources: [...resources]}, where}
}

function entryOf(r: KneResource | OtherResource): WorkspaceEntry {
  return {
    apiVersion: r.apiVersion,
    kind: r.kind,
    namespace: r.metadata.namespace,
    name: r.metadata.name,
    file: r.origin.file,
    document: r.origin.document,
    resource: r,
    errors: [],
  }
}

export function findEntry(workspace: Workspace, kind: string, namespace: string, name: string): WorkspaceEntry | undefined {
  return workspace.entries.find((e) => e.kind === kind && e.namespace === namespace && e.name === name)
}

/** The resource as written in its file (a List's matching item for a List document). */
export function rawResource(entry: WorkspaceEntry): Record<string, unknown> {
  const kept = (entry.resource as {manifest?: Record<string, unknown>} | undefined)?.manifest
  if (kept) return kept
  const doc = readDocument(entry.file, entry.document) as Record<string, unknown> | undefined
  if (doc && doc.kind === 'List' && Array.isArray(doc.items)) {
    const item = (doc.items as Record<string, unknown>[]).find(
      (i) => i?.kind === entry.kind && (i.metadata as {name?: string} | undefined)?.name === entry.name,
    )
    return item ?? {}
  }
  return doc ?? {}
}

/** True when the entry is an item of a `kind: List` document (kne edits those only by hand). */
export function isInList(entry: WorkspaceEntry): boolean {
  return (readDocument(entry.file, entry.document) as {kind?: unknown} | undefined)?.kind === 'List'
}

/** Which resources a command acts on: `what` names them in messages (`brokers`, `sources`). */
export interface KindMatch {
  what: string
  kind: (entry: WorkspaceEntry) => boolean
}

export function kindIs(kind: string, what = `${kind.toLowerCase()}s`): KindMatch {
  return {what, kind: (e) => e.kind === kind}
}

/** The one resource `name` in `namespace` that `match` accepts; exit 2 when there is none, or more than one. */
export function findOne(workspace: Workspace, namespace: string, name: string, match: KindMatch): WorkspaceEntry {
  const found = workspace.entries.filter((e) => match.kind(e) && e.namespace === namespace && e.name === name)
  if (found.length === 0) {
    const where = workspace.where ?? displayPath(workspace.project, workspace.project.manifestsDir)
    throw new KneError(`${match.what} "${name}" not found in namespace "${namespace}" (looked in ${where})`, 'NOT_FOUND', EXIT.usage)
  }
  if (found.length > 1) {
    throw new KneError(
      `"${name}" names ${found.length} resources in namespace "${namespace}": ${found.map((e) => e.kind).join(', ')}`,
      'AMBIGUOUS',
      EXIT.usage,
      ['pass --kind to say which'],
    )
  }
  return found[0]!
}
