// PingSource as Knative's mtping adapter runs it: the event of each tick, the cron schedule (robfig's
// reading, computed by croner), and the sender's retries.
import {describe, expect, it} from 'vitest'
import {parseManifests} from '../../src/core/resources/parse.js'
import type {PingSource} from '../../src/core/resources/types.js'
import {compileSchedule} from '../../src/core/sources/cron.js'
import {cloudEventTime} from '../../src/core/sources/events.js'
import {pingEvent} from '../../src/core/sources/ping.js'
import {isSenderRetriable, PING_SENDER_RETRY, senderBackoffMs} from '../../src/core/sources/sender.js'

function ping(spec: string, namespace = 'pingsource-example'): PingSource {
  const parsed = parseManifests(
    `apiVersion: sources.knative.dev/v1\nkind: PingSource\nmetadata:\n  name: test-ping-source\n  namespace: ${namespace}\nspec:\n  sink:\n    uri: http://127.0.0.1:1/\n${spec}`,
    'p.yaml',
  )
  expect(parsed.errors).toEqual([])
  return parsed.resources[0] as PingSource
}

const at = {id: 'id-1', timeMs: Date.parse('2024-03-01T12:00:00.250Z')}

describe('the event a PingSource sends', () => {
  it("has Knative's type and source, the given id and time, and data with contentType as datacontenttype", () => {
    const event = pingEvent(ping('  contentType: application/json\n  data: \'{"message": "Hello world!"}\'\n'), at)
    expect(event).toEqual({
      specversion: '1.0',
      id: 'id-1',
      type: 'dev.knative.sources.ping',
      source: '/apis/v1/namespaces/pingsource-example/pingsources/test-ping-source',
      time: '2024-03-01T12:00:00.25Z',
      datacontenttype: 'application/json',
      extensions: {},
      data: Buffer.from('{"message": "Hello world!"}'),
    })
    expect(event.subject).toBeUndefined()
  })

  it('carries the decoded bytes of dataBase64', () => {
    const event = pingEvent(ping('  contentType: text/plain\n  dataBase64: "ZGF0YQ=="\n'), at)
    expect(Buffer.from(event.data!).toString()).toBe('data')
    expect(event.datacontenttype).toBe('text/plain')
  })

  it('leaves datacontenttype unset without a contentType, and without data', () => {
    expect(pingEvent(ping('  data: hello\n'), at).datacontenttype).toBeUndefined()
    const empty = pingEvent(ping('  contentType: application/json\n'), at)
    expect(empty.data).toBeUndefined()
    expect(empty.datacontenttype).toBeUndefined()
  })

  it('sets ceOverrides as extensions, names lower-cased as sdk-go sets them', () => {
    const event = pingEvent(ping('  ceOverrides:\n    extensions:\n      extra: this is an extra attribute\n      Additional: "42"\n'), at)
    expect(event.extensions).toEqual({extra: 'this is an extra attribute', additional: '42'})
  })

  it('writes time as sdk-go does: UTC, trailing zeros of the fraction dropped', () => {
    expect(cloudEventTime(Date.parse('2024-03-01T12:00:00.000Z'))).toBe('2024-03-01T12:00:00Z')
    expect(cloudEventTime(Date.parse('2024-03-01T12:00:00.120Z'))).toBe('2024-03-01T12:00:00.12Z')
  })
})

function fires(schedule: string, timezone: string | undefined, from: string, n = 3): string[] {
  const compiled = compileSchedule(schedule, timezone)
  if (!compiled.ok) throw new Error(compiled.error)
  const out: string[] = []
  let t = Date.parse(from)
  for (let i = 0; i < n; i++) {
    const next = compiled.schedule.next(t)
    if (next === undefined) break
    out.push(new Date(next).toISOString())
    t = next
  }
  return out
}

describe('PingSource schedules', () => {
  it('reads 5 fields as minutes and 6 as seconds first, in UTC unless told', () => {
    expect(fires('*/2 * * * *', undefined, '2024-01-01T00:00:30Z')).toEqual([
      '2024-01-01T00:02:00.000Z',
      '2024-01-01T00:04:00.000Z',
      '2024-01-01T00:06:00.000Z',
    ])
    expect(fires('* * * * * *', undefined, '2024-01-01T00:00:00.400Z')).toEqual([
      '2024-01-01T00:00:01.000Z',
      '2024-01-01T00:00:02.000Z',
      '2024-01-01T00:00:03.000Z',
    ])
  })

  it("takes robfig's descriptors, and refuses @every as Knative does", () => {
    expect(fires('@hourly', undefined, '2024-01-01T00:10:00Z', 1)).toEqual(['2024-01-01T01:00:00.000Z'])
    expect(fires('@midnight', undefined, '2024-01-01T00:10:00Z', 1)).toEqual(['2024-01-02T00:00:00.000Z'])
    expect(fires('@weekly', undefined, '2024-01-01T00:10:00Z', 1)).toEqual(['2024-01-07T00:00:00.000Z'])
    expect(compileSchedule('@every 1m')).toEqual({ok: false, error: 'unsupported descriptor @every'})
  })

  it('applies spec.timezone, or a CRON_TZ= prefix', () => {
    expect(fires('0 9 * * *', 'Europe/Berlin', '2024-01-01T00:00:00Z', 1)).toEqual(['2024-01-01T08:00:00.000Z'])
    expect(fires('CRON_TZ=America/New_York 0 9 * * *', undefined, '2024-07-01T00:00:00Z', 1)).toEqual(['2024-07-01T13:00:00.000Z'])
  })

  it('reads ? as *, names case-insensitively, and day-of-month with day-of-week as either one', () => {
    // 2024-01-01 is a Monday
    expect(fires('0 0 ? * mon', undefined, '2024-01-01T00:00:00Z', 2)).toEqual(['2024-01-08T00:00:00.000Z', '2024-01-15T00:00:00.000Z'])
    expect(fires('0 0 1 * MON', undefined, '2024-01-29T00:00:00Z', 2)).toEqual(['2024-02-01T00:00:00.000Z', '2024-02-05T00:00:00.000Z'])
  })

  it('never fires for a date that does not exist', () => {
    expect(fires('0 0 30 2 *', undefined, '2024-01-01T00:00:00Z')).toEqual([])
  })
})

describe("the sender's retries", () => {
  it('waits 100, 200, 400, 800 and 1600 ms: five retries on 50 ms exponential', () => {
    expect(Array.from({length: PING_SENDER_RETRY.retries}, (_, i) => senderBackoffMs(i + 1, PING_SENDER_RETRY))).toEqual([
      100, 200, 400, 800, 1600,
    ])
  })

  it("retries transport errors and sdk-go's retriable statuses only (not 500)", () => {
    expect([undefined, 404, 413, 425, 429, 502, 503, 504].every(isSenderRetriable)).toBe(true)
    expect([400, 401, 408, 409, 500, 501].some(isSenderRetriable)).toBe(false)
  })
})
