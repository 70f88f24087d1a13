// PingSource (sources.knative.dev/v1): the schedule, timezone and data rules of Knative's webhook
// (pkg/apis/sources/v1/ping_validation.go, §5.2). Cron text is read as robfig/cron reads it with
// SecondOptional: 5 or 6 fields or a descriptor, `@every` refused.
import {Cron} from 'croner'
import {readCeOverrides, readDestination} from './duck.js'
import {readString, type KindContext} from './read.js'
import type {PingSourceSpec} from './types.js'
import type {FieldErrors} from './validate.js'

/** ping_defaults.go: a PingSource without a schedule fires every minute. */
export const DEFAULT_PING_SCHEDULE = '* * * * *'
const DESCRIPTORS = new Set(['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly'])
const NUMERIC_FIELD = /^[0-9*?,/-]+$/
// Months and weekdays may be named (JAN, MON); croner's extensions (L, W, #) are not robfig's.
const NAMED_FIELD = /^(?:[0-9*?,/-]|[A-Za-z]{3}(?![A-Za-z]))+$/

export function readPingSource(ctx: KindContext): PingSourceSpec {
  const {spec, errors, metadata} = ctx
  const schedule = readString(spec, 'schedule', 'spec', errors) || DEFAULT_PING_SCHEDULE
  const ping: PingSourceSpec = {schedule, sink: readDestination(spec.sink, 'spec.sink', metadata.namespace, errors, true) ?? {}}
  for (const key of ['timezone', 'contentType', 'data', 'dataBase64'] as const) {
    const value = readString(spec, key, 'spec', errors)
    if (value) ping[key] = value
  }
  const scheduleProblem = cronProblem(schedule)
  if (scheduleProblem) errors.push({field: 'spec.schedule', message: `invalid value: ${scheduleProblem}`})
  if (ping.timezone !== undefined && !isTimeZone(ping.timezone)) {
    errors.push({
      field: 'spec.timezone',
      message: `invalid value: provided bad location ${ping.timezone}: unknown time zone ${ping.timezone} (use an IANA name such as Europe/Berlin)`,
    })
  }
  checkData(ping, errors)
  const ceOverrides = readCeOverrides(spec.ceOverrides, 'spec.ceOverrides', errors)
  if (ceOverrides) ping.ceOverrides = ceOverrides
  return ping
}

/** Why a cron schedule is refused, in robfig/cron's words where it has them; undefined when it is valid. */
export function cronProblem(schedule: string): string | undefined {
  let text = schedule.trim()
  if (text.includes('@every')) return 'unsupported descriptor @every'
  const tz = /^(?:CRON_TZ|TZ)=(\S+)\s+/.exec(text)
  if (tz) {
    if (!isTimeZone(tz[1]!)) return `provided bad location ${tz[1]}: unknown time zone ${tz[1]}`
    text = text.slice(tz[0].length)
  }
  if (text.startsWith('@')) return DESCRIPTORS.has(text) ? undefined : `unrecognized descriptor: ${text}`
  const fields = text.split(/\s+/)
  if (fields.length !== 5 && fields.length !== 6)
    return `expected 5 to 6 fields, found ${fields.length}: [${fields.join(' ')}] (minute hour day-of-month month day-of-week, optionally seconds first)`
  const named = fields.length - 2 // index of the month field; day-of-week follows it
  for (const [i, field] of fields.entries()) {
    const pattern = i >= named ? NAMED_FIELD : NUMERIC_FIELD
    if (!pattern.test(field))
      return `failed to parse ${JSON.stringify(field)}: only numbers, *, ?, ranges (a-b), steps (/n), lists (a,b)${i >= named ? ' and three-letter names' : ''} are allowed`
  }
  const dayOfWeek = fields[fields.length - 1]!
  // robfig's weekdays are 0-6 (croner also takes 7 for Sunday); a step (/n) is not a weekday
  const tooHigh = dayOfWeek
    .split(',')
    .flatMap((part) => part.split('/')[0]!.split('-'))
    .find((n) => /^\d+$/.test(n) && Number(n) > 6)
  if (tooHigh) return `end of range (${tooHigh}) above maximum (6): ${dayOfWeek}`
  try {
    new Cron(text, {mode: '5-or-6-parts'})
  } catch (error) {
    return (error as Error).message.replace(/^CronPattern: /, '')
  }
  return undefined
}

export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', {timeZone: name})
    return true
  } catch {
    return false
  }
}

// Go's base64.StdEncoding: the standard alphabet with padding (CR and LF are ignored).
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/

function checkData(ping: PingSourceSpec, errors: FieldErrors): void {
  if (ping.data !== undefined && ping.dataBase64 !== undefined) {
    errors.push({field: 'spec.data', message: 'expected exactly one, got both: spec.data, spec.dataBase64'})
    return
  }
  let text = ping.data
  let field = 'spec.data'
  if (ping.dataBase64 !== undefined) {
    field = 'spec.dataBase64'
    const compact = ping.dataBase64.replace(/[\r\n]/g, '')
    if (!BASE64.test(compact)) {
      errors.push({field, message: 'invalid value: illegal base64 data (standard alphabet, padded with =)'})
      return
    }
    text = Buffer.from(compact, 'base64').toString('utf8')
  }
  if (text === undefined || ping.contentType !== 'application/json') return
  const problem = jsonObjectProblem(text)
  if (problem) errors.push({field, message: `invalid value: with contentType application/json the data must be a JSON object: ${problem}`})
}

/** Knative unmarshals JSON data into a map: an object (or null) passes, anything else fails. */
function jsonObjectProblem(text: string): string | undefined {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    return (error as Error).message
  }
  if (value === null || (typeof value === 'object' && !Array.isArray(value))) return undefined
  return `got ${Array.isArray(value) ? 'an array' : `a ${typeof value}`}`
}
