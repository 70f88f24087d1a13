// A mesh for scripts: kne dev --detach starts kne dev in the background with --json, its output in a log file, and
// returns once the log has its `ready` record (or the error it ended with); kne stop asks it to drain (SIGTERM, the
// drain time in a stop request beside its locator), waits for it to exit and reads what it left unfinished from the
// log. The log is read as it grows (fs.watch), so neither side sleeps to find out.
import {spawn} from 'node:child_process'
import {closeSync, mkdirSync, openSync, readSync, rmSync, statSync, watch} from 'node:fs'
import {StringDecoder} from 'node:string_decoder'
import {join} from 'node:path'
import {ERRORS, KneError, type ErrorCode} from '../core/errors.js'
import type {MeshStatus} from '../core/api.js'
import {isProcessAlive} from '../mesh/pid.js'
import {findMesh, runningMeshes, stopRequestPath, writeStopRequest, type Locator} from './locator.js'
import {getStatus} from './mesh-client.js'
import {formatMs, type describeDelivery} from './render.js'

/** The environment variable that tells a detached kne dev its log file, for its locator. */
export const LOG_FILE_ENV = 'KNE_DEV_LOG_FILE'
/** A log line longer than this is skipped unread: the records kne dev --json writes are far shorter. */
const MAX_LINE_BYTES = 16 * 1024 ** 2
/** How often a waiting kne stop checks that the process is still there (a crash writes no record). */
const ALIVE_CHECK_MS = 100
/** How long kne stop waits past the drain time before it kills the mesh. */
const EXIT_GRACE_MS = 10_000

export interface DetachedMesh {
  url: string
  pid: number
  logFile: string
  stateDir: string
}

export type UnfinishedDelivery = Parameters<typeof describeDelivery>[0]

export interface StoppedMesh {
  url: string
  pid: number
  logFile?: string
  /** The deliveries the drain did not finish; undefined when the mesh wrote no `stopped` record (not detached, or killed). */
  unfinished?: UnfinishedDelivery[]
  /** They are in the mesh's event log, for its next start to resume (else they were marked failed). */
  resumable?: boolean
}

/** kne dev's arguments without the ones that only the detaching parent reads, plus --json for the log. */
export function detachedDevArgs(argv: readonly string[]): string[] {
  const end = argv.indexOf('--')
  const flags = end === -1 ? argv : argv.slice(0, end)
  const out: string[] = []
  for (let i = 0; i < flags.length; i++) {
    const arg = flags[i]!
    if (arg === '--detach' || arg === '--json' || arg.startsWith('--wait-timeout=')) continue
    if (arg === '--wait-timeout') i++
    else out.push(arg)
  }
  return ['dev', ...out, '--json', ...(end === -1 ? [] : argv.slice(end))]
}

/** Follows a growing NDJSON file from an offset, handing each complete record to `onRecord`. */
export class LogReader {
  private offset: number
  /** Keeps a character whose bytes a read cut in two until the next read brings the rest. */
  private readonly decoder = new StringDecoder('utf8')
  private partial = ''
  private skipping = false

  constructor(
    private readonly path: string,
    private readonly onRecord: (record: Record<string, unknown>) => void,
    offset = 0,
  ) {
    this.offset = offset
  }

  read(): void {
    let fd: number
    try {
      fd = openSync(this.path, 'r')
    } catch {
      return
    }
    try {
      const chunk = Buffer.alloc(64 * 1024)
      for (;;) {
        const n = readSync(fd, chunk, 0, chunk.length, this.offset)
        if (n === 0) break
        this.offset += n
        this.take(this.decoder.write(chunk.subarray(0, n)))
      }
    } finally {
      closeSync(fd)
    }
  }

  private take(text: string): void {
    const lines = (this.partial + text).split('\n')
    this.partial = lines.pop()!
    if (this.partial.length > MAX_LINE_BYTES) {
      this.partial = ''
      this.skipping = true
    }
    for (const line of lines) {
      if (this.skipping) {
        this.skipping = false
        continue
      }
      let record: unknown
      try {
        record = JSON.parse(line)
      } catch {
        continue // a line a service or Node printed as text
      }
      if (record !== null && typeof record === 'object') this.onRecord(record as Record<string, unknown>)
    }
  }
}

