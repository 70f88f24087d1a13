// The event log's folder: the marker that says it is kne's log and which version, and the lock that keeps
// one kne dev writing it. Also how a failed write is told (EventLogWriteError naming the file and the cause).
import {
  closeSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs'
import {join} from 'node:path'
import {KneError} from '../../core/errors.js'
import {EventLogWriteError} from './store.js'
import {isProcessAlive} from '../pid.js'

export const LOG_FORMAT = 'kne-event-log'
/**
 * 2: an event's data after a tab, raw, when it holds no newline byte (core/event-log/codec.ts). A folder of
 * version 1 is read as it is, and raised to 2 when a kne dev opens it to write: a kne of version 1 then
 * refuses it rather than reporting every line with raw data as damaged.
 */
export const LOG_VERSION = 2
export const MARKER_FILE = 'kne-event-log.json'
const LOCK_FILE = 'lock'
/** The folders whose lock this process holds: a lock with this pid and not in here is an earlier process's that had the same pid (a container restarted). */
const lockedHere = new Set<string>()

/** Modes of what the log creates: its user reads and writes, nobody else (the umask may take more away). */
export const PRIVATE_FOLDER = 0o700
export const PRIVATE_FILE = 0o600

/**
 * Creates the folder, or checks that it is kne's log (or empty); writes the marker of a new one. An older
 * version's marker is raised (writeMarker) by the writer once it holds the lock.
 */
export function prepareFolder(dir: string): void {
  try {
    // the log holds every event's data: only its user reads it
    mkdirSync(dir, {recursive: true, mode: PRIVATE_FOLDER})
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST' || (error as NodeJS.ErrnoException).code === 'ENOTDIR')
      throw new KneError(`${dir} is not a folder: the event log needs one (choose another with --persist DIR)`, 'NOT_A_FOLDER')
    throw writeFailure(dir, error)
  }
  // a marker being written when a crash came leaves its temporary file: the folder is still new
  const entries = readdirSync(dir).filter((name) => !(name.startsWith(`${MARKER_FILE}.`) && name.endsWith('.tmp')))
  if (entries.includes(MARKER_FILE)) {
    checkMarker(dir)
    return
  }
  if (entries.length > 0)
    throw new KneError(
      `${dir} is not kne's event log: it holds other files (${entries.slice(0, 3).join(', ')}${entries.length > 3 ? ', ...' : ''}) and no ${MARKER_FILE}; choose an empty or new folder with --persist DIR`,
      'NOT_AN_EVENT_LOG',
    )
  writeMarker(dir)
}

/**
 * The marker of this version, written whole or not at all (a temporary file, synced, renamed over it): in a
 * new folder, and in an older version's before the first line of this version goes into it. Without the sync
 * a crash of the machine could keep the rename and not the bytes, leaving an empty marker that refuses the log.
 */
export function writeMarker(dir: string): void {
  const marker = join(dir, MARKER_FILE)
  const temporary = `${marker}.${process.pid}.tmp`
  try {
    const fd = openSync(temporary, 'w')
    try {
      writeFileSync(fd, `${JSON.stringify({format: LOG_FORMAT, version: LOG_VERSION})}\n`)
      fsyncSync(fd)
    } finally {
      closeSync(fd)
    }
    renameSync(temporary, marker)
    syncFolder(dir)
  } catch (error) {
    throw writeFailure(marker, error)
  }
}

/** Checks that the folder's marker is kne's, of this version or an older one (which it answers). */
export function checkMarker(dir: string): number {
  const marker = join(dir, MARKER_FILE)
  let parsed: {format?: unknown; version?: unknown}
  try {
    parsed = JSON.parse(readFileSync(marker, 'utf8')) as typeof parsed
  } catch (error) {
    throw new KneError(`${marker} cannot be read as kne's event log marker: ${(error as Error).message}`, 'NOT_AN_EVENT_LOG')
  }
  if (parsed?.format !== LOG_FORMAT || !Number.isSafeInteger(parsed.version) || (parsed.version as number) < 1)
    throw new KneError(`${dir} is not kne's event log: ${marker} does not say format "${LOG_FORMAT}" and a version`, 'NOT_AN_EVENT_LOG')
  if ((parsed.version as number) > LOG_VERSION)
    throw new KneError(
      `${dir} holds an event log from a newer kne (format version ${String(parsed.version)}; this kne reads versions up to ${LOG_VERSION}): upgrade kne, or choose another folder with --persist DIR`,
      'EVENT_LOG_TOO_NEW',
    )
  return parsed.version as number
}

function readPid(file: string): number | undefined {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim())
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined
  } catch {
    return undefined
  }
}

/** So that a file created or removed in it survives a crash of the machine. */
export function syncFolder(dir: string): void {
  let fd: number | undefined
  try {
    fd = openSync(dir, 'r')
    fsyncSync(fd)
  } catch {
    // not every file system syncs a folder; the files' own syncs still hold
  } finally {
    if (fd !== undefined) closeQuietly(fd)
  }
}

function unlinkQuietly(file: string): void {
  try {
    unlinkSync(file)
  } catch {
    // already gone
  }
}

export function closeQuietly(fd: number): void {
  try {
    closeSync(fd)
  } catch {
    // already closed
  }
}

export function writeFailure(file: string, error: unknown): EventLogWriteError {
  const code = (error as NodeJS.ErrnoException).code ?? 'EIO'
  const cause =
    code === 'ENOSPC'
      ? 'the disk is full (ENOSPC)'
      : code === 'EDQUOT'
        ? 'the disk quota is used up (EDQUOT)'
        : code === 'EIO'
          ? 'an I/O error (EIO)'
          : (error as Error).message
  return new EventLogWriteError(file, code, `the event log cannot be written: ${file}: ${cause}`)
}

/** Takes `<dir>/lock` for this process: refused while the pid in it runs, taken over from a pid that is gone. */
export function takeLock(dir: string): void {
  const lockFile = join(dir, LOCK_FILE)
  // the pid is written first and linked in whole, so that no one reads a lock without its pid
  const withPid = `${lockFile}.${process.pid}`
  try {
    writeFileSync(withPid, `${process.pid}\n`)
  } catch (error) {
    throw writeFailure(withPid, error)
  }
  try {
    linkLock(dir, lockFile, withPid)
    lockedHere.add(dir)
  } finally {
    unlinkQuietly(withPid)
  }
}

function linkLock(dir: string, lockFile: string, withPid: string): void {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      linkSync(withPid, lockFile)
      return
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw writeFailure(lockFile, error)
    }
    const pid = readPid(lockFile)
    if (pid !== undefined && (pid === process.pid ? lockedHere.has(dir) : isProcessAlive(pid)))
      throw new KneError(
        `${dir} is used by another kne dev (pid ${pid}); stop it or choose another folder with --persist DIR`,
        'EVENT_LOG_IN_USE',
        {suggestions: [`if pid ${pid} is not kne, delete ${lockFile}`]},
      )
    // the pid is gone (or was this one's in an earlier life): a kne that crashed left the lock
    try {
      unlinkSync(lockFile)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw writeFailure(lockFile, error)
    }
  }
  throw new KneError(`${dir}: the lock ${lockFile} could not be taken; another kne dev may be starting`, 'EVENT_LOG_IN_USE')
}

/** Removes the lock, when it is still this process's. */
export function releaseLock(dir: string): void {
  const lockFile = join(dir, LOCK_FILE)
  lockedHere.delete(dir)
  try {
    if (readPid(lockFile) === process.pid) unlinkSync(lockFile)
  } catch {
    // already gone
  }
}
