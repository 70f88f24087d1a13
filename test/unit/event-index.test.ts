// The index of event summaries, fed records as the mesh writes them: per arrival its deliveries' outcomes,
// queries by attribute, place, time and outcome (newest first), redelivery links both ways, and its bounds.
import {describe, expect, it} from 'vitest'
import {
  attemptRecord,
  eventRecord,
  outcomeRecord,
  settledRecord,
  type Activity,
  type EventRef,
  type Outcome,
  type Redelivers,
} from '../../src/core/activity.js'
import {ArrivalSlots, EventIndex, planRedelivery} from '../../src/core/event-log/index.js'

const START = Date.parse('2026-01-01T00:00:00Z')

/** Records stamped as the journal stamps them, one second apart. */
function stamper(): (record: Activity) => Activity {
  let seq = 0
  return (record) => {
    seq++
    record.seq = seq
    record.at = new Date(START + seq * 1000).toISOString()
    return record
  }
}

const event = (id: string, type = 'com.example.order', source = '/shop') => ({
  specversion: '1.0' as const,
  id,
  type,
  source,
  extensions: {},
})

/** Records of one broker event with these trigger outcomes (undefined: still pending, no outcome yet). */
function brokerEvent(
  arrival: number,
  id: string,
  outcomes: Record<string, Outcome | undefined>,
  options: {type?: string; broker?: string; redelivers?: Redelivers} = {},
): Activity[] {
  const type = options.type ?? 'com.example.order'
  const ref: EventRef = {broker: options.broker ?? 'default/default', arrival, id, type, source: '/shop'}
  const triggers = Object.keys(outcomes)
  const records: Activity[] = [
    eventRecord(ref, 'ingress', undefined, undefined, {matched: triggers, notMatched: []}, event(id, type), options.redelivers),
  ]
  for (const trigger of triggers) {
    const outcome = outcomes[trigger]
    records.push(attemptRecord(ref, {trigger}, 'subscriber', 'http://127.0.0.1:9/', 1, 500, undefined, 3, outcome ? undefined : 1000))
    if (outcome) records.push(outcomeRecord(ref, {trigger}, {outcome, status: outcome === 'delivered' ? 200 : 500}))
  }
  if (triggers.every((t) => outcomes[t] !== undefined)) records.push(settledRecord(ref, outcomes as Record<string, Outcome>))
  return records
}

function indexOf(...events: Activity[][]): EventIndex {
  const stamp = stamper()
  const index = new EventIndex()
  for (const record of events.flat()) index.add(stamp(record))
  return index
}

