// A bounded in-memory history of activity records with live subscribers. Records are numbered so that a
// stream can resume from a sequence number and a subscriber can tell it missed nothing. The history is
// bounded in records and in bytes: past either bound the oldest records go first.
import {recordBytes, retainedRecord, type Activity} from '../core/activity.js'
import {isoTime} from '../core/memo.js'
import type {Clock} from './clock.js'

export type ActivityListener = (record: Activity) => void

export const DEFAULT_HISTORY_LIMIT = 5000
/** Well under the 512 MiB the whole process aims to stay within. */
export const DEFAULT_HISTORY_BYTES = 64 * 1024 * 1024

export interface HistoryBounds {
  /** Records kept at most. */
  records?: number
  /** Bytes of records kept at most (core/activity.ts's recordBytes); one record larger than this is still kept, alone. */
  bytes?: number
}

export class Journal {
  private readonly records: (Activity | undefined)[]
  /** recordBytes of each kept record, in the same slots. */
  private readonly sizes: Float64Array
  private nextSeq = 1
  /** Sequence number of the oldest kept record: every record from it up to nextSeq is kept. */
  private firstSeq = 1
  private keptBytes = 0
  private readonly listeners = new Set<ActivityListener>()
  private sink: ((record: Activity) => void) | undefined
  private commitSink: ((seq: number | undefined) => void) | undefined
  /** Whether the last record appended reached the sink (true without one). */
  lastKept = true
  /** Why the sink refused the last record it refused, and when (wall clock); undefined once it keeps an event's record again. */
  sinkFailure: {message: string; at: number} | undefined
  /** Called when the sink starts refusing records (not again until it has kept one). */
  onSinkFailure: ((error: Error) => void) | undefined
  readonly limit: number
  readonly maxBytes: number

  constructor(
    private readonly clock: Clock,
    bounds: HistoryBounds = {},
  ) {
    this.limit = Math.max(1, bounds.records ?? DEFAULT_HISTORY_LIMIT)
    this.maxBytes = bounds.bytes ?? DEFAULT_HISTORY_BYTES
    this.records = new Array<Activity | undefined>(this.limit)
    this.sizes = new Float64Array(this.limit)
  }

  /** Sequence number the next record will get. */
  get next(): number {
    return this.nextSeq
  }

  /** Sequence number of the oldest record still kept (`next` when none is). */
  get first(): number {
    return this.firstSeq
  }

  /** Bytes the kept records hold, as the byte bound counts them. */
  get bytes(): number {
    return this.keptBytes
  }

  /**
   * Records an activity, built by one of core/activity.ts's record builders: it is numbered and timestamped
   * in place (not copied), so pass a fresh record and do not reuse it. Subscribers get it whole; the history
   * keeps at most MAX_RETAINED_DATA_BYTES of an event's data.
   */
  append(record: Activity): Activity {
    record.seq = this.nextSeq++
    record.at = isoTime(this.clock.now())
    if (this.sink !== undefined) this.toSink(this.sink, record)
    this.keep(retainedRecord(record))
    for (const listener of this.listeners) listener(record)
    return record
  }

  /**
   * Sends every record appended from now on to `sink` first (the event log's append, whole), or stops when
   * undefined; `commit` writes what the sink keeps back to write together (the log's batch). A sink that
   * throws marks the record not kept (`lastKept`) and the failure (`sinkFailure`).
   */
  setSink(sink: ((record: Activity) => void) | undefined, commit?: (seq: number | undefined) => void): void {
    this.sink = sink
    this.commitSink = sink === undefined ? undefined : commit
    this.lastKept = true
    this.sinkFailure = undefined
  }

  /**
   * Before a producer is told its event (whose record is `seq`) was accepted: the sink writes what it kept
   * back, if that record is in it. False when it cannot (`sinkFailure` says why).
   */
  commit(seq?: number): boolean {
    if (this.commitSink === undefined) return true
    try {
      this.commitSink(seq)
      this.sinkFailure = undefined
      return true
    } catch (error) {
      this.failed(error as Error)
      return false
    }
  }

  private toSink(sink: (record: Activity) => void, record: Activity): void {
    try {
      sink(record)
      this.lastKept = true
      // an event's record is what ingress waits on: the log works again when one is kept (with a commit, once it is written)
      if (record.kind === 'event' && this.commitSink === undefined) this.sinkFailure = undefined
    } catch (error) {
      this.lastKept = false
      this.failed(error as Error)
    }
  }

  private failed(error: Error): void {
    if (this.sinkFailure === undefined) this.onSinkFailure?.(error)
    this.sinkFailure = {message: error.message, at: Date.now()}
  }

  /**
   * Keeps a record a previous run of the mesh appended (already numbered, timestamped and in the event log),
   * oldest first: it joins the history and the next record is numbered after it, but no subscriber is
   * called, so that nothing persists it twice. Only before the mesh appends records of its own.
   */
  restore(record: Activity): void {
    if (record.seq < this.nextSeq) return
    if (this.nextSeq === this.firstSeq || record.seq - this.nextSeq >= this.limit) {
      // nothing kept yet, or a gap (records the log could not read) wider than the history: it starts here
      while (this.firstSeq < this.nextSeq) this.dropOldest()
      this.firstSeq = record.seq
    }
    this.nextSeq = record.seq + 1
    this.keep(retainedRecord(record))
  }

  private keep(record: Activity): void {
    // more than one only after a gap in restored records
    while (record.seq - this.firstSeq >= this.limit) this.dropOldest()
    const slot = record.seq % this.limit
    const bytes = recordBytes(record)
    this.records[slot] = record
    this.sizes[slot] = bytes
    this.keptBytes += bytes
    while (this.keptBytes > this.maxBytes && this.firstSeq < record.seq) this.dropOldest()
  }

  private dropOldest(): void {
    const slot = this.firstSeq++ % this.limit
    this.keptBytes -= this.sizes[slot]!
    this.sizes[slot] = 0
    this.records[slot] = undefined
  }

  /** The kept record with this sequence number. */
  get(seq: number): Activity | undefined {
    return seq >= this.firstSeq && seq < this.nextSeq ? this.records[seq % this.limit] : undefined
  }

  /** Kept records with seq >= since, oldest first (restored records may have gaps: those the log could not read). */
  since(since = 0): Activity[] {
    const out: Activity[] = []
    for (let seq = Math.max(since, this.firstSeq); seq < this.nextSeq; seq++) {
      const record = this.records[seq % this.limit]
      if (record !== undefined) out.push(record)
    }
    return out
  }

  subscribe(listener: ActivityListener): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  get subscriberCount(): number {
    return this.listeners.size
  }
}
