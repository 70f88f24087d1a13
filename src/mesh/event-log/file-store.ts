// The event log in plain files: `<dir>/kne-event-log.json` (the marker: format and version), `<dir>/lock`
// (the pid of the kne dev writing it) and `<dir>/segments/<first seq, 20 digits>.log`, one record a line
// (core/event-log/codec.ts). Appends go to the newest segment; past segmentBytes a new one starts, and the
// bounds drop the oldest whole segments. A segment's name is a lower bound of its records' seqs, and every
// record in it is below the next segment's name, so a read from a seq starts at one segment found by its name.
import {
  closeSync,
  fdatasync,
  fdatasyncSync,
  fstatSync,
  fsyncSync,
  ftruncateSync,
  linkSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs'
import {join, resolve} from 'node:path'
import type {Activity} from '../../core/activity.js'
import {KneError} from '../../core/errors.js'
import {decodeLogLines, encodeLogRecord, type LogEntry, type RecordHead} from '../../core/event-log/codec.js'
import {MAX_BODY_BYTES} from '../bodies.js'
import {
  EventLogWriteError,
  type EventLogOptions,
  type EventLogReader,
  type EventLogStore,
  type LogDamage,
  type LogOpenReport,
  type PersistSync,
  type RecordQuery,
  type TruncateReport,
} from './store.js'

export {EventLogWriteError} from './store.js'

export const LOG_FORMAT = 'kne-event-log'
export const LOG_VERSION = 1
export const MARKER_FILE = 'kne-event-log.json'
const LOCK_FILE = 'lock'
const SEGMENTS = 'segments'
const SEGMENT_NAME = /^(\d{20})\.log$/

export const DEFAULT_LOG_MAX_BYTES = 256 * 1024 * 1024
export const DEFAULT_SEGMENT_BYTES = 16 * 1024 * 1024
/** With a small --persist-max, segments shrink so that dropping one gives back at most an eighth of the log. */
const MIN_SEGMENT_BYTES = 64 * 1024
export const DEFAULT_BATCH_SYNC_MS = 100
const READ_CHUNK_BYTES = 1024 * 1024
/**
 * The longest line a record can take: the largest body ingress accepts, its data as base64, plus the
 * record's own fields. A longer line is damage, and reading never holds more than this of one line.
 */
export const MAX_RECORD_LINE_BYTES = Math.ceil(MAX_BODY_BYTES / 3) * 4 + 1024 * 1024

interface Segment {
  /** A lower bound of its records' seqs (the first record's seq, unless that record could not be written). */
  first: number
  file: string
  bytes: number
  /** Counted when asked for (stats, a drop), then kept: a closed segment does not change. */
  records?: number
  /** Its newest record's time (Activity.at), for the age bound. */
  newestAt?: string
}

type Accept = (head: RecordHead) => boolean

/** Opens (creating when missing) the log for kne dev: takes the lock, cuts a torn last record off. */
export function openEventLog(options: EventLogOptions): EventLogStore {
  return FileEventLog.open(options)
}

/**
 * Opens a log to read it, without the lock: for `kne events list --from DIR`, offline or while a kne dev
 * writes it. A record being written at the end is left out, not reported.
 */
export function openEventLogReadOnly(dir: string, options: {onDamage?: (damage: LogDamage) => void} = {}): EventLogReader {
  const folder = resolve(dir)
  let entries: string[]
  try {
    if (!statSync(folder).isDirectory()) throw new KneError(`${folder} is not a folder, so it holds no kne event log`, 'NOT_A_FOLDER')
    entries = readdirSync(folder)
  } catch (error) {
    if (error instanceof KneError) throw error
    throw new KneError(`${folder}: ${(error as Error).message}`, 'NO_SUCH_PATH')
  }
  if (!entries.includes(MARKER_FILE))
    throw new KneError(`${folder} holds no kne event log (no ${MARKER_FILE}): give the folder kne dev --persist wrote`, 'NOT_AN_EVENT_LOG')
  checkMarker(folder)
  const reader = new FileLogReader(folder, false, options.onDamage)
  reader.scanOnOpen()
  return reader
}

class FileLogReader implements EventLogReader {
  readonly dir: string
  protected readonly segmentsDir: string
  /** The writer's own list; a reader lists the folder on each read, as the writer rotates and drops. */
  protected segments: Segment[] = []
  protected nextSeq = 1
  protected readonly dropped: TruncateReport = {segments: 0, records: 0, bytes: 0}
  private report: LogOpenReport | undefined

  constructor(
    dir: string,
    protected readonly writable: boolean,
    protected readonly onDamage: ((damage: LogDamage) => void) | undefined,
  ) {
    this.dir = dir
    this.segmentsDir = join(dir, SEGMENTS)
  }

  get opened(): LogOpenReport {
    return this.report!
  }

  get next(): number {
    return this.nextSeq
  }

  /** Finds where the log goes on (the newest segment's last whole record) and, writing, cuts a torn record off. */
  scanOnOpen(): void {
    this.segments = this.listSegments()
    const damaged: LogDamage[] = []
    const last = this.segments.at(-1)
    if (last) {
      this.nextSeq = last.first
      let records = 0
      const scan = scanSegment(last.file, (head) => {
        this.nextSeq = Math.max(this.nextSeq, head.seq + 1)
        last.newestAt = head.at
        return false
      })
      for (let step = scan.next(); ; step = scan.next()) {
        if (step.done) {
          const end = step.value
          records = end?.lines ?? 0
          if (end?.tornAt !== undefined && this.writable) {
            const torn = {file: last.file, offset: end.tornAt, problem: `${end.tornProblem}; cut off`}
            damaged.push(torn)
            this.onDamage?.(torn)
            this.cutTail(last, end.tornAt)
          }
          last.bytes = end ? (end.tornAt ?? end.size) : 0
          break
        }
        const damage = {file: last.file, offset: step.value.offset, problem: step.value.problem!}
        damaged.push(damage)
        this.onDamage?.(damage)
      }
      last.records = records
    }
    this.report = {
      dir: this.dir,
      first: this.firstRecordSeq() ?? this.nextSeq,
      next: this.nextSeq,
      segments: this.segments.length,
      bytes: this.segments.reduce((sum, s) => sum + s.bytes, 0),
      damaged,
    }
  }

  protected cutTail(_segment: Segment, _at: number): void {}

  private firstRecordSeq(): number | undefined {
    for (const segment of this.segments) for (const entry of scanSegment(segment.file, undefined)) if (entry.record) return entry.record.seq
    return undefined
  }

  protected currentSegments(): Segment[] {
    return this.writable ? this.segments : this.listSegments()
  }

  protected listSegments(): Segment[] {
    let names: string[]
    try {
      names = readdirSync(this.segmentsDir)
    } catch {
      return []
    }
    const segments: Segment[] = []
    for (const name of names) {
      const match = SEGMENT_NAME.exec(name)
      if (!match) continue
      const file = join(this.segmentsDir, name)
      let bytes = 0
      try {
        bytes = statSync(file).size
      } catch {
        continue // dropped while listed
      }
      segments.push({first: Number(match[1]), file, bytes})
    }
    return segments.sort((a, b) => a.first - b.first)
  }

  stats(): {bytes: number; segments: number; records: number; dropped: TruncateReport} {
    const segments = this.currentSegments()
    let records = 0
    for (const segment of segments) records += this.recordsOf(segment)
    return {bytes: segments.reduce((sum, s) => sum + s.bytes, 0), segments: segments.length, records, dropped: {...this.dropped}}
  }

  protected recordsOf(segment: Segment): number {
    segment.records ??= countLines(segment.file)
    return segment.records
  }

  read(from?: number): Iterable<Activity> {
    return this.records(from === undefined ? undefined : (head) => head.seq >= from, from)
  }

  query(query: RecordQuery): Iterable<Activity> {
    const {fromSeq, untilSeq, since, until, kinds, arrivals} = query
    const accept: Accept = (head) =>
      (fromSeq === undefined || head.seq >= fromSeq) &&
      (untilSeq === undefined || head.seq < untilSeq) &&
      (kinds === undefined || kinds.includes(head.kind)) &&
      (arrivals === undefined || (head.arrival !== undefined && arrivals.has(head.arrival))) &&
      (since === undefined || Date.parse(head.at) >= since) &&
      (until === undefined || Date.parse(head.at) <= until)
    return this.records(accept, fromSeq, untilSeq)
  }

  private *records(accept: Accept | undefined, from?: number, until?: number): Generator<Activity> {
    // a copy: the writer rotates and drops while a reader is paused between records
    const segments = [...this.currentSegments()]
    for (let i = from === undefined ? 0 : segmentHolding(segments, from); i < segments.length; i++) {
      const segment = segments[i]!
      if (until !== undefined && segment.first >= until) return
      // the writer's newest segment is whole (a torn record was cut on open); a reader's may be mid-write
      const scan = scanSegment(segment.file, accept)
      let step = scan.next()
      for (; !step.done; step = scan.next()) {
        const entry = step.value
        if (entry.record) yield entry.record
        else this.onDamage?.({file: segment.file, offset: entry.offset, problem: entry.problem})
      }
      const end = step.value
      if (end?.tornAt !== undefined && (this.writable || i < segments.length - 1))
        this.onDamage?.({file: segment.file, offset: end.tornAt, problem: end.tornProblem!})
    }
  }

  close(): void {}
}

class FileEventLog extends FileLogReader implements EventLogStore {
  private readonly sync: PersistSync
  private readonly batchSyncMs: number
  private readonly maxBytes: number
  private readonly maxAgeMs: number | undefined
  private readonly segmentBytes: number
  private readonly keepFrom: () => number | undefined
  private readonly now: () => number
  private readonly lockFile: string
  /** The newest segment's file, open for appending; undefined after a failed write (reopened on the next append). */
  private fd: number | undefined
  private totalBytes = 0
  private dirty = false
  private syncTimer: NodeJS.Timeout | undefined
  /** The fd an fdatasync is running on: it is closed only when that returns. */
  private syncing: number | undefined
  private closeAfterSync = false
  private syncFailure: NodeJS.ErrnoException | undefined
  private closed = false

  static open(options: EventLogOptions): FileEventLog {
    const dir = resolve(options.dir)
    prepareFolder(dir)
    const log = new FileEventLog(dir, options)
    log.takeLock()
    try {
      mkdirSync(log.segmentsDir, {recursive: true})
      log.scanOnOpen()
      log.totalBytes = log.segments.reduce((sum, s) => sum + s.bytes, 0)
    } catch (error) {
      log.releaseLock()
      throw error
    }
    return log
  }

  private constructor(dir: string, options: EventLogOptions) {
    super(dir, true, options.onDamage)
    this.sync = options.sync ?? 'batch'
    this.batchSyncMs = options.batchSyncMs ?? DEFAULT_BATCH_SYNC_MS
    this.maxBytes = options.maxBytes ?? DEFAULT_LOG_MAX_BYTES
    this.maxAgeMs = options.maxAgeMs
    this.segmentBytes = options.segmentBytes ?? Math.max(MIN_SEGMENT_BYTES, Math.min(DEFAULT_SEGMENT_BYTES, Math.floor(this.maxBytes / 8)))
    this.keepFrom = options.keepFrom ?? (() => undefined)
    this.now = options.now ?? Date.now
    this.lockFile = join(dir, LOCK_FILE)
  }

  private takeLock(): void {
    // the pid is written first and linked in whole, so that no one reads a lock without its pid
    const withPid = `${this.lockFile}.${process.pid}`
    try {
      writeFileSync(withPid, `${process.pid}\n`)
    } catch (error) {
      throw writeFailure(withPid, error)
    }
    try {
      this.linkLock(withPid)
    } finally {
      unlinkQuietly(withPid)
    }
  }

  private linkLock(withPid: string): void {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        linkSync(withPid, this.lockFile)
        return
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw writeFailure(this.lockFile, error)
      }
      const pid = readPid(this.lockFile)
      if (pid !== undefined && isAlive(pid))
        throw new KneError(
          `${this.dir} is used by another kne dev (pid ${pid}); stop it or choose another folder with --persist DIR`,
          'EVENT_LOG_IN_USE',
          {suggestions: [`if pid ${pid} is not kne, delete ${this.lockFile}`]},
        )
      // the pid is gone: a kne that crashed left the lock
      try {
        unlinkSync(this.lockFile)
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw writeFailure(this.lockFile, error)
      }
    }
    throw new KneError(`${this.dir}: the lock ${this.lockFile} could not be taken; another kne dev may be starting`, 'EVENT_LOG_IN_USE')
  }

  private releaseLock(): void {
    try {
      if (readPid(this.lockFile) === process.pid) unlinkSync(this.lockFile)
    } catch {
      // already gone
    }
  }

  protected override cutTail(segment: Segment, at: number): void {
    const fd = openSync(segment.file, 'r+')
    try {
      ftruncateSync(fd, at)
      fdatasyncSync(fd)
    } finally {
      closeSync(fd)
    }
  }

  append(record: Activity): void {
    if (this.closed) throw new Error('the event log is closed')
    if (record.seq < this.nextSeq)
      throw new Error(
        `event log: record ${record.seq} is not after the log's newest (${this.nextSeq - 1}): the journal goes on from the log's next`,
      )
    if (this.syncFailure) {
      const failure = this.syncFailure
      this.syncFailure = undefined
      throw writeFailure(this.activeSegment()?.file ?? this.segmentsDir, failure)
    }
    const line = encodeLogRecord(record)
    if (line.byteLength > MAX_RECORD_LINE_BYTES)
      throw new EventLogWriteError(
        this.segmentsDir,
        'TOO_LARGE',
        `the event log does not keep a record of ${line.byteLength} bytes (at most ${MAX_RECORD_LINE_BYTES})`,
      )
    let segment = this.activeSegment()
    if (segment === undefined || (segment.bytes > 0 && segment.bytes + line.byteLength > this.segmentBytes))
      segment = this.startSegment(record.seq)
    else if (this.fd === undefined) this.reopen(segment)
    this.write(segment, line)
    // always: a record that cannot be synced is taken back, as its event is refused
    if (this.sync === 'always') this.syncNow(segment, segment.bytes)
    else this.syncSoon()
    segment.bytes += line.byteLength
    if (segment.records !== undefined) segment.records++
    segment.newestAt = record.at
    this.totalBytes += line.byteLength
    this.nextSeq = record.seq + 1
    try {
      this.applyBounds()
    } catch {
      // the record is kept; a segment that cannot be removed now is tried again on the next append
    }
  }

  private activeSegment(): Segment | undefined {
    return this.segments.at(-1)
  }

  private write(segment: Segment, line: Buffer): void {
    try {
      for (let written = 0; written < line.byteLength;) written += writeSync(this.fd!, line, written)
    } catch (error) {
      // a part written would join the next record's line: cut it, and open the file again next time
      try {
        ftruncateSync(this.fd!, segment.bytes)
      } catch {
        // the file is checked again when it is reopened
      }
      this.dropFd()
      throw writeFailure(segment.file, error)
    }
  }

  /** A new segment named by the seq of its first record; the one before it is synced and closed. */
  private startSegment(seq: number): Segment {
    const previous = this.activeSegment()
    if (previous !== undefined && this.fd !== undefined) {
      this.syncNow(previous)
      this.dropFd()
    }
    const segment: Segment = {first: seq, file: join(this.segmentsDir, segmentName(seq)), bytes: 0, records: 0}
    this.segments.push(segment)
    this.reopen(segment)
    syncFolder(this.segmentsDir)
    return segment
  }

  /** Opens the newest segment for appending, after a failed write too: what a failed write left past the last record goes. */
  private reopen(segment: Segment): void {
    try {
      this.fd = openSync(segment.file, 'a')
      const stat = fstatSync(this.fd)
      if (stat.isFile() && stat.size > segment.bytes) ftruncateSync(this.fd, segment.bytes)
    } catch (error) {
      this.dropFd()
      throw writeFailure(segment.file, error)
    }
  }

  private dropFd(): void {
    const fd = this.fd
    this.fd = undefined
    this.dirty = false
    if (fd === undefined) return
    if (this.syncing === fd) this.closeAfterSync = true
    else closeQuietly(fd)
  }

  /** fdatasync now; on failure the file is cut back to `cutTo` when given. */
  private syncNow(segment: Segment, cutTo?: number): void {
    if (this.fd === undefined) return
    try {
      fdatasyncSync(this.fd)
      this.dirty = false
    } catch (error) {
      try {
        if (cutTo !== undefined) ftruncateSync(this.fd, cutTo)
      } catch {
        // the file is checked again when it is reopened
      }
      this.dropFd()
      throw writeFailure(segment.file, error)
    }
  }

  /** Batch mode: an fdatasync at most every batchSyncMs, off the event loop; a failure is reported by the next append. */
  private syncSoon(): void {
    this.dirty = true
    if (this.syncTimer !== undefined) return
    this.syncTimer = setTimeout(() => {
      this.syncTimer = undefined
      const fd = this.fd
      if (!this.dirty || fd === undefined) return
      if (this.syncing !== undefined) return this.syncSoon()
      this.dirty = false
      this.syncing = fd
      fdatasync(fd, (error) => {
        this.syncing = undefined
        if (this.closeAfterSync) {
          this.closeAfterSync = false
          closeQuietly(fd)
        }
        if (error && !this.closed) this.syncFailure = error
      })
    }, this.batchSyncMs)
    this.syncTimer.unref()
  }

  flush(): void {
    const segment = this.activeSegment()
    // an fdatasync still running may have started before the last write
    if (segment && (this.dirty || (this.syncing !== undefined && this.syncing === this.fd))) this.syncNow(segment)
  }

  /** Drops the oldest segments past the byte bound or the age bound; never the newest, nor one holding keepFrom() or later. */
  private applyBounds(): void {
    if (!this.overBounds()) return
    const keepFrom = this.keepFrom()
    while (this.segments.length > 1 && this.overBounds()) {
      // every record of the oldest segment is below the next segment's name
      if (keepFrom !== undefined && this.segments[1]!.first > keepFrom) return
      this.dropOldest()
    }
  }

  private overBounds(): boolean {
    if (this.totalBytes > this.maxBytes) return true
    if (this.maxAgeMs === undefined || this.segments.length < 2) return false
    const newestAt = this.newestAtOf(this.segments[0]!)
    return newestAt !== undefined && this.now() - newestAt > this.maxAgeMs
  }

  truncate(before: number): TruncateReport {
    const report: TruncateReport = {segments: 0, records: 0, bytes: 0}
    const keepFrom = this.keepFrom()
    const limit = keepFrom === undefined ? before : Math.min(before, keepFrom)
    while (this.segments.length > 1 && this.segments[1]!.first <= limit) {
      const dropped = this.dropOldest()
      report.segments++
      report.records += dropped.records
      report.bytes += dropped.bytes
    }
    return report
  }

  private dropOldest(): {records: number; bytes: number} {
    const segment = this.segments[0]!
    const records = this.recordsOf(segment)
    try {
      unlinkSync(segment.file)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw writeFailure(segment.file, error)
    }
    this.segments.shift()
    this.totalBytes -= segment.bytes
    this.dropped.segments++
    this.dropped.records += records
    this.dropped.bytes += segment.bytes
    return {records, bytes: segment.bytes}
  }

  /** Its newest record's time: the last line's, read from the end of the file. */
  private newestAtOf(segment: Segment): number | undefined {
    segment.newestAt ??= lastRecord(segment.file)?.at
    return segment.newestAt === undefined ? undefined : Date.parse(segment.newestAt)
  }

  override close(): void {
    if (this.closed) return
    try {
      this.flush()
    } finally {
      this.closed = true
      clearTimeout(this.syncTimer)
      this.syncTimer = undefined
      this.dropFd()
      this.releaseLock()
    }
  }
}