describe('the event index', () => {
  it('summarises each arrival: attributes, place, time, each trigger outcome or pending, attempts, settled, seqs', () => {
    const index = indexOf(
      brokerEvent(1, 'a', {'default/orders': 'dead-lettered', 'default/audit': 'delivered'}),
      brokerEvent(2, 'b', {'default/orders': undefined}),
    )
    const [b, a] = index.query().events
    expect(a).toMatchObject({
      arrival: 1,
      id: 'a',
      type: 'com.example.order',
      source: '/shop',
      broker: 'default/default',
      via: 'ingress',
      settled: true,
    })
    expect(a!.at).toBe('2026-01-01T00:00:01.000Z')
    expect(a!.deliveries).toEqual([
      {trigger: 'default/orders', outcome: 'dead-lettered', attempts: 1, status: 500, error: undefined},
      {trigger: 'default/audit', outcome: 'delivered', attempts: 1, status: 200, error: undefined},
    ])
    expect([a!.firstSeq, a!.lastSeq]).toEqual([1, 6])
    expect(b).toMatchObject({arrival: 2, settled: false, deliveries: [{trigger: 'default/orders', outcome: 'pending', attempts: 1}]})
  })

  it('picks events by type, source, id, broker, trigger, outcome and time, newest first, up to the limit', () => {
    const index = indexOf(
      brokerEvent(1, 'a', {'default/orders': 'dead-lettered'}),
      brokerEvent(2, 'b', {'default/orders': 'replied'}, {type: 'com.example.refund'}),
      brokerEvent(3, 'c', {'default/audit': 'failed'}, {broker: 'shop/payments'}),
      brokerEvent(4, 'd', {'default/orders': undefined}),
    )
    const ids = (query: Parameters<EventIndex['query']>[0]): string[] => index.query(query).events.map((e) => e.id)
    expect(ids({})).toEqual(['d', 'c', 'b', 'a'])
    expect(ids({type: 'com.example.refund'})).toEqual(['b'])
    expect(ids({source: '/elsewhere'})).toEqual([])
    expect(ids({id: 'c'})).toEqual(['c'])
    expect(ids({broker: 'shop/payments'})).toEqual(['c'])
    expect(ids({trigger: 'default/orders'})).toEqual(['d', 'b', 'a'])
    expect(ids({outcomes: ['dead-lettered']})).toEqual(['a'])
    // replied counts as delivered
    expect(ids({outcomes: ['delivered']})).toEqual(['b'])
    expect(ids({outcomes: ['pending']})).toEqual(['d'])
    expect(ids({outcomes: ['dead-lettered', 'failed']})).toEqual(['c', 'a'])
    // the outcome of the trigger asked for
    expect(ids({trigger: 'default/orders', outcomes: ['failed']})).toEqual([])
    // a: seq 1 (00:01), b: seq 4 (00:04), c: seq 7 (00:07), d: seq 10 (00:10)
    expect(ids({since: START + 4000})).toEqual(['d', 'c', 'b'])
    expect(ids({until: START + 7000})).toEqual(['b', 'a'])
    expect(index.query({limit: 2})).toMatchObject({matched: 4, dropped: 0})
    expect(ids({limit: 2})).toEqual(['d', 'c'])
  })

  it('finds events by arrival number or id (an id several arrivals share gives them all, newest first)', () => {
    const index = indexOf(
      brokerEvent(1, 'same', {t: 'delivered'}),
      brokerEvent(2, 'other', {t: 'delivered'}),
      brokerEvent(3, 'same', {t: 'delivered'}),
    )
    expect(index.find('same').map((e) => e.arrival)).toEqual([3, 1])
    expect(index.find(2).map((e) => e.id)).toEqual(['other'])
    expect(index.find('2').map((e) => e.id)).toEqual(['other'])
    expect(index.find('none')).toEqual([])
  })

  it('links an event and its redeliveries both ways, and plans only what has not been redelivered successfully', () => {
    const original = brokerEvent(1, 'a', {'default/orders': 'dead-lettered', 'default/audit': 'failed'})
    const again = brokerEvent(2, 'a', {'default/orders': 'delivered'}, {redelivers: {arrival: 1, trigger: 'default/orders'}})
    const index = indexOf(original, again)
    const first = index.get(1)!
    expect(first.deliveries[0]).toMatchObject({trigger: 'default/orders', redeliveredAs: [2]})
    expect(first.lastSeq).toBe(index.get(2)!.firstSeq)
    expect(index.get(2)!.redelivers).toEqual({arrival: 1, trigger: 'default/orders'})
    expect(planRedelivery(index, [first])).toEqual([
      {
        arrival: 1,
        id: 'a',
        type: 'com.example.order',
        trigger: 'default/orders',
        outcome: 'dead-lettered',
        skipped: 'already redelivered as arrival 2, and delivered',
      },
      {arrival: 1, id: 'a', type: 'com.example.order', trigger: 'default/audit', outcome: 'failed'},
    ])
    expect(planRedelivery(index, [first], {subscriber: 'default/audit', outcomes: ['dead-lettered']})).toEqual([])
    // a redelivery under way holds too; one that failed again does not
    const pending = indexOf(
      original,
      brokerEvent(2, 'a', {'default/orders': undefined}, {redelivers: {arrival: 1, trigger: 'default/orders'}}),
    )
    expect(planRedelivery(pending, [pending.get(1)!], {subscriber: 'default/orders'})[0]!.skipped).toBe(
      'already being redelivered as arrival 2',
    )
    const failedAgain = indexOf(
      original,
      brokerEvent(2, 'a', {'default/orders': 'dead-lettered'}, {redelivers: {arrival: 1, trigger: 'default/orders'}}),
    )
    expect(planRedelivery(failedAgain, [failedAgain.get(1)!], {subscriber: 'default/orders'})[0]!.skipped).toBeUndefined()
  })

  it('learns a channel subscriptions from their records', () => {
    const ref: EventRef = {channel: 'default/orders', arrival: 1, id: 'c', type: 't', source: '/s'}
    const index = indexOf([
      eventRecord(ref, 'ingress', undefined, undefined, undefined, event('c', 't', '/s')),
      attemptRecord(ref, {subscription: 'default/worker'}, 'subscriber', 'http://127.0.0.1:9/', 1, 500, 'boom', 2, 1000),
      attemptRecord(ref, {subscription: 'default/worker'}, 'subscriber', 'http://127.0.0.1:9/', 2, 500, 'boom', 2, undefined),
      outcomeRecord(ref, {subscription: 'default/worker'}, {outcome: 'failed', status: 500, error: 'boom'}),
      settledRecord(ref, {'default/worker': 'failed'}),
    ])
    expect(index.get(1)).toMatchObject({
      channel: 'default/orders',
      settled: true,
      deliveries: [{subscription: 'default/worker', outcome: 'failed', attempts: 2, error: 'boom'}],
    })
    expect(index.query({subscription: 'default/worker', outcomes: ['failed']}).events).toHaveLength(1)
  })

  it('keeps at most its bound of events, dropping the oldest first and counting them', () => {
    const stamp = stamper()
    const index = new EventIndex({events: 3})
    for (let arrival = 1; arrival <= 5; arrival++)
      for (const r of brokerEvent(arrival, `e${arrival}`, {t: 'delivered'})) index.add(stamp(r))
    expect(index.query()).toMatchObject({matched: 3, dropped: 2})
    expect(index.query().events.map((e) => e.arrival)).toEqual([5, 4, 3])
    // records of an arrival it dropped change nothing
    index.add(
      stamp(outcomeRecord({broker: 'default/default', arrival: 1, id: 'e1', type: 't', source: '/s'}, {trigger: 't'}, {outcome: 'failed'})),
    )
    expect(index.get(1)).toBeUndefined()

    const small = new EventIndex({bytes: 2000})
    for (let arrival = 1; arrival <= 20; arrival++)
      for (const r of brokerEvent(arrival, `e${arrival}`, {t: 'delivered'})) small.add(stamp(r))
    expect(small.bytes).toBeLessThanOrEqual(2000)
    expect(small.size + small.dropped).toBe(20)
    expect(small.query().events[0]!.arrival).toBe(20)
  })

  it('counts the bytes of the events it keeps, whatever it dropped and however their deliveries changed', () => {
    const stamp = stamper()
    const records = (arrival: number): Activity[] => {
      const ref: EventRef = {broker: 'default/default', arrival, id: `e${arrival}`, type: 'com.example.order', source: '/shop'}
      return [
        ...brokerEvent(arrival, `e${arrival}`, {a: 'delivered', b: undefined}),
        outcomeRecord(ref, {trigger: 'b'}, {outcome: 'dead-lettered', status: 500, error: 'x'.repeat(arrival * 10)}),
        settledRecord(ref, {a: 'delivered', b: 'dead-lettered'}),
      ]
    }
    const bounded = new EventIndex({events: 3})
    for (let arrival = 1; arrival <= 8; arrival++) for (const r of records(arrival)) bounded.add(stamp(r))
    const fresh = new EventIndex()
    for (let arrival = 6; arrival <= 8; arrival++) for (const r of records(arrival)) fresh.add(stamp(r))
    expect(bounded.size).toBe(3)
    expect(bounded.bytes).toBe(fresh.bytes)
  })
})

