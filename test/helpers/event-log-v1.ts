// Version 1 of the event log's format, written by the tests themselves: what a kne before version 2 wrote,
// so that a newer kne is seen to read and go on with such a log. A line is `<crc32, 8 hex> <JSON>\n`, the
// JSON being the record with its event in the CloudEvents JSON format and the event's data, whatever it
// holds, as data_base64.
import {writeFileSync, mkdirSync} from 'node:fs'
import {join} from 'node:path'
import {crc32} from 'node:zlib'
import type {Activity} from '../../src/core/activity.js'
import {encodeJsonEvent} from '../../src/core/codec/json.js'

/** The record as version 1's JSON (parsed): its event's data as data_base64. */
export function v1RecordJson(record: Activity): Record<string, unknown> {
  if (record.kind !== 'event') return JSON.parse(JSON.stringify(record)) as Record<string, unknown>
  const {event, ...rest} = record
  const attributes = JSON.parse(encodeJsonEvent({...event, data: undefined})) as Record<string, unknown>
  if (event.data !== undefined) attributes.data_base64 = Buffer.from(event.data).toString('base64')
  return {...(JSON.parse(JSON.stringify(rest)) as Record<string, unknown>), event: attributes}
}

/** The record as one line of version 1. */
export function v1LogLine(record: Activity): Buffer {
  const json = Buffer.from(JSON.stringify(v1RecordJson(record)))
  return Buffer.concat([Buffer.from(`${crc32(json).toString(16).padStart(8, '0')} `), json, Buffer.from('\n')])
}

/** A log folder as version 1 left it: its marker, and one segment holding the records (from the first's seq). */
export function writeV1Folder(dir: string, records: readonly Activity[]): string {
  mkdirSync(join(dir, 'segments'), {recursive: true})
  writeFileSync(join(dir, 'kne-event-log.json'), '{"format":"kne-event-log","version":1}\n')
  const segment = join(dir, 'segments', `${String(records[0]!.seq).padStart(20, '0')}.log`)
  writeFileSync(segment, Buffer.concat(records.map(v1LogLine)))
  return segment
}
