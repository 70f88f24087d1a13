// Events for people: `kne events list`'s table, `kne events show`'s event (attributes, data pretty-printed,
// then its path one line per step, as kne tail prints them, and the trigger explanation) and kne redeliver's lines.
import type {ChalkInstance} from 'chalk'
import type {EventDetail, EventsAnswer, RedeliverAnswer, Redelivery} from '../core/api.js'
import type {EventDelivery, EventSummary} from '../core/event-log/index.js'
import {renderTable, type Table} from '../scaffold/inspect.js'
import {hasControlCharacters, renderActivity} from './render.js'
import {renderArrivalExplanation} from './render-explain.js'

/** ARRIVAL TIME AT TYPE ID DELIVERIES, newest first (as the answer has them). */
export function eventsTable(events: readonly EventSummary[]): Table {
  return {
    headers: ['ARRIVAL', 'TIME', 'AT', 'TYPE', 'ID', 'DELIVERIES'],
    rows: events.map((e) => [String(e.arrival), e.at, arrivedAt(e), e.type, e.id, deliveriesText(e)]),
  }
}

export function renderEventsList(answer: EventsAnswer, noHeaders = false): string[] {
  return renderTable(eventsTable(answer.events), noHeaders)
}

/** What goes under the table, on stderr: more events than shown, or events the index no longer holds. */
export function eventsListNotes(answer: EventsAnswer): string[] {
  const notes: string[] = []
  if (answer.matched > answer.events.length) notes.push(`showing the newest ${answer.events.length} of ${answer.matched} events (--limit)`)
  if (answer.dropped > 0) notes.push(`${answer.dropped} older events are no longer indexed (the index keeps the newest)`)
  if (answer.from === 'history') notes.push("from the mesh's in-memory history (kne dev --persist keeps every event)")
  return notes
}

function arrivedAt(e: {broker?: string; channel?: string}): string {
  return e.channel !== undefined ? `channel ${e.channel}` : (e.broker ?? '-')
}

function deliveryText(d: EventDelivery): string {
  const attempts = d.attempts > 1 ? ` (${d.attempts} attempts)` : ''
  const again = d.redeliveredAs?.length ? ` [redelivered as ${d.redeliveredAs.join(', ')}]` : ''
  return `${d.trigger ?? d.subscription}: ${d.outcome}${attempts}${again}`
}

function deliveriesText(e: EventSummary): string {
  const deliveries =
    e.deliveries.length === 0
      ? e.broker !== undefined && e.settled
        ? 'no trigger matched'
        : '-'
      : e.deliveries.map(deliveryText).join(', ')
  const origin = e.redelivers ? ` [redelivery of ${e.redelivers.arrival}]` : e.replyTo ? ` [reply to ${e.replyTo.arrival}]` : ''
  return `${deliveries}${origin}`
}

/** What a log folder read offline could not read: one line per damaged record shown, and how many in all. */
export function damageNotes(damage: {damaged: number; first: {file: string; offset: number; problem: string}[]} | undefined): string[] {
  if (damage === undefined) return []
  const lines = damage.first.map((d) => `skipped a damaged record: ${d.file} at byte ${d.offset}: ${d.problem}`)
  if (damage.damaged > damage.first.length) lines.push(`… and ${damage.damaged - damage.first.length} more damaged records`)
  return lines
}

/** One arrival: a heading, the attributes, the data, the path and the explanation. */
export function renderEventDetail(detail: EventDetail, c: ChalkInstance): string[] {
  const s = detail.summary
  const lines = [c.bold(`arrival ${s.arrival}: ${s.type} id=${s.id} at ${arrivedAt(s)}, ${s.at}`)]
  if (s.redelivers) lines.push(`  redelivers arrival ${s.redelivers.arrival} to ${s.redelivers.trigger ?? s.redelivers.subscription}`)
  if (s.replyTo) lines.push(`  reply to arrival ${s.replyTo.arrival} (${s.replyTo.trigger ?? s.replyTo.subscription})`)
  if (s.from) lines.push(`  from arrival ${s.from.arrival} (${s.from.trigger ?? s.from.subscription})`)
  for (const d of s.deliveries) lines.push(`  ${deliveryText(d)}`)
  if (detail.event === undefined) lines.push(c.dim('  (the event itself is no longer kept)'))
  else lines.push(...renderEvent(detail, c))
  lines.push(c.bold('path:'))
  lines.push(...detail.path.map((record) => renderActivity(record, c)))
  if (detail.explanation) {
    lines.push(c.bold('triggers now:'))
    lines.push(...renderArrivalExplanation(detail.explanation, c))
  }
  return lines
}

function renderEvent(detail: EventDetail, c: ChalkInstance): string[] {
  const {data, data_base64: base64, ...attributes} = detail.event!
  const lines = [c.bold('attributes:'), ...Object.entries(attributes).map(([name, value]) => `  ${name}: ${String(value)}`)]
  if (data === undefined && base64 === undefined) return lines
  lines.push(c.bold('data:'))
  if (typeof base64 === 'string') {
    const bytes = Buffer.from(base64, 'base64')
    const text = bytes.toString('utf8')
    lines.push(!text.includes('\uFFFD') && !hasControlCharacters(text) ? indent(text) : c.dim(`  <${bytes.length} bytes of binary data>`))
  } else {
    lines.push(indent(typeof data === 'string' ? data : JSON.stringify(data, null, 2)))
  }
  if (detail.dataTruncated)
    lines.push(c.yellow(`  … (the history kept the start of ${detail.dataBytes} bytes; kne dev --persist keeps events whole)`))
  return lines
}

function indent(text: string): string {
  return `  ${text.replace(/\n/g, '\n  ')}`
}

/** One line per delivery considered: sent again, would be, skipped and why, or could not be. */
export function renderRedeliveries(answer: RedeliverAnswer, c: ChalkInstance): string[] {
  const lines = answer.redeliveries.map((r) => `${verdict(r, answer.dryRun, c)} ${describe(r)}${detailOf(r, c)}`)
  for (const key of answer.notFound) lines.push(`${c.red('not found')} ${key}: no event with that arrival number or id`)
  if (answer.redeliveries.length === 0 && answer.notFound.length === 0) lines.push('Nothing to redeliver.')
  return lines
}

function describe(r: Redelivery): string {
  return `event ${r.id} (arrival ${r.arrival}, ${r.outcome}) to ${r.trigger !== undefined ? `trigger ${r.trigger}` : `subscription ${r.subscription}`}`
}

function verdict(r: Redelivery, dryRun: boolean, c: ChalkInstance): string {
  if (r.skipped !== undefined) return c.dim('skipped')
  if (r.error !== undefined) return c.red('not sent')
  return dryRun ? c.yellow('would redeliver') : c.green('redelivered')
}

function detailOf(r: Redelivery, c: ChalkInstance): string {
  if (r.skipped !== undefined) return c.dim(`: ${r.skipped}`)
  if (r.error !== undefined) return `: ${r.error}${r.status !== undefined ? ` (${r.status})` : ''}`
  return r.redelivery !== undefined ? ` as arrival ${r.redelivery}` : ''
}

/** Deliveries that were meant to go again and could not. */
export function failedRedeliveries(answer: RedeliverAnswer): Redelivery[] {
  return answer.redeliveries.filter((r) => r.error !== undefined)
}
