// The event log in plain files: `<dir>/kne-event-log.json` (the marker: format and version), `<dir>/lock`
// (the pid of the kne dev writing it) and `<dir>/segments/<first seq, 20 digits>.log`, one record a line, a
// broker's usual delivery's in one (core/event-log/codec.ts). Appends go to the newest segment; past
// segmentBytes a new one starts, and the bounds drop the oldest whole segments. A segment's name is a lower bound of its records' seqs, and every
// record in it is below the next segment's name, so a read from a seq starts at one segment found by its name.
// The folder's marker and lock are log-folder.ts's; reading a segment's lines is segment-file.ts's.
import {
  closeSync,
  fdatasync,
  fdatasyncSync,
  fstatSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readdirSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs'
import {join, resolve} from 'node:path'
import type {Activity} from '../../core/activity.js'
import {KneError} from '../../core/errors.js'
import {frameLogLines, joinLogRecord, logLineBytes, logRecordJson, rawLogData} from '../../core/event-log/codec.js'
import {
  checkMarker,
  closeQuietly,
  MARKER_FILE,
  prepareFolder,
  PRIVATE_FILE,
  PRIVATE_FOLDER,
  releaseLock,
  syncFolder,
  takeLock,
  writeFailure,
  writeMarker,
  LOG_VERSION,
} from './log-folder.js'
import type {PersistSync} from '../../core/project.js'
import {countRecords, lastRecord, MAX_RECORD_LINE_BYTES, scanSegment, type Accept} from './segment-file.js'
import {
  EventLogWriteError,
  type EventLogOptions,
  type EventLogReader,
  type EventLogStore,
  type LogDamage,
  type LogOpenReport,
  type RecordQuery,
  type TruncateReport,
} from './store.js'

export {EventLogWriteError} from './store.js'
export {LOG_FORMAT, LOG_VERSION, MARKER_FILE} from './log-folder.js'
export {MAX_RECORD_LINE_BYTES} from './segment-file.js'

const SEGMENTS = 'segments'
const SEGMENT_NAME = /^(\d{20})\.log$/

export const DEFAULT_LOG_MAX_BYTES = 256 * 1024 * 1024
export const DEFAULT_SEGMENT_BYTES = 16 * 1024 * 1024
/** A small --persist-max gets segments of an eighth of it (a drop then gives back no more than that), not under this. */
const MIN_SEGMENT_BYTES = 64 * 1024
export const DEFAULT_BATCH_SYNC_MS = 100
/** batch: records wait at most this long to be written (unless a producer is answered first). */
export const DEFAULT_BATCH_WRITE_MS = 20
/** batch: past this many bytes of records waiting to be written, they are written at once. */
const MAX_PENDING_BYTES = 256 * 1024

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
  private readonly lineCounts = new Map<string, {bytes: number; records: number}>()

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
          records = end?.records ?? 0
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

  protected beforeRead(): void {}

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
    this.beforeRead()
    const segments = this.currentSegments()
    let records = 0
    for (const segment of segments) records += this.recordsOf(segment)
    if (this.lineCounts.size > segments.length) {
      const listed = new Set(segments.map((segment) => segment.file))
      for (const file of this.lineCounts.keys()) if (!listed.has(file)) this.lineCounts.delete(file)
    }
    return {bytes: segments.reduce((sum, s) => sum + s.bytes, 0), segments: segments.length, records, dropped: {...this.dropped}}
  }

  protected recordsOf(segment: Segment): number {
    if (segment.records === undefined) {
      // a reader lists the folder afresh each time: a segment of the same size was counted already
      const counted = this.lineCounts.get(segment.file)
      segment.records = counted?.bytes === segment.bytes ? counted.records : countRecords(segment.file)
      if (!this.writable) this.lineCounts.set(segment.file, {bytes: segment.bytes, records: segment.records})
    }
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
    this.beforeRead()
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
  private readonly batchWriteMs: number
  private readonly maxBytes: number
  private readonly maxAgeMs: number | undefined
  private readonly segmentBytes: number
  private readonly keepFrom: () => number | undefined
  private readonly now: () => number
  /** The newest segment's file, open for appending; undefined after a failed write (reopened on the next append). */
  private fd: number | undefined
  private totalBytes = 0
  private dirty = false
  private syncTimer: NodeJS.Timeout | undefined
  /** The fd an fdatasync is running on: it is closed only when that returns. */
  private syncing: number | undefined
  /** What to do with the fd an fdatasync is running on when it returns (close it, or sync it once more first). */
  private afterSync: (() => void) | undefined
  /** Closed segments' fds whose last fdatasync has not returned yet. */
  private readonly retiring = new Set<number>()
  private syncFailure: NodeJS.ErrnoException | undefined
  private closed = false
  /** batch: records appended and not yet written, written together (commit, a timer, a read, a new segment, close). */
  /** Their JSON texts, the UTF-8 size of each, and the data each line carries raw (an event's, or none). */
  private pending: string[] = []
  private pendingTextBytes: number[] = []
  private pendingData: (Uint8Array | undefined)[] = []
  /** The records in those lines (a joined line holds two or three), and the last of them. */
  private pendingRecords = 0
  private pendingLast: Activity | undefined
  /** Where the waiting records are framed to be written (writeSync is done with it when it returns). */
  private readonly scratch = Buffer.allocUnsafe(MAX_PENDING_BYTES + 64 * 1024)
  /** The seq of the oldest record waiting (while any does). */
  private firstPendingSeq = 0
  private pendingBytes = 0
  private pendingNewestAt: string | undefined
  private pendingWrite: NodeJS.Timeout | undefined

  static open(options: EventLogOptions): FileEventLog {
    const dir = resolve(options.dir)
    prepareFolder(dir)
    const log = new FileEventLog(dir, options)
    takeLock(dir)
    try {
      // an older version's log goes on in this version's lines: its marker says so before the first is written.
      // It is read again with the lock held: a kne dev that held it until now may have raised it
      if (checkMarker(dir) < LOG_VERSION) writeMarker(dir)
      mkdirSync(log.segmentsDir, {recursive: true, mode: PRIVATE_FOLDER})
      log.scanOnOpen()
      log.totalBytes = log.segments.reduce((sum, s) => sum + s.bytes, 0)
    } catch (error) {
      releaseLock(dir)
      throw error
    }
    return log
  }

  private constructor(dir: string, options: EventLogOptions) {
    super(dir, true, options.onDamage)
    this.sync = options.sync ?? 'batch'
    this.batchSyncMs = options.batchSyncMs ?? DEFAULT_BATCH_SYNC_MS
    this.batchWriteMs = options.batchWriteMs ?? DEFAULT_BATCH_WRITE_MS
    this.maxBytes = options.maxBytes ?? DEFAULT_LOG_MAX_BYTES
    this.maxAgeMs = options.maxAgeMs
    this.segmentBytes = options.segmentBytes ?? Math.max(MIN_SEGMENT_BYTES, Math.min(DEFAULT_SEGMENT_BYTES, Math.floor(this.maxBytes / 8)))
    this.keepFrom = options.keepFrom ?? (() => undefined)
    this.now = options.now ?? Date.now
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
    if (this.pendingLast !== undefined && this.joinPending(record)) return
    const data = rawLogData(record)
    const text = logRecordJson(record, data !== undefined)
    const textBytes = Buffer.byteLength(text)
    const lineBytes = logLineBytes(textBytes, data)
    if (lineBytes > MAX_RECORD_LINE_BYTES)
      throw new EventLogWriteError(
        this.segmentsDir,
        'TOO_LARGE',
        `the event log does not keep a record of ${lineBytes} bytes (at most ${MAX_RECORD_LINE_BYTES})`,
      )
    let segment = this.activeSegment()
    const queued = segment === undefined ? 0 : segment.bytes + this.pendingBytes
    if (segment === undefined || (queued > 0 && queued + lineBytes > this.segmentBytes)) {
      this.writePending()
      segment = this.startSegment(record.seq)
    } else if (this.fd === undefined) this.reopen(segment)
    if (this.sync === 'batch') {
      // the record waits to be written with others: before a producer is answered (commit), else soon
      if (this.pending.length === 0) this.firstPendingSeq = record.seq
      this.pending.push(text)
      this.pendingTextBytes.push(textBytes)
      this.pendingData.push(data)
      this.pendingRecords++
      this.pendingLast = record
      this.pendingBytes += lineBytes
      if (this.pendingBytes > MAX_PENDING_BYTES) this.writePendingOrDrop()
      this.pendingNewestAt = record.at
      this.nextSeq = record.seq + 1
      if (this.pendingWrite === undefined) {
        this.pendingWrite = setTimeout(() => this.writePendingSoon(), this.batchWriteMs)
        this.pendingWrite.unref()
      }
      return
    }
    // always: the record is written and synced before append returns; one that cannot be synced is taken back, as its event is refused
    const bytes = frameLogLines([text], [textBytes], [data])
    const before = segment.bytes
    this.write(segment, bytes)
    this.syncNow(segment, before)
    this.written(segment, bytes.byteLength, 1, record.at)
    this.nextSeq = record.seq + 1
    try {
      this.applyBounds()
    } catch {
      // the record is kept; a segment that cannot be removed now is tried again on the next append
    }
  }

  /** batch: the record joins the last line waiting to be written, when they make one (joinLogRecord). */
  private joinPending(record: Activity): boolean {
    const last = this.pending.length - 1
    const text = this.pending[last]!
    const joined = joinLogRecord(text, this.pendingLast!, record)
    if (joined === undefined) return false
    // what a join adds or takes away is ASCII: as many bytes as characters
    const added = joined.length - text.length
    this.pending[last] = joined
    this.pendingTextBytes[last]! += added
    this.pendingBytes += added
    this.pendingRecords++
    this.pendingLast = record
    this.pendingNewestAt = record.at
    this.nextSeq = record.seq + 1
    return true
  }

  private written(segment: Segment, bytes: number, records: number, newestAt: string): void {
    segment.bytes += bytes
    if (segment.records !== undefined) segment.records += records
    segment.newestAt = newestAt
    this.totalBytes += bytes
    this.pending = []
    this.pendingTextBytes = []
    this.pendingData = []
    this.pendingRecords = 0
    this.pendingLast = undefined
    this.pendingBytes = 0
    this.pendingNewestAt = undefined
  }

  commit(seq?: number): void {
    if (this.closed) throw new Error('the event log is closed')
    if (seq !== undefined && (this.pending.length === 0 || seq < this.firstPendingSeq)) return
    this.writePending()
  }

  /** Writes the records waiting to be written; on failure they wait on, for the next write. */
  private writePending(): void {
    const segment = this.activeSegment()
    if (this.pending.length === 0 || segment === undefined) return
    if (this.fd === undefined) this.reopen(segment)
    const bytes = frameLogLines(this.pending, this.pendingTextBytes, this.pendingData, this.scratch)
    this.write(segment, bytes)
    this.syncSoon()
    this.written(segment, bytes.byteLength, this.pendingRecords, this.pendingNewestAt!)
    try {
      this.applyBounds()
    } catch {
      // tried again on the next write
    }
  }

  /** Past MAX_PENDING_BYTES waiting: written now, or when that fails the newest record goes (the append throws), so that a full disk grows no memory. */
  private writePendingOrDrop(): void {
    try {
      this.writePending()
    } catch (error) {
      // the newest record has a line of its own: a join never writes
      this.pendingBytes -= logLineBytes(this.pendingTextBytes.pop()!, this.pendingData.pop())
      this.pending.pop()
      this.pendingRecords--
      this.pendingLast = undefined
      throw error
    }
  }

  private writePendingSoon(): void {
    this.pendingWrite = undefined
    try {
      this.writePending()
    } catch {
      // the records wait on; the next commit or write reports the failure
    }
  }

  /** What is read includes what was appended. */
  protected override beforeRead(): void {
    try {
      this.writePending()
    } catch {
      // read what the files hold
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
    if (previous !== undefined && this.fd !== undefined) this.retireFd()
    const segment: Segment = {first: seq, file: join(this.segmentsDir, segmentName(seq)), bytes: 0, records: 0}
    this.segments.push(segment)
    this.reopen(segment)
    syncFolder(this.segmentsDir)
    return segment
  }

  /** Opens the newest segment for appending, after a failed write too: what a failed write left past the last record goes. */
  private reopen(segment: Segment): void {
    try {
      this.fd = openSync(segment.file, 'a', PRIVATE_FILE)
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
    if (this.syncing === fd) this.afterSync = () => closeQuietly(fd)
    else closeQuietly(fd)
  }

  /** A closed segment's last fdatasync (always: done already) runs off the event loop; its fd is closed after it. */
  private retireFd(): void {
    const fd = this.fd!
    const unsynced = this.dirty || this.syncing === fd
    this.fd = undefined
    this.dirty = false
    if (!unsynced) return closeQuietly(fd)
    this.retiring.add(fd)
    const finish = (): void =>
      fdatasync(fd, (error) => {
        this.retiring.delete(fd)
        closeQuietly(fd)
        if (error && !this.closed) this.syncFailure = error
      })
    if (this.syncing === fd) this.afterSync = finish
    else finish()
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
        const after = this.afterSync
        this.afterSync = undefined
        if (error && !this.closed) this.syncFailure = error
        after?.()
      })
    }, this.batchSyncMs)
    this.syncTimer.unref()
  }

  flush(): void {
    this.writePending()
    // the segments closed last are synced too, their fds still open until their own syncs return
    for (const fd of this.retiring) {
      try {
        fdatasyncSync(fd)
      } catch (error) {
        throw writeFailure(this.segmentsDir, error)
      }
    }
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
      clearTimeout(this.pendingWrite)
      this.pendingWrite = undefined
      clearTimeout(this.syncTimer)
      this.syncTimer = undefined
      this.dropFd()
      releaseLock(this.dir)
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
