// The JSON of the records every delivered event writes to the event log (its event, an attempt, the outcome
// and the settled record, in the shapes core/activity.ts builds for a broker's usual case), written field by
// field, with the strings that come back on every event (broker, trigger, type, source, URL) quoted once and
// remembered: JSON.stringify of these records was most of the log's cost per event (bench: persist, see
// bench/notes.md). Any other record takes JSON.stringify. Both parse to the same value
// (test/unit/event-log-record-json.test.ts builds each record with activity.ts's builders and compares).
import type {Activity} from '../activity.js'
import type {CloudEvent} from '../cloudevent.js'
import {encodeJsonEvent} from '../codec/json.js'
import {memoize} from '../memo.js'

type Of<K extends Activity['kind']> = Extract<Activity, {kind: K}>

/** A string as JSON, remembered: for strings that repeat from event to event. */
const quoted = memoize((text: string) => JSON.stringify(text), 4096)
/** A string as JSON, for strings that are new with every event (ids, times). */
const fresh = JSON.stringify as (text: string) => string

const NEWLINE = 0x0a

/**
 * The bytes an event record's line carries raw after its JSON (codec.ts): the event's data when it holds no
 * newline byte (which ends a line). Other data goes in the JSON as data_base64; an event without data has none.
 */
export function rawLogData(record: Activity): Buffer | undefined {
  if (record.kind !== 'event') return undefined
  const data = record.event.data
  if (data === undefined) return undefined
  // Buffer's indexOf is native (memchr); Uint8Array's walks the bytes in JavaScript
  const bytes = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength)
  return bytes.indexOf(NEWLINE) < 0 ? bytes : undefined
}

/**
 * The record's JSON, with the event in the JSON format: its data left out when the line carries it raw
 * (`rawData`, rawLogData's answer), else as data_base64.
 */
export function logRecordJson(record: Activity, rawData = rawLogData(record) !== undefined): string {
  switch (record.kind) {
    case 'event':
      return eventRecordJson(record, rawData)
    case 'attempt':
      return isUsualAttempt(record) ? attemptJson(record) : JSON.stringify(record)
    case 'outcome':
      return isUsualOutcome(record) ? outcomeJson(record) : JSON.stringify(record)
    case 'settled':
      return record.channel === undefined && record.broker !== undefined ? settledJson(record, record.broker) : JSON.stringify(record)
    default:
      return JSON.stringify(record)
  }
}

function eventRecordJson(record: Of<'event'>, rawData: boolean): string {
  const {event} = record
  if (
    record.channel !== undefined ||
    record.broker === undefined ||
    record.replyTo !== undefined ||
    record.from !== undefined ||
    record.redelivers !== undefined ||
    record.dataTruncated !== undefined ||
    record.matched === undefined ||
    record.notMatched === undefined
  ) {
    const {event: _event, ...rest} = record
    return `${JSON.stringify(rest).slice(0, -1)},"event":${eventJson(event, rawData)}}`
  }
  return (
    `{"kind":"event","broker":${quoted(record.broker)},"arrival":${record.arrival},"id":${fresh(record.id)},` +
    `"type":${quoted(record.type)},"source":${quoted(record.source)},"via":"${record.via}",` +
    `"matched":${triggerList(record.matched)},"notMatched":${triggerList(record.notMatched)},` +
    `"seq":${record.seq},"at":${fresh(record.at)},"event":${eventJson(event, rawData)}}`
  )
}

function triggerList(keys: readonly string[]): string {
  if (keys.length === 0) return '[]'
  let text = `[${quoted(keys[0]!)}`
  for (let i = 1; i < keys.length; i++) text += `,${quoted(keys[i]!)}`
  return `${text}]`
}

/**
 * The event in the JSON format, its data left out (`rawData`: the line carries it) or as data_base64,
 * whatever its type: the bytes come back exactly (JSON data embedded would be trimmed, lose its line breaks,
 * or be read as a string), and neither costs the check that data is JSON, to write or to read.
 */
function eventJson(event: CloudEvent, rawData: boolean): string {
  const data = rawData ? undefined : event.data
  const base64 = data === undefined ? undefined : Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64')
  if (event.specversion !== '1.0' || event.datacontentencoding !== undefined) {
    const attributes = encodeJsonEvent(event.data === undefined ? event : {...event, data: undefined})
    return base64 === undefined ? attributes : `${attributes.slice(0, -1)},"data_base64":"${base64}"}`
  }
  let text = `{"specversion":"1.0","id":${fresh(event.id)},"source":${quoted(event.source)},"type":${quoted(event.type)}`
  if (event.datacontenttype !== undefined) text += `,"datacontenttype":${quoted(event.datacontenttype)}`
  if (event.dataschema !== undefined) text += `,"dataschema":${quoted(event.dataschema)}`
  if (event.subject !== undefined) text += `,"subject":${fresh(event.subject)}`
  if (event.time !== undefined) text += `,"time":${fresh(event.time)}`
  const extensions = event.extensions
  for (const name of Object.keys(extensions)) {
    const value = extensions[name]
    if (value !== undefined) text += `,${quoted(name)}:${typeof value === 'string' ? fresh(value) : JSON.stringify(value)}`
  }
  return base64 === undefined ? `${text}}` : `${text},"data_base64":"${base64}"}`
}

