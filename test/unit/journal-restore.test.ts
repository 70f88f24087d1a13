// The history a restart takes back from the event log: the last records up to the history's bound, with
// their own sequence numbers, a gap where the log had a record it could not read, and no subscriber called.
import {describe, expect, it} from 'vitest'
import {rejectedRecord, type Activity} from '../../src/core/activity.js'
import {VirtualClock} from '../../src/mesh/clock.js'
import {Journal} from '../../src/mesh/journal.js'

const at = '2026-01-01T00:00:00.000Z'
const record = (seq: number): Activity => ({...rejectedRecord({broker: 'default/default'}, 400, `bad ${seq}`, 'ingress'), seq, at})

describe('a journal restored from the event log', () => {
  it('keeps the last records with their numbers, goes on after the last one, and calls no subscriber', () => {
    const journal = new Journal(new VirtualClock(), {records: 3})
    const heard: Activity[] = []
    journal.subscribe((r) => heard.push(r))
    for (const seq of [40, 41, 42, 43, 44]) journal.restore(record(seq))
    expect(journal.since().map((r) => r.seq)).toEqual([42, 43, 44])
    expect(journal.first).toBe(42)
    expect(journal.next).toBe(45)
    expect(heard).toEqual([])
    expect(journal.append(rejectedRecord({}, 400, 'new', 'ingress')).seq).toBe(45)
    expect(heard.map((r) => r.seq)).toEqual([45])
    expect(journal.since().map((r) => r.seq)).toEqual([43, 44, 45])
  })

  it('leaves a gap where a record could not be read, and starts again after a gap wider than the history', () => {
    const journal = new Journal(new VirtualClock(), {records: 5})
    for (const seq of [1, 2, 4, 5]) journal.restore(record(seq))
    expect(journal.since().map((r) => r.seq)).toEqual([1, 2, 4, 5])
    expect(journal.get(3)).toBeUndefined()
    journal.restore(record(7))
    expect(journal.since().map((r) => r.seq)).toEqual([4, 5, 7])
    journal.restore(record(100))
    expect(journal.since().map((r) => r.seq)).toEqual([100])
    expect(journal.first).toBe(100)
    // the byte bound counts only what is kept
    const alone = new Journal(new VirtualClock(), {records: 5})
    alone.restore(record(100))
    expect(journal.bytes).toBe(alone.bytes)
  })
})
