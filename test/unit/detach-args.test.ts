// The kne dev a detaching kne dev starts: the same flags, without the ones only the parent reads, and --json
// for its log; and how the parent reads that log.
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {detachedDevArgs, LogReader} from '../../src/client/detach.js'
import {tempDir} from '../helpers/temp.js'

describe('detachedDevArgs', () => {
  it('drops --detach, --wait-timeout (both spellings) and --json, and adds --json once', () => {
    expect(detachedDevArgs(['--detach', '-f', 'knative/', '--wait-timeout', '5s', '--json', '--port', '0', '--wait-timeout=1m'])).toEqual([
      'dev',
      '-f',
      'knative/',
      '--port',
      '0',
      '--json',
    ])
  })

  it('keeps what follows -- as it is', () => {
    expect(detachedDevArgs(['--detach', '--', '--json'])).toEqual(['dev', '--json', '--', '--json'])
  })
})

describe('LogReader', () => {
  it('reads a record whole when a read of 64 KiB cuts one of its characters in two', () => {
    const file = join(tempDir(), 'dev.log')
    const head = '{"kind":"log","message":"'
    // the two bytes of "é" straddle the first 64 KiB of the file
    const message = `${'a'.repeat(64 * 1024 - head.length - 1)}é and more`
    writeFileSync(file, `${head}${message}"}\n{"kind":"ready"}\n`)
    const records: Record<string, unknown>[] = []
    new LogReader(file, (record) => records.push(record)).read()
    expect(records.map((r) => r.kind)).toEqual(['log', 'ready'])
    expect(records[0]!.message).toBe(message)
  })
})
