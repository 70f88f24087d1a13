// The event log's file store on real files: records survive a close and a crash (a torn last record is
// cut, a damaged one skipped and reported), segments rotate and are read from any seq, the bounds drop
// the oldest segments but never one still needed, and a folder that is not the log's, a second writer and
// a full disk are refused with errors naming what to fix.
import {spawn} from 'node:child_process'
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  truncateSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it, onTestFinished} from 'vitest'
import {attemptRecord, eventRecord, outcomeRecord, settledRecord, type Activity} from '../../src/core/activity.js'
import type {CloudEvent} from '../../src/core/cloudevent.js'
import {KneError} from '../../src/core/errors.js'
import {encodeLogRecord} from '../../src/core/event-log/codec.js'
import {EventLogWriteError, MARKER_FILE, openEventLog, openEventLogReadOnly} from '../../src/mesh/event-log/file-store.js'
import {countRecords, lastRecord, scanSegment} from '../../src/mesh/event-log/segment-file.js'
import type {EventLogOptions, EventLogStore, LogDamage} from '../../src/mesh/event-log/store.js'
import {thrown, thrownIfAny} from '../helpers/errors.js'
import {tempDir} from '../helpers/temp.js'
import {writeV1Folder} from '../helpers/event-log-v1.js'

const START = Date.UTC(2026, 11, 4, 12, 0, 0)

/** A record stamped as the journal would: seq, and `at` one second per seq after START unless given. */
function settled(seq: number, atMs = START + seq * 1000): Activity {
  const record = settledRecord(
    {broker: 'shop/default', arrival: seq, id: `e-${seq}`, type: 'com.example.order', source: '/shop'},
    {'shop/t1': 'delivered'},
  )
  record.seq = seq
  record.at = new Date(atMs).toISOString()
  return record
}

function eventAt(seq: number, data: Uint8Array, datacontenttype: string): Activity {
  const event: CloudEvent = {
    specversion: '1.0',
    id: `e-${seq}`,
    source: '/shop',
    type: 'com.example.order',
    datacontenttype,
    extensions: {},
    data,
  }
  const record = eventRecord(
    {broker: 'shop/default', arrival: seq, id: `e-${seq}`, type: 'com.example.order', source: '/shop'},
    'ingress',
    undefined,
    undefined,
    {matched: ['shop/t1'], notMatched: []},
    event,
  )
  record.seq = seq
  record.at = new Date(START + seq * 1000).toISOString()
  return record
}

/** A broker's usual delivered event from seq `first` on: its event record, the attempt, the outcome and the settled record. */
function deliveredPath(first: number, arrival: number, data: Uint8Array = new TextEncoder().encode('{"order":1}')): Activity[] {
  const ref = {broker: 'shop/default', arrival, id: `e-${first}`, type: 'com.example.order', source: '/shop'}
  const who = {trigger: 'shop/t1'}
  const event = eventAt(first, data, 'application/json')
  Object.assign(event, {arrival, id: ref.id})
  if (event.kind === 'event') event.event.id = ref.id
  const at = new Date(START + first * 1000).toISOString()
  const path = [
    attemptRecord(ref, who, 'subscriber', 'http://127.0.0.1:8080/orders', 1, 202, undefined, 1.5, undefined),
    outcomeRecord(ref, who, {outcome: 'delivered', status: 202}),
    settledRecord(ref, {'shop/t1': 'delivered'}),
  ]
  path.forEach((record, i) => Object.assign(record, {seq: first + 1 + i, at}))
  return [event, ...path]
}

/** A log in a new temporary folder, closed when the test ends. */
function logIn(dir: string, options: Omit<EventLogOptions, 'dir'> = {}): EventLogStore {
  const log = openEventLog({dir, ...options})
  onTestFinished(() => log.close())
  return log
}

function seqs(records: Iterable<Activity>): number[] {
  return [...records].map((r) => r.seq)
}

function segmentFiles(dir: string): string[] {
  return readdirSync(join(dir, 'segments')).sort()
}

function range(from: number, to: number): number[] {
  return Array.from({length: to - from + 1}, (_, i) => from + i)
}

