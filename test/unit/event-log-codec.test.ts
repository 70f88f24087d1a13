// The event log's line format: every record kind reads back as it was written, an event with its data
// byte for byte (raw after a tab, or as data_base64 when it holds a newline byte), lines of version 1 read as
// before, a broker's usual delivery (attempt, outcome, settled) reads back from one line as the same three
// records, and a line that is damaged or cut off is reported where it starts and skipped.
import {crc32} from 'node:zlib'
import {describe, expect, it} from 'vitest'
import {
  attemptRecord,
  eventRecord,
  handledRecord,
  notFoundRecord,
  outcomeRecord,
  rejectedRecord,
  resumedRecord,
  settledRecord,
  type Activity,
} from '../../src/core/activity.js'
import type {CloudEvent} from '../../src/core/cloudevent.js'
import {
  decodeLogLines,
  encodeLogRecord,
  frameLogLines,
  joinLogRecord,
  logRecordJson,
  recordsInLine,
} from '../../src/core/event-log/codec.js'
import {v1LogLine} from '../helpers/event-log-v1.js'

const ref = {broker: 'shop/default', arrival: 7, id: 'e-7', type: 'com.example.order', source: '/shop'}
const text = new TextEncoder()

function stamped(record: Activity, seq: number): Activity {
  record.seq = seq
  record.at = new Date(Date.UTC(2026, 11, 4, 12, 0, seq)).toISOString()
  return record
}

function eventWith(data: Uint8Array | undefined, attributes: Partial<CloudEvent> = {}): Activity {
  const event: CloudEvent = {specversion: '1.0', id: 'e-7', source: '/shop', type: 'com.example.order', extensions: {}, data, ...attributes}
  return stamped(eventRecord(ref, 'ingress', undefined, undefined, {matched: ['shop/t1'], notMatched: []}, event), 1)
}

function roundTrip(records: Activity[]): Activity[] {
  const bytes = Buffer.concat(records.map(encodeLogRecord))
  const {entries, used} = decodeLogLines(bytes, 0, true)
  expect(entries.filter((e) => e.problem)).toEqual([])
  expect(used).toBe(bytes.byteLength)
  return entries.map((e) => e.record!)
}

function dataOf(record: Activity): Buffer | undefined {
  if (record.kind !== 'event') throw new Error('not an event record')
  const data = record.event.data
  return data === undefined ? undefined : Buffer.from(data)
}

