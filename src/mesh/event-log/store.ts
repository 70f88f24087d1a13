// The event log's storage, behind one interface so that another backend (NATS JetStream, a database) can
// replace the file store: append a record, read from a position, query, truncate. A position is the record's
// journal sequence number (Activity.seq): it is global, only grows, and goes on across restarts.
import type {Activity, ActivityBody} from '../../core/activity.js'
import {KneError} from '../../core/errors.js'
import type {PersistSync} from '../../core/project.js'

export interface EventLogOptions {
  /** The log's folder (created when missing; refused when it holds something that is not kne's log). */
  dir: string
  /**
   * `always`: each record is written and fdatasync'd before append returns.
   * `batch` (default): records wait in memory (at most 256 KiB) and are written together: before a producer
   * outside the mesh is answered (`commit`), so a crash of kne (SIGKILL included) loses no event a producer
   * was told was accepted, and at the latest `batchWriteMs` after the first of them was appended. A crash can
   * lose what was not written yet: events no producer had an answer for, and steps of events' paths, whose
   * deliveries are then made again (at-least-once). The file is fdatasync'd at most every `batchSyncMs`
   * (a crash of the machine can lose that much).
   */
  sync?: PersistSync
  batchSyncMs?: number
  batchWriteMs?: number
  /**
   * Bytes of segments kept at most; past it the oldest segments are dropped (default 256 MiB). Bounds apply as
   * records are appended, not on open: what the log holds is there to be restored first.
   */
  maxBytes?: number
  /** Age of the newest record of a segment past which the segment is dropped (default: none). */
  maxAgeMs?: number
  /** A segment is closed and a new one started past this size (default 16 MiB, or an eighth of maxBytes when smaller). */
  segmentBytes?: number
  /** The lowest sequence number that must stay (an event not yet settled): no segment holding it or later is dropped. */
  keepFrom?: () => number | undefined
  /** Problems found while reading (a damaged record, a torn tail), each naming the file and the offset. */
  onDamage?: (damage: LogDamage) => void
  /** The mesh clock, for the age bound (records' `at` are its times). */
  now?: () => number
}

/** A record that could not be read: where, and what was wrong. It is skipped, never fatal. */
export interface LogDamage {
  file: string
  offset: number
  problem: string
}

/** What opening the log found. */
export interface LogOpenReport {
  dir: string
  /** Sequence number of the oldest record kept (`next` when the log is empty). */
  first: number
  /** Sequence number after the newest whole record: the journal goes on from here. */
  next: number
  segments: number
  bytes: number
  damaged: LogDamage[]
}

/** What a bound dropped. */
export interface TruncateReport {
  segments: number
  records: number
  bytes: number
}

/** Records a query picks; every field left out picks all. Times are epoch milliseconds of Activity.at. */
export interface RecordQuery {
  fromSeq?: number
  /** Exclusive. */
  untilSeq?: number
  since?: number
  until?: number
  kinds?: readonly ActivityBody['kind'][]
  arrivals?: ReadonlySet<number>
}

/** What reading a log needs: also what `kne events list --from DIR` opens, without the lock, while kne dev may write. */
export interface EventLogReader {
  readonly dir: string
  readonly opened: LogOpenReport
  /** Sequence number after the newest record appended. */
  readonly next: number
  /** Bytes on disk now, and what the bounds dropped since the log was opened. */
  stats(): {bytes: number; segments: number; records: number; dropped: TruncateReport}
  /** Records with seq >= from (default: the oldest), oldest first; damaged records are skipped (and reported). */
  read(from?: number): Iterable<Activity>
  query(query: RecordQuery): Iterable<Activity>
  close(): void
}

export interface EventLogStore extends EventLogReader {
  /**
   * Keeps one record (its seq and at already stamped by the journal), whole: an event's data is never cut.
   * Throws EventLogWriteError when it cannot be written (a full disk): the mesh then refuses events with 503.
   * In batch mode the record may wait to be written with others: a failure to write it is thrown by the
   * append or commit that tries.
   */
  append(record: Activity): void
  /**
   * Before a producer is answered: writes the records appended and not yet written when the record `seq`
   * (its event's) is among them (default: whenever any is); throws EventLogWriteError when it cannot.
   */
  commit(seq?: number): void
  /** Drops whole segments whose records all have seq < before (never one holding keepFrom()). */
  truncate(before: number): TruncateReport
  /** Writes what waits to be written, and fdatasyncs. */
  flush(): void
}

/** The log cannot keep a record (a full disk, an I/O error): the message names the file and the cause. */
export class EventLogWriteError extends KneError<'EVENT_LOG_WRITE_FAILED'> {
  constructor(
    readonly file: string,
    /** The system's error code (ENOSPC, EIO, ...), or TOO_LARGE. */
    readonly reason: string,
    message: string,
  ) {
    super(message, 'EVENT_LOG_WRITE_FAILED')
    this.name = 'EventLogWriteError'
  }
}
