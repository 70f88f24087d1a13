// The events facade over the journal's history: it takes in new records on each request, and starts again
// from what the history holds when the history moved on past records it had not read.
import {describe, expect, it} from 'vitest'
import {eventRecord, settledRecord, type EventRef} from '../../src/core/activity.js'
import {VirtualClock} from '../../src/mesh/clock.js'
import {EventFinder, journalSource} from '../../src/mesh/events.js'
import {Journal} from '../../src/mesh/journal.js'

function arrive(journal: Journal, arrival: number): void {
  const ref: EventRef = {broker: 'default/default', arrival, id: `e${arrival}`, type: 't', source: '/s'}
  const event = {specversion: '1.0' as const, id: ref.id, type: 't', source: '/s', extensions: {}}
  journal.append(eventRecord(ref, 'ingress', undefined, undefined, {matched: [], notMatched: []}, event))
  journal.append(settledRecord(ref, {}))
}

describe('the events facade over the history', () => {
  it('takes in the records appended since the last request', () => {
    const journal = new Journal(new VirtualClock())
    const finder = new EventFinder(journalSource(journal), 'history')
    arrive(journal, 1)
    expect(finder.query().events.map((e) => e.arrival)).toEqual([1])
    arrive(journal, 2)
    expect(finder.query().events.map((e) => [e.arrival, e.settled])).toEqual([
      [2, true],
      [1, true],
    ])
    expect(finder.show('e1').events[0]!.path.map((r) => r.kind)).toEqual(['event', 'settled'])
  })

  it('starts again from the history when it moved on past records not read yet', () => {
    const journal = new Journal(new VirtualClock(), {records: 4})
    const finder = new EventFinder(journalSource(journal), 'history')
    arrive(journal, 1)
    expect(finder.query().events).toHaveLength(1)
    for (let arrival = 2; arrival <= 5; arrival++) arrive(journal, arrival)
    // the history holds arrivals 4 and 5 only: the others' outcomes may be among the records dropped unread
    expect(finder.query().events.map((e) => e.arrival)).toEqual([5, 4])
  })
})
