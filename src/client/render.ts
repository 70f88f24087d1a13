// Human-readable lines for activity records: one line per event, per delivery attempt and per outcome.
// An event's hops through channels (a Sequence's steps, a Parallel's branches) show where each came from.
// Colour only on a TTY, never when NO_COLOR is set.
import {Chalk, type ChalkInstance} from 'chalk'
import {MAX_RETAINED_DATA_BYTES, notFoundMessage, type ActivityJson, type Subscriber} from '../core/activity.js'
import {eventToJsonObject} from '../core/codec/json.js'
import {formatBytes} from '../core/quantity.js'
import {formatViolation} from '../core/registry/violations.js'
import type {SinkRequest} from '../mesh/sink.js'

export function colors(stream: NodeJS.WriteStream = process.stdout, env: NodeJS.ProcessEnv = process.env): ChalkInstance {
  const enabled = stream.isTTY === true && (env.NO_COLOR === undefined || env.NO_COLOR === '')
  return new Chalk({level: enabled ? 1 : 0})
}

function clock(at: string): string {
  return at.slice(11, 23)
}

/** A wait or duration for people: `0 ms`, `200 ms`, `1.6 s`, `1 m 42.4 s`, `2 h 5 m`, `25 d 0 h`. */
export function formatMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`
  const seconds = Math.round(ms / 100) / 10
  if (seconds < 60) return `${seconds} s`
  if (seconds < 3600) {
    const minutes = Math.floor(seconds / 60)
    return `${minutes} m ${Math.round((seconds - minutes * 60) * 10) / 10} s`
  }
  // past an hour the seconds no longer matter to anyone waiting
  const minutes = Math.round(seconds / 60)
  if (minutes < 24 * 60) return `${Math.floor(minutes / 60)} h ${minutes % 60} m`
  const hours = Math.round(minutes / 60)
  return `${Math.floor(hours / 24)} d ${hours % 24} h`
}

/** Where an event arrived: a broker as `namespace/name`, a channel as `channel namespace/name`. */
function arrivedAt(record: {broker?: string; channel?: string}): string | undefined {
  return record.channel !== undefined ? `channel ${record.channel}` : record.broker
}

/** A trigger or a subscription, by its `namespace/name`. */
function subscriberName(who: Subscriber | undefined): string {
  return who?.trigger ?? who?.subscription ?? '?'
}

/** A delivery in flight or lost, for people: `event ID (arrival N) on WHERE for trigger|subscription NAME`. */
export function describeDelivery(d: Subscriber & {arrival: number; id: string; broker?: string; channel?: string}): string {
  const who = d.trigger !== undefined ? `trigger ${d.trigger}` : `subscription ${d.subscription}`
  return `event ${d.id} (arrival ${d.arrival}) on ${arrivedAt(d)} for ${who}`
}

/** What became of a delivery a stop left unfinished: kept for the next start (an event log), or failed. */
export function unfinishedFate(resumable: boolean): string {
  return resumable ? 'left in the event log: the next kne dev --persist resumes it' : 'marked failed'
}

export function renderActivity(record: ActivityJson, c: ChalkInstance): string {
  const t = c.dim(clock(record.at))
  switch (record.kind) {
    case 'event': {
      const via =
        record.via === 'reply'
          ? c.magenta(` reply from ${subscriberName(record.replyTo)}`)
          : record.from
            ? c.magenta(` ${record.from.target === 'dead-letter-sink' ? 'dead-lettered by' : 'from'} ${subscriberName(record.from)}`)
            : record.redelivers
              ? c.magenta(` redelivery of arrival ${record.redelivers.arrival} to ${subscriberName(record.redelivers)}`)
              : ''
      const truncated = record.dataTruncated
        ? c.dim(` (data ${formatBytes(record.dataBytes ?? 0)}: the history kept the first ${formatBytes(MAX_RETAINED_DATA_BYTES)})`)
        : ''
      const arrived = `${t} ${c.bold(arrivedAt(record))} ${c.cyan('←')} ${c.bold(record.type)} id=${record.id} source=${record.source}${via}${truncated}`
      if (record.matched === undefined) return arrived
      const notMatched = record.notMatched ?? []
      if (record.matched.length === 0)
        return `${arrived}\n${t}   ${c.yellow('no trigger matched')}${notMatched.length ? c.dim(` (filtered out by ${notMatched.join(', ')})`) : ''}`
      return `${arrived}\n${t}   matched ${record.matched.join(', ')}${notMatched.length ? c.dim(` (not: ${notMatched.join(', ')})`) : ''}`
    }
    case 'rejected':
      return `${t} ${c.bold(arrivedAt(record) ?? '-')} ${c.red(`✗ rejected ${record.status}`)}: ${record.error}`
    case 'invalid-data': {
      const more = record.total > record.violations.length ? c.dim(` (and ${record.total - record.violations.length} more)`) : ''
      const lines = record.violations.map((v) => `${t}   ${c.yellow('!')} ${formatViolation(v)}`).join('\n')
      return `${t} ${c.bold(arrivedAt(record) ?? '-')} ${c.yellow('⚠ data does not match the schema of')} ${c.bold(record.type)} id=${record.id}${more}\n${lines}`
    }
    case 'not-found':
      return `${t} ${c.bold(record.path)} ${c.red('✗ not found 404')}: ${notFoundMessage(record)}${record.type === undefined ? '' : c.dim(` (${record.type} id=${record.id})`)}`
    case 'attempt': {
      const ok = record.status !== undefined && record.status >= 200 && record.status < 300
      // a subscriber that does not resolve (no URL) is not called: the outcome line gives the reason, once per event
      const called = record.url !== ''
      const result = !called ? 'not Ready' : record.status !== undefined ? `HTTP ${record.status}` : (record.error ?? 'no response')
      const target = record.target === 'subscriber' ? '' : ` ${record.target}`
      const next = record.nextDelayMs !== undefined ? c.yellow(`, retry in ${formatMs(record.nextDelayMs)}`) : ''
      const detail = record.error && record.status !== undefined && called ? c.dim(` (${record.error})`) : ''
      return `${t}   ${ok ? c.green('→') : c.red('→')} ${subscriberName(record)}${target} attempt ${record.attempt}: ${ok ? c.green(result) : c.red(result)}${detail}${called ? ` in ${record.durationMs} ms` : ''}${next}`
    }
    case 'outcome': {
      const color = record.outcome === 'failed' ? c.red : record.outcome === 'dead-lettered' ? c.yellow : c.green
      // the error names the final status already; without one (a failure with no detail) the status says it
      const status =
        record.status !== undefined && !record.error && record.outcome !== 'delivered' && record.outcome !== 'replied'
          ? ` HTTP ${record.status}`
          : ''
      const detail = record.error
        ? c.dim(` (${record.error})`)
        : record.replyDropped
          ? c.dim(' (reply dropped: the subscription has no reply)')
          : ''
      return `${t}   ${color(record.outcome)} ${subscriberName(record)} id=${record.id}${status}${detail}`
    }
    case 'resumed': {
      // the event's own line is from the run before the restart: this one names the event again
      const target = record.target === 'subscriber' ? '' : ` ${record.target}`
      const when = record.waitMs > 0 ? ` in ${formatMs(record.waitMs)}` : ' now'
      const repeat = record.mayRepeat ? c.dim(' (the previous run may have sent it already: it may arrive twice)') : ''
      return `${t}   ${c.yellow('↻')} ${subscriberName(record)}${target} id=${record.id} resumed after a restart: attempt ${record.attempt}${when}${repeat}`
    }
    case 'settled':
      return `${t}   ${c.dim(`settled ${record.type} id=${record.id}`)}`
    case 'handled': {
      const color = record.outcome === 'failed' ? c.red : record.outcome === 'dead-lettered' ? c.yellow : c.green
      const event = record.type === undefined ? c.red('not a CloudEvent') : `${c.bold(record.type)} id=${record.id} source=${record.source}`
      const detail = record.error ? c.dim(` (${record.error})`) : ''
      return `${t} ${c.bold(record.resource)} ${c.cyan('←')} ${event}\n${t}   ${color(record.outcome)} ${record.summary}${detail}`
    }
  }
}

/** What a second of activity came to: events accepted from outside, and the deliveries that went wrong. */
export interface ActivitySummary {
  events: number
  deadLettered: number
  failed: number
  rejected: number
}

/** One line for a busy second: `1,240 events/s, 3 dead-lettered — kne tail to follow`. */
export function renderActivitySummary(summary: ActivitySummary, elapsedMs: number, at: string, c: ChalkInstance): string {
  const count = (n: number): string => n.toLocaleString('en-US')
  const rate = Math.round((summary.events * 1000) / Math.max(elapsedMs, 1))
  const problems = [
    summary.deadLettered > 0 ? c.yellow(`${count(summary.deadLettered)} dead-lettered`) : '',
    summary.failed > 0 ? c.red(`${count(summary.failed)} failed`) : '',
    summary.rejected > 0 ? c.red(`${count(summary.rejected)} rejected`) : '',
  ].filter((p) => p !== '')
  return `${c.dim(clock(at))} ${[`${count(rate)} events/s`, ...problems].join(', ')} ${c.dim('— kne tail to follow')}`
}

/** What `kne sink --json` prints for a request: the answer and the event in the CloudEvents JSON format. */
export function sinkRequestToJson(request: SinkRequest): Record<string, unknown> {
  const {event, answer, ...rest} = request
  const {reply, ...answered} = answer
  return {
    kind: 'received',
    ...rest,
    ...(event ? {event: eventToJsonObject(event)} : {}),
    answer: {...answered, ...(reply ? {reply: eventToJsonObject(reply)} : {})},
  }
}

const DATA_PREVIEW_BYTES = 4096

/** A received request for people: a header line with the answer, the other attributes, then the data. */
export function renderSinkRequest(request: SinkRequest, c: ChalkInstance): string[] {
  const {answer, event} = request
  const ok = answer.status >= 200 && answer.status < 300
  const retryAfter = answer.retryAfter === undefined ? '' : ` Retry-After ${answer.retryAfter}`
  const answered = (ok ? c.green : c.red)(`→ ${answer.status}${retryAfter}`)
  const t = c.dim(clock(request.at))
  if (!event) return [`${t} #${request.n} ${c.red('not a CloudEvent')} ${answered} ${c.dim(request.error ?? '')}`]
  const lines = [
    `${t} #${request.n} ${c.cyan('←')} ${c.bold(event.type)} id=${event.id} source=${event.source} ${c.dim(`(${request.mode})`)} ${answered} ${c.dim(answer.reason)}`,
  ]
  const attributes: string[] = []
  if (event.subject !== undefined) attributes.push(`subject=${event.subject}`)
  if (event.time !== undefined) attributes.push(`time=${event.time}`)
  if (event.datacontenttype !== undefined) attributes.push(`datacontenttype=${event.datacontenttype}`)
  if (event.dataschema !== undefined) attributes.push(`dataschema=${event.dataschema}`)
  for (const [name, value] of Object.entries(event.extensions)) attributes.push(`${name}=${String(value)}`)
  for (const [name, value] of Object.entries(request.headers)) attributes.push(c.dim(`${name}: ${value}`))
  if (attributes.length > 0) lines.push(`    ${attributes.join('  ')}`)
  if (event.data !== undefined && event.data.length > 0) {
    const bytes = Buffer.from(event.data.buffer, event.data.byteOffset, event.data.byteLength)
    const text = bytes.subarray(0, DATA_PREVIEW_BYTES).toString('utf8')
    const printable = !text.includes('\uFFFD') && !hasControlCharacters(text)
    const more = bytes.length > DATA_PREVIEW_BYTES ? c.dim(` … (${bytes.length} bytes)`) : ''
    lines.push(printable ? `    ${text.replace(/\n/g, '\n    ')}${more}` : c.dim(`    <${bytes.length} bytes of binary data>`))
  }
  if (answer.reply) lines.push(`    ${c.magenta('reply')} ${answer.reply.type} id=${answer.reply.id}`)
  return lines
}

/** C0 control characters other than tab, newline, vertical tab, form feed and carriage return: text that is not for a terminal. */
export function hasControlCharacters(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i)
    if (code <= 0x08 || (code >= 0x0e && code <= 0x1f)) return true
  }
  return false
}
