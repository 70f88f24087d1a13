// What `kne dev` prints while it runs. Lines collect and leave in one write at most FLUSH_MS apart (a busy
// mesh appends thousands of records a second: a write each cost a syscall each). While activity comes faster
// than anyone can read, one summary line a second replaces the lines, until the rate drops again.
import type {ChalkInstance} from 'chalk'
import {activityJsonLine, activityToJson, type Activity} from '../core/activity.js'
import {renderActivity, renderActivitySummary, type ActivitySummary} from './render.js'

export interface PrinterTimers {
  now(): number
  setTimeout(run: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
}

export const realTimers: PrinterTimers = {
  now: () => Date.now(),
  setTimeout: (run, ms) => setTimeout(run, ms).unref(),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
}

export interface ActivityPrinterOptions {
  /** Where lines go (stdout). */
  write(text: string): void
  /** Where problems and kne's own log go (stderr); what waits for stdout is written first. */
  writeError(text: string): void
  colors: ChalkInstance
  /** NDJSON: every record, never a summary (scripts count on each one). */
  json?: boolean
  timers?: PrinterTimers
}

/** How long lines wait to leave together. */
export const FLUSH_MS = 10
/** Above this many activity records in a second, a summary line a second replaces them. */
export const READABLE_RECORDS_PER_SECOND = 50
const SUMMARY_WINDOW_MS = 1000
/** Lines waiting are written at once past this size, whatever the timer. */
const MAX_PENDING_BYTES = 1024 * 1024
/** Channel arrivals that are hops of a flow, remembered until they settle (at most this many). */
const MAX_HOPS = 10_000

export class ActivityPrinter {
  private readonly timers: PrinterTimers
  private pending = ''
  private flushTimer: unknown
  private summaryTimer: unknown
  private summarizing = false
  private windowStart = Number.NEGATIVE_INFINITY
  private window: ActivitySummary & {records: number} = emptyWindow()
  /** Arrivals at a channel from inside the mesh (a Sequence's or Parallel's hops): their settling is the first arrival's. */
  private readonly hops = new Set<number>()

  constructor(private readonly options: ActivityPrinterOptions) {
    this.timers = options.timers ?? realTimers
  }

  /** A line of kne's own (start-up, reloads, a service's output). */
  line(text: string): void {
    this.append(`${text}\n`)
  }

  /** A line for stderr: stdout's lines waiting go first, so the two stay in order on a terminal. */
  error(text: string): void {
    this.flush()
    this.options.writeError(`${text}\n`)
  }

  activity(record: Activity): void {
    if (this.options.json) return this.append(activityJsonLine(record))
    const now = this.timers.now()
    if (!this.summarizing && now - this.windowStart >= SUMMARY_WINDOW_MS) this.startWindow(now)
    const w = this.window
    w.records++
    if (record.kind === 'event') {
      if (record.via === 'ingress' && record.from === undefined) w.events++
    } else if (record.kind === 'outcome' || record.kind === 'handled') {
      if (record.outcome === 'dead-lettered') w.deadLettered++
      else if (record.outcome === 'failed') w.failed++
    } else if (record.kind === 'rejected') {
      w.rejected++
    }
    if (this.summarizing) return
    if (w.records > READABLE_RECORDS_PER_SECOND) return this.startSummary()
    if (record.kind === 'event' && record.channel !== undefined && (record.replyTo !== undefined || record.from !== undefined)) {
      if (this.hops.size >= MAX_HOPS) this.hops.delete(this.hops.values().next().value!)
      this.hops.add(record.arrival)
    } else if (record.kind === 'settled' && this.hops.delete(record.arrival)) {
      return
    }
    this.line(renderActivity(activityToJson(record), this.options.colors))
  }

  /** Writes what waits now. */
  flush(): void {
    if (this.flushTimer !== undefined) this.timers.clearTimeout(this.flushTimer)
    this.flushTimer = undefined
    if (this.pending === '') return
    const text = this.pending
    this.pending = ''
    this.options.write(text)
  }

  /** At shutdown: the summary of the last, partial second, then everything that waits. */
  close(): void {
    if (this.summarizing) {
      this.timers.clearTimeout(this.summaryTimer)
      this.summaryTimer = undefined
      this.summarizing = false
      this.printSummary(this.timers.now())
    }
    this.flush()
  }

  private append(text: string): void {
    this.pending += text
    if (this.pending.length > MAX_PENDING_BYTES) this.flush()
    else this.flushTimer ??= this.timers.setTimeout(() => this.flush(), FLUSH_MS)
  }

  private startWindow(now: number): void {
    this.windowStart = now
    this.window = emptyWindow()
  }

  private startSummary(): void {
    this.summarizing = true
    this.line(
      this.options.colors.dim(
        `more than ${READABLE_RECORDS_PER_SECOND} activity records a second: printing a summary each second instead (kne tail to follow every event)`,
      ),
    )
    this.scheduleSummary()
  }

  private scheduleSummary(): void {
    this.summaryTimer = this.timers.setTimeout(
      () => this.endOfSecond(),
      Math.max(0, this.windowStart + SUMMARY_WINDOW_MS - this.timers.now()),
    )
  }

  private endOfSecond(): void {
    this.summaryTimer = undefined
    const now = this.timers.now()
    const busy = this.window.records > READABLE_RECORDS_PER_SECOND
    this.printSummary(now)
    this.startWindow(now)
    if (busy) this.scheduleSummary()
    else {
      this.summarizing = false
      this.line(this.options.colors.dim('activity slowed down: printing every event again'))
    }
    this.flush()
  }

  private printSummary(now: number): void {
    this.line(renderActivitySummary(this.window, now - this.windowStart, new Date(now).toISOString(), this.options.colors))
  }
}

function emptyWindow(): ActivitySummary & {records: number} {
  return {records: 0, events: 0, deadLettered: 0, failed: 0, rejected: 0}
}
