// The event log's records on disk: one line each, `<crc32, 8 hex> <JSON>\n`, the JSON being activityToJson's
// (the event in the CloudEvents JSON format), or for an event whose data holds no newline byte
// `<crc32> <JSON>\t<the data's bytes>\n` (format version 2), the JSON then without the data. The JSON has no
// raw tab (JSON escapes control characters in strings, and this codec writes no whitespace), so the line's
// first tab ends it; the checksum covers the JSON, the tab and the data. Data with a newline byte goes in the
// JSON as data_base64, as every event's did in version 1, whose lines read the same. A broker's usual delivery
// to one trigger (its attempt, outcome and settled record, written together) may take one line, read back as
// those records (record-json.ts's joinLogRecord). A line is whole or it is not read: a checksum that does
// not match, text that is not a record, or a last line without its newline (a write cut off by a crash) is
// reported with its offset and skipped.
import {crc32} from 'node:zlib'
import {
  attemptRecord,
  outcomeRecord,
  settledRecord,
  type Activity,
  type ActivityBody,
  type DeliveryTarget,
  type Outcome,
} from '../activity.js'
import {decodeJsonEvent} from '../codec/json.js'
import {ATTEMPT_OUTCOME, ATTEMPT_OUTCOME_SETTLED, logRecordJson, rawLogData} from './record-json.js'

export {joinLogRecord, logRecordJson, rawLogData} from './record-json.js'

/** A record read back, or a line that could not be: `offset` is where the line starts in its file. */
export type LogEntry = {offset: number; record: Activity; problem?: undefined} | {offset: number; problem: string; record?: undefined}

/** The fields a reader can pick records by before the event is decoded (the costly part). */
export interface RecordHead {
  kind: ActivityBody['kind']
  seq: number
  at: string
  arrival?: number
}

/** Every kind of record, so that a kind added to ActivityBody must be added here (the compiler says so). */
const RECORD_KINDS: Record<ActivityBody['kind'], true> = {
  event: true,
  rejected: true,
  'invalid-data': true,
  'not-found': true,
  attempt: true,
  outcome: true,
  settled: true,
  resumed: true,
  handled: true,
}
const KINDS: ReadonlySet<string> = new Set(Object.keys(RECORD_KINDS))
const NEWLINE = 0x0a
const SPACE = 0x20
const TAB = 0x09
const textDecoder = new TextDecoder('utf-8', {fatal: true})

/** The record as one line of the log (UTF-8), newline included. */
export function encodeLogRecord(record: Activity): Buffer {
  const data = rawLogData(record)
  const text = logRecordJson(record, data !== undefined)
  return frameLogLines([text], [Buffer.byteLength(text)], [data])
}

/** The bytes a record's line takes besides its JSON and raw data: the checksum, a space and the newline. */
const LINE_FRAME_BYTES = 10

/** The bytes of a record's line: its JSON's UTF-8 size, the frame, and the tab and bytes of its raw data. */
export function logLineBytes(textBytes: number, data: Uint8Array | undefined): number {
  return textBytes + LINE_FRAME_BYTES + (data === undefined ? 0 : data.byteLength + 1)
}

/**
 * The lines of records given as their JSON texts (logRecordJson's), the UTF-8 size of each and the raw data
 * of each (rawLogData's), in one buffer (`scratch`'s start when it is large enough): each text is encoded
 * once and each data copied once, straight into its line, and its checksum is taken of those bytes.
 */
