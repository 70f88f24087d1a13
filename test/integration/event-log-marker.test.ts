// The event log's marker is written whole or not at all, after a crash of the machine too: its temporary
// file's bytes are synced before it is renamed over the marker, in a new folder and as a version 1 folder is
// raised. The file calls are watched (node:fs wrapped) since a crash of the machine cannot be made here.
import {readFileSync} from 'node:fs'
import {basename, join} from 'node:path'
import {beforeEach, describe, expect, it, vi} from 'vitest'
import {settledRecord} from '../../src/core/activity.js'
import {MARKER_FILE, openEventLog} from '../../src/mesh/event-log/file-store.js'
import {writeV1Folder} from '../helpers/event-log-v1.js'
import {tempDir} from '../helpers/temp.js'

const watched = vi.hoisted(() => ({calls: [] as string[], paths: new Map<number, string>()}))

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
  return {...fs, default: {...fs, openSync, fsyncSync, renameSync}, openSync, fsyncSync, renameSync}
})

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
  })

  it('is synced before it is renamed into a new folder', () => {
    const dir = tempDir()
    openEventLog({dir}).close()
    expect(readFileSync(join(dir, MARKER_FILE), 'utf8')).toBe('{"format":"kne-event-log","version":2}\n')
    expect(syncedBeforeRename()).toBe(true)
  })

  it('is synced before it is renamed over a version 1 marker it raises', () => {
    const dir = tempDir()
    const settled = settledRecord({broker: 'shop/default', arrival: 1, id: 'e-1', type: 't', source: '/s'}, {'shop/t1': 'delivered'})
    Object.assign(settled, {seq: 1, at: '2026-12-04T12:00:00.000Z'})
    writeV1Folder(dir, [settled])
    openEventLog({dir}).close()
    expect(readFileSync(join(dir, MARKER_FILE), 'utf8')).toBe('{"format":"kne-event-log","version":2}\n')
    expect(syncedBeforeRename()).toBe(true)
  })
})
