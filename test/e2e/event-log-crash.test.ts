// The event log's promise to a process killed with SIGKILL: every event record whose commit returned (what
// the mesh does before it answers a producer) is read back after the kill, whole, in order, and the log goes
// on after it. A child process (the built dist/) appends events and says so after each commit; it is killed
// mid-stream, three times.
import {spawn} from 'node:child_process'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {openEventLog} from '../../src/mesh/event-log/file-store.js'
import {repoRoot} from '../helpers/cli.js'
import {tempDir} from '../helpers/temp.js'

/** Appends an event record (64 KiB of data) and a settled record, forever, saying each event's seq once its commit returned. */
const writer = `
import {eventRecord, settledRecord} from ${JSON.stringify(join(repoRoot, 'dist', 'core', 'activity.js'))}
import {openEventLog} from ${JSON.stringify(join(repoRoot, 'dist', 'mesh', 'event-log', 'file-store.js'))}
const log = openEventLog({dir: process.argv[1], segmentBytes: 1024 * 1024})
const data = new Uint8Array(64 * 1024).fill(0x61)
let seq = log.next
for (let arrival = 1; ; arrival++) {
  const ref = {broker: 'default/default', arrival, id: 'e-' + arrival, type: 'com.example.order', source: '/crash'}
  const event = {specversion: '1.0', id: ref.id, source: ref.source, type: ref.type, datacontenttype: 'text/plain', extensions: {}, data}
  const record = eventRecord(ref, 'ingress', undefined, undefined, {matched: ['default/t1'], notMatched: []}, event)
  record.seq = seq++
  record.at = new Date().toISOString()
  log.append(record)
  log.commit()
  process.stdout.write(record.seq + '\\n')
  const settled = settledRecord(ref, {'default/t1': 'delivered'})
  settled.seq = seq++
  settled.at = record.at
  log.append(settled)
  await new Promise((resolve) => setImmediate(resolve))
}
`

function killedWhileWriting(dir: string, after: number): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', writer, dir], {stdio: ['ignore', 'pipe', 'pipe']})
    const acknowledged: number[] = []
    let rest = ''
    let stderr = ''
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    child.stdout.on('data', (chunk: Buffer) => {
      const lines = (rest + chunk.toString()).split('\n')
      rest = lines.pop()!
      for (const line of lines) acknowledged.push(Number(line))
      if (acknowledged.length >= after) child.kill('SIGKILL')
    })
    child.once('error', reject)
    child.once('exit', (code, signal) =>
      signal === 'SIGKILL' ? resolve(acknowledged) : reject(new Error(`writer ended: ${code} ${stderr}`)),
    )
  })
}

describe('event log after kill -9', () => {
  it('reads back every event whose commit returned, three kills in a row, and goes on after them', async () => {
    const dir = tempDir()
    const acknowledged: number[] = []
    for (const after of [40, 25, 60]) acknowledged.push(...(await killedWhileWriting(dir, after)))
    const log = openEventLog({dir})
    try {
      const records = [...log.read()]
      const events = new Set(records.filter((r) => r.kind === 'event').map((r) => r.seq))
      expect(acknowledged.filter((seq) => !events.has(seq))).toEqual([])
      const seqs = records.map((r) => r.seq)
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b))
      expect(new Set(seqs).size).toBe(seqs.length)
      for (const record of records) if (record.kind === 'event') expect(record.event.data!.byteLength).toBe(64 * 1024)
      expect(log.next).toBeGreaterThan(Math.max(...acknowledged))
    } finally {
      log.close()
    }
  })
})