export function frameLogLines(
  texts: readonly string[],
  textBytes: readonly number[],
  data: readonly (Uint8Array | undefined)[],
  scratch?: Buffer,
): Buffer {
  let total = 0
  for (let i = 0; i < texts.length; i++) total += logLineBytes(textBytes[i]!, data[i])
  // a writer that writes the lines at once can lend a buffer to frame them in, instead of one new buffer a write
  const lines = scratch !== undefined && scratch.byteLength >= total ? scratch.subarray(0, total) : Buffer.allocUnsafe(total)
  let at = 0
  for (let i = 0; i < texts.length; i++) {
    const text = texts[i]!
    const start = at + 9
    let end = start + textBytes[i]!
    // text that is all ASCII (its UTF-8 size is its length) is copied as it is
    lines.write(text, start, textBytes[i]!, end - start === text.length ? 'latin1' : 'utf8')
    const raw = data[i]
    if (raw !== undefined) {
      lines[end] = TAB
      lines.set(raw, end + 1)
      end += 1 + raw.byteLength
    }
    const checksum = crc32(lines.subarray(start, end))
    for (let digit = 0; digit < 8; digit++) lines[at + digit] = HEX_DIGITS[(checksum >>> (28 - 4 * digit)) & 0xf]!
    lines[at + 8] = SPACE
    lines[end] = NEWLINE
    at = end + 1
  }
  return lines
}

const HEX_DIGITS = Buffer.from('0123456789abcdef', 'latin1')

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
): {entries: LogEntry[]; used: number; records: number} {
  const entries: LogEntry[] = []
  let start = 0
  let records = 0
  for (let end = bytes.indexOf(NEWLINE); end >= 0; end = bytes.indexOf(NEWLINE, start)) {
    const line = bytes.subarray(start, end)
    const problem = decodeLogLine(line, offset + start, accept, entries)
    if (problem !== undefined) entries.push({offset: offset + start, problem})
    records += recordsInLine(line)
    start = end + 1
  }
  if (atEnd && start < bytes.byteLength) {
    entries.push({offset: offset + start, problem: `a record cut off by a crash (${bytes.byteLength - start} bytes without a newline)`})
    return {entries, used: bytes.byteLength, records}
  }
  return {entries, used: start, records}
}

const JOINED_HEAD = Buffer.from(`{"kind":"${ATTEMPT_OUTCOME}`, 'latin1')
const JOINED_HEAD_AT = 9
/**
 * How many records a line holds, judged by its first bytes alone (a damaged line's too): three for an
 * attempt+outcome+settled line, two for an attempt+outcome line, else one. `line` may be the line's start alone.
 */
export function recordsInLine(line: Uint8Array): number {
  const end = JOINED_HEAD_AT + JOINED_HEAD.byteLength
  if (line.byteLength <= end || line[JOINED_HEAD_AT + 2] !== 0x6b /* k */) return 1
  for (let i = 0; i < JOINED_HEAD.byteLength; i++) if (line[JOINED_HEAD_AT + i] !== JOINED_HEAD[i]) return 1
  return line[end] === 0x2b /* + */ ? 3 : line[end] === 0x22 /* " */ ? 2 : 1
}

/** The bytes of a line's start that recordsInLine needs. */
export const LINE_HEAD_BYTES = JOINED_HEAD_AT + JOINED_HEAD.byteLength + 1

/** Every delivery target and outcome, so that one added to activity.ts must be added here (the compiler says so). */
const TARGETS: Record<DeliveryTarget, true> = {subscriber: true, reply: true, 'dead-letter-sink': true}
const OUTCOMES: Record<Outcome, true> = {delivered: true, replied: true, 'dead-lettered': true, failed: true}

/**
 * One line (without its newline): its records (two or three for a joined line) go into `entries`, those
 * `accept` turns down left out; or the problem that makes it no record.
 */
