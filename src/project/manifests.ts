// Reads manifests and kne.yaml from disk: files and folders (recursively, *.yaml and *.yml) into one
// validated set of resources, every problem located by file, resource and field.
import {closeSync, existsSync, fstatSync, lstatSync, openSync, readdirSync, readFileSync, readlinkSync, statSync} from 'node:fs'
import {basename, dirname, isAbsolute, join, relative, resolve} from 'node:path'
import {EXIT, KneError} from '../core/errors.js'
import {parseProjectConfig, PROJECT_FILE, TEST_FILE_SUFFIX, type ProjectConfig} from '../core/project.js'
import {emptyManifests, findDuplicates, parseManifests, type ParsedManifests} from '../core/resources/parse.js'
import type {ManifestError} from '../core/resources/types.js'
import {formatBytes} from '../core/quantity.js'
import {MAX_MANIFEST_FILE_BYTES} from '../core/resources/yaml.js'

/** A path as a user would type it: relative to `cwd` when it is below it. */
export function displayPath(path: string, cwd = process.cwd()): string {
  const rel = relative(cwd, path)
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path
}

/** True for a file name kne reads as a manifest: *.yaml or *.yml, not hidden, not kne.yaml, not a kne test (*.kne.yaml). */
export function isManifestFile(path: string): boolean {
  const name = basename(path)
  return /\.ya?ml$/i.test(name) && !name.startsWith('.') && name !== PROJECT_FILE && !name.endsWith(TEST_FILE_SUFFIX)
}

/** Every manifest file below the given paths, in a stable order. */
export function manifestFiles(paths: readonly string[]): {files: string[]; errors: ManifestError[]} {
  const files: string[] = []
  const errors: ManifestError[] = []
  for (const path of paths) {
    const full = resolve(path)
    if (!existsSync(full)) {
      errors.push({file: path, message: 'no such file or folder'})
      continue
    }
    if (statSync(full).isDirectory()) files.push(...filesBelow(full, isManifestFile))
    else files.push(full)
  }
  return {files: [...new Set(files)], errors}
}

/** The files below a folder whose names `accept` takes, in a stable order; hidden files and folders and node_modules are left out. */
export function filesBelow(dir: string, accept: (name: string) => boolean): string[] {
  const out: string[] = []
  for (const entry of readdirSync(dir, {withFileTypes: true}).sort((a, b) => a.name.localeCompare(b.name))) {
    if (entry.name.startsWith('.') || entry.name === 'node_modules') continue
    const full = join(dir, entry.name)
    if (entry.isDirectory()) out.push(...filesBelow(full, accept))
    else if (accept(entry.name)) out.push(full)
  }
  return out
}

/**
 * The text of a manifest or kne.yaml, or why it cannot be had. The size is checked before anything is read,
 * so a file larger than a cluster would take costs no memory.
 */
export function readManifestText(file: string): {text: string} | {error: string} {
  let fd: number | undefined
  try {
    fd = openSync(file, 'r')
    const stats = fstatSync(fd)
    if (stats.isDirectory()) return {error: 'cannot read: it is a folder'}
    if (stats.size > MAX_MANIFEST_FILE_BYTES) {
      return {
        error: `too large: ${formatBytes(stats.size)}, more than the ${formatBytes(MAX_MANIFEST_FILE_BYTES)} a Kubernetes API server takes in one request; split it into several files`,
      }
    }
    return {text: readFileSync(fd, 'utf8')}
  } catch (error) {
    const target = (error as NodeJS.ErrnoException).code === 'ENOENT' ? danglingLinkTarget(file) : undefined
    return {
      error:
        target === undefined
          ? `cannot read: ${(error as Error).message}`
          : `cannot read: it is a symbolic link to ${target}, which does not exist`,
    }
  } finally {
    if (fd !== undefined) closeSync(fd)
  }
}

function danglingLinkTarget(file: string): string | undefined {
  try {
    return lstatSync(file).isSymbolicLink() ? readlinkSync(file) : undefined
  } catch {
    return undefined
  }
}

/** Reads and parses one manifest file (a file that cannot be read is one problem). */
export function readManifestFile(file: string, defaultNamespace = 'default'): ParsedManifests {
  const read = readManifestText(file)
  if ('error' in read) return {...emptyManifests(), errors: [{file, message: read.error}]}
  return parseManifests(read.text, file, defaultNamespace)
}

export interface LoadedManifests extends ParsedManifests {
  /** The files read, in the order they were read. */
  files: string[]
}

/** Loads and validates every manifest below `paths`. */
export function loadManifests(paths: readonly string[], defaultNamespace = 'default'): LoadedManifests {
  const {files, errors} = manifestFiles(paths)
  const result: LoadedManifests = {...emptyManifests(), errors, files}
  for (const file of files) {
    const parsed = readManifestFile(file, defaultNamespace)
    result.resources.push(...parsed.resources)
    result.others.push(...parsed.others)
    result.nonEventing.push(...parsed.nonEventing)
    result.errors.push(...parsed.errors)
    result.warnings.push(...parsed.warnings)
  }
  result.errors.push(...findDuplicates([...result.resources, ...result.others]))
  return result
}

