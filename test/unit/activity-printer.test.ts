// What kne dev prints while it runs: lines leave in one write at most 10 ms apart, a busy mesh gets one
// summary line a second instead of every line (and every line again once it calms down), and shutdown
// writes what waits, in order. Time is a fake clock: nothing here sleeps.
import {describe, expect, it} from 'vitest'
import {ActivityPrinter, READABLE_RECORDS_PER_SECOND, type PrinterTimers} from '../../src/client/activity-printer.js'
import {colors} from '../../src/client/render.js'
import type {Activity} from '../../src/core/activity.js'

function fakeTimers(): PrinterTimers & {advance(ms: number): void} {
  let now = Date.parse('2024-01-01T00:00:00Z')
  let due: {at: number; run: () => void}[] = []
  return {
    now: () => now,
    setTimeout(run, ms) {
      const timer = {at: now + ms, run}
      due.push(timer)
      return timer
    },
    clearTimeout(handle) {
      due = due.filter((t) => t !== handle)
    },
    advance(ms) {
      const end = now + ms
      for (;;) {
        const next = due.filter((t) => t.at <= end).sort((a, b) => a.at - b.at)[0]
        if (!next) break
        due = due.filter((t) => t !== next)
        now = next.at
        next.run()
      }
      now = end
    },
  }
}

function setUp(json = false) {
  const timers = fakeTimers()
  const writes: string[] = []
  const printer = new ActivityPrinter({
    write: (text) => writes.push(text),
    writeError: (text) => writes.push(`stderr: ${text}`),
    colors: colors({isTTY: false} as NodeJS.WriteStream),
    json,
    timers,
  })
  const lines = (): string[] =>
    writes
      .join('')
      .split('\n')
      .filter((l) => l !== '')
  return {timers, writes, printer, lines}
}

let arrival = 0
const base = () => ({
  broker: 'default/default',
  arrival: ++arrival,
  id: `e${arrival}`,
  type: 'com.example',
  source: '/s',
  seq: arrival,
  at: '2024-01-01T00:00:00.000Z',
})
const event = (): Activity => ({
  ...base(),
  kind: 'event',
  via: 'ingress',
  matched: ['default/t'],
  notMatched: [],
  event: {specversion: '1.0', id: 'e', source: '/s', type: 'com.example', extensions: {}},
})
const deadLettered = (): Activity => ({...base(), kind: 'outcome', trigger: 'default/t', outcome: 'dead-lettered', status: 503})

describe("kne dev's activity printer", () => {
  it('writes the lines of 10 ms in one write, and at once when flushed', () => {
    const {timers, writes, printer} = setUp()
    printer.line('one')
    printer.activity(event())
    printer.line('two')
    expect(writes).toEqual([])
    timers.advance(10)
    expect(writes).toHaveLength(1)
    expect(writes[0]).toMatch(/^one\n.* default\/default ← com\.example id=e\d+ source=\/s\n.*matched default\/t\ntwo\n$/)
    printer.line('three')
    printer.error('a problem')
    expect(writes.slice(1)).toEqual(['three\n', 'stderr: a problem\n'])
  })

  it('prints a summary a second while the rate is beyond reading, and every line again once it drops', () => {
    const {timers, printer, lines} = setUp()
    for (let i = 0; i < 30; i++) printer.activity(event())
    timers.advance(100)
    expect(lines()).toHaveLength(60)
    // 1,240 events in the rest of the second, 3 of them dead-lettered
    for (let i = 0; i < 1210; i++) printer.activity(event())
    for (let i = 0; i < 3; i++) printer.activity(deadLettered())
    timers.advance(900)
    // the first 50 records of the second are printed (2 lines each), then the summary takes over
    const busy = lines().slice(2 * READABLE_RECORDS_PER_SECOND)
    expect(busy[0]).toBe(
      `more than ${READABLE_RECORDS_PER_SECOND} activity records a second: printing a summary each second instead (kne tail to follow every event)`,
    )
    expect(busy.slice(1)).toEqual(['00:00:01.000 1,240 events/s, 3 dead-lettered — kne tail to follow'])
    for (let i = 0; i < 100; i++) printer.activity(event())
    timers.advance(1000)
    expect(lines().at(-1)).toBe('00:00:02.000 100 events/s — kne tail to follow')
    // a quiet second: its summary, then every line again
    printer.activity(event())
    timers.advance(1000)
    expect(lines().slice(-2)).toEqual(['00:00:03.000 1 events/s — kne tail to follow', 'activity slowed down: printing every event again'])
    printer.activity(event())
    timers.advance(10)
    expect(lines().at(-1)).toMatch(/matched default\/t$/)
  })

  it("at shutdown prints the last partial second's summary and what waits, before what follows on stderr", () => {
    const {timers, printer, writes} = setUp()
    for (let i = 0; i < 60; i++) printer.activity(event())
    timers.advance(500)
    printer.activity(deadLettered())
    printer.close()
    printer.error('kne dev stopped (0 unfinished deliveries)')
    const text = writes.join('')
    expect(text).toMatch(/ 120 events\/s, 1 dead-lettered — kne tail to follow\nstderr: kne dev stopped/)
    timers.advance(5000)
    expect(writes.join('')).toBe(text)
  })

  it('writes every record as NDJSON under --json, however fast, batched', () => {
    const {timers, printer, writes, lines} = setUp(true)
    for (let i = 0; i < 200; i++) printer.activity(event())
    timers.advance(10)
    expect(writes).toHaveLength(1)
    expect(lines().map((l) => (JSON.parse(l) as {kind: string}).kind)).toEqual(Array(200).fill('event'))
  })
})