function decodeLogLine(
  line: Uint8Array,
  offset: number,
  accept: ((head: RecordHead) => boolean) | undefined,
  entries: LogEntry[],
): string | undefined {
  if (line.byteLength < 10 || line[8] !== SPACE) return 'not a record: no checksum'
  const checksum = hexChecksum(line)
  if (checksum === undefined) return 'not a record: no checksum'
  const body = line.subarray(9)
  if (crc32(body) !== checksum) return 'checksum mismatch: the record was damaged'
  // the first tab ends the JSON: what follows it is an event's data
  const tab = body.indexOf(TAB)
  const json = tab < 0 ? body : body.subarray(0, tab)
  let parsed: unknown
  try {
    parsed = JSON.parse(textDecoder.decode(json))
  } catch (error) {
    return `not JSON: ${(error as Error).message}`
  }
  const head = parsed as Partial<RecordHead> & Record<string, unknown>
  const kind: unknown = head?.kind
  if (kind === ATTEMPT_OUTCOME || kind === ATTEMPT_OUTCOME_SETTLED) {
    const records = tab < 0 ? joinedRecords(head) : undefined
    if (records === undefined) return `not an activity record (kind ${JSON.stringify(head.kind)} without its fields)`
    for (const record of records) if (!accept || accept(record)) entries.push({offset, record})
    return undefined
  }
  if (
    head === null ||
    typeof head !== 'object' ||
    typeof head.kind !== 'string' ||
    !KINDS.has(head.kind) ||
    !Number.isSafeInteger(head.seq) ||
    head.seq! < 1 ||
    typeof head.at !== 'string'
  )
    return `not an activity record (kind ${JSON.stringify(head?.kind)})`
  if (tab >= 0 && head.kind !== 'event') return `not an event record (kind ${JSON.stringify(head.kind)}), yet data after a tab`
  if (accept && !accept(head as RecordHead)) return undefined
  if (head.kind !== 'event') {
    entries.push({offset, record: head as unknown as Activity})
    return undefined
  }
  // the checksum vouches for data_base64, which this codec wrote: it is decoded without the format's checks
  const {data_base64: base64, ...attributes} = (head.event ?? {}) as Record<string, unknown>
  if (tab >= 0 && (base64 !== undefined || attributes.data !== undefined)) return 'an event with data both after a tab and in its JSON'
  const decoded = decodeJsonEvent(attributes)
  if (!decoded.ok) return `the event cannot be read: ${decoded.error}`
  // a copy: the line is a view of a read buffer that is used again
  if (tab >= 0) decoded.event.data = Buffer.from(body.subarray(tab + 1))
  else if (typeof base64 === 'string') decoded.event.data = Buffer.from(base64, 'base64')
  entries.push({offset, record: {...head, event: decoded.event} as unknown as Activity})
  return undefined
}

/** The records of a joined line (record-json.ts's joinLogRecord): its attempt, the outcome, and the settled record. */
function joinedRecords(line: Record<string, unknown>): Activity[] | undefined {
  const {broker, arrival, id, type, source, trigger, target, url, attempt, status, durationMs, outcome, seq, at} = line
  if (
    typeof broker !== 'string' ||
    !Number.isSafeInteger(arrival) ||
    typeof id !== 'string' ||
    typeof type !== 'string' ||
    typeof source !== 'string' ||
    typeof trigger !== 'string' ||
    typeof target !== 'string' ||
    !Object.hasOwn(TARGETS, target) ||
    typeof url !== 'string' ||
    !Number.isSafeInteger(attempt) ||
    (status !== undefined && !Number.isSafeInteger(status)) ||
    typeof durationMs !== 'number' ||
    typeof outcome !== 'string' ||
    !Object.hasOwn(OUTCOMES, outcome) ||
    !Number.isSafeInteger(seq) ||
    (seq as number) < 1 ||
    typeof at !== 'string'
  )
    return undefined
  // the records as the mesh builds them, stamped with their seq and time
  const ref = {broker, arrival: arrival as number, id, type, source}
  const who = {trigger}
  const records = [
    attemptRecord(
      ref,
      who,
      target as DeliveryTarget,
      url,
      attempt as number,
      status as number | undefined,
      undefined,
      durationMs,
      undefined,
    ),
    outcomeRecord(ref, who, {outcome: outcome as Outcome, status: status as number | undefined}),
  ]
  if (line.kind === ATTEMPT_OUTCOME_SETTLED) records.push(settledRecord(ref, {[trigger]: outcome as Outcome}))
  for (let i = 0; i < records.length; i++) {
    records[i]!.seq = (seq as number) + i
    records[i]!.at = at
  }
  return records
}

/** The 8 lower-case hex digits a line starts with, as a number. */
function hexChecksum(line: Uint8Array): number | undefined {
  let value = 0
  for (let i = 0; i < 8; i++) {
    const c = line[i]!
    const digit = c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x61 && c <= 0x66 ? c - 0x57 : -1
    if (digit < 0) return undefined
    value = value * 16 + digit
  }
  return value
}
