import {describe, expect, it} from 'vitest'
import {colors, formatMs, renderActivity, renderSinkRequest} from '../../src/client/render.js'
import type {ActivityJson} from '../../src/core/activity.js'
import {
  deadLetterExtensions,
  isRetryable,
  parseHttpDate,
  parseRetryAfter,
  plannedWaits,
  retryPolicy,
} from '../../src/core/delivery/policy.js'
import {VirtualClock} from '../../src/mesh/clock.js'
import {answerPlanner, checkSinkBehaviour} from '../../src/mesh/sink.js'

describe('SelectiveRetry', () => {
  it('retries no response, 5xx, 404, 408, 409 and 429, and nothing else', () => {
    for (const status of [undefined, 404, 408, 409, 429, 500, 501, 502, 503, 504, 599])
      expect([status, isRetryable(status)]).toEqual([status, true])
    for (const status of [100, 200, 202, 301, 302, 307, 400, 401, 403, 405, 406, 410, 413, 415, 422, 451])
      expect([status, isRetryable(status)]).toEqual([status, false])
  })
})

describe('backoff (go-retryablehttp v0.7.7 counts from 0)', () => {
  it('waits d, 2d, 4d… for exponential and 0, d, 2d… for linear', () => {
    expect(plannedWaits({retry: 4, backoffPolicy: 'exponential', backoffDelay: 'PT0.5S'})).toEqual([500, 1000, 2000, 4000])
    expect(plannedWaits({retry: 4, backoffPolicy: 'linear', backoffDelay: 'PT0.5S'})).toEqual([0, 500, 1000, 1500])
  })

  it('gives the stock broker default 10 waits adding up to 204.6 s', () => {
    const waits = plannedWaits({retry: 10, backoffPolicy: 'exponential', backoffDelay: 'PT0.2S'})
    expect(waits).toEqual([200, 400, 800, 1600, 3200, 6400, 12_800, 25_600, 51_200, 102_400])
    expect(waits.reduce((a, b) => a + b)).toBe(204_600)
  })

  it('retries back to back when the policy or the delay is missing, and makes one attempt without retry', () => {
    expect(plannedWaits({retry: 3, backoffDelay: 'PT1S'})).toEqual([0, 0, 0])
    expect(plannedWaits({retry: 2, backoffPolicy: 'exponential'})).toEqual([0, 0])
    expect(retryPolicy({backoffPolicy: 'exponential', backoffDelay: 'PT1S'}).maxAttempts).toBe(1)
    expect(retryPolicy(undefined).maxAttempts).toBe(1)
  })

  it('reads the per-attempt timeout from delivery.timeout', () => {
    expect(retryPolicy({timeout: 'PT2.5S'}).timeoutMs).toBe(2500)
    expect(retryPolicy({}).timeoutMs).toBeUndefined()
  })
})

describe('Retry-After', () => {
  const now = Date.parse('2024-01-01T00:00:00Z')

  it('reads delay-seconds and the three HTTP-date forms Go accepts, all as UTC', () => {
    expect(parseRetryAfter('5', now)).toBe(5000)
    expect(parseRetryAfter(' 12 ', now)).toBe(12_000)
    expect(parseRetryAfter('Mon, 01 Jan 2024 00:00:30 GMT', now)).toBe(30_000)
    expect(parseRetryAfter('Monday, 01-Jan-24 00:01:00 GMT', now)).toBe(60_000)
    expect(parseRetryAfter('Mon Jan  1 00:00:10 2024', now)).toBe(10_000)
    expect(parseHttpDate('Sun, 06 Nov 1994 08:49:37 GMT')).toBe(Date.parse('1994-11-06T08:49:37Z'))
  })

  it('counts unreadable values, other date formats and dates in the past as 0', () => {
    for (const value of ['soon', '', '1.5', '2024-01-01T00:01:00Z', 'Sun, 31 Dec 2023 23:59:00 GMT', '-3'])
      expect([value, parseRetryAfter(value, now)]).toEqual([value, 0])
  })

  it('applies only to 429 and 503, only with retryAfterMax, capped by it, and never below the backoff', () => {
    const policy = retryPolicy({retry: 3, backoffPolicy: 'exponential', backoffDelay: 'PT2S', retryAfterMax: 'PT10S'})
    expect(policy.delayBeforeRetry(1, 429, '5', now)).toBe(5000)
    expect(policy.delayBeforeRetry(1, 503, '60', now)).toBe(10_000)
    expect(policy.delayBeforeRetry(1, 500, '5', now)).toBe(2000)
    expect(policy.delayBeforeRetry(3, 429, '5', now)).toBe(8000) // the backoff is longer
    expect(retryPolicy({retry: 1}).delayBeforeRetry(1, 429, '5', now)).toBe(0)
    expect(retryPolicy({retry: 1, retryAfterMax: 'PT0S'}).delayBeforeRetry(1, 429, '5', now)).toBe(0)
  })
})

