// The locators kne dev writes, one per mesh: several meshes coexist, the most recent live one is found,
// and a locator left by a dead process is ignored and removed.
import {spawnSync} from 'node:child_process'
import {existsSync} from 'node:fs'
import {describe, expect, it} from 'vitest'
import {findMesh, locatorPath, removeLocator, runningMeshes, writeLocator} from '../../src/client/locator.js'
import {tempDir} from '../helpers/temp.js'

const deadPid = (): number => spawnSync(process.execPath, ['-e', '0']).pid

describe('mesh locators', () => {
  it('keeps one locator per mesh: a second mesh neither replaces nor, when it stops, removes the first', () => {
    const dataDir = tempDir('kne-locator-')
    const first = {version: '0', pid: process.ppid, url: 'http://127.0.0.1:8080', startedAt: '2026-01-01T10:00:00.000Z'}
    const second = {version: '0', pid: process.pid, url: 'http://127.0.0.1:8081', startedAt: '2026-01-01T11:00:00.000Z'}
    expect(writeLocator(dataDir, first)).toEqual([])
    expect(writeLocator(dataDir, second)).toEqual([first])
    expect(findMesh(dataDir, {})).toEqual({url: second.url, via: 'locator'})
    removeLocator(dataDir, second.url, second.pid)
    expect(findMesh(dataDir, {})).toEqual({url: first.url, via: 'locator'})
    // a process that is not the writer removes nothing
    removeLocator(dataDir, first.url, process.pid)
    expect(runningMeshes(dataDir)).toEqual([first])
  })

  it('ignores and removes the locator of a process that is gone', () => {
    const dataDir = tempDir('kne-locator-')
    const live = {version: '0', pid: process.pid, url: 'http://127.0.0.1:8080', startedAt: '2026-01-01T10:00:00.000Z'}
    const crashed = {version: '0', pid: deadPid(), url: 'http://127.0.0.1:9090', startedAt: '2026-01-01T12:00:00.000Z'}
    writeLocator(dataDir, live)
    writeLocator(dataDir, crashed)
    expect(findMesh(dataDir, {}).url).toBe(live.url)
    expect(existsSync(locatorPath(dataDir, crashed.url))).toBe(false)
    removeLocator(dataDir, live.url)
    expect(() => findMesh(dataDir, {})).toThrow('no kne mesh is running')
  })
})
