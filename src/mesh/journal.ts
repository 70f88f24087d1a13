// A bounded in-memory history of activity records with live subscribers. Records are numbered so that a
// stream can resume from a sequence number and a subscriber can tell it missed nothing.
import type {Activity} from '../core/activity.js'
import {isoTime} from '../core/memo.js'
import type {Clock} from './clock.js'

export type ActivityListener = (record: Activity) => void

export const DEFAULT_HISTORY_LIMIT = 5000

export class Journal {
  private readonly records: (Activity | undefined)[]
  private nextSeq = 1
  private readonly listeners = new Set<ActivityListener>()

  constructor(private readonly clock: Clock, readonly limit = DEFAULT_HISTORY_LIMIT) {
    this.records = new Array<Activity | undefined>(Math.max(1, limit))
  }

  /** Sequence number the next record will get. */
  get next(): number {
    return this.nextSeq
  }

  /**
   * Records an activity, built by one of core/activity.ts's record builders: it is numbered and timestamped
   * in place (not copied), so pass a fresh record and do not reuse it.
   */
  append(record: Activity): Activity {
    record.seq = this.nextSeq++
    record.at = isoTime(this.clock.now())
    this.records[record.seq % this.records.length] = record
    for (const listener of this.listeners) listener(record)
    return record
  }

  /** Retained records with seq >= since, oldest first. */
  since(since = 0): Activity[] {
    const first = Math.max(since, this.nextSeq - this.records.length, 1)
    const out: Activity[] = []
    for (let seq = first; seq < this.nextSeq; seq++) {
      const record = this.records[seq % this.records.length]
      if (record?.seq === seq) out.push(record)
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