/** Calls `onChange` when the file changes (fs.watch), or every ALIVE_CHECK_MS where the system cannot watch it. */
function follow(path: string, onChange: () => void): {close: () => void} {
  try {
    return watch(path, onChange)
  } catch {
    const timer = setInterval(onChange, ALIVE_CHECK_MS)
    return {close: () => clearInterval(timer)}
  }
}

function logFileFor(stateDir: string): string {
  const stamp = new Date().toISOString().replaceAll(/[-:]/g, '').replace(/\..*/, '')
  return join(stateDir, 'logs', `dev-${stamp}-${process.pid}.log`)
}

/** The error kne dev --json ended with, as a KneError with the same code (so the same exit code), else undefined. */
function startError(record: Record<string, unknown>): KneError | undefined {
  const error = record.error as {code?: string; message?: string; details?: unknown; suggestions?: unknown} | undefined
  if (error === undefined || typeof error.message !== 'string') return undefined
  const code = (error.code !== undefined && error.code in ERRORS ? error.code : 'MESH_STOPPED') as ErrorCode
  const suggestions = Array.isArray(error.suggestions) ? error.suggestions.map(String) : []
  const kneError = new KneError(error.message, code, {suggestions})
  return Array.isArray(error.details) ? kneError.withDetails(error.details.map(String)) : kneError
}

export interface DetachOptions {
  /** bin/run.js of this kne. */
  runScript: string
  /** kne dev's own arguments (see detachedDevArgs). */
  argv: readonly string[]
  stateDir: string
  waitTimeoutMs: number
  cwd?: string
  env?: NodeJS.ProcessEnv
}

/** Starts kne dev in the background and resolves once it is Ready; rejects with its start-up error, or on the timeout (the process is then stopped). */
export async function startDetached(options: DetachOptions): Promise<DetachedMesh> {
  const logFile = logFileFor(options.stateDir)
  mkdirSync(join(options.stateDir, 'logs'), {recursive: true})
  const fd = openSync(logFile, 'a', 0o600)
  const child = (() => {
    try {
      return spawn(process.execPath, [options.runScript, ...detachedDevArgs(options.argv)], {
        cwd: options.cwd,
        env: {...(options.env ?? process.env), [LOG_FILE_ENV]: logFile},
        detached: true,
        stdio: ['ignore', fd, fd],
      })
    } finally {
      closeSync(fd)
    }
  })()
  const pid = child.pid
  if (pid === undefined) throw new KneError(`kne dev could not be started; see ${logFile}`, 'MESH_STOPPED')
  return new Promise<DetachedMesh>((resolve, reject) => {
    let failure: KneError | undefined
    let settled = false
    const finish = (result: DetachedMesh | KneError): void => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      watcher.close()
      child.removeAllListeners('exit')
      child.unref()
      if (result instanceof KneError) reject(result)
      else resolve(result)
    }
    const reader = new LogReader(logFile, (record) => {
      if (record.kind === 'ready' && typeof record.url === 'string') finish({url: record.url, pid, logFile, stateDir: options.stateDir})
      failure ??= startError(record)
    })
    const watcher = follow(logFile, () => reader.read())
    let timedOut = false
    child.once('exit', (code, signal) => {
      reader.read()
      if (timedOut) {
        return finish(
          new KneError(
            `kne dev (pid ${pid}) was not Ready within ${formatMs(options.waitTimeoutMs)}; it is stopped, its output is in ${logFile}`,
            'DETACHED_TIMEOUT',
            {suggestions: ['a longer --wait-timeout, if the services kne.yaml starts are slow to listen']},
          ),
        )
      }
      finish(
        failure ??
          new KneError(`kne dev exited (${signal ?? `code ${code}`}) before it was Ready; its output is in ${logFile}`, 'MESH_STOPPED'),
      )
    })
    const timer = setTimeout(() => {
      timedOut = true
      try {
        process.kill(-pid, 'SIGKILL') // its process group: the services it started too
      } catch {
        child.kill('SIGKILL')
      }
    }, options.waitTimeoutMs)
    reader.read()
  })
}

