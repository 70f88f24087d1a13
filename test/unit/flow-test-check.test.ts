// Expectations checked against an event's records, and what a miss explains: the event's path, each
// attempt, and the nearest deliveries with the fields that differ.
import {describe, expect, it} from 'vitest'
import {attemptRecord, eventRecord, outcomeRecord, settledRecord, type Activity, type EventRef} from '../../src/core/activity.js'
import type {CloudEvent} from '../../src/core/cloudevent.js'
import {
  checkExpectation,
  checkExpectations,
  deliveryFacts,
  subsetDifferences,
  type FlowObservation,
} from '../../src/core/flow-test/check.js'
import type {Expectation} from '../../src/core/flow-test/format.js'

const START = Date.parse('2024-01-01T00:00:00Z')
const URLS: Record<string, string> = {
  'http://127.0.0.1:1001': 'order-processor',
  'http://127.0.0.1:1002': 'payments',
  'http://127.0.0.1:1003': 'dead-letters',
}
const url = (name: string): string => Object.keys(URLS).find((u) => URLS[u] === name)!

/** A journal: records stamped with sequence numbers and times `ms` after START. */
function journal(): {records: Activity[]; add(record: Activity, ms?: number): void} {
  const records: Activity[] = []
  return {
    records,
    add(record, ms = 0) {
      records.push({...record, seq: records.length + 1, at: new Date(START + ms).toISOString()})
    },
  }
}

function event(type: string, data: unknown, id = 'e1'): CloudEvent {
  return {
    specversion: '1.0',
    id,
    source: '/test',
    type,
    datacontenttype: 'application/json',
    data: Buffer.from(JSON.stringify(data)),
    extensions: {tenant: 'acme'},
  }
}

/** One order: order-processor takes it at once; payments fails twice and the event is dead-lettered; audit is filtered out. */
function orders(): FlowObservation {
  const j = journal()
  const ref: EventRef = {broker: 'default/default', arrival: 1, id: 'e1', type: 'com.example.order.created', source: '/test'}
  j.add(
    eventRecord(
      ref,
      'ingress',
      undefined,
      undefined,
      {matched: ['default/orders', 'default/vip'], notMatched: ['default/audit']},
      event(ref.type, {id: 1, total: 30}),
    ),
  )
  j.add(attemptRecord(ref, {trigger: 'default/orders'}, 'subscriber', `${url('order-processor')}/`, 1, 200, undefined, 3, undefined))
  j.add(outcomeRecord(ref, {trigger: 'default/orders'}, {outcome: 'delivered', status: 200}))
  j.add(attemptRecord(ref, {trigger: 'default/vip'}, 'subscriber', url('payments'), 1, 503, undefined, 2, 1000))
  j.add(attemptRecord(ref, {trigger: 'default/vip'}, 'subscriber', url('payments'), 2, 503, undefined, 2, undefined), 1000)
  j.add(attemptRecord(ref, {trigger: 'default/vip'}, 'dead-letter-sink', url('dead-letters'), 1, 202, undefined, 1, undefined), 1000)
  j.add(outcomeRecord(ref, {trigger: 'default/vip'}, {outcome: 'dead-lettered', status: 503}), 1000)
  j.add(settledRecord(ref, {'default/orders': 'delivered', 'default/vip': 'dead-lettered'}), 1000)
  return {
    records: j.records,
    nameOf: (u) => URLS[new URL(u).origin],
    explain: () => ['    trigger default/audit: NOT DELIVERED (fail): type is com.example.order.created, not com.example.audit'],
  }
}

const check = (e: Omit<Expectation, 'kind'> & {kind?: Expectation['kind']}, o = orders()) => checkExpectation({kind: 'delivered', ...e}, o)

