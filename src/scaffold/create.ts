// Writes a scaffolded resource: validated with kne's resource model first, refused when the resource
// already exists (unless forced, which replaces it where it is), one new file per resource otherwise.
import {existsSync, mkdirSync, readFileSync, statSync} from 'node:fs'
import {join} from 'node:path'
import {EXIT, KneError} from '../core/errors.js'
import {flagForField, manifestFileName, type KindInfo, type Manifest} from '../core/manifests/index.js'
import {checkReferences} from '../core/references.js'
import {identity, kubernetesNameProblem, parseManifests, type ParsedManifests} from '../core/resources/parse.js'
import {describeResource, type ManifestError, type ManifestResource} from '../core/resources/types.js'
import {descriptorFor, notEmulatedWarnings} from '../kinds/descriptors.js'
import {readWorkspace, findEntry, isInList, type Workspace} from './workspace.js'
import {replaceDocument} from './files.js'
import {rewriteFile, writeNewFile} from './write-file.js'
import {displayPath, type ProjectContext} from './project.js'
import {toYaml} from './templates.js'

export interface CreateOptions {
  /** Replace a resource of the same kind, namespace and name. */
  force?: boolean
  /** Validate and report, but write nothing. */
  dryRun?: boolean
}

export interface CreateResult {
  manifest: Manifest
  /** Where the resource was (or, with --dry-run, would be) written. */
  file: string
  action: 'created' | 'replaced' | 'dry-run'
  namespace: string
  /** kn's message, e.g. `Trigger 'x' successfully created in namespace 'y'.` */
  message: string
  /** Things that will not work until something else changes (a missing broker, an unmapped service …). */
  warnings: string[]
}

/** Exit 2 when `name` is not a Kubernetes name; checked before anything else. */
export function checkName(info: KindInfo, name: string): void {
  const problem = kubernetesNameProblem(name, `${info.kind} name`)
  if (problem) throw new KneError(problem, 'INVALID_NAME', EXIT.usage)
}

export function createResource(project: ProjectContext, info: KindInfo, manifest: Manifest, options: CreateOptions = {}): CreateResult {
  const {name} = manifest.metadata
  checkName(info, name)
  const namespace = manifest.metadata.namespace ?? project.config.namespace
  const yaml = toYaml(manifest)
  const fileName = manifestFileName(info.kind, name, namespace === project.config.namespace ? undefined : namespace)
  let file = join(project.manifestsDir, fileName)
  const parsed = parseManifests(yaml, displayPath(project, file), project.config.namespace)
  if (parsed.errors.length > 0) {
    throw new KneError(
      `cannot create ${info.kind} '${name}' in namespace '${namespace}': ${parsed.errors.length} problem(s)`,
      'INVALID_MANIFEST',
      EXIT.invalid,
    ).withDetails(parsed.errors.map(describeProblem))
  }
  const workspace = readWorkspace(project)
  const elsewhere = workspace.manifests.errors.filter(
    (e) => e.resource !== describeResource({kind: info.kind, metadata: {namespace, name}}),
  )
  const warnings = [
    ...(elsewhere.length > 0
      ? [`${displayPath(project, project.manifestsDir)} has ${elsewhere.length} other problem(s) kne dev will report: run kne validate`]
      : []),
    ...parsed.warnings.map(describeProblem),
    ...referenceWarnings(workspace, [...parsed.resources, ...parsed.others][0]!, parsed),
    ...parsed.resources
      .slice(0, 1)
      .flatMap((r) => descriptorFor(r).advisories?.(r) ?? [])
      .map((w) => `${w.field}: ${w.message}`),
  ]
  const existing = findEntry(workspace, info.kind, namespace, name)
  const result = (action: CreateResult['action'], where: string): CreateResult => ({
    manifest,
    file: where,
    action,
    namespace,
    message: info.created(name, namespace),
    warnings,
  })
  assertCreatable(workspace, info, namespace, name, options)
  if (existing && options.force) {
    if (isInList(existing)) {
      throw new KneError(
        `${info.kind} '${name}' is an item of a List in ${displayPath(project, existing.file)}; kne does not rewrite Lists`,
        'IN_LIST',
        EXIT.usage,
        ['edit that file by hand, or move the resource to a file of its own'],
      )
    }
    if (!options.dryRun) rewriteFile(existing.file, replaceDocument(readFileSync(existing.file, 'utf8'), existing.document, yaml))
    return result(options.dryRun ? 'dry-run' : 'replaced', existing.file)
  }
  if (options.dryRun) return result('dry-run', file)
  if (existsSync(project.manifestsDir) && !statSync(project.manifestsDir).isDirectory()) {
    throw new KneError(`${displayPath(project, project.manifestsDir)} is a file, not a manifests folder`, 'NOT_A_FOLDER', EXIT.usage, [
      'pass --dir FOLDER',
    ])
  }
  mkdirSync(project.manifestsDir, {recursive: true})
  // a file of that name holding something else is never touched: the next free name is used
  for (let n = 2; !writeNewFile(file, yaml); n++) file = join(project.manifestsDir, fileName.replace(/\.yaml$/, `-${n}.yaml`))
  return result('created', file)
}

/** Exit 2 when the resource already exists and neither --force nor --dry-run is given. */
export function assertCreatable(workspace: Workspace, info: KindInfo, namespace: string, name: string, options: CreateOptions): void {
  const existing = findEntry(workspace, info.kind, namespace, name)
  if (existing && !options.force && !options.dryRun) {
    const where = displayPath(workspace.project, existing.file)
    throw new KneError(`${info.kind} '${name}' already exists in namespace '${namespace}' (${where})`, 'ALREADY_EXISTS', EXIT.usage, [
      'pass --force to replace it, or pick another name',
    ])
  }
}

function describeProblem(error: ManifestError): string {
  const flag = flagForField(error.field)
  return `${flag ? `${flag}: ` : ''}${error.field ? `${error.field}: ` : ''}${error.message}`
}

/** What kne dev would report as not Ready (a trigger's missing broker, a sink it cannot resolve) or not run. */
function referenceWarnings(workspace: Workspace, created: ManifestResource, parsed: ParsedManifests): string[] {
  const id = identity(created)
  const neighbours = [...workspace.manifests.resources, ...workspace.manifests.others].filter((r) => identity(r) !== id)
  const report = checkReferences([...neighbours, created], {services: workspace.project.config.services})
  const mine = describeResource(created)
  return [...report.errors, ...report.warnings, ...notEmulatedWarnings(parsed)]
    .filter((w) => w.resource === mine)
    .map((w) => `${flagForField(w.field) ? `${flagForField(w.field)}: ` : ''}${w.message}`)
}
