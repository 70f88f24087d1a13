// Reads manifests and kne.yaml from disk: files and folders (recursively, *.yaml and *.yml) into one
// validated set of resources, every problem located by file, resource and field.
import {existsSync, readdirSync, readFileSync, statSync} from 'node:fs'
import {dirname, join, resolve} from 'node:path'
import {parseProjectConfig, PROJECT_FILE, type ProjectConfig} from '../core/project.js'
import {findDuplicates, parseManifests, type ParsedManifests} from '../core/resources/parse.js'
import type {ManifestError} from '../core/resources/types.js'

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
    if (statSync(full).isDirectory()) files.push(...walk(full))
    else files.push(full)
  }
  return {files: [...new Set(files)], errors}
}

function walk(dir: string): string[] {
  const out: string[] = []
  for (const entry of readdirSync(dir, {withFileTypes: true}).sort((a, b) => a.name.localeCompare(b.name))) {
    if (entry.name.startsWith('.') || entry.name === 'node_modules') continue
    const full = join(dir, entry.name)
    if (entry.isDirectory()) out.push(...walk(full))
    else if (/\.ya?ml$/i.test(entry.name) && entry.name !== PROJECT_FILE) out.push(full)
  }
  return out
}

/** Loads and validates every manifest below `paths`. */
export function loadManifests(paths: readonly string[], defaultNamespace = 'default'): ParsedManifests {
  const {files, errors} = manifestFiles(paths)
  const result: ParsedManifests = {resources: [], others: [], errors, warnings: []}
  for (const file of files) {
    let text: string
    try {
      text = readFileSync(file, 'utf8')
    } catch (error) {
      result.errors.push({file, message: `cannot read: ${(error as Error).message}`})
      continue
    }
    const parsed = parseManifests(text, file, defaultNamespace)
    result.resources.push(...parsed.resources)
    result.others.push(...parsed.others)
    result.errors.push(...parsed.errors)
    result.warnings.push(...parsed.warnings)
  }
  result.errors.push(...findDuplicates(result.resources))
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
  const candidates = explicit ? [resolve(cwd, explicit)] : [join(cwd, PROJECT_FILE), ...manifestPaths.flatMap((p) => {
    const full = resolve(cwd, p)
    const dir = existsSync(full) && statSync(full).isDirectory() ? full : dirname(full)
    return [join(dir, PROJECT_FILE), join(dirname(dir), PROJECT_FILE)]
  })]
  const file = candidates.find((c) => existsSync(c))
  if (file === undefined) {
    if (explicit) return {config: parseProjectConfig('', explicit).config, errors: [{file: explicit, message: 'no such file'}]}
    return {config: parseProjectConfig('', PROJECT_FILE).config, errors: []}
  }
  const {config, errors} = parseProjectConfig(readFileSync(file, 'utf8'), file)
  return {file, config, errors}
}