/** Index of the segment a read from `seq` starts in: the last one named at or below it. */
function segmentHolding(segments: readonly Segment[], seq: number): number {
  let low = 0
  let high = segments.length - 1
  let found = 0
  while (low <= high) {
    const middle = (low + high) >> 1
    if (segments[middle]!.first <= seq) {
      found = middle
      low = middle + 1
    } else high = middle - 1
  }
  return found
}

function segmentName(seq: number): string {
  return `${String(seq).padStart(20, '0')}.log`
}

interface ScanEnd {
  /** The file's size when the scan began (what it read). */
  size: number
  /** Whole lines read (damaged ones too). */
  lines: number
  /** Where a last line without its newline starts. */
  tornAt?: number
  tornProblem?: string
}

/**
 * The entries of one segment, read a chunk at a time up to the size it had when the scan began (a device
 * such as /dev/full never ends). A line longer than MAX_RECORD_LINE_BYTES is damage, skipped unread.
 */
function* scanSegment(file: string, accept: Accept | undefined): Generator<LogEntry, ScanEnd | undefined> {
  let fd: number
  try {
    fd = openSync(file, 'r')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined // dropped meanwhile
    throw error
  }
  try {
    const size = fstatSync(fd).size
    const chunk = Buffer.allocUnsafe(Math.min(READ_CHUNK_BYTES, Math.max(size, 1)))
    let pending: Buffer[] = []
    let pendingBytes = 0
    let pendingOffset = 0
    /** Where an over-long line started, while its bytes are skipped. */
    let skippingFrom: number | undefined
    let lines = 0
    let position = 0
    while (position < size) {
      const read = readSync(fd, chunk, 0, Math.min(chunk.byteLength, size - position), position)
      if (read === 0) break
      let data = chunk.subarray(0, read)
      let dataOffset = position
      position += read
      if (skippingFrom !== undefined) {
        const newline = data.indexOf(0x0a)
        if (newline < 0) continue
        skippingFrom = undefined
        lines++
        data = data.subarray(newline + 1)
        dataOffset += newline + 1
      }
      const lastNewline = data.lastIndexOf(0x0a)
      if (lastNewline < 0) {
        if (pending.length === 0) pendingOffset = dataOffset
        pending.push(Buffer.from(data))
        pendingBytes += data.byteLength
        if (pendingBytes > MAX_RECORD_LINE_BYTES) {
          yield {offset: pendingOffset, problem: `a line longer than ${MAX_RECORD_LINE_BYTES} bytes, which no record takes`}
          skippingFrom = pendingOffset
          pending = []
          pendingBytes = 0
        }
        continue
      }
      const whole = pending.length ? Buffer.concat([...pending, data.subarray(0, lastNewline + 1)]) : data.subarray(0, lastNewline + 1)
      const wholeOffset = pending.length ? pendingOffset : dataOffset
      const decoded = decodeLogLines(whole, wholeOffset, false, accept)
      lines += decoded.lines
      const rest = data.subarray(lastNewline + 1)
      pending = rest.byteLength ? [Buffer.from(rest)] : []
      pendingBytes = rest.byteLength
      pendingOffset = dataOffset + lastNewline + 1
      yield* decoded.entries
    }
    if (skippingFrom !== undefined)
      return {size, lines, tornAt: skippingFrom, tornProblem: 'a line longer than any record, without a newline'}
    if (pendingBytes > 0)
      return {size, lines, tornAt: pendingOffset, tornProblem: `a record cut off by a crash (${pendingBytes} bytes without a newline)`}
    return {size, lines}
  } finally {
    closeSync(fd)
  }
}

