import {describe, expect, it} from 'vitest'
import {colors, renderActivity} from '../../src/client/render.js'
import {activityJsonLine, activityToJson, MAX_RETAINED_DATA_BYTES, retainedRecord, type Activity} from '../../src/core/activity.js'
import type {CloudEvent} from '../../src/core/cloudevent.js'

const ref = {broker: 'shop/default', arrival: 7, id: 'e7', type: 'com.example.order', source: '/shop'}

function eventRecord(event: Partial<CloudEvent>, routing: {matched?: string[]; notMatched?: string[]} = {}): Activity {
  return {
    kind: 'event',
    ...ref,
    via: 'ingress',
    ...routing,
    seq: 3,
    at: '2024-01-02T15:04:05.000Z',
    event: {
      specversion: '1.0',
      id: 'e7',
      source: '/shop',
      type: 'com.example.order',
      extensions: {knativearrivaltime: '2024-01-02T15:04:05Z'},
      ...event,
    },
  }
}

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text)

describe('activity stream lines (GET /_kne/v1/activity, what kne tail reads)', () => {
  const cases: [string, Activity][] = [
    ['JSON data', eventRecord({datacontenttype: 'application/json', data: bytes('{"order": 42, "items": ["a", "b"]}')})],
    ['pretty-printed JSON data', eventRecord({datacontenttype: 'application/json', data: bytes('{\n  "order": 42\n}\n')})],
    ['text data', eventRecord({datacontenttype: 'text/plain', data: bytes('line one\nline two')})],
    ['binary data', eventRecord({datacontenttype: 'application/octet-stream', data: new Uint8Array([0, 255, 10, 13])})],
    ['no data', eventRecord({})],
    ['an event routed to a trigger', eventRecord({}, {matched: ['shop/t1'], notMatched: []})],
    ['a settled record', {kind: 'settled', ...ref, outcomes: {'shop/t1': 'delivered'}, seq: 4, at: '2024-01-02T15:04:05.001Z'}],
  ]

  it.each(cases)('%s: one line holding exactly what activityToJson gives', (_, record) => {
    const line = activityJsonLine(record)
    expect(line.endsWith('\n')).toBe(true)
    expect(line.slice(0, -1)).not.toMatch(/[\r\n]/)
    expect(JSON.parse(line)).toEqual(JSON.parse(JSON.stringify(activityToJson(record))))
  })
})

describe('what the history keeps of an event', () => {
  it("keeps a small event's record as it is", () => {
    const record = eventRecord({datacontenttype: 'text/plain', data: bytes('x'.repeat(MAX_RETAINED_DATA_BYTES))})
    expect(retainedRecord(record)).toBe(record)
  })

  it('cuts larger data at a character boundary, says so, and kne tail shows it', () => {
    const text = `ab${'€'.repeat(MAX_RETAINED_DATA_BYTES)}` // three bytes a character: the cut falls inside one
    const record = eventRecord({datacontenttype: 'text/plain', data: bytes(text)})
    const kept = retainedRecord(record)
    expect(kept).toMatchObject({dataTruncated: true, dataBytes: 2 + 3 * MAX_RETAINED_DATA_BYTES, seq: 3})
    const json = activityToJson(kept)
    const data = json.kind === 'event' ? (json.event.data as string) : ''
    expect(text.startsWith(data)).toBe(true)
    expect(Buffer.byteLength(data)).toBe(MAX_RETAINED_DATA_BYTES - 2)
    expect(record).not.toHaveProperty('dataTruncated') // the record subscribers get is untouched
    expect(renderActivity(json, colors(undefined, {NO_COLOR: '1'}))).toContain('(data 192.0 KiB: the history kept the first 64 KiB)')
  })
})
