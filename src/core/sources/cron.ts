// PingSource schedules as Knative reads them (semantics §5.2): robfig/cron with optional seconds and
// descriptors, `CRON_TZ=` or spec.timezone for the zone, computed with croner. Validation is the
// resource model's (cronProblem); this turns a valid schedule into fire times.
import {Cron} from 'croner'
import {cronProblem} from '../resources/ping.js'

/** robfig/cron's descriptors as 6-field patterns (`@every` is refused by Knative). */
const DESCRIPTORS: Record<string, string> = {
  '@yearly': '0 0 0 1 1 *',
  '@annually': '0 0 0 1 1 *',
  '@monthly': '0 0 0 1 * *',
  '@weekly': '0 0 0 * * 0',
  '@daily': '0 0 0 * * *',
  '@midnight': '0 0 0 * * *',
  '@hourly': '0 0 * * * *',
}

/** The zone of a PingSource without spec.timezone: UTC, as in Knative's adapter image. */
export const DEFAULT_PING_TIMEZONE = 'UTC'

export interface PingSchedule {
  /** The schedule as written. */
  text: string
  timezone: string
  /** The first fire time strictly after `afterMs`; undefined when the schedule never fires again. */
  next(afterMs: number): number | undefined
}

export type ScheduleResult = {ok: true; schedule: PingSchedule} | {ok: false; error: string}

export function compileSchedule(schedule: string, timezone?: string): ScheduleResult {
  const problem = cronProblem(schedule)
  if (problem) return {ok: false, error: problem}
  let text = schedule.trim()
  let zone = timezone
  const prefix = /^(?:CRON_TZ|TZ)=(\S+)\s+/.exec(text)
  if (prefix) {
    // Knative prepends CRON_TZ=<spec.timezone>; robfig then reads the first prefix
    zone = timezone ?? prefix[1]
    text = text.slice(prefix[0].length)
  }
  // robfig reads `?` as `*`; croner would put the current time in its place
  const pattern =
    DESCRIPTORS[text] ??
    text
      .split(/\s+/)
      .map((field) => field.replaceAll('?', '*'))
      .join(' ')
  let cron: Cron
  try {
    cron = new Cron(pattern, {mode: '5-or-6-parts', timezone: zone ?? DEFAULT_PING_TIMEZONE, domAndDow: false})
  } catch (error) {
    return {ok: false, error: (error as Error).message}
  }
  return {
    ok: true,
    schedule: {
      text: schedule,
      timezone: zone ?? DEFAULT_PING_TIMEZONE,
      // no callback was given, so croner sets no timer: the caller schedules on its own clock
      next: (afterMs) => cron.nextRun(new Date(afterMs))?.getTime(),
    },
  }
}