/** The running mesh of this state dir at `url` (the most recent one when url is undefined). */
export function locateMesh(stateDir: string, url: string | undefined): Locator {
  const meshes = runningMeshes(stateDir)
  const found = url === undefined ? meshes[0] : meshes.find((m) => m.url.replace(/\/+$/, '') === url)
  if (found) return found
  throw new KneError(
    url === undefined ? `no kne mesh is running (state dir ${stateDir})` : `no kne mesh of state dir ${stateDir} runs at ${url}`,
    'MESH_NOT_RUNNING',
    {
      suggestions: ['kne stop stops a kne dev started with the same state dir (--state-dir or KNE_STATE_DIR) on this machine'],
    },
  )
}

/** Asks the mesh to drain (for `drainTimeoutMs`, else its own --drain-timeout) and stop; resolves once its process is gone. */
export async function stopMesh(mesh: Locator, stateDir: string, drainTimeoutMs?: number): Promise<StoppedMesh> {
  // the pid of a locator whose mesh crashed may belong to another process by now: only the mesh's own is signalled
  const answering = await getStatus(mesh.url).then(
    (status) => status.pid,
    () => undefined,
  )
  if (answering !== mesh.pid) {
    throw new KneError(`the mesh at ${mesh.url} (pid ${mesh.pid}) does not answer as itself; nothing was stopped`, 'MESH_UNREACHABLE', {
      suggestions: [`is pid ${mesh.pid} a kne dev? stop it with kill, or remove its locator from ${stateDir}`],
    })
  }
  const requestPath = stopRequestPath(stateDir, mesh.url)
  if (drainTimeoutMs !== undefined) writeStopRequest(stateDir, mesh.url, mesh.pid, drainTimeoutMs)
  let unfinished: UnfinishedDelivery[] | undefined
  let resumable: boolean | undefined
  const reader =
    mesh.logFile === undefined
      ? undefined
      : new LogReader(
          mesh.logFile,
          (record) => {
            if (record.kind !== 'stopped' || !Array.isArray(record.unfinished)) return
            unfinished = record.unfinished as UnfinishedDelivery[]
            resumable = record.resumable === true
          },
          sizeOf(mesh.logFile),
        )
  try {
    process.kill(mesh.pid, 'SIGTERM')
  } catch {
    // gone already
  }
  // a kne dev from before the locator had its drain time had the default, 10s
  const deadline = Date.now() + (drainTimeoutMs ?? mesh.drainTimeoutMs ?? 10_000) + EXIT_GRACE_MS
  await new Promise<void>((resolve, reject) => {
    const watcher = mesh.logFile === undefined ? undefined : follow(mesh.logFile, () => reader!.read())
    const timer = setInterval(() => {
      if (isProcessAlive(mesh.pid) && Date.now() < deadline) return
      clearInterval(timer)
      watcher?.close()
      if (!isProcessAlive(mesh.pid)) return resolve()
      process.kill(mesh.pid, 'SIGKILL')
      reject(
        new KneError(`the mesh at ${mesh.url} (pid ${mesh.pid}) did not exit after its drain; it was killed`, 'MESH_NOT_STOPPED', {
          suggestions: mesh.logFile ? [`its output is in ${mesh.logFile}`] : [],
        }),
      )
    }, ALIVE_CHECK_MS)
  }).finally(() => rmSync(requestPath, {force: true}))
  reader?.read()
  return {url: mesh.url, pid: mesh.pid, ...(mesh.logFile ? {logFile: mesh.logFile} : {}), unfinished, resumable}
}

function sizeOf(path: string): number {
  try {
    return statSync(path).size
  } catch {
    return 0
  }
}

export interface RunningMeshStatus extends MeshStatus {
  uptimeMs: number
  /** Its log file, when kne dev --detach started it and the state dir has its locator. */
  logFile?: string
}

/** The status of the mesh KNE_URL names, else of the state dir's most recent one; a KneError (exit 4) when none. */
export async function runningMeshStatus(stateDir: string, kneUrl: string | undefined): Promise<RunningMeshStatus> {
  const {url} = findMesh(stateDir, {KNE_URL: kneUrl})
  const status = await getStatus(url)
  const logFile = runningMeshes(stateDir).find((m) => m.pid === status.pid)?.logFile
  return {...status, uptimeMs: Math.max(0, Date.now() - Date.parse(status.startedAt)), ...(logFile ? {logFile} : {})}
}
