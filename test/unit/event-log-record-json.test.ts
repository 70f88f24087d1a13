// The event log writes the records of a broker's usual event field by field (core/event-log/record-json.ts):
// for every record the builders make, in their usual and their general shapes, the JSON must say exactly what
// JSON.stringify of the record says (the event in the JSON format), less the event's data when the line
// carries it raw (data without a newline byte), else with it as data_base64.
import {describe, expect, it} from 'vitest'
import {
  attemptRecord,
  eventRecord,
  handledRecord,
  outcomeRecord,
  rejectedRecord,
  resumedRecord,
  settledRecord,
  type Activity,
  type EventRef,
} from '../../src/core/activity.js'
import type {CloudEvent} from '../../src/core/cloudevent.js'
import {logRecordJson, rawLogData} from '../../src/core/event-log/record-json.js'
import {v1RecordJson} from '../helpers/event-log-v1.js'

/** What JSON.stringify says of the record, its event in the JSON format: data_base64 unless the line carries the data raw. */
function expected(record: Activity): unknown {
  const json = v1RecordJson(record)
  if (record.kind === 'event' && record.event.data !== undefined && !record.event.data.includes(0x0a))
    delete (json.event as Record<string, unknown>).data_base64
  return json
}

function stamped(record: Activity, seq: number): Activity {
  record.seq = seq
  record.at = '2026-12-04T10:00:00.123Z'
  return record
}

// strings a JSON writer must escape: quotes, backslashes, control characters, non-ASCII, a lone surrogate
const AWKWARD = 'a "quoted" \\ back\nslash\t\u0001 é 漢 😀 \ud800'

const refs: Record<string, EventRef> = {
  broker: {broker: 'default/default', arrival: 7, id: 'e-7', type: 'com.example.order', source: '/orders'},
  awkward: {broker: `ns/${AWKWARD}`, arrival: 8, id: AWKWARD, type: AWKWARD, source: AWKWARD},
  channel: {channel: 'default/orders', arrival: 9, id: 'e-9', type: 'com.example.order', source: '/orders'},
}

const events: Record<string, CloudEvent> = {
  json: {
    specversion: '1.0',
    id: 'e-7',
    source: '/orders',
    type: 'com.example.order',
    datacontenttype: 'application/json',
    extensions: {knativearrivaltime: '2026-12-04T10:00:00Z', knativebrokerttl: 255, flag: true, [`x${'y'.repeat(3)}`]: AWKWARD},
    data: new TextEncoder().encode('{"order":1}'),
  },
  everything: {
    specversion: '1.0',
    id: AWKWARD,
    source: AWKWARD,
    type: AWKWARD,
    datacontenttype: 'text/plain; charset=utf-8',
    dataschema: 'https://example.com/schema',
    subject: AWKWARD,
    time: '2026-12-04T10:00:00Z',
    extensions: {},
    data: new Uint8Array([0, 1, 2, 255, 10, 13]),
  },
  noData: {specversion: '1.0', id: 'e-1', source: '/s', type: 't', extensions: {}},
  emptyData: {
    specversion: '1.0',
    id: 'e-2',
    source: '/s',
    type: 't',
    datacontenttype: 'text/plain',
    extensions: {},
    data: new Uint8Array(0),
  },
  v03: {
    specversion: '0.3',
    id: 'e-3',
    source: '/s',
    type: 't',
    dataschema: 'https://example.com/schema',
    datacontentencoding: 'base64',
    extensions: {},
    data: new TextEncoder().encode('hello'),
  },
}

const routing = {matched: ['default/a', `default/${AWKWARD}`], notMatched: ['default/c']}

describe('the event log writes records as JSON.stringify would', () => {
  const cases: [string, Activity][] = []
  for (const [refName, ref] of Object.entries(refs)) {
    for (const [eventName, event] of Object.entries(events)) {
      cases.push([`event ${refName} ${eventName}`, eventRecord(ref, 'ingress', undefined, undefined, routing, event)])
      cases.push([
        `event ${refName} ${eventName} no trigger`,
        eventRecord(ref, 'ingress', undefined, undefined, {matched: [], notMatched: []}, event),
      ])
    }
    cases.push([
      `event ${refName} reply`,
      eventRecord(ref, 'reply', {arrival: 1, trigger: 'default/a'}, undefined, routing, events.json!, {arrival: 2, trigger: 'default/a'}),
    ])
    cases.push([`event ${refName} no routing`, eventRecord(ref, 'ingress', undefined, undefined, undefined, events.json!)])
    for (const who of [{trigger: 'default/a'}, {subscription: 'default/s'}]) {
      const name = `${refName} ${who.trigger ? 'trigger' : 'subscription'}`
      cases.push([`attempt ${name}`, attemptRecord(ref, who, 'subscriber', 'http://127.0.0.1:8080/x', 1, 200, undefined, 1.25, undefined)])
      cases.push([`attempt ${name} no status`, attemptRecord(ref, who, 'subscriber', AWKWARD, 2, undefined, undefined, 0, undefined)])
      cases.push([`attempt ${name} failed`, attemptRecord(ref, who, 'dead-letter-sink', 'http://x/', 3, 503, AWKWARD, 12.5, 4000)])
      cases.push([`outcome ${name}`, outcomeRecord(ref, who, {outcome: 'delivered', status: 202})])
      cases.push([`outcome ${name} no status`, outcomeRecord(ref, who, {outcome: 'failed'})])
      cases.push([
        `outcome ${name} replied`,
        outcomeRecord(ref, who, {outcome: 'replied', status: 200, error: AWKWARD, replyArrival: 11, replyDropped: true}),
      ])
      cases.push([`resumed ${name}`, resumedRecord(ref, who, {target: 'subscriber', attempt: 2, waitMs: 500, mayRepeat: true})])
    }
    cases.push([`settled ${refName}`, settledRecord(ref, {'default/a': 'delivered', [`default/${AWKWARD}`]: 'dead-lettered'})])
    cases.push([`settled ${refName} none`, settledRecord(ref, {})])
  }
  cases.push(['rejected', rejectedRecord({broker: 'default/default'}, 400, AWKWARD, 'ingress')])
  cases.push(['handled', handledRecord('JobSink default/job', events.json, {status: 202, outcome: 'delivered', summary: AWKWARD})])

  it.each(cases)('%s', (_name, record) => {
    const json = logRecordJson(stamped(record, 42))
    expect(JSON.parse(json)).toEqual(expected(record))
    // the bytes the line carries after the JSON: the event's data, exactly, when it has no newline byte
    const raw = rawLogData(record)
    const data = record.kind === 'event' ? record.event.data : undefined
    if (data === undefined || data.includes(0x0a)) expect(raw).toBeUndefined()
    else expect(Buffer.from(raw!).equals(Buffer.from(data))).toBe(true)
  })
})
