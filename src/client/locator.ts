// How kne commands find a running `kne dev`: KNE_URL when set, else the locators the meshes write, one per
// mesh (`<data dir>/meshes/<port>.json`), so that several meshes coexist: the most recently started live one
// is chosen, and locators left by processes that are gone (a crash, SIGKILL) are ignored and removed. The folder
// they live in is the state directory: KNE_STATE_DIR (or a command's --state-dir), else kne's data dir.
import {mkdirSync, readdirSync, readFileSync, rmSync} from 'node:fs'
import {join} from 'node:path'
import {KneError} from '../core/errors.js'
import {rewriteFile} from '../scaffold/write-file.js'
import {isProcessAlive} from '../mesh/pid.js'

export interface Locator {
  version: string
  pid: number
  url: string
  startedAt: string
  /** Where its output goes, when it was started by kne dev --detach. */
  logFile?: string
  /** Its --drain-timeout: how long kne stop waits for it to drain unless told otherwise. */
  drainTimeoutMs?: number
}

/** The folder of the meshes' locators, log files and stop requests: KNE_STATE_DIR when set, else kne's data dir. */
export function stateDirOf(dataDir: string, env: NodeJS.ProcessEnv = process.env): string {
  return env.KNE_STATE_DIR?.trim() || dataDir
}

function meshesDir(dataDir: string): string {
  return join(dataDir, 'meshes')
}

export function locatorPath(dataDir: string, url: string): string {
  return join(meshesDir(dataDir), `${new URL(url).port || '80'}.json`)
}

/** Where kne stop asks a mesh to drain for a given time: read by kne dev when it is told to stop. */
export function stopRequestPath(dataDir: string, url: string): string {
  return join(meshesDir(dataDir), `${new URL(url).port || '80'}.stop`)
}

/** kne stop's side: asks the mesh with this pid to drain for this long when it gets SIGTERM. */
export function writeStopRequest(dataDir: string, url: string, pid: number, drainTimeoutMs: number): void {
  rewriteFile(stopRequestPath(dataDir, url), `${JSON.stringify({pid, drainTimeoutMs})}\n`)
}

/** kne dev's side, on SIGTERM: the drain time kne stop asked this process for, if it asked; the request is used up. */
export function takeStopRequest(dataDir: string, url: string, pid = process.pid): number | undefined {
  const path = stopRequestPath(dataDir, url)
  try {
    const request = JSON.parse(readFileSync(path, 'utf8')) as {pid?: unknown; drainTimeoutMs?: unknown}
    rmSync(path, {force: true})
    return request.pid === pid && typeof request.drainTimeoutMs === 'number' ? request.drainTimeoutMs : undefined
  } catch {
    return undefined
  }
}

/** Writes this mesh's locator; returns the other meshes that are running, most recent first. */
export function writeLocator(dataDir: string, locator: Locator): Locator[] {
  const others = runningMeshes(dataDir).filter((other) => other.pid !== locator.pid)
  mkdirSync(meshesDir(dataDir), {recursive: true})
  // replaced in one step: a reader never sees half a locator
  rewriteFile(locatorPath(dataDir, locator.url), `${JSON.stringify(locator, null, 2)}\n`)
  return others
}

/** Removes this mesh's locator if it is still this process's (another kne dev may have taken the port since). */
export function removeLocator(dataDir: string, url: string, pid = process.pid): void {
  const path = locatorPath(dataDir, url)
  if (readLocatorFile(path)?.pid === pid) rmSync(path, {force: true})
}

/** The meshes whose process is alive, most recently started first; locators of dead processes are removed. */
export function runningMeshes(dataDir: string): Locator[] {
  let names: string[]
  try {
    names = readdirSync(meshesDir(dataDir)).filter((name) => name.endsWith('.json'))
  } catch {
    return []
  }
  const running: Locator[] = []
  for (const name of names) {
    const path = join(meshesDir(dataDir), name)
    const locator = readLocatorFile(path)
    if (locator === undefined) continue
    if (isProcessAlive(locator.pid)) running.push(locator)
    else rmSync(path, {force: true})
  }
  return running.sort((a, b) => b.startedAt.localeCompare(a.startedAt))
}

function readLocatorFile(path: string): Locator | undefined {
  try {
    const locator = JSON.parse(readFileSync(path, 'utf8')) as Partial<Locator>
    return typeof locator.pid === 'number' && typeof locator.url === 'string' && typeof locator.startedAt === 'string'
      ? (locator as Locator)
      : undefined
  } catch {
    return undefined
  }
}

/** The base URL of the running mesh; throws a KneError (exit 4) saying how to start one. */
export function findMesh(dataDir: string, env: NodeJS.ProcessEnv = process.env): {url: string; via: 'KNE_URL' | 'locator'} {
  const fromEnv = env.KNE_URL?.trim()
  if (fromEnv) return {url: fromEnv.replace(/\/+$/, ''), via: 'KNE_URL'}
  const [latest] = runningMeshes(stateDirOf(dataDir, env))
  if (latest) return {url: latest.url, via: 'locator'}
  throw new KneError('no kne mesh is running', 'MESH_NOT_RUNNING', {
    suggestions: ['start one with `kne dev` (in another terminal), or point KNE_URL at a running mesh'],
  })
}