export interface LoadedProject {
  /** Absolute path of kne.yaml, when one was found. */
  file?: string
  config: ProjectConfig
  errors: ManifestError[]
}

/**
 * Finds kne.yaml: the explicit path, else the current folder, else beside (or one level above) the
 * first manifest path.
 */
export function loadProjectConfig(explicit: string | undefined, manifestPaths: readonly string[] = [], cwd = process.cwd()): LoadedProject {
  const candidates = explicit
    ? [resolve(cwd, explicit)]
    : [
        join(cwd, PROJECT_FILE),
        ...manifestPaths.flatMap((p) => {
          const full = resolve(cwd, p)
          const dir = existsSync(full) && statSync(full).isDirectory() ? full : dirname(full)
          return [join(dir, PROJECT_FILE), join(dirname(dir), PROJECT_FILE)]
        }),
      ]
  const file = candidates.find((c) => existsSync(c))
  if (file === undefined) {
    if (explicit) return {config: parseProjectConfig('', explicit).config, errors: [{file: explicit, message: 'no such file'}]}
    return {config: parseProjectConfig('', PROJECT_FILE).config, errors: []}
  }
  const read = readManifestText(file)
  if ('error' in read) return {file, config: parseProjectConfig('', file).config, errors: [{file, message: read.error}]}
  const {config, errors} = parseProjectConfig(read.text, file)
  return {file, config, errors}
}

export interface ProjectManifestOptions {
  /** Files or folders given with -f; without any, the manifests folder named in kne.yaml. */
  files: readonly string[]
  /** Explicit kne.yaml path. */
  config?: string
  /** Namespace for resources that set none; overrides kne.yaml's. */
  namespace?: string
  cwd?: string
}

export interface ProjectManifests {
  project: LoadedProject
  /** Absolute manifest paths (empty when neither -f nor a manifests folder gives any). */
  paths: string[]
  namespace: string
  manifests: LoadedManifests
}

/** The manifest paths to load: -f's, else kne.yaml's manifests folder when it exists. */
export function manifestPaths(files: readonly string[], project: LoadedProject, cwd: string): string[] {
  if (files.length > 0) return files.map((p) => (isAbsolute(p) ? p : join(cwd, p)))
  if (project.file) {
    const folder = join(dirname(project.file), project.config.manifests)
    if (existsSync(folder)) return [folder]
  }
  return []
}

/** kne.yaml and the manifests it names (or the ones given), loaded and checked, nothing started. */
export function loadProjectManifests(options: ProjectManifestOptions): ProjectManifests {
  const cwd = options.cwd ?? process.cwd()
  // a path the user typed that is not there is a usage error, not a problem in the manifests
  for (const path of options.files) {
    if (!existsSync(resolve(cwd, path))) throw new KneError(`-f ${path}: no such file or folder`, 'NO_SUCH_PATH', EXIT.usage)
  }
  if (options.config !== undefined && !existsSync(resolve(cwd, options.config))) {
    throw new KneError(`--config ${options.config}: no such file`, 'NO_SUCH_PATH', EXIT.usage)
  }
  const project = loadProjectConfig(options.config, options.files, cwd)
  const namespace = options.namespace ?? project.config.namespace
  const paths = manifestPaths(options.files, project, cwd)
  const manifests = paths.length > 0 ? loadManifests(paths, namespace) : {...emptyManifests(), files: []}
  manifests.errors.unshift(...project.errors)
  return {project, paths, namespace, manifests}
}

/**
 * What a summary line says problems are in: kne.yaml (by the name it was found under), the manifests, or
 * both, so a typo in kne.yaml is not reported as a problem in the manifests folder.
 */
export function problemsIn(
  errors: readonly ManifestError[],
  projectFile: string | undefined,
  manifests = 'the manifests',
  cwd = process.cwd(),
): string {
  const inProject = projectFile !== undefined && errors.some((e) => resolve(cwd, e.file) === resolve(cwd, projectFile))
  const inManifests = errors.some((e) => projectFile === undefined || resolve(cwd, e.file) !== resolve(cwd, projectFile))
  return [inProject ? displayPath(projectFile, cwd) : undefined, inManifests ? manifests : undefined].filter(Boolean).join(' and ')
}

export function requireManifests(options: ProjectManifestOptions): ProjectManifests {
  const loaded = loadProjectManifests(options)
  if (loaded.paths.length === 0) {
    throw new KneError(
      'no manifests to read: pass -f FILE|FOLDER, or run it in a project whose kne.yaml names a manifests folder',
      'NO_MANIFESTS',
      EXIT.usage,
      ['kne init creates a project with a knative/ folder'],
    )
  }
  return loaded
}

/** Resources in the order they are written: files as read, documents as they appear. */
export function inFileOrder<T extends {origin: {file: string; document: number}}>(items: T[], files: readonly string[]): T[] {
  const rank = new Map(files.map((f, i) => [f, i]))
  return [...items].sort((a, b) => (rank.get(a.origin.file) ?? 0) - (rank.get(b.origin.file) ?? 0) || a.origin.document - b.origin.document)
}