// the index's store: a value per arrival, oldest first, the oldest dropped in constant time
describe('ArrivalSlots', () => {
  it('keeps values in arrival order across gaps, replacements and arrivals older than the oldest', () => {
    const slots = new ArrivalSlots<string>()
    expect(slots.set(10, 'a')).toBeUndefined()
    slots.set(13, 'b')
    expect(slots.set(10, 'A')).toBe('a')
    slots.set(7, 'c')
    expect(slots.size).toBe(3)
    expect(slots.values()).toEqual(['c', 'A', 'b'])
    expect([slots.get(7), slots.get(8), slots.get(13), slots.get(14), slots.get(-1)]).toEqual(['c', undefined, 'b', undefined, undefined])
    expect(slots.dropOldest()).toBe('c')
    expect(slots.dropOldest()).toBe('A')
    expect(slots.get(10)).toBeUndefined()
    expect(slots.values()).toEqual(['b'])
    expect(slots.dropOldest()).toBe('b')
    expect(slots.dropOldest()).toBeUndefined()
    // empty, it starts again wherever the next arrival is
    slots.set(3, 'd')
    expect([slots.size, slots.get(3), slots.values()]).toEqual([1, 'd', ['d']])
  })

  it('finds every value it holds after many more arrivals than it keeps', () => {
    const slots = new ArrivalSlots<number>()
    for (let arrival = 1; arrival <= 50_000; arrival++) {
      slots.set(arrival, arrival)
      if (slots.size > 100) expect(slots.dropOldest()).toBe(arrival - 100)
    }
    expect(slots.size).toBe(100)
    expect(slots.values()).toEqual(Array.from({length: 100}, (_, i) => 49_901 + i))
    expect(slots.get(49_900)).toBeUndefined()
    expect(slots.get(49_901)).toBe(49_901)
  })
})
