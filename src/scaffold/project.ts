// The project a scaffolding command works on: kne.yaml (found as kne dev finds it), the manifests
// folder new files go to (--dir overrides) and the namespace (-n overrides kne.yaml's).
import {dirname, join, resolve} from 'node:path'
import {EXIT, KneError} from '../core/errors.js'
import type {ProjectConfig} from '../core/project.js'
import {namespaceProblem} from '../core/resources/parse.js'
import {formatManifestError} from '../core/resources/types.js'
import {displayPath as displayPathFrom, loadProjectConfig} from '../project/manifests.js'

export interface ProjectContext {
  cwd: string
  /** Absolute path of kne.yaml, when there is one. */
  configFile?: string
  config: ProjectConfig
  /** Absolute path of the folder scaffolded files go to and list/describe read. */
  manifestsDir: string
  /** The namespace the command acts in. */
  namespace: string
  /** -n was given: new manifests then carry it in metadata.namespace. */
  explicitNamespace: boolean
}

export interface ProjectOptions {
  cwd?: string
  /** --config: path to kne.yaml. */
  config?: string
  /** --dir: the manifests folder. */
  dir?: string
  /** -n/--namespace. */
  namespace?: string
}

export function openProject(options: ProjectOptions = {}): ProjectContext {
  const cwd = options.cwd ?? process.cwd()
  if (options.namespace !== undefined) {
    const problem = namespaceProblem(options.namespace)
    if (problem) throw new KneError(problem, 'INVALID_NAMESPACE', EXIT.usage)
  }
  const loaded = loadProjectConfig(options.config, options.dir ? [options.dir] : [], cwd)
  if (loaded.errors.length > 0) {
    throw new KneError(
      `${loaded.errors.length} problem(s) in ${loaded.file ? displayPathFrom(loaded.file, cwd) : 'kne.yaml'}`,
      'INVALID_PROJECT',
      EXIT.invalid,
    ).withDetails(loaded.errors.map(formatManifestError))
  }
  const base = loaded.file ? dirname(loaded.file) : cwd
  return {
    cwd,
    configFile: loaded.file,
    config: loaded.config,
    manifestsDir: options.dir ? resolve(cwd, options.dir) : join(base, loaded.config.manifests),
    namespace: options.namespace ?? loaded.config.namespace,
    explicitNamespace: options.namespace !== undefined,
  }
}

/** A path as the user should read it: relative to where they are, when it is below it. */
export function displayPath(project: Pick<ProjectContext, 'cwd'>, path: string): string {
  return displayPathFrom(path, project.cwd)
}
