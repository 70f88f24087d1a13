// Which triggers the events with given attributes reached, from the records of their arrivals, and what a
// miss explains: every arrival routed otherwise, with its path.
import {describe, expect, it} from 'vitest'
import {eventRecord, type Activity, type EventRef} from '../../src/core/activity.js'
import type {CloudEvent} from '../../src/core/cloudevent.js'
import type {FlowObservation} from '../../src/core/flow-test/check.js'
import {checkRouting, describeRouting} from '../../src/core/flow-test/routed.js'

const START = Date.parse('2024-01-01T00:00:00Z')

function event(type: string, id: string, data: unknown): CloudEvent {
  return {
    specversion: '1.0',
    id,
    source: '/test',
    type,
    datacontenttype: 'application/json',
    data: Buffer.from(JSON.stringify(data)),
    extensions: {},
  }
}

/** Arrivals at brokers, each with the triggers whose filters passed it, `ms` apart. */
function arrivals(...list: {broker: string; type: string; data?: unknown; matched: string[]; notMatched?: string[]}[]): FlowObservation {
  const records: Activity[] = list.map((a, i) => {
    const ref: EventRef = {broker: a.broker, arrival: i + 1, id: `e${i + 1}`, type: a.type, source: '/test'}
    const record = eventRecord(
      ref,
      'ingress',
      undefined,
      undefined,
      {matched: a.matched, notMatched: a.notMatched ?? []},
      event(a.type, ref.id, a.data ?? {}),
    )
    return {...record, seq: i + 1, at: new Date(START + i * 1000).toISOString()}
  })
  return {records}
}

describe('checkRouting', () => {
  const created = 'com.example.order.created'

  it('passes when every such arrival reached exactly the triggers named, by name or namespace/name', () => {
    const observation = arrivals(
      {broker: 'default/default', type: created, matched: ['default/orders', 'default/vip']},
      {broker: 'default/default', type: created, matched: ['default/vip', 'default/orders']},
      {broker: 'default/default', type: 'com.example.order.cancelled', matched: ['default/audit']},
    )
    expect(checkRouting({type: created}, ['orders', 'default/vip'], observation)).toEqual({
      pass: true,
      message: 'com.example.order.created routed to triggers orders, default/vip',
      details: [],
    })
    expect(checkRouting({type: 'com.example.order.cancelled'}, ['orders'], observation).pass).toBe(false)
  })

  it('names how many arrivals were routed otherwise, and shows their paths', () => {
    const observation = arrivals(
      {broker: 'default/default', type: created, data: {vip: true}, matched: ['default/orders', 'default/vip']},
      {broker: 'default/default', type: created, data: {vip: false}, matched: ['default/orders'], notMatched: ['default/vip']},
    )
    const result = checkRouting({type: created}, ['orders', 'vip'], observation)
    expect(result.pass).toBe(false)
    expect(result.message).toBe(
      'expected com.example.order.created routed to triggers orders, vip, but 1 of its 2 arrivals did not (arrival 2 reached default/orders)',
    )
    expect(result.details[0]).toBe('what the mesh did with the event:')
    expect(result.details[1]).toBe('  arrival 2: com.example.order.created id=e2 at broker default/default data {"vip":false}')
    // data narrows the events the check is about, as a subset
    expect(checkRouting({type: created, data: {vip: true}}, ['orders', 'vip'], observation).pass).toBe(true)
  })

  it('checks only the broker named, and no trigger at all with []', () => {
    const observation = arrivals(
      {broker: 'default/default', type: created, matched: ['default/orders']},
      {broker: 'default/archive', type: created, matched: []},
    )
    expect(checkRouting({type: created, broker: 'archive'}, [], observation).pass).toBe(true)
    expect(checkRouting({type: created, broker: 'default/default'}, ['orders'], observation).pass).toBe(true)
    expect(checkRouting({type: created, broker: 'archive'}, ['orders'], observation).message).toBe(
      'expected com.example.order.created at broker archive routed to trigger orders, but it reached no trigger',
    )
  })

  it('says so when no such event arrived, with the paths of the events sent', () => {
    const result = checkRouting(
      {type: 'com.example.refund'},
      ['refunds'],
      arrivals({broker: 'default/default', type: created, matched: []}),
    )
    expect(result.message).toBe(
      'expected com.example.refund routed to trigger refunds, but no event that has the attributes asked for arrived at a broker',
    )
    expect(result.details.slice(0, 2)).toEqual([
      'what the mesh did with the events sent:',
      '  arrival 1: com.example.order.created id=e1 at broker default/default data {}',
    ])
    expect(checkRouting({type: 'x'}, [], {records: []}).details).toEqual(['what the mesh did: no event arrived'])
  })

  it('describes the event by its attributes', () => {
    expect(describeRouting({type: created, source: '/shop', extensions: {tenant: 'acme'}, data: {id: 1}}, ['orders'])).toBe(
      'com.example.order.created source=/shop tenant=acme data {"id":1} routed to trigger orders',
    )
  })
})
