// The event log's marker is written whole or not at all, after a crash of the machine too: its temporary
// file's bytes are synced before it is renamed over the marker, in a new folder and as a version 1 folder is
// raised; and a writer raises it only on what it read with the lock held. The file calls are watched
// (node:fs wrapped) since a crash of the machine, or another process between two calls, cannot be made here.
import {existsSync, readFileSync, writeFileSync} from 'node:fs'
import {basename, join} from 'node:path'
import {beforeEach, describe, expect, it, vi} from 'vitest'
import {settledRecord, type Activity} from '../../src/core/activity.js'
import {MARKER_FILE, openEventLog} from '../../src/mesh/event-log/file-store.js'
import {thrown} from '../helpers/errors.js'
import {writeV1Folder} from '../helpers/event-log-v1.js'
import {tempDir} from '../helpers/temp.js'

const watched = vi.hoisted(() => ({
  calls: [] as string[],
  paths: new Map<number, string>(),
  /** Run just before the lock is linked in: what another process did between the folder's check and the lock. */
  beforeLock: undefined as (() => void) | undefined,
}))

vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>()
  const openSync = ((path: string, ...rest: Parameters<typeof fs.openSync> extends [unknown, ...infer R] ? R : never) => {
    const fd = fs.openSync(path, ...rest)
    watched.paths.set(fd, String(path))
    return fd
  }) as typeof fs.openSync
  const fsyncSync = (fd: number): void => {
    watched.calls.push(`fsync ${basename(watched.paths.get(fd) ?? '?')}`)
    fs.fsyncSync(fd)
  }
  const renameSync = (from: string, to: string): void => {
    watched.calls.push(`rename ${basename(String(from))}`)
    fs.renameSync(from, to)
  }
  const linkSync = (from: string, to: string): void => {
    if (basename(String(to)) === 'lock') watched.beforeLock?.()
    fs.linkSync(from, to)
  }
  const wrapped = {openSync, fsyncSync, renameSync, linkSync}
  return {...fs, default: {...fs, ...wrapped}, ...wrapped}
})

function settledAt(seq: number): Activity {
  const record = settledRecord({broker: 'shop/default', arrival: seq, id: `e-${seq}`, type: 't', source: '/s'}, {'shop/t1': 'delivered'})
  return Object.assign(record, {seq, at: '2026-12-04T12:00:00.000Z'})
}

const temporary = `${MARKER_FILE}.${process.pid}.tmp`

/** Whether the marker's temporary file was synced before it was renamed over the marker. */
function syncedBeforeRename(): boolean {
  const rename = watched.calls.indexOf(`rename ${temporary}`)
  const sync = watched.calls.indexOf(`fsync ${temporary}`)
  return rename >= 0 && sync >= 0 && sync < rename
}

describe("the event log's marker", () => {
  beforeEach(() => {
    watched.calls.length = 0
    watched.beforeLock = undefined
  })

  it('is synced before it is renamed into a new folder', () => {
    const dir = tempDir()
    openEventLog({dir}).close()
    expect(readFileSync(join(dir, MARKER_FILE), 'utf8')).toBe('{"format":"kne-event-log","version":2}\n')
    expect(syncedBeforeRename()).toBe(true)
  })

  it('is synced before it is renamed over a version 1 marker it raises', () => {
    const dir = tempDir()
    writeV1Folder(dir, [settledAt(1)])
    openEventLog({dir}).close()
    expect(readFileSync(join(dir, MARKER_FILE), 'utf8')).toBe('{"format":"kne-event-log","version":2}\n')
    expect(syncedBeforeRename()).toBe(true)
  })

  it('is read again once the lock is held, and not lowered when a newer kne raised it meanwhile', () => {
    const dir = tempDir()
    writeV1Folder(dir, [settledAt(1)])
    const newer = '{"format":"kne-event-log","version":3}\n'
    // a newer kne dev opened the folder and closed it again after this one had checked the marker
    watched.beforeLock = () => writeFileSync(join(dir, MARKER_FILE), newer)
    expect(thrown(() => openEventLog({dir})).code).toBe('EVENT_LOG_TOO_NEW')
    expect(readFileSync(join(dir, MARKER_FILE), 'utf8')).toBe(newer)
    expect(existsSync(join(dir, 'lock'))).toBe(false)
  })
})