describe('event log records', () => {
  it('reads back every kind of record', () => {
    const records = [
      eventWith(text.encode('{"order":1}'), {datacontenttype: 'application/json', extensions: {tenant: 'a', priority: 3, urgent: true}}),
      stamped(rejectedRecord({broker: 'shop/default'}, 400, 'not a CloudEvent', 'ingress'), 2),
      stamped(notFoundRecord('/shop/defualt', 'broker shop/defualt not found', ['shop/default'], undefined), 3),
      stamped(attemptRecord(ref, {trigger: 'shop/t1'}, 'subscriber', 'http://127.0.0.1:1/', 1, 503, 'Service Unavailable', 12, 200), 4),
      stamped(outcomeRecord(ref, {trigger: 'shop/t1'}, {outcome: 'dead-lettered', status: 503, error: 'Service Unavailable'}), 5),
      stamped(settledRecord(ref, {'shop/t1': 'dead-lettered'}), 6),
      stamped(handledRecord('EventTransform shop/tx', ref, {status: 200, outcome: 'replied', summary: 'transformed'}), 7),
      stamped(resumedRecord(ref, {trigger: 'shop/t1'}, {target: 'subscriber', attempt: 3, waitMs: 150, mayRepeat: true}), 8),
    ]
    const back = roundTrip(records)
    expect(back.map((r) => [r.kind, r.seq, r.at])).toEqual(records.map((r) => [r.kind, r.seq, r.at]))
    expect(back.slice(1)).toEqual(records.slice(1))
    const event = back[0]!
    expect(event).toMatchObject({kind: 'event', arrival: 7, matched: ['shop/t1'], notMatched: []})
    expect(event.kind === 'event' && event.event.extensions).toEqual({tenant: 'a', priority: 3, urgent: true})
  })

  it.each([
    ['binary data', new Uint8Array([0, 1, 2, 0xff, 0xfe, 0x0a, 0x0d]), 'application/octet-stream'],
    ['non-ASCII text', text.encode('Grüße, 東京 🚀\nzweite Zeile'), 'text/plain; charset=utf-8'],
    ['non-ASCII JSON', text.encode('{"city":"東京","emoji":"🚀"}'), 'application/json'],
    ['pretty-printed JSON (line breaks)', text.encode('{\n  "order": 1,\r\n  "items": [1, 2]\n}\n'), 'application/json'],
    ['JSON with spaces around it', text.encode('  {"order":1}  '), 'application/cloudevents+json'],
    ['JSON-typed data that is not JSON', text.encode('not json'), 'application/json'],
    ['JSON text that is a string', text.encode('"just a string"'), 'application/json'],
    ['text that escaping would blow up', new Uint8Array(3000).fill(1), 'text/plain'],
    ['no datacontenttype (JSON implied)', text.encode('[1,2,3]'), undefined],
  ])('keeps %s byte for byte', (_name, data, datacontenttype) => {
    const record = eventWith(data, {datacontenttype})
    const back = roundTrip([record])[0]!
    expect(dataOf(back)!.equals(Buffer.from(data))).toBe(true)
    expect(back.kind === 'event' && back.event.datacontenttype).toBe(datacontenttype)
    expect(encodeLogRecord(record).indexOf(0x0a)).toBe(encodeLogRecord(record).byteLength - 1)
  })

  it('keeps a 0.3 event, its bytes and its attributes', () => {
    const data = new Uint8Array([0xc3, 0x28, 0x00])
    const back = roundTrip([eventWith(data, {specversion: '0.3', datacontenttype: 'text/plain', dataschema: 'https://example.com/s'})])[0]!
    expect(back.kind === 'event' && back.event).toMatchObject({
      specversion: '0.3',
      dataschema: 'https://example.com/s',
      datacontenttype: 'text/plain',
    })
    expect(back.kind === 'event' && back.event.datacontentencoding).toBeUndefined()
    expect(dataOf(back)!.equals(Buffer.from(data))).toBe(true)
  })

  it('keeps a 0.3 event that came with datacontentencoding base64', () => {
    const data = new Uint8Array([1, 2, 3, 0xff])
    const back = roundTrip([
      eventWith(data, {specversion: '0.3', datacontenttype: 'application/octet-stream', datacontentencoding: 'base64'}),
    ])[0]!
    expect(back.kind === 'event' && back.event.datacontentencoding).toBe('base64')
    expect(dataOf(back)!.equals(Buffer.from(data))).toBe(true)
  })

  it('keeps an event without data without data, and empty data empty', () => {
    const [none, empty] = roundTrip([eventWith(undefined), eventWith(new Uint8Array(0), {datacontenttype: 'text/plain'})])
    expect(dataOf(none!)).toBeUndefined()
    expect(dataOf(empty!)).toEqual(Buffer.alloc(0))
    expect(encodeLogRecord(eventWith(undefined)).includes(0x09)).toBe(false)
    expect(
      encodeLogRecord(eventWith(new Uint8Array(0)))
        .subarray(-2)
        .toString(),
    ).toBe('\t\n')
  })

  it('writes `<crc32 8 hex> <JSON>\\t<data>` lines: the record as the control API gives it, its data raw after the tab', () => {
    const line = encodeLogRecord(eventWith(text.encode('{"order":1}'), {datacontenttype: 'application/json'})).toString()
    expect(line).toMatch(/^[0-9a-f]{8} \{[^\t]*\}\t\{"order":1\}\n$/)
    expect(crc32(line.slice(9, -1)).toString(16).padStart(8, '0')).toBe(line.slice(0, 8))
    const json = JSON.parse(line.slice(9, line.indexOf('\t'))) as {event: Record<string, unknown>}
    expect(json).toMatchObject({
      kind: 'event',
      seq: 1,
      matched: ['shop/t1'],
      event: {specversion: '1.0', id: 'e-7', datacontenttype: 'application/json'},
    })
    expect(json.event).not.toHaveProperty('data_base64')
  })

  it('carries data holding every byte value but the newline raw, and reads it back exactly', () => {
    const data = Buffer.from(Array.from({length: 256}, (_, i) => i).filter((b) => b !== 0x0a))
    const line = encodeLogRecord(eventWith(data, {datacontenttype: 'application/octet-stream'}))
    // the data's bytes end the line as they are: a tab, the 255 bytes, the newline
    expect(line.subarray(-data.byteLength - 2).equals(Buffer.concat([Buffer.from('\t'), data, Buffer.from('\n')]))).toBe(true)
    expect(line.indexOf(0x09)).toBe(line.byteLength - data.byteLength - 2)
    expect(dataOf(roundTrip([eventWith(data)])[0]!)!.equals(data)).toBe(true)
  })

  it('writes data holding a newline byte as data_base64, which a line cannot hold raw', () => {
    const data = Buffer.from('line one\nline two\t\x00')
    const line = encodeLogRecord(eventWith(data, {datacontenttype: 'text/plain'}))
    expect(line.includes(0x09)).toBe(false)
    expect(JSON.parse(line.subarray(9).toString()).event.data_base64).toBe(data.toString('base64'))
    expect(dataOf(roundTrip([eventWith(data)])[0]!)!.equals(data)).toBe(true)
  })

  it("reads lines of version 1 (every event's data as data_base64) beside version 2 lines", () => {
    const records = [
      eventWith(text.encode('{"order":1}'), {datacontenttype: 'application/json'}),
      stamped(settledRecord(ref, {'shop/t1': 'delivered'}), 2),
      eventWith(undefined),
    ]
    const v1 = Buffer.concat(records.map(v1LogLine))
    expect(v1.includes(0x09)).toBe(false)
    const bytes = Buffer.concat([v1, encodeLogRecord(records[0]!)])
    const {entries} = decodeLogLines(bytes, 0, true)
    expect(entries.filter((e) => e.problem)).toEqual([])
    const back = entries.map((e) => e.record!)
    expect(back.slice(1, 3)).toEqual(records.slice(1))
    for (const event of [back[0]!, back[3]!]) expect(dataOf(event)!.toString()).toBe('{"order":1}')
    expect(dataOf(back[2]!)).toBeUndefined()
  })
})