describe('flow test expectations', () => {
  it('finds each delivery with its subscriber, attempts and outcome', () => {
    const facts = deliveryFacts(orders())
    expect(facts.map((f) => [f.trigger, f.outcome, f.attempts.length, f.subscriberUrl, f.deadLetterUrl])).toEqual([
      ['default/orders', 'delivered', 1, 'http://127.0.0.1:1001/', undefined],
      ['default/vip', 'dead-lettered', 3, 'http://127.0.0.1:1002', 'http://127.0.0.1:1003'],
    ])
  })

  it('matches attributes exactly and data as a subset, by subscriber name, trigger and broker', () => {
    expect(check({to: 'order-processor', type: 'com.example.order.created', data: {id: 1}}).pass).toBe(true)
    expect(check({trigger: 'orders', broker: 'default', extensions: {tenant: 'acme'}}).pass).toBe(true)
    expect(check({to: 'http://127.0.0.1:1001', trigger: 'default/orders'}).pass).toBe(true)
    expect(check({to: 'order-processor', count: 1}).pass).toBe(true)
    expect(check({kind: 'deadLettered', trigger: 'vip', deadLetterSink: 'dead-letters', count: 1}).pass).toBe(true)
    expect(check({kind: 'notDelivered', to: 'payments'}).pass).toBe(true)
    expect(check({type: 'com.example.order'}).pass).toBe(false)
    expect(check({to: 'order-processor', count: 2}).message).toBe(
      'expected delivered to order-processor ×2, but the mesh made 1 such delivery',
    )
  })

  it('explains a miss: the event’s path with each trigger’s decision and attempt, and the nearest candidates with what differs', () => {
    const result = check({to: 'order-processor', type: 'com.example.order.created', data: {id: 2}})
    expect(result.pass).toBe(false)
    expect(result.message).toBe(
      'expected delivered to order-processor: com.example.order.created data {"id":2}, but the mesh made no such delivery',
    )
    expect(result.details).toEqual([
      'what the mesh did with the event:',
      '  arrival 1: com.example.order.created id=e1 at broker default/default data {"id":1,"total":30}',
      '    trigger default/audit: NOT DELIVERED (fail): type is com.example.order.created, not com.example.audit',
      '    → default/orders → order-processor attempt 1: HTTP 200',
      '    default/orders: delivered',
      '    → default/vip → payments attempt 1: HTTP 503, retry in 1000 ms',
      '    → default/vip → payments attempt 2: HTTP 503',
      '    → default/vip → dead-letters (dead-letter-sink) attempt 1: HTTP 202',
      '    default/vip: dead-lettered',
      'nearest candidates:',
      '  delivered to order-processor (trigger default/orders, arrival 1, com.example.order.created, 1 attempt)',
      '    data.id: want 2, saw 1',
      '  dead-lettered to payments (trigger default/vip, arrival 1, com.example.order.created, 2 attempts)',
      '    outcome: want delivered, saw dead-lettered',
      '    to: want order-processor, saw payments',
      '    data.id: want 2, saw 1',
    ])
  })

  it('says which deliveries broke notDelivered', () => {
    const result = check({kind: 'notDelivered', to: 'order-processor'})
    expect(result.message).toBe('expected not delivered to order-processor, but the mesh delivered 1 such event')
    expect(result.details[0]).toBe('what the mesh did:')
    expect(result.details).toContain('    default/orders: delivered')
  })

  it('counts only what happened by `until`, as `within` asks', () => {
    const observation = {...orders(), until: START + 500}
    expect(checkExpectation({kind: 'deadLettered', trigger: 'vip'}, observation).pass).toBe(false)
    expect(checkExpectation({kind: 'delivered', trigger: 'orders'}, observation).pass).toBe(true)
    expect(deliveryFacts(observation).find((f) => f.trigger === 'default/vip')!.outcome).toBe('pending')
  })

  it('checks a list in order, and says when the deliveries happened the other way round', () => {
    const o = orders()
    const delivered: Expectation = {kind: 'delivered', trigger: 'orders'}
    const dead: Expectation = {kind: 'deadLettered', trigger: 'vip'}
    expect(checkExpectations([delivered, dead], o, true).pass).toBe(true)
    const reversed = checkExpectations([dead, delivered], o, true)
    expect(reversed.pass).toBe(false)
    expect(reversed.message).toBe(
      'expected in order: delivered by trigger orders after dead-lettered by trigger vip, but it happened before',
    )
    expect(checkExpectations([dead, delivered], o, false).pass).toBe(true)
  })

  it('matches a reply by the reply’s attributes', () => {
    const j = journal()
    const ref: EventRef = {broker: 'default/default', arrival: 1, id: 'q', type: 'com.example.question', source: '/test'}
    const reply: EventRef = {broker: 'default/default', arrival: 2, id: 'a', type: 'com.example.answer', source: 'kne-sink'}
    j.add(eventRecord(ref, 'ingress', undefined, undefined, {matched: ['default/ask'], notMatched: []}, event(ref.type, {})))
    j.add(attemptRecord(ref, {trigger: 'default/ask'}, 'subscriber', url('payments'), 1, 200, undefined, 1, undefined))
    j.add(outcomeRecord(ref, {trigger: 'default/ask'}, {outcome: 'replied', status: 200, replyArrival: 2}))
    j.add(
      eventRecord(
        reply,
        'reply',
        {trigger: 'default/ask', arrival: 1},
        undefined,
        {matched: [], notMatched: []},
        event(reply.type, {answer: 42}, 'a'),
      ),
    )
    const o: FlowObservation = {records: j.records, nameOf: (u) => URLS[u]}
    expect(checkExpectation({kind: 'replied', trigger: 'ask', type: 'com.example.answer', data: {answer: 42}}, o).pass).toBe(true)
    expect(checkExpectation({kind: 'delivered', to: 'payments', type: 'com.example.question'}, o).pass).toBe(true)
    const miss = checkExpectation({kind: 'replied', trigger: 'ask', type: 'com.example.other'}, o)
    expect(miss.details).toContain('    reply.type: want com.example.other, saw com.example.answer')
  })

  it('compares data as toMatchObject does', () => {
    expect(subsetDifferences({a: {b: 1}}, {a: {b: 1, c: 2}, d: 3})).toEqual([])
    expect(subsetDifferences({items: [{id: 1}]}, {items: [{id: 1, n: 2}]})).toEqual([])
    expect(subsetDifferences({items: [{id: 1}]}, {items: [{id: 1}, {id: 2}]})).toEqual([
      {field: 'data.items', want: '[{"id":1}]', saw: '[{"id":1},{"id":2}]'},
    ])
    expect(subsetDifferences({a: 1}, {b: 1})).toEqual([{field: 'data.a', want: '1', saw: '(absent)'}])
    expect(subsetDifferences('hello', 'hello')).toEqual([])
    expect(subsetDifferences({a: 1}, 'text')).toEqual([{field: 'data', want: '{"a":1}', saw: '"text"'}])
  })
})