function isUsualAttempt(r: Of<'attempt'>): r is Of<'attempt'> & {broker: string; trigger: string} {
  return (
    r.channel === undefined &&
    r.broker !== undefined &&
    r.trigger !== undefined &&
    r.error === undefined &&
    r.nextDelayMs === undefined &&
    Number.isFinite(r.durationMs)
  )
}

function attemptJson(r: Of<'attempt'> & {broker: string; trigger: string}): string {
  return (
    `{"kind":"attempt","broker":${quoted(r.broker)},"arrival":${r.arrival},"id":${fresh(r.id)},"type":${quoted(r.type)},` +
    `"source":${quoted(r.source)},"trigger":${quoted(r.trigger)},"target":"${r.target}","url":${quoted(r.url)},` +
    `"attempt":${r.attempt},${r.status === undefined ? '' : `"status":${r.status},`}"durationMs":${r.durationMs},` +
    `"seq":${r.seq},"at":${fresh(r.at)}}`
  )
}

function isUsualOutcome(r: Of<'outcome'>): r is Of<'outcome'> & {broker: string; trigger: string} {
  return (
    r.channel === undefined &&
    r.broker !== undefined &&
    r.trigger !== undefined &&
    r.error === undefined &&
    r.replyArrival === undefined &&
    r.replyDropped === undefined
  )
}

function outcomeJson(r: Of<'outcome'> & {broker: string; trigger: string}): string {
  return (
    `{"kind":"outcome","broker":${quoted(r.broker)},"arrival":${r.arrival},"id":${fresh(r.id)},"type":${quoted(r.type)},` +
    `"source":${quoted(r.source)},"trigger":${quoted(r.trigger)},"outcome":"${r.outcome}",` +
    `${r.status === undefined ? '' : `"status":${r.status},`}"seq":${r.seq},"at":${fresh(r.at)}}`
  )
}

function settledJson(r: Of<'settled'>, broker: string): string {
  let outcomes = ''
  for (const key of Object.keys(r.outcomes)) outcomes += `${outcomes ? ',' : ''}${quoted(key)}:"${r.outcomes[key]}"`
  return (
    `{"kind":"settled","broker":${quoted(broker)},"arrival":${r.arrival},"id":${fresh(r.id)},"type":${quoted(r.type)},` +
    `"source":${quoted(r.source)},"outcomes":{${outcomes}},"seq":${r.seq},"at":${fresh(r.at)}}`
  )
}

/**
 * The kinds of the lines that hold a broker's usual delivery to one trigger in one line (format version 2):
 * its attempt's JSON under the first kind and with `"outcome"` added (the outcome record follows the attempt,
 * at the next seq), and under the second kind the event's settled record too (at the seq after that).
 * codec.ts reads such a line back as those two or three records.
 */
export const ATTEMPT_OUTCOME = 'attempt+outcome'
export const ATTEMPT_OUTCOME_SETTLED = 'attempt+outcome+settled'
const ATTEMPT_HEAD = '{"kind":"attempt"'
const ATTEMPT_OUTCOME_HEAD = `{"kind":"${ATTEMPT_OUTCOME}"`

/**
 * The JSON of one line holding `record` after the records already in `text` (logRecordJson's, or this
 * function's), whose last record is `last`; undefined when `record` takes a line of its own. A line holds a
 * usual attempt, then its outcome when that has the attempt's status, and then the event's settled record
 * when the event went to that trigger alone: at consecutive seqs and at the same time, as a synchronous
 * delivery appends them. Each costs a record's JSON, checksum and frame less than a line of its own, and
 * repeats none of the event's attributes.
 */
export function joinLogRecord(text: string, last: Activity, record: Activity): string | undefined {
  if (record.seq !== last.seq + 1 || record.at !== last.at) return undefined
  if (record.kind === 'outcome' && last.kind === 'attempt') {
    if (
      !isUsualAttempt(last) ||
      !isUsualOutcome(record) ||
      !sameRef(last, record) ||
      record.trigger !== last.trigger ||
      record.status !== last.status ||
      !text.startsWith(ATTEMPT_HEAD)
    )
      return undefined
    return `${ATTEMPT_OUTCOME_HEAD}${text.slice(ATTEMPT_HEAD.length, -1)},"outcome":"${record.outcome}"}`
  }
  if (record.kind === 'settled' && last.kind === 'outcome') {
    if (record.channel !== undefined || !sameRef(last, record) || !text.startsWith(ATTEMPT_OUTCOME_HEAD)) return undefined
    const triggers = Object.keys(record.outcomes)
    const trigger = last.trigger
    if (trigger === undefined || triggers.length !== 1 || triggers[0] !== trigger || record.outcomes[trigger] !== last.outcome)
      return undefined
    return `{"kind":"${ATTEMPT_OUTCOME_SETTLED}"${text.slice(ATTEMPT_OUTCOME_HEAD.length)}`
  }
  return undefined
}

type Ref = {broker?: string; arrival: number; id: string; type: string; source: string}

function sameRef(a: Ref, b: Ref): boolean {
  return a.arrival === b.arrival && a.broker === b.broker && a.id === b.id && a.type === b.type && a.source === b.source
}
