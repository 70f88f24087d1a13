// How kne commands find a running `kne dev`: KNE_URL when set, else the locator file the mesh writes
// (`<data dir>/mesh.json`), ignored when the process that wrote it is gone.
import {mkdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {EXIT, KneError} from '../core/errors.js'

export interface Locator {
  version: string
  pid: number
  url: string
  startedAt: string
}

export function locatorPath(dataDir: string): string {
  return join(dataDir, 'mesh.json')
}

export function writeLocator(dataDir: string, locator: Locator): void {
  mkdirSync(dataDir, {recursive: true})
  writeFileSync(locatorPath(dataDir), `${JSON.stringify(locator, null, 2)}\n`)
}

/** Removes the locator if it is still this process's (another kne dev may have started since). */
export function removeLocator(dataDir: string, pid = process.pid): void {
  const current = readLocatorFile(dataDir)
  if (current?.pid === pid) rmSync(locatorPath(dataDir), {force: true})
}

function readLocatorFile(dataDir: string): Locator | undefined {
  try {
    return JSON.parse(readFileSync(locatorPath(dataDir), 'utf8')) as Locator
  } catch {
    return undefined
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** The base URL of the running mesh; throws a KneError (exit 4) saying how to start one. */
export function findMesh(dataDir: string, env: NodeJS.ProcessEnv = process.env): {url: string; via: 'KNE_URL' | 'locator'} {
  const fromEnv = env.KNE_URL?.trim()
  if (fromEnv) return {url: fromEnv.replace(/\/+$/, ''), via: 'KNE_URL'}
  const locator = readLocatorFile(dataDir)
  if (locator && isAlive(locator.pid)) return {url: locator.url, via: 'locator'}
  throw new KneError('no kne mesh is running', 'MESH_NOT_RUNNING', EXIT.unreachable,
    ['start one with `kne dev` (in another terminal), or point KNE_URL at a running mesh'])
}
