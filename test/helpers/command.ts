// Runs a kne command in this process, as oclif runs it (the TypeScript sources, through tsx), in a project
// folder and with its own data folder, and returns what it printed and the exit code a shell would see.
import {mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {Config, Errors, Plugin, run} from '@oclif/core'
import {captureOutput} from '@oclif/test'
import {writeLocator} from '../../src/client/locator.js'
import {createMesh, formatManifestError, loadManifests, loadProjectConfig, VirtualClock, type Mesh} from '../../src/index.js'
import {repoRoot} from './cli.js'

export interface CommandResult {
  code: number
  stdout: string
  stderr: string
  /** What run() returned (the --json document). */
  result?: unknown
  error?: Error
}

export interface CommandOptions {
  /** The folder the command runs in (its project) [default: the repository]. */
  cwd?: string
  /** Environment for the command's run; undefined removes a variable. KNE_DATA_DIR defaults to a fresh folder. */
  env?: Record<string, string | undefined>
}

const configs = new Map<string, Promise<Config>>()

/** A data folder of its own, so that a test never sees another's mesh. */
export function freshDataDir(): string {
  return mkdtempSync(join(tmpdir(), 'kne-cmd-'))
}

/**
 * kne's commands from their TypeScript sources: a root plugin told to ignore the oclif.manifest.json a
 * build leaves (Config.load alone would load the built commands it lists, stale after an edit).
 */
async function loadSourceConfig(): Promise<Config> {
  rootPlugin ??= (async () => {
    const root = new Plugin({root: repoRoot, isRoot: true, ignoreManifest: true})
    await root.load()
    return root
  })()
  const root = await rootPlugin
  return Config.load({root: repoRoot, plugins: new Map([[root.name, root]])})
}

let rootPlugin: Promise<Plugin> | undefined

/** kne's oclif configuration for a data folder (its dataDir is read from KNE_DATA_DIR when it loads). */
function loadConfig(dataDir: string): Promise<Config> {
  let config = configs.get(dataDir)
  if (!config) {
    const previous = process.env.KNE_DATA_DIR
    process.env.KNE_DATA_DIR = dataDir
    config = loadSourceConfig().finally(() => {
      if (previous === undefined) delete process.env.KNE_DATA_DIR
      else process.env.KNE_DATA_DIR = previous
    })
    configs.set(dataDir, config)
  }
  return config
}

let queue: Promise<unknown> = Promise.resolve()

/**
 * Runs `kne ARGS` to completion in this process; never throws for the command's own failures. Calls run
 * one at a time: a command owns the process's stdout, environment and working folder while it runs.
 */
export function runKne(args: string[], options: CommandOptions = {}): Promise<CommandResult> {
  const next = queue.then(() => runNow(args, options))
  queue = next.catch(() => undefined)
  return next
}

async function runNow(args: string[], options: CommandOptions): Promise<CommandResult> {
  const env: Record<string, string | undefined> = {NO_COLOR: '1', KNE_URL: undefined, KNE_NAMESPACE: undefined, ...options.env}
  env.KNE_DATA_DIR ??= freshDataDir()
  const config = await loadConfig(env.KNE_DATA_DIR)
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]))
  const cwd = process.cwd()
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) delete process.env[k]
    else process.env[k] = v
  }
  process.exitCode = undefined
  if (options.cwd) process.chdir(options.cwd)
  // as in a script: no terminal, so a command never prompts (also when vitest runs in one)
  const terminal = {stdin: process.stdin.isTTY, stdout: process.stdout.isTTY}
  process.stdin.isTTY = false
  process.stdout.isTTY = false
  try {
    const output = await captureOutput(() => run(args, config))
    const {error} = output
    const exit = (error as Errors.CLIError | undefined)?.oclif?.exit
    const code = error ? (exit ?? 1) : Number(process.exitCode ?? 0)
    // what oclif's handler prints at the top of the process
    const shown =
      error && !(error instanceof Errors.ExitError)
        ? `Error: ${error.message}\n${((error as Errors.CLIError).suggestions ?? []).map((s) => `Try this: ${s}\n`).join('')}`
        : ''
    return {code, stdout: output.stdout, stderr: output.stderr + shown, result: output.result, error}
  } finally {
    process.stdin.isTTY = terminal.stdin
    process.stdout.isTTY = terminal.stdout
    process.exitCode = undefined
    process.chdir(cwd)
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k]
      else process.env[k] = v
    }
  }
}

/** The single JSON document a command printed on stdout (throws when there is not exactly one). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read any field of the document
export function jsonOf(result: CommandResult): any {
  return JSON.parse(result.stdout)
}

/** The ids of kne's own commands (`broker:create`, ...), from its oclif configuration. */
export async function kneCommandIds(): Promise<string[]> {
  const config = await loadConfig(freshDataDir())
  return config.commands
    .filter((c) => c.pluginName === 'kne')
    .map((c) => c.id)
    .sort()
}

/** The classes of kne's own commands, by id. */
export async function kneCommands(): Promise<Map<string, Awaited<ReturnType<Config['commands'][number]['load']>>>> {
  const config = await loadConfig(freshDataDir())
  const own = config.commands.filter((c) => c.pluginName === 'kne').sort((a, b) => a.id.localeCompare(b.id))
  return new Map(await Promise.all(own.map(async (c) => [c.id, await c.load()] as const)))
}

/** A mesh in this process running a project's manifests, found by commands through the locator in dataDir. */
export async function meshForProject(projectDir: string, dataDir: string): Promise<Mesh> {
  const {config} = loadProjectConfig(join(projectDir, 'kne.yaml'))
  const {resources, errors} = loadManifests([join(projectDir, config.manifests)], config.namespace)
  if (errors.length > 0) throw new Error(`the project does not load: ${errors.map(formatManifestError).join('; ')}`)
  const mesh = await createMesh({resources, services: config.services, clock: new VirtualClock(), log: () => undefined})
  writeLocator(dataDir, {version: 'test', pid: process.pid, url: mesh.url, startedAt: mesh.startedAt.toISOString()})
  return mesh
}