describe('damaged event log lines', () => {
  const three = [1, 2, 3].map((seq) => stamped(settledRecord(ref, {'shop/t1': 'delivered'}), seq))
  const lines = three.map(encodeLogRecord)

  it('reports a flipped byte with the offset of its line, and reads the records after it', () => {
    const bytes = Buffer.concat(lines)
    const damagedAt = lines[0]!.byteLength
    bytes[damagedAt + 30]! ^= 0x04
    const {entries} = decodeLogLines(bytes, 1000, true)
    expect(entries.map((e) => e.record?.seq ?? e.problem)).toEqual([1, 'checksum mismatch: the record was damaged', 3])
    expect(entries[1]!.offset).toBe(1000 + damagedAt)
  })

  it('reports a torn last line at the end of a file, and leaves it for later otherwise', () => {
    const bytes = Buffer.concat(lines)
    const cut = bytes.subarray(0, bytes.byteLength - 20)
    const atEnd = decodeLogLines(cut, 0, true)
    expect(atEnd.entries.map((e) => e.record?.seq ?? e.problem)).toEqual([1, 2, expect.stringMatching(/^a record cut off by a crash/)])
    expect(atEnd.entries[2]!.offset).toBe(lines[0]!.byteLength + lines[1]!.byteLength)
    const midway = decodeLogLines(cut, 0, false)
    expect(midway.entries.map((e) => e.record?.seq)).toEqual([1, 2])
    expect(midway.used).toBe(lines[0]!.byteLength + lines[1]!.byteLength)
  })

  it('reports lines that are not records: no checksum, not JSON, not an activity', () => {
    const json = '{"kind":"meteor","seq":1,"at":"x"}'
    const withCrc = (body: string): string => `${crc32(body).toString(16).padStart(8, '0')} ${body}\n`
    const bytes = Buffer.from(`garbage\n\n${withCrc('{"kind":')}${withCrc(json)}`)
    expect(decodeLogLines(bytes, 0, true).entries.map((e) => e.problem)).toEqual([
      'not a record: no checksum',
      'not a record: no checksum',
      expect.stringMatching(/^not JSON/),
      'not an activity record (kind "meteor")',
    ])
  })

  it('catches a byte damaged inside raw data by the checksum, and reports the line where it starts', () => {
    const event = encodeLogRecord(eventWith(Buffer.alloc(512, 0x41), {datacontenttype: 'text/plain'}))
    const bytes = Buffer.concat([lines[0]!, event, lines[1]!])
    const damagedAt = lines[0]!.byteLength
    bytes[damagedAt + event.byteLength - 100] = 0x42
    const {entries} = decodeLogLines(bytes, 500, true)
    expect(entries.map((e) => e.record?.seq ?? e.problem)).toEqual([1, 'checksum mismatch: the record was damaged', 2])
    expect(entries[1]!.offset).toBe(500 + damagedAt)
  })

  it('reports a line with data after a tab whose JSON is not an event record, or is not JSON, or has data of its own', () => {
    const withCrc = (body: Buffer): Buffer =>
      Buffer.concat([Buffer.from(`${crc32(body).toString(16).padStart(8, '0')} `), body, Buffer.from('\n')])
    const settledJson = encodeLogRecord(three[0]!).subarray(9, -1)
    const eventJson = JSON.parse(encodeLogRecord(eventWith(undefined)).subarray(9, -1).toString()) as {event: Record<string, unknown>}
    eventJson.event.data_base64 = 'AAEC'
    const bytes = Buffer.concat([
      withCrc(Buffer.concat([settledJson, Buffer.from('\tdata')])),
      withCrc(Buffer.from('{"kind":"event",\t"seq":1}')),
      withCrc(Buffer.from(`${JSON.stringify(eventJson)}\tdata`)),
      lines[2]!,
    ])
    const {entries} = decodeLogLines(bytes, 0, true)
    expect(entries.map((e) => e.record?.seq ?? e.problem)).toEqual([
      'not an event record (kind "settled"), yet data after a tab',
      expect.stringMatching(/^not JSON/),
      'an event with data both after a tab and in its JSON',
      3,
    ])
  })

  it('passes only the records a reader accepts, judged before the event is decoded', () => {
    const bytes = Buffer.concat([...lines, encodeLogRecord(eventWith(text.encode('x'), {datacontenttype: 'text/plain'}))])
    const {entries} = decodeLogLines(bytes, 0, true, (head) => head.kind === 'settled' && head.seq >= 2)
    expect(entries.map((e) => e.record?.seq)).toEqual([2, 3])
  })
})