describe('dead-letter extensions', () => {
  it('carries the failed URL, the status as an integer and the body as standard base64', () => {
    expect(deadLetterExtensions('http://sub/', {status: 422, body: '{ "message": "catastrophic failure" }'})).toEqual({
      knativeerrordest: 'http://sub/',
      knativeerrorcode: 422,
      knativeerrordata: 'eyAibWVzc2FnZSI6ICJjYXRhc3Ryb3BoaWMgZmFpbHVyZSIgfQ==',
    })
    expect(deadLetterExtensions('http://sub/', {status: 500, body: new Uint8Array()}).knativeerrordata).toBe('')
  })

  it('cuts the base64 text at 1024 characters (bodies over 768 bytes), where Knative would overrun its buffer', () => {
    const exact = Buffer.alloc(768, 1)
    expect(deadLetterExtensions('u', {status: 500, body: exact}).knativeerrordata).toBe(exact.toString('base64'))
    const long = Buffer.alloc(5000, 7)
    const data = deadLetterExtensions('u', {status: 500, body: long}).knativeerrordata
    expect(data).toHaveLength(1024)
    expect(data).toBe(long.toString('base64').slice(0, 1024))
  })

  it('records 500 and "dispatch error: …" when no response came', () => {
    const ext = deadLetterExtensions('http://gone/', {error: 'ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:1'})
    expect(ext.knativeerrorcode).toBe(500)
    expect(Buffer.from(ext.knativeerrordata, 'base64').toString()).toBe('dispatch error: ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:1')
  })
})

describe('VirtualClock', () => {
  it('wakes sleepers in time order only when advanced, and records every wait asked', async () => {
    const clock = new VirtualClock(0)
    const woke: string[] = []
    void clock.sleep(300).then(() => woke.push(`b@${clock.now()}`))
    void clock.sleep(100).then(() => woke.push(`a@${clock.now()}`))
    await clock.advance(50)
    expect(woke).toEqual([])
    expect(clock.nextWakeIn).toBe(50)
    await clock.advance(1000)
    expect(woke).toEqual(['a@100', 'b@300'])
    expect(clock.now()).toBe(1050)
    expect(clock.requestedSleeps).toEqual([300, 100])
  })

  it('advances from wait to wait until the work is done (runUntil), and drops an aborted sleep', async () => {
    const clock = new VirtualClock(0)
    const work = (async () => {
      for (const ms of [1000, 2000, 4000]) await clock.sleep(ms)
      return clock.now()
    })()
    expect(await clock.runUntil(work)).toBe(7000)
    const controller = new AbortController()
    const aborted = clock.sleep(500, controller.signal)
    await clock.whenSleeping(1)
    controller.abort(new Error('stop'))
    await expect(aborted).rejects.toThrow('stop')
    expect(clock.pending).toBe(0)
    await expect(clock.whenSleeping(1, 20)).rejects.toThrow('0 of 1 sleeps pending')
  })
})

describe('kne sink answers', () => {
  it('fails the first N requests, then accepts (202) or replies (200 with the event)', () => {
    const plan = answerPlanner({failFirst: 2, retryAfter: '5'})
    expect([1, 2, 3].map((n) => plan(n).status)).toEqual([503, 503, 202])
    expect(plan(1).retryAfter).toBe('5')
    const replying = answerPlanner({failFirst: 1, status: 500, reply: {type: 'com.example.done', data: '{"ok":true}'}})
    expect(replying(1).status).toBe(500)
    const reply = replying(2)
    expect(reply.status).toBe(200)
    expect(reply.reply).toMatchObject({type: 'com.example.done', source: 'kne-sink', datacontenttype: 'application/json'})
  })

  it('answers every request with --status alone', () => {
    expect([1, 2, 3].map((n) => answerPlanner({status: 429})(n).status)).toEqual([429, 429, 429])
    expect(answerPlanner({status: 200})(1)).toMatchObject({status: 200, reason: 'accepted'})
  })

  it('fails the same share of requests again with the same seed', () => {
    const run = (seed: number): number[] => {
      const plan = answerPlanner({failRate: 0.3, seed})
      return Array.from({length: 200}, (_, i) => plan(i + 1).status)
    }
    expect(run(42)).toEqual(run(42))
    expect(run(42)).not.toEqual(run(43))
    const failed = run(42).filter((s) => s === 503).length
    expect(failed).toBeGreaterThan(35)
    expect(failed).toBeLessThan(85)
  })

  it('refuses behaviours that cannot work', () => {
    expect(checkSinkBehaviour({status: 99})).toContain('--status')
    expect(checkSinkBehaviour({failRate: 1.5})).toContain('--fail-rate')
    expect(checkSinkBehaviour({failFirst: -1})).toContain('--fail-first')
    expect(checkSinkBehaviour({failFirst: 1, status: 200})).toContain('the failing answer')
    expect(checkSinkBehaviour({reply: {type: ''}})).toContain('--reply-type')
    expect(checkSinkBehaviour({failFirst: 2, failRate: 0.5, seed: 1, delayMs: 10, reply: {type: 't'}})).toBeUndefined()
  })
})

