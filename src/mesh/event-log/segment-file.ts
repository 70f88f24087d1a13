// Reading a segment of the event log: its lines a chunk at a time (never a whole segment in memory), its
// last record from the end, its count of records (a line's, or two or three for a joined line).
import {closeSync, fstatSync, openSync, readSync} from 'node:fs'
import type {Activity} from '../../core/activity.js'
import {decodeLogLines, LINE_HEAD_BYTES, recordsInLine, type LogEntry, type RecordHead} from '../../core/event-log/codec.js'
import {MAX_BODY_BYTES} from '../bodies.js'

export type Accept = (head: RecordHead) => boolean

const READ_CHUNK_BYTES = 1024 * 1024
/**
 * The longest line a record can take: the largest body ingress accepts, its data as base64 (the longer of the
 * two ways a line holds it, raw being the other), plus the record's own fields. A longer line is damage, and
 * reading never holds more than this of one line.
 */
export const MAX_RECORD_LINE_BYTES = Math.ceil(MAX_BODY_BYTES / 3) * 4 + 1024 * 1024

export interface ScanEnd {
  /** The file's size when the scan began (what it read). */
  size: number
  /** Records in the whole lines read, a damaged line's told by its first bytes as any line's (recordsInLine). */
  records: number
  /** Where a last line without its newline starts. */
  tornAt?: number
  tornProblem?: string
}

/**
 * The entries of one segment, read a chunk at a time up to the size it had when the scan began (a device
 * such as /dev/full never ends). A line longer than MAX_RECORD_LINE_BYTES is damage, skipped unread.
 */
export function* scanSegment(
  file: string,
  accept: Accept | undefined,
  maxLineBytes = MAX_RECORD_LINE_BYTES,
): Generator<LogEntry, ScanEnd | undefined> {
  let fd: number
  try {
    fd = openSync(file, 'r')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined // dropped meanwhile
    throw error
  }
  try {
    const size = fstatSync(fd).size
    const chunk = Buffer.allocUnsafe(Math.min(READ_CHUNK_BYTES, Math.max(size, 1)))
    let pending: Buffer[] = []
    let pendingBytes = 0
    let pendingOffset = 0
    /** Where an over-long line started, while its bytes are skipped. */
    let skippingFrom: number | undefined
    let records = 0
    let position = 0
    while (position < size) {
      const read = readSync(fd, chunk, 0, Math.min(chunk.byteLength, size - position), position)
      if (read === 0) break
      let data = chunk.subarray(0, read)
      let dataOffset = position
      position += read
      if (skippingFrom !== undefined) {
        const newline = data.indexOf(0x0a)
        if (newline < 0) continue
        skippingFrom = undefined
        records++
        data = data.subarray(newline + 1)
        dataOffset += newline + 1
      }
      const lastNewline = data.lastIndexOf(0x0a)
      if (lastNewline < 0) {
        if (pending.length === 0) pendingOffset = dataOffset
        pending.push(Buffer.from(data))
        pendingBytes += data.byteLength
        if (pendingBytes > maxLineBytes) {
          yield {offset: pendingOffset, problem: `a line longer than ${maxLineBytes} bytes, which no record takes`}
          skippingFrom = pendingOffset
          pending = []
          pendingBytes = 0
        }
        continue
      }
      const whole = pending.length ? Buffer.concat([...pending, data.subarray(0, lastNewline + 1)]) : data.subarray(0, lastNewline + 1)
      const wholeOffset = pending.length ? pendingOffset : dataOffset
      const decoded = decodeLogLines(whole, wholeOffset, false, accept)
      records += decoded.records
      const rest = data.subarray(lastNewline + 1)
      pending = rest.byteLength ? [Buffer.from(rest)] : []
      pendingBytes = rest.byteLength
      pendingOffset = dataOffset + lastNewline + 1
      yield* decoded.entries
    }
    if (skippingFrom !== undefined)
      return {size, records, tornAt: skippingFrom, tornProblem: 'a line longer than any record, without a newline'}
    if (pendingBytes > 0)
      return {size, records, tornAt: pendingOffset, tornProblem: `a record cut off by a crash (${pendingBytes} bytes without a newline)`}
    return {size, records}
  } finally {
    closeSync(fd)
  }
}

/** A segment's last record: its last line, read backwards from the end, or the whole file when that line is damaged. */
export function lastRecord(file: string): Activity | undefined {
  let fd: number
  try {
    fd = openSync(file, 'r')
  } catch {
    return undefined
  }
  try {
    const size = fstatSync(fd).size
    // a window twice as large each time: a long last line costs twice its length, not its square
    for (let window = 64 * 1024; window <= 2 * MAX_RECORD_LINE_BYTES; window *= 2) {
      const start = Math.max(0, size - window)
      const tail = Buffer.allocUnsafe(size - start)
      readSync(fd, tail, 0, tail.byteLength, start)
      const end = tail.lastIndexOf(0x0a)
      const lineStart = end <= 0 ? -1 : tail.lastIndexOf(0x0a, end - 1)
      if (start > 0 && lineStart < 0) continue
      if (end < 0) break
      // a joined line's last record is its last
      const record = decodeLogLines(tail.subarray(lineStart + 1, end + 1), start + lineStart + 1, false).entries.at(-1)?.record
      if (record) return record
      break
    }
  } finally {
    closeSync(fd)
  }
  let last: Activity | undefined
  for (const entry of scanSegment(file, undefined)) if (entry.record) last = entry.record
  return last
}

/** The records in a segment's whole lines, told by each line's first bytes (nothing is decoded). */
export function countRecords(file: string): number {
  let fd: number
  try {
    fd = openSync(file, 'r')
  } catch {
    return 0
  }
  try {
    const size = fstatSync(fd).size
    const chunk = Buffer.allocUnsafe(Math.min(READ_CHUNK_BYTES, Math.max(size, 1)))
    /** The first bytes of a line that began in an earlier chunk. */
    const head = Buffer.allocUnsafe(LINE_HEAD_BYTES)
    let headBytes = 0
    let records = 0
    for (let position = 0; position < size;) {
      const read = readSync(fd, chunk, 0, Math.min(chunk.byteLength, size - position), position)
      if (read === 0) break
      const bytes = chunk.subarray(0, read)
      let start = 0
      for (let end = bytes.indexOf(0x0a); end >= 0; end = bytes.indexOf(0x0a, start)) {
        if (headBytes === 0) records += recordsInLine(bytes.subarray(start, Math.min(end, start + LINE_HEAD_BYTES)))
        else {
          const more = bytes.copy(head, headBytes, 0, Math.min(end, LINE_HEAD_BYTES - headBytes))
          records += recordsInLine(head.subarray(0, headBytes + more))
          headBytes = 0
        }
        start = end + 1
      }
      // a line that goes on in the next chunk: its first bytes are kept
      if (start < read && headBytes < LINE_HEAD_BYTES)
        headBytes += bytes.copy(head, headBytes, start, Math.min(read, start + LINE_HEAD_BYTES - headBytes))
      position += read
    }
    return records
  } finally {
    closeSync(fd)
  }
}
