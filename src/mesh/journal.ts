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
    this.keep(retainedRecord(record))
    for (const listener of this.listeners) listener(record)
    return record
  }

  private keep(record: Activity): void {
    if (record.seq - this.firstSeq >= this.limit) this.dropOldest()
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
    this.records[slot] = undefined
  }

  /** The kept record with this sequence number. */
  get(seq: number): Activity | undefined {
    return seq >= this.firstSeq && seq < this.nextSeq ? this.records[seq % this.limit] : undefined
  }

  /** Kept records with seq >= since, oldest first. */
  since(since = 0): Activity[] {
    const out: Activity[] = []
    for (let seq = Math.max(since, this.firstSeq); seq < this.nextSeq; seq++) out.push(this.records[seq % this.limit]!)
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