/** A segment's last record: its last line, read backwards from the end, or the whole file when that line is damaged. */
function lastRecord(file: string): Activity | undefined {
  let fd: number
  try {
    fd = openSync(file, 'r')
  } catch {
    return undefined
  }
  try {
    const size = fstatSync(fd).size
    // a window twice as large each time: a long last line costs twice its length, not its square
    for (let window = 64 * 1024; window <= 2 * MAX_RECORD_LINE_BYTES; window *= 2) {
      const start = Math.max(0, size - window)
      const tail = Buffer.allocUnsafe(size - start)
      readSync(fd, tail, 0, tail.byteLength, start)
      const end = tail.lastIndexOf(0x0a)
      const lineStart = end <= 0 ? -1 : tail.lastIndexOf(0x0a, end - 1)
      if (start > 0 && lineStart < 0) continue
      if (end < 0) break
      const record = decodeLogLines(tail.subarray(lineStart + 1, end + 1), start + lineStart + 1, false).entries[0]?.record
      if (record) return record
      break
    }
  } finally {
    closeSync(fd)
  }
  let last: Activity | undefined
  for (const entry of scanSegment(file, undefined)) if (entry.record) last = entry.record
  return last
}

function countLines(file: string): number {
  let fd: number
  try {
    fd = openSync(file, 'r')
  } catch {
    return 0
  }
  try {
    const size = fstatSync(fd).size
    const chunk = Buffer.allocUnsafe(Math.min(READ_CHUNK_BYTES, Math.max(size, 1)))
    let lines = 0
    for (let position = 0; position < size;) {
      const read = readSync(fd, chunk, 0, Math.min(chunk.byteLength, size - position), position)
      if (read === 0) break
      for (let i = chunk.indexOf(0x0a); i >= 0 && i < read; i = chunk.indexOf(0x0a, i + 1)) lines++
      position += read
    }
    return lines
  } finally {
    closeSync(fd)
  }
}