describe('rendering attempts and outcomes for kne tail', () => {
  const c = colors({isTTY: false} as NodeJS.WriteStream)
  const ref = {
    broker: 'default/default',
    arrival: 3,
    id: 'order-1',
    type: 'com.example.order',
    source: '/shop',
    seq: 9,
    at: '2024-01-01T00:00:01.250Z',
  }

  it('shows the attempt number, the status or the error, and the wait before the next attempt', () => {
    const attempt = {
      ...ref,
      kind: 'attempt',
      trigger: 'default/orders',
      target: 'subscriber',
      url: 'http://sub',
      attempt: 2,
      status: 503,
      durationMs: 3.5,
      nextDelayMs: 1600,
    } as ActivityJson
    expect(renderActivity(attempt, c)).toBe('00:00:01.250   → default/orders attempt 2: HTTP 503 in 3.5 ms, retry in 1.6 s')
    const timedOut = {
      ...ref,
      kind: 'attempt',
      trigger: 'default/orders',
      target: 'dead-letter-sink',
      url: 'http://dls',
      attempt: 1,
      error: 'timed out after 200 ms',
      durationMs: 201,
    } as ActivityJson
    expect(renderActivity(timedOut, c)).toBe('00:00:01.250   → default/orders dead-letter-sink attempt 1: timed out after 200 ms in 201 ms')
  })

  it('shows each terminal outcome with the event id and why', () => {
    const outcome = {
      ...ref,
      kind: 'outcome',
      trigger: 'default/orders',
      outcome: 'dead-lettered',
      status: 503,
      error: 'HTTP 503; sent to the dead-letter sink http://dls',
    } as ActivityJson
    expect(renderActivity(outcome, c)).toBe(
      '00:00:01.250   dead-lettered default/orders id=order-1 (HTTP 503; sent to the dead-letter sink http://dls)',
    )
    expect(renderActivity({...ref, kind: 'outcome', trigger: 'default/orders', outcome: 'failed', status: 400}, c)).toBe(
      '00:00:01.250   failed default/orders id=order-1 HTTP 400',
    )
    expect(renderActivity({...ref, kind: 'outcome', trigger: 'default/orders', outcome: 'delivered', status: 202}, c)).toBe(
      '00:00:01.250   delivered default/orders id=order-1',
    )
  })

  it('formats waits for people', () => {
    expect([0, 200, 1600, 102_400, 204_600].map(formatMs)).toEqual(['0 ms', '200 ms', '1.6 s', '1 m 42.4 s', '3 m 24.6 s'])
    // a 25-day Retry-After or backoff reads in days and hours, not as 36000 minutes
    expect([3_599_900, 3_600_000, 7_530_000, 86_400_000, 25 * 86_400_000, 25 * 86_400_000 + 5 * 3_600_000 + 1234].map(formatMs)).toEqual([
      '59 m 59.9 s',
      '1 h 0 m',
      '2 h 6 m',
      '1 d 0 h',
      '25 d 0 h',
      '25 d 5 h',
    ])
  })

  it('renders what kne sink received with its answer', () => {
    const lines = renderSinkRequest(
      {
        n: 1,
        at: '2024-01-01T00:00:01.250Z',
        method: 'POST',
        path: '/',
        headers: {'kn-namespace': 'default'},
        mode: 'binary',
        event: {
          specversion: '1.0',
          id: 'e1',
          source: '/s',
          type: 't',
          datacontenttype: 'application/json',
          extensions: {},
          data: Buffer.from('{"a":1}'),
        },
        answer: {status: 503, reason: 'failing as told', retryAfter: '5'},
      },
      c,
    )
    expect(lines).toEqual([
      '00:00:01.250 #1 ← t id=e1 source=/s (binary) → 503 Retry-After 5 failing as told',
      '    datacontenttype=application/json  kn-namespace: default',
      '    {"a":1}',
    ])
  })
})
