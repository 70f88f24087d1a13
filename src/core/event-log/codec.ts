// The event log's records on disk: one line each, `<crc32 of the JSON, 8 hex> <JSON>\n`, the JSON being
// activityToJson's (the event in the CloudEvents JSON format). A line is whole or it is not read: a
// checksum that does not match, text that is not a record, or a last line without its newline (a write
// cut off by a crash) is reported with its offset and skipped.
import {crc32} from 'node:zlib'
import type {Activity, ActivityBody} from '../activity.js'
import {isJsonMediaType, type CloudEvent} from '../cloudevent.js'
import {decodeJsonEvent, encodeJsonEvent, rawMemberText} from '../codec/json.js'

/** A record read back, or a line that could not be: `offset` is where the line starts in its file. */
export type LogEntry = {offset: number; record: Activity; problem?: undefined} | {offset: number; problem: string; record?: undefined}

/** The fields a reader can pick records by before the event is decoded (the costly part). */
export interface RecordHead {
  kind: ActivityBody['kind']
  seq: number
  at: string
  arrival?: number
}

const KINDS: ReadonlySet<string> = new Set<ActivityBody['kind']>([
  'event',
  'rejected',
  'not-found',
  'attempt',
  'outcome',
  'settled',
  'handled',
])
const NEWLINE = 0x0a
const SPACE = 0x20
const CR = 0x0d
const textDecoder = new TextDecoder('utf-8', {fatal: true})

/** The record as one line of the log (UTF-8), newline included. */
export function encodeLogRecord(record: Activity): Buffer {
  const json = Buffer.from(recordJson(record))
  const line = Buffer.allocUnsafe(json.byteLength + 10)
  line.write(crc32(json).toString(16).padStart(8, '0'), 0, 'latin1')
  line[8] = SPACE
  json.copy(line, 9)
  line[line.byteLength - 1] = NEWLINE
  return line
}

function recordJson(record: Activity): string {
  if (record.kind !== 'event') return JSON.stringify(record)
  const {event, ...rest} = record
  return `${JSON.stringify(rest).slice(0, -1)},"event":${eventJson(event)}}`
}

/**
 * The event in the JSON format, its data kept byte for byte. JSON data goes embedded when it reads back as
 * the same bytes (not when a line break would end the line, nor when the format trims it or takes it as a
 * string), text as a JSON string unless escaping makes it longer than base64; any other data goes as
 * data_base64, which JSON-format readers take whatever the datacontenttype.
 */
function eventJson(event: CloudEvent): string {
  const data = event.data
  if (data === undefined || data.byteLength === 0) return encodeJsonEvent(event)
  const attributes = (): string => encodeJsonEvent({...event, data: undefined})
  if (event.datacontentencoding === undefined) {
    const text = encodeJsonEvent(event)
    if (isJsonMediaType(event.datacontenttype)) {
      if (!data.includes(NEWLINE) && !data.includes(CR) && sameBytes(rawMemberText(text, 'data'), data)) return text
    } else if (rawMemberText(text, 'datacontentencoding') === undefined) {
      // (a 0.3 event's bytes that are not text get datacontentencoding, which the event did not have)
      const base64Bytes = Math.ceil(data.byteLength / 3) * 4
      const bytes = Buffer.byteLength(text)
      if (bytes <= base64Bytes || bytes <= base64Bytes + Buffer.byteLength(attributes()) + 16) return text
    }
  }
  return `${attributes().slice(0, -1)},"data_base64":"${Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64')}"}`
}

function sameBytes(text: string | undefined, data: Uint8Array): boolean {
  return text !== undefined && Buffer.from(text).equals(data)
}

/**
 * The records in the whole lines of `bytes`, which start at `offset` of their file. Lines `accept` turns
 * down (it sees the record's head before its event is decoded) are left out. `used` is where the last whole
 * line ends; the bytes after it are a record still being written, or, at the end of a file (`atEnd`), one a
 * crash cut off, reported as such.
 */
export function decodeLogLines(
  bytes: Uint8Array,
  offset: number,
  atEnd: boolean,
  accept?: (head: RecordHead) => boolean,
): {entries: LogEntry[]; used: number; lines: number} {
  const entries: LogEntry[] = []
  let start = 0
  let lines = 0
  for (let end = bytes.indexOf(NEWLINE); end >= 0; end = bytes.indexOf(NEWLINE, start)) {
    const entry = decodeLogLine(bytes.subarray(start, end), offset + start, accept)
    if (entry) entries.push(entry)
    lines++
    start = end + 1
  }
  if (atEnd && start < bytes.byteLength) {
    entries.push({offset: offset + start, problem: `a record cut off by a crash (${bytes.byteLength - start} bytes without a newline)`})
    return {entries, used: bytes.byteLength, lines}
  }
  return {entries, used: start, lines}
}

/** One line (without its newline): the record, a problem, or undefined when `accept` turns it down. */
export function decodeLogLine(line: Uint8Array, offset: number, accept?: (head: RecordHead) => boolean): LogEntry | undefined {
  const problem = (text: string): LogEntry => ({offset, problem: text})
  if (line.byteLength < 10 || line[8] !== SPACE) return problem('not a record: no checksum')
  const checksum = String.fromCharCode(...line.subarray(0, 8))
  if (!/^[0-9a-f]{8}$/.test(checksum)) return problem('not a record: no checksum')
  const json = line.subarray(9)
  if (crc32(json) !== Number.parseInt(checksum, 16)) return problem('checksum mismatch: the record was damaged')
  let text: string
  let parsed: unknown
  try {
    text = textDecoder.decode(json)
    parsed = JSON.parse(text)
  } catch (error) {
    return problem(`not JSON: ${(error as Error).message}`)
  }
  const head = parsed as Partial<RecordHead> & Record<string, unknown>
  if (
    head === null ||
    typeof head !== 'object' ||
    typeof head.kind !== 'string' ||
    !KINDS.has(head.kind) ||
    !Number.isSafeInteger(head.seq) ||
    head.seq! < 1 ||
    typeof head.at !== 'string'
  )
    return problem(`not an activity record (kind ${JSON.stringify(head?.kind)})`)
  if (accept && !accept(head as RecordHead)) return undefined
  if (head.kind !== 'event') return {offset, record: head as unknown as Activity}
  const eventJson = head.event as Record<string, unknown> | undefined
  // JSON data is read as the text it was, not parsed and written again
  const rawData = eventJson !== null && typeof eventJson === 'object' && 'data' in eventJson ? rawEventData(text) : undefined
  const decoded = decodeJsonEvent(eventJson, rawData)
  if (!decoded.ok) return problem(`the event cannot be read: ${decoded.error}`)
  return {offset, record: {...head, event: decoded.event} as unknown as Activity}
}

function rawEventData(recordText: string): string | undefined {
  const eventText = rawMemberText(recordText, 'event')
  return eventText === undefined ? undefined : rawMemberText(eventText, 'data')
}