/** Creates the folder, or checks that it is kne's log (or empty); writes the marker. */
function prepareFolder(dir: string): void {
  try {
    mkdirSync(dir, {recursive: true})
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST' || (error as NodeJS.ErrnoException).code === 'ENOTDIR')
      throw new KneError(`${dir} is not a folder: the event log needs one (choose another with --persist DIR)`, 'NOT_A_FOLDER')
    throw writeFailure(dir, error)
  }
  // a marker being written when a crash came leaves its temporary file: the folder is still new
  const entries = readdirSync(dir).filter((name) => !(name.startsWith(`${MARKER_FILE}.`) && name.endsWith('.tmp')))
  if (entries.includes(MARKER_FILE)) return checkMarker(dir)
  if (entries.length > 0)
    throw new KneError(
      `${dir} is not kne's event log: it holds other files (${entries.slice(0, 3).join(', ')}${entries.length > 3 ? ', ...' : ''}) and no ${MARKER_FILE}; choose an empty or new folder with --persist DIR`,
      'NOT_AN_EVENT_LOG',
    )
  const marker = join(dir, MARKER_FILE)
  const temporary = `${marker}.${process.pid}.tmp`
  try {
    writeFileSync(temporary, `${JSON.stringify({format: LOG_FORMAT, version: LOG_VERSION})}\n`)
    renameSync(temporary, marker)
    syncFolder(dir)
  } catch (error) {
    throw writeFailure(marker, error)
  }
}

function checkMarker(dir: string): void {
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
      `${dir} holds an event log from a newer kne (format version ${String(parsed.version)}; this kne reads version ${LOG_VERSION}): upgrade kne, or choose another folder with --persist DIR`,
      'EVENT_LOG_TOO_NEW',
    )
}

function readPid(file: string): number | undefined {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim())
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined
  } catch {
    return undefined
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: it runs, as another user
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** So that a file created or removed in it survives a crash of the machine. */
function syncFolder(dir: string): void {
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

function closeQuietly(fd: number): void {
  try {
    closeSync(fd)
  } catch {
    // already closed
  }
}

function writeFailure(file: string, error: unknown): EventLogWriteError {
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