describe('event log store', () => {
  it('keeps records across a close: events with binary and non-ASCII data, and the journal goes on after the last', () => {
    const dir = tempDir()
    const log = openEventLog({dir})
    const binary = new Uint8Array([0, 0xff, 0x0a, 0x80])
    log.append(eventAt(1, binary, 'application/octet-stream'))
    log.append(eventAt(2, new TextEncoder().encode('{"city":"東京"}\n'), 'application/json'))
    log.append(settled(3))
    log.close()
    expect(readFileSync(join(dir, MARKER_FILE), 'utf8')).toBe('{"format":"kne-event-log","version":2}\n')
    expect(existsSync(join(dir, 'lock'))).toBe(false)

    const again = logIn(dir)
    expect(again.opened).toMatchObject({first: 1, next: 4, segments: 1, damaged: []})
    const [first, second, third] = [...again.read()] as [Activity, Activity, Activity]
    expect(first.kind === 'event' && Buffer.from(first.event.data!).equals(Buffer.from(binary))).toBe(true)
    expect(second.kind === 'event' && Buffer.from(second.event.data!).toString()).toBe('{"city":"東京"}\n')
    expect(third).toMatchObject({kind: 'settled', seq: 3, outcomes: {'shop/t1': 'delivered'}})
    again.append(settled(4))
    expect(seqs(again.read(3))).toEqual([3, 4])
    expect(again.stats()).toMatchObject({segments: 1, records: 4})
  })

  it("creates its folders and segments readable by its user only: they hold every event's data", () => {
    const dir = join(tempDir('kne-log-'), 'new', '.kne')
    const log = logIn(dir)
    log.append(settled(1))
    log.close()
    const mode = (path: string): number => statSync(path).mode & 0o777
    const segment = join(dir, 'segments', readdirSync(join(dir, 'segments'))[0]!)
    expect([mode(dir), mode(join(dir, 'segments')), mode(segment)]).toEqual([0o700, 0o700, 0o600])
  })

  it('cuts a record torn by a crash off when it opens, reports it, and appends cleanly after it', () => {
    const dir = tempDir()
    const log = openEventLog({dir})
    for (const seq of [1, 2, 3]) log.append(settled(seq))
    log.close()
    const [segment] = segmentFiles(dir)
    const file = join(dir, 'segments', segment!)
    const whole = statSync(file).size
    const lineBytes = whole / 3
    truncateSync(file, whole - 25) // a write cut off in the middle of the last line

    // a reader (kne events list --from) leaves the tail out without a report: a writer may be mid-line
    const readerDamage: LogDamage[] = []
    const reader = openEventLogReadOnly(dir, {onDamage: (d) => readerDamage.push(d)})
    expect(seqs(reader.read())).toEqual([1, 2])
    expect(readerDamage).toEqual([])

    const damage: LogDamage[] = []
    const reopened = logIn(dir, {onDamage: (d) => damage.push(d)})
    expect(reopened.opened.damaged).toEqual([
      {file, offset: 2 * lineBytes, problem: expect.stringMatching(/cut off by a crash.*; cut off$/)},
    ])
    expect(damage).toEqual(reopened.opened.damaged)
    expect(statSync(file).size).toBe(2 * lineBytes)
    expect(reopened.next).toBe(3)
    reopened.append(settled(3))
    expect(seqs(reopened.read())).toEqual([1, 2, 3])
    expect(damage).toHaveLength(1)
  })

  it("catches a byte damaged in an event's raw data, reports its file and offset, and reads the records after it", () => {
    const dir = tempDir()
    const log = openEventLog({dir})
    log.append(settled(1))
    log.append(eventAt(2, Buffer.alloc(2000, 0x61), 'text/plain'))
    log.append(settled(3))
    log.close()
    const file = join(dir, 'segments', segmentFiles(dir)[0]!)
    const bytes = readFileSync(file)
    const eventStart = bytes.indexOf('\n') + 1
    const dataAt = bytes.indexOf('\t', eventStart) + 1
    bytes[dataAt + 1000] = 0x62 // one byte inside the data, which no JSON parse would notice
    writeFileSync(file, bytes)

    const damage: LogDamage[] = []
    expect(seqs(openEventLogReadOnly(dir, {onDamage: (d) => damage.push(d)}).read())).toEqual([1, 3])
    // (once as the reader opens the log, once as it reads it)
    expect(damage).toContainEqual({file, offset: eventStart, problem: 'checksum mismatch: the record was damaged'})
    expect(damage.every((d) => d.offset === eventStart)).toBe(true)
  })

  it('skips a damaged record in the middle, reports its file and offset, and reads the records after it', () => {
    const dir = tempDir()
    const log = openEventLog({dir})
    for (const seq of [1, 2, 3]) log.append(settled(seq))
    log.close()
    const file = join(dir, 'segments', segmentFiles(dir)[0]!)
    const bytes = readFileSync(file)
    const lineBytes = bytes.byteLength / 3
    bytes[lineBytes + 40]! ^= 0x01 // one bit of the second record
    writeFileSync(file, bytes)

    const damage: LogDamage[] = []
    const reopened = logIn(dir, {onDamage: (d) => damage.push(d)})
    expect(reopened.next).toBe(4)
    expect(seqs(reopened.read())).toEqual([1, 3])
    expect(damage).toContainEqual({file, offset: lineBytes, problem: 'checksum mismatch: the record was damaged'})
    reopened.append(settled(4))
    reopened.flush()
    expect(seqs(openEventLogReadOnly(dir).read())).toEqual([1, 3, 4])
  })

  it('reads records larger than a read chunk whole, and cuts one torn in its middle', () => {
    const dir = tempDir()
    const big = new Uint8Array(3 * 1024 * 1024).map((_, i) => (i * 31) & 0xff)
    const log = openEventLog({dir})
    log.append(settled(1))
    log.append(eventAt(2, big, 'application/octet-stream'))
    log.append(settled(3))
    log.append(eventAt(4, big, 'application/octet-stream'))
    log.close()
    const file = join(dir, 'segments', segmentFiles(dir)[0]!)
    truncateSync(file, statSync(file).size - 1024 * 1024)

    const reopened = logIn(dir)
    expect(reopened.opened.damaged).toHaveLength(1)
    expect(reopened.next).toBe(4)
    const records = [...reopened.read(2)]
    expect(seqs(records)).toEqual([2, 3])
    const bigRecord = records[0]!
    expect(bigRecord.kind === 'event' && Buffer.from(bigRecord.event.data!).equals(Buffer.from(big))).toBe(true)
  })

  it('reports a line longer than any record as damage without holding it, and reads on after it', () => {
    const dir = tempDir()
    const log = openEventLog({dir})
    log.append(settled(1))
    log.close()
    const file = join(dir, 'segments', segmentFiles(dir)[0]!)
    const firstLine = statSync(file).size
    appendFileSync(file, Buffer.alloc(2.5 * 1024 * 1024, 0x61))
    appendFileSync(file, '\n')
    appendFileSync(file, encodeLogRecord(settled(2)))
    const scan = scanSegment(file, undefined, 1024 * 1024)
    const entries = [...{[Symbol.iterator]: () => scan}]
    expect(entries.map((e) => e.record?.seq ?? [e.offset, e.problem])).toEqual([
      1,
      [firstLine, 'a line longer than 1048576 bytes, which no record takes'],
      2,
    ])
  })

  it('rotates into segments named by their first seq, and reads from any seq across them', () => {
    const dir = tempDir()
    const log = logIn(dir, {segmentBytes: 2000})
    for (const seq of range(1, 60)) log.append(settled(seq))
    const files = segmentFiles(dir)
    expect(files.length).toBeGreaterThan(5)
    expect(files[0]).toBe('00000000000000000001.log')
    expect(files.every((f) => /^\d{20}\.log$/.test(f))).toBe(true)
    for (const file of files) expect(statSync(join(dir, 'segments', file)).size).toBeLessThanOrEqual(2000)
    const firsts = files.map((f) => Number(f.slice(0, 20)))
    for (const from of [1, 2, firsts[3]!, firsts[3]! - 1, firsts[3]! + 1, 59, 60]) expect(seqs(log.read(from))).toEqual(range(from, 60))
    expect(seqs(log.read(61))).toEqual([])
    expect(seqs(log.query({fromSeq: 10, untilSeq: 20, arrivals: new Set([12, 15, 25])}))).toEqual([12, 15])
    expect(seqs(log.query({since: START + 40_000, until: START + 42_000}))).toEqual([40, 41, 42])
    expect(seqs(log.query({kinds: ['event']}))).toEqual([])
    expect(log.stats()).toMatchObject({segments: files.length, records: 60, dropped: {segments: 0, records: 0, bytes: 0}})
    // and a reader opened apart lists the same
    expect(seqs(openEventLogReadOnly(dir).read(firsts[2]))).toEqual(range(firsts[2]!, 60))
  })

  it('drops the oldest segments past the byte bound and counts them, but keeps every segment from keepFrom on', () => {
    const dir = tempDir()
    let keepFrom: number | undefined
    const log = logIn(dir, {segmentBytes: 2000, maxBytes: 6000, keepFrom: () => keepFrom})
    for (const seq of range(1, 100)) log.append(settled(seq))
    const stats = log.stats()
    expect(stats.bytes).toBeLessThanOrEqual(6000)
    expect(stats.dropped.segments).toBeGreaterThan(0)
    const kept = seqs(log.read())
    expect(kept.at(-1)).toBe(100)
    expect(stats.dropped.records + kept.length).toBe(100)
    expect(stats.dropped.records).toBe(kept[0]! - 1)
    expect(stats.records).toBe(kept.length)

    // an event not yet settled holds its segment and every later one
    keepFrom = kept[0]! + 1
    for (const seq of range(101, 200)) log.append(settled(seq))
    expect(seqs(log.read()).at(0)).toBeLessThanOrEqual(keepFrom)
    expect(log.stats().bytes).toBeGreaterThan(6000)
    keepFrom = undefined
    log.append(settled(201))
    expect(log.stats().bytes).toBeLessThanOrEqual(6000)
  })

  it('drops segments whose newest record is older than the age bound, on the log clock, but never from keepFrom on', () => {
    const dir = tempDir()
    let now = START
    let keepFrom: number | undefined = 1
    const log = logIn(dir, {segmentBytes: 2000, maxAgeMs: 60_000, now: () => now, keepFrom: () => keepFrom})
    for (const seq of range(1, 30)) log.append(settled(seq, START + seq * 1000))
    now = START + 10 * 60_000
    log.append(settled(31, now))
    expect(seqs(log.read())[0]).toBe(1) // keepFrom holds them all
    keepFrom = undefined
    log.append(settled(32, now))
    // only the newest segment (the one appended to) is left: every other one is over a minute old
    expect(seqs(log.read())).toEqual(range(segmentFirsts(dir).at(-1)!, 32))
    expect(log.stats().dropped.records).toBe(segmentFirsts(dir).at(-1)! - 1)
    expect(log.stats().dropped.segments).toBeGreaterThan(1)
  })

  it('lets a reader follow a running writer that rotates and drops segments under it', () => {
    const dir = tempDir()
    const log = logIn(dir, {segmentBytes: 2000, maxBytes: 6000})
    for (const seq of range(1, 50)) log.append(settled(seq))
    log.flush()
    const reader = openEventLogReadOnly(dir)
    const kept = seqs(reader.read())
    expect(kept.at(-1)).toBe(50)
    expect(kept).toEqual(range(kept[0]!, 50))

    const reading = reader.read()[Symbol.iterator]()
    const first = reading.next().value as Activity
    for (const seq of range(51, 150)) log.append(settled(seq))
    log.flush() // drops every segment the reader listed
    const rest = seqs({[Symbol.iterator]: () => reading})
    expect([first.seq, ...rest]).toEqual([...[first.seq, ...rest]].sort((a, b) => a - b))
    expect(seqs(reader.read()).at(-1)).toBe(150)
    expect(reader.stats()).toEqual({...log.stats(), dropped: {segments: 0, records: 0, bytes: 0}})
    log.append(settled(151))
    log.flush()
    expect(reader.stats().records).toBe(log.stats().records)
  })

  it('ages segments written before a restart by their last record', () => {
    const dir = tempDir()
    const before = openEventLog({dir, segmentBytes: 2000})
    for (const seq of range(1, 60)) before.append(settled(seq, START + seq * 1000))
    before.close()
    const firsts = segmentFirsts(dir)
    expect(firsts.length).toBeGreaterThan(4)
    // just over a minute after the newest record of the second segment
    const newestOf = (segment: number): number => START + (firsts[segment + 1]! - 1) * 1000
    let now = newestOf(1) + 60_001
    const log = logIn(dir, {segmentBytes: 2000, maxAgeMs: 60_000, now: () => now})
    log.append(settled(61, now))
    log.flush()
    expect(segmentFirsts(dir)[0]).toBe(firsts[2])
    expect(log.stats().dropped).toMatchObject({segments: 2, records: firsts[2]! - 1})
    now = newestOf(2) + 60_000
    log.append(settled(62, now))
    log.flush()
    expect(segmentFirsts(dir)[0]).toBe(firsts[2])
    now += 1
    log.append(settled(63, now))
    log.flush()
    expect(segmentFirsts(dir)[0]).toBe(firsts[3])
  })

  it('truncates whole segments below a seq, never the newest', () => {
    const dir = tempDir()
    const log = logIn(dir, {segmentBytes: 2000})
    for (const seq of range(1, 40)) log.append(settled(seq))
    const firsts = segmentFirsts(dir)
    const report = log.truncate(firsts[2]! + 1)
    expect(report).toMatchObject({segments: 2, records: firsts[2]! - 1})
    expect(seqs(log.read())).toEqual(range(firsts[2]!, 40))
    log.truncate(1000)
    expect(segmentFirsts(dir)).toEqual([firsts.at(-1)])
  })

  it('refuses a folder with other files and no marker, naming the folder, and keeps its files', () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'notes.txt'), 'mine')
    const error = thrown(() => openEventLog({dir}))
    expect(error).toBeInstanceOf(KneError)
    expect(error.code).toBe('NOT_AN_EVENT_LOG')
    expect(error.message).toContain(dir)
    expect(readdirSync(dir)).toEqual(['notes.txt'])
    expect(thrown(() => openEventLogReadOnly(dir)).code).toBe('NOT_AN_EVENT_LOG')
  })

  it('takes a folder where a crash cut the writing of the marker short as a new one', () => {
    const dir = tempDir()
    writeFileSync(join(dir, `${MARKER_FILE}.4242.tmp`), '{"form')
    const log = logIn(dir)
    log.append(settled(1))
    expect(seqs(log.read())).toEqual([1])
  })

  it('refuses a file where the folder should be', () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'log'), '')
    const error = thrown(() => openEventLog({dir: join(dir, 'log')}))
    expect(error.code).toBe('NOT_A_FOLDER')
    expect(error.message).toContain(join(dir, 'log'))
  })

  it('refuses a log from a newer kne, naming the folder', () => {
    const dir = tempDir()
    writeFileSync(join(dir, MARKER_FILE), '{"format":"kne-event-log","version":3}\n')
    for (const open of [() => openEventLog({dir}), () => openEventLogReadOnly(dir)]) {
      const error = thrown(open)
      expect(error.code).toBe('EVENT_LOG_TOO_NEW')
      expect(error.message).toContain(dir)
      expect(error.message).toContain('newer kne')
    }
  })

  it('reads a log of version 1 as it is, and goes on with it in version 2 once a writer opens it, raising its marker', () => {
    const dir = tempDir()
    const v1Data = new TextEncoder().encode('{"order":1}')
    const segment = writeV1Folder(dir, [eventAt(1, v1Data, 'application/json'), settled(2)])
    const v1Bytes = readFileSync(segment)
    const marker = (): string => readFileSync(join(dir, MARKER_FILE), 'utf8')

    // a reader (kne events list --from) reads it and changes nothing
    const reader = openEventLogReadOnly(dir)
    expect(seqs(reader.read())).toEqual([1, 2])
    expect(marker()).toBe('{"format":"kne-event-log","version":1}\n')

    const log = openEventLog({dir})
    expect(log.opened).toMatchObject({first: 1, next: 3, damaged: []})
    expect(marker()).toBe('{"format":"kne-event-log","version":2}\n')
    log.append(eventAt(3, v1Data, 'application/json'))
    log.append(settled(4))
    log.close()
    // the version 1 lines stay as they were; the new event's data follows its JSON raw
    const bytes = readFileSync(segment)
    expect(bytes.subarray(0, v1Bytes.byteLength).equals(v1Bytes)).toBe(true)
    expect(bytes.subarray(v1Bytes.byteLength).toString()).toContain('}\t{"order":1}\n')

    const again = logIn(dir)
    const records = [...again.read()]
    expect(records.map((r) => [r.kind, r.seq])).toEqual([
      ['event', 1],
      ['settled', 2],
      ['event', 3],
      ['settled', 4],
    ])
    for (const record of [records[0]!, records[2]!])
      expect(record.kind === 'event' && Buffer.from(record.event.data!).toString()).toBe('{"order":1}')
    expect(again.opened.damaged).toEqual([])
  })

  it('leaves the marker of a version 1 log as it is while another kne dev writes it', () => {
    const dir = tempDir()
    writeV1Folder(dir, [settled(1)])
    // the parent process stands for a kne dev of version 1 holding the lock
    writeFileSync(join(dir, 'lock'), `${process.ppid}\n`)
    expect(thrown(() => openEventLog({dir})).code).toBe('EVENT_LOG_IN_USE')
    expect(readFileSync(join(dir, MARKER_FILE), 'utf8')).toBe('{"format":"kne-event-log","version":1}\n')
  })

  it('refuses a second writer while the lock holds a live pid, naming it; a reader needs no lock', () => {
    const dir = tempDir()
    const log = logIn(dir)
    log.append(settled(1))
    log.flush()
    const error = thrown(() => openEventLog({dir}))
    expect(error.code).toBe('EVENT_LOG_IN_USE')
    expect(error.message).toBe(
      `${dir} is used by another kne dev (pid ${process.pid}); stop it or choose another folder with --persist DIR`,
    )
    expect(seqs(openEventLogReadOnly(dir).read())).toEqual([1])
  })

  it('takes over a lock left by a process that is gone', async () => {
    const dir = tempDir()
    openEventLog({dir}).close()
    const child = spawn(process.execPath, ['-e', ''])
    await new Promise((resolve) => child.once('exit', resolve))
    writeFileSync(join(dir, 'lock'), `${child.pid}\n`)
    const log = logIn(dir)
    expect(readFileSync(join(dir, 'lock'), 'utf8')).toBe(`${process.pid}\n`)
    log.append(settled(1))
    expect(seqs(log.read())).toEqual([1])
  })

  it('takes over a lock with its own pid that it does not hold: a kne restarted in a container gets the same pid', () => {
    const dir = tempDir()
    openEventLog({dir}).close()
    writeFileSync(join(dir, 'lock'), `${process.pid}\n`)
    const log = logIn(dir)
    log.append(settled(1))
    expect(thrown(() => openEventLog({dir})).code).toBe('EVENT_LOG_IN_USE')
  })

  it('reports a full disk as EventLogWriteError naming the file, and writes again once there is room', () => {
    const dir = tempDir()
    const log = logIn(dir, {segmentBytes: 200})
    const data = new TextEncoder().encode('{"order":1}')
    log.append(eventAt(1, data, 'application/json'))
    log.commit()
    // the next record starts a segment; make its file a device that answers every write with ENOSPC
    const next = join(dir, 'segments', '00000000000000000002.log')
    symlinkSync('/dev/full', next)
    log.append(eventAt(2, data, 'application/json'))
    const error = thrown(() => log.commit())
    expect(error).toBeInstanceOf(EventLogWriteError)
    expect(error).toMatchObject({code: 'EVENT_LOG_WRITE_FAILED', file: next, reason: 'ENOSPC'})
    expect(error.message).toBe(`the event log cannot be written: ${next}: the disk is full (ENOSPC)`)
    expect(thrown(() => log.commit()).code).toBe('EVENT_LOG_WRITE_FAILED')
    unlinkSync(next)
    // the record waited: it is written once there is room
    log.commit()
    log.append(settled(3))
    expect(seqs(log.read())).toEqual([1, 2, 3])
    expect(statSync(next).isFile()).toBe(true)
  })

  it('keeps at most 256 KiB waiting while the disk is full: past it, append throws and keeps no more', () => {
    const dir = tempDir()
    const log = logIn(dir, {segmentBytes: 64 * 1024 * 1024})
    const file = join(dir, 'segments', '00000000000000000001.log')
    symlinkSync('/dev/full', file)
    const data = new Uint8Array(16 * 1024).fill(0x61)
    let refused: KneError | undefined
    let seq = 0
    while (refused === undefined && seq < 100) refused = thrownIfAny(() => log.append(eventAt(++seq, data, 'text/plain')))
    expect(refused?.code).toBe('EVENT_LOG_WRITE_FAILED')
    unlinkSync(file)
    log.commit()
    // the records before the refused one waited, and no more than 256 KiB of them
    expect(seqs(log.read())).toEqual(Array.from({length: seq - 1}, (_, i) => i + 1))
    expect(log.stats().bytes).toBeLessThanOrEqual(256 * 1024)
    expect(log.stats().bytes).toBeGreaterThan(200 * 1024)
  })

  it('writes a record when a commit of it returns (always: when append returns); with batch, the others within batchWriteMs', async () => {
    const data = new TextEncoder().encode('{"order":1}')
    const onDisk = (dir: string): number[] => seqs(openEventLogReadOnly(dir).read())
    const always = tempDir()
    const strict = logIn(always, {sync: 'always'})
    strict.append(eventAt(1, data, 'application/json'))
    strict.append(settled(2))
    expect(onDisk(always)).toEqual([1, 2])

    const batch = tempDir()
    const log = logIn(batch, {sync: 'batch', batchWriteMs: 5})
    log.append(eventAt(1, data, 'application/json'))
    log.append(settled(2))
    expect(onDisk(batch)).toEqual([])
    log.commit()
    expect(onDisk(batch)).toEqual([1, 2])
    log.append(settled(3))
    expect(seqs(log.read())).toEqual([1, 2, 3]) // the writer reads what was appended
    log.append(settled(4))
    expect(onDisk(batch)).toEqual([1, 2, 3])
    // a timer of 20 ms fires after the log's of 5 ms
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(onDisk(batch)).toEqual([1, 2, 3, 4])
    // commit(seq) writes only when that record still waits: an answer whose event is written already writes nothing
    log.append(eventAt(5, data, 'application/json'))
    log.append(settled(6))
    log.commit(4)
    expect(onDisk(batch)).toEqual([1, 2, 3, 4])
    log.commit(5)
    expect(onDisk(batch)).toEqual([1, 2, 3, 4, 5, 6])
    expect(log.next).toBe(7)
  })

  it('refuses to read a folder that does not exist or holds no log', () => {
    const dir = tempDir()
    expect(thrown(() => openEventLogReadOnly(join(dir, 'missing'))).code).toBe('NO_SUCH_PATH')
    mkdirSync(join(dir, 'empty'))
    expect(thrown(() => openEventLogReadOnly(join(dir, 'empty'))).message).toContain(join(dir, 'empty'))
  })

  it("writes a broker's usual delivery (attempt, outcome, settled) in one line in batch, and counts and reads its records", () => {
    const dir = tempDir()
    const records = [...deliveredPath(1, 1), ...deliveredPath(5, 2)]
    const log = openEventLog({dir})
    for (const record of records) log.append(record)
    expect(log.stats()).toMatchObject({records: 8})
    log.close()
    const [segment] = segmentFiles(dir)
    const file = join(dir, 'segments', segment!)
    const lines = readFileSync(file, 'latin1').split('\n').slice(0, -1)
    expect(lines.map((line) => /"kind":"([^"]+)"/.exec(line)![1])).toEqual([
      'event',
      'attempt+outcome+settled',
      'event',
      'attempt+outcome+settled',
    ])
    expect(countRecords(file)).toBe(8)
    expect(lastRecord(file)).toEqual(records[7])

    const again = logIn(dir)
    expect(again.opened).toMatchObject({first: 1, next: 9, damaged: []})
    expect(again.stats()).toMatchObject({records: 8})
    const back = [...again.read()]
    expect(back.slice(1, 4)).toEqual(records.slice(1, 4))
    expect(back.map((r) => [r.kind, r.seq])).toEqual(records.map((r) => [r.kind, r.seq]))
    expect(seqs(again.read(3))).toEqual(range(3, 8))
    expect(seqs(again.query({kinds: ['settled']}))).toEqual([4, 8])
    expect(openEventLogReadOnly(dir).stats()).toMatchObject({records: 8})
  })

  it('gives every record a line of its own with --persist-sync always', () => {
    const dir = tempDir()
    const log = openEventLog({dir, sync: 'always'})
    for (const record of deliveredPath(1, 1)) log.append(record)
    log.close()
    const [segment] = segmentFiles(dir)
    expect(
      readFileSync(join(dir, 'segments', segment!), 'latin1')
        .split('\n')
        .slice(0, -1),
    ).toHaveLength(4)
    expect(seqs(logIn(dir).read())).toEqual([1, 2, 3, 4])
  })

  it('skips a damaged joined line with its records, cuts a torn one off, and counts each by its first bytes', () => {
    const dir = tempDir()
    const log = openEventLog({dir})
    for (const record of [...deliveredPath(1, 1), ...deliveredPath(5, 2)]) log.append(record)
    log.close()
    const file = join(dir, 'segments', segmentFiles(dir)[0]!)
    const bytes = readFileSync(file)
    const firstJoined = bytes.indexOf('\n') + 1
    const lastJoined = bytes.lastIndexOf('\n', bytes.byteLength - 2) + 1
    bytes[bytes.indexOf('"url"', firstJoined) + 10]! ^= 0x01 // inside the first delivery's line
    // the second delivery's line cut short, as a crash in the middle of its write leaves it
    writeFileSync(file, bytes.subarray(0, bytes.byteLength - 5))

    const damage: LogDamage[] = []
    const again = logIn(dir, {onDamage: (d) => damage.push(d)})
    expect(damage).toEqual([
      {file, offset: firstJoined, problem: 'checksum mismatch: the record was damaged'},
      {file, offset: lastJoined, problem: expect.stringMatching(/^a record cut off by a crash .*; cut off$/)},
    ])
    // the torn delivery's records are numbered again from its attempt; the damaged one's still count
    expect(again.opened).toMatchObject({first: 1, next: 6, bytes: lastJoined})
    expect(statSync(file).size).toBe(lastJoined)
    expect(again.stats()).toMatchObject({records: 5})
    expect(seqs(again.read())).toEqual([1, 5])
  })

  it('counts the records of a joined line whose first bytes straddle two reads of the segment', () => {
    // a segment is read a MiB at a time: the joined line after a large event starts a few bytes before a MiB
    const dir = tempDir()
    const overhead = encodeLogRecord(deliveredPath(1, 1, new Uint8Array(0))[0]!).byteLength
    for (const before of [1, 12, 30]) {
      const sub = join(dir, String(before))
      const log = openEventLog({dir: sub, segmentBytes: 4 * 1024 * 1024})
      const data = Buffer.alloc(1024 * 1024 - before - overhead, 0x41)
      for (const record of [...deliveredPath(1, 1, data), ...deliveredPath(5, 2)]) log.append(record)
      log.close()
      const file = join(sub, 'segments', readdirSync(join(sub, 'segments'))[0]!)
      expect(readFileSync(file).indexOf('\n')).toBe(1024 * 1024 - before - 1)
      expect(countRecords(file)).toBe(8)
      expect(openEventLogReadOnly(sub).stats().records).toBe(8)
    }
  })
})

function segmentFirsts(dir: string): number[] {
  return segmentFiles(dir).map((f) => Number(f.slice(0, 20)))
}