/** The records as the file store writes them in batch: each joins the line before it when joinLogRecord says so. */
function joinedLines(records: Activity[]): {bytes: Buffer; lines: number} {
  const texts: string[] = []
  let last: Activity | undefined
  for (const record of records) {
    const joined = last === undefined ? undefined : joinLogRecord(texts.at(-1)!, last, record)
    if (joined === undefined) texts.push(logRecordJson(record))
    else texts[texts.length - 1] = joined
    last = record
  }
  const bytes = frameLogLines(
    texts,
    texts.map((t) => Buffer.byteLength(t)),
    texts.map(() => undefined),
  )
  return {bytes, lines: texts.length}
}

describe("a broker's usual delivery in one line", () => {
  const who = {trigger: 'shop/t1'}
  const at = '2026-12-04T12:00:09.000Z'
  const at2 = '2026-12-04T12:00:09.001Z'
  function path(
    first: number,
    options: {status?: number; outcome?: 'delivered' | 'replied'; outcomes?: Record<string, 'delivered'>} = {},
  ): Activity[] {
    const status = 'status' in options ? options.status : 202
    const records = [
      attemptRecord(ref, who, 'subscriber', 'http://127.0.0.1:8080/orders', 1, status, undefined, 1.25, undefined),
      outcomeRecord(ref, who, {outcome: options.outcome ?? 'delivered', status}),
      settledRecord(ref, options.outcomes ?? {'shop/t1': options.outcome ?? 'delivered'}),
    ]
    records.forEach((record, i) => Object.assign(record, {seq: first + i, at}))
    return records
  }

  it('writes the attempt, its outcome and the settled record as one line, and reads back the same three records', () => {
    for (const records of [path(10), path(10, {status: undefined}), path(10, {outcome: 'replied'})]) {
      const {bytes, lines} = joinedLines(records)
      expect(lines).toBe(1)
      expect(bytes.toString()).toMatch(/^[0-9a-f]{8} \{"kind":"attempt\+outcome\+settled",.*"seq":10,.*\}\n$/)
      const {entries, records: counted} = decodeLogLines(bytes, 0, true)
      expect(entries.map((e) => e.record)).toEqual(records)
      expect(entries.map((e) => e.offset)).toEqual([0, 0, 0])
      expect(counted).toBe(3)
      expect(recordsInLine(bytes)).toBe(3)
    }
  })

  it('joins the attempt and outcome alone when the event went to more than that trigger, or settles later', () => {
    const twoTriggers = path(10, {outcomes: {'shop/t1': 'delivered', 'shop/t2': 'delivered'}})
    const later = path(10)
    later[2]!.at = at2
    for (const records of [twoTriggers, later]) {
      const {bytes, lines} = joinedLines(records)
      expect(lines).toBe(2)
      expect(bytes.toString()).toContain('{"kind":"attempt+outcome",')
      const {entries, records: counted} = decodeLogLines(bytes, 0, true)
      expect(entries.map((e) => e.record)).toEqual(records)
      expect(counted).toBe(3)
    }
  })

  it('gives each record a line of its own when they do not follow each other as one delivery', () => {
    const otherTime = path(10)
    otherTime[1]!.at = at2
    otherTime[2]!.at = at2
    const gap = path(10)
    gap[1]!.seq = 12
    gap[2]!.seq = 13
    const otherStatus = path(10)
    ;(otherStatus[1] as {status?: number}).status = 200
    const retried = path(10)
    retried[0] = Object.assign(attemptRecord(ref, who, 'subscriber', 'http://x/', 1, 503, 'Service Unavailable', 3, 100), {seq: 10, at})
    const otherArrival = path(10)
    Object.assign(otherArrival[1]!, {arrival: 8})
    Object.assign(otherArrival[2]!, {arrival: 8})
    const channel = [
      attemptRecord(
        {...ref, broker: undefined, channel: 'shop/c'},
        {subscription: 'shop/s'},
        'subscriber',
        'http://x/',
        1,
        200,
        undefined,
        1,
        undefined,
      ),
      outcomeRecord({...ref, broker: undefined, channel: 'shop/c'}, {subscription: 'shop/s'}, {outcome: 'delivered', status: 200}),
    ]
    channel.forEach((record, i) => Object.assign(record, {seq: 10 + i, at}))
    for (const records of [otherTime, gap, otherStatus, retried, otherArrival, channel]) {
      const {bytes, lines} = joinedLines(records)
      expect(lines).toBe(records.length)
      const {entries, records: counted} = decodeLogLines(bytes, 0, true)
      expect(entries.map((e) => e.record)).toEqual(JSON.parse(JSON.stringify(records)))
      expect(counted).toBe(records.length)
    }
  })

  it('passes a reader the records of a joined line it accepts, each judged alone', () => {
    const {bytes} = joinedLines(path(10))
    expect(decodeLogLines(bytes, 0, true, (head) => head.seq >= 11).entries.map((e) => e.record!.kind)).toEqual(['outcome', 'settled'])
    expect(decodeLogLines(bytes, 0, true, (head) => head.kind === 'attempt').entries.map((e) => e.record!.seq)).toEqual([10])
  })

  it('reports a joined line without the fields of its records, or with data after a tab', () => {
    const withCrc = (body: string): Buffer => Buffer.from(`${crc32(body).toString(16).padStart(8, '0')} ${body}\n`)
    const {bytes} = joinedLines(path(10))
    const json = bytes.subarray(9, -1).toString()
    const lines = Buffer.concat([
      withCrc(json.replace('"outcome":"delivered"', '"outcome":"lost"')),
      withCrc(json.replace(/"url":"[^"]*",/, '')),
      withCrc(`${json}\tdata`),
      bytes,
    ])
    const {entries, records} = decodeLogLines(lines, 0, true)
    expect(entries.map((e) => e.record?.seq ?? e.problem)).toEqual([
      'not an activity record (kind "attempt+outcome+settled" without its fields)',
      'not an activity record (kind "attempt+outcome+settled" without its fields)',
      'not an activity record (kind "attempt+outcome+settled" without its fields)',
      10,
      11,
      12,
    ])
    expect(records).toBe(12)
  })
})
