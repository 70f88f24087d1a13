// How kne tail and kne dev print a channel's records: where an arrival came from, a subscription's attempts
// and outcomes, a dropped reply, and a delivery left unfinished at shutdown.
import {describe, expect, it} from 'vitest'
import {colors, describeDelivery, renderActivity} from '../../src/client/render.js'
import type {ActivityJson} from '../../src/core/activity.js'

const c = colors({isTTY: false} as NodeJS.WriteStream)
const at = {seq: 1, at: '2024-01-01T00:00:01.250Z'}
const ref = {channel: 'default/s-kn-sequence-1', arrival: 4, id: 'e1', type: 'com.example.step', source: '/step', ...at}

describe('rendering channel activity', () => {
  it('names the channel and where the event came from', () => {
    const reply = {
      ...ref,
      kind: 'event',
      via: 'reply',
      replyTo: {arrival: 3, subscription: 'default/s-kn-sequence-0'},
      event: {},
    } as ActivityJson
    expect(renderActivity(reply, c)).toBe(
      '00:00:01.250 channel default/s-kn-sequence-1 ← com.example.step id=e1 source=/step reply from default/s-kn-sequence-0',
    )
    const delivered = {
      ...ref,
      kind: 'event',
      via: 'ingress',
      from: {arrival: 1, trigger: 'default/to-seq', target: 'subscriber'},
      event: {},
    } as ActivityJson
    expect(renderActivity(delivered, c)).toMatch(/ from default\/to-seq$/)
    const deadLettered = {
      ...ref,
      kind: 'event',
      via: 'ingress',
      from: {arrival: 1, trigger: 'default/t', target: 'dead-letter-sink'},
      event: {},
    } as ActivityJson
    expect(renderActivity(deadLettered, c)).toMatch(/ dead-lettered by default\/t$/)
    expect(renderActivity({kind: 'rejected', channel: 'default/loop', status: 400, error: 'too many hops', via: 'reply', ...at}, c)).toBe(
      '00:00:01.250 channel default/loop ✗ rejected 400: too many hops',
    )
  })

  it("shows a subscription's attempts and outcomes like a trigger's, and says when a reply was dropped", () => {
    const attempt = {
      ...ref,
      kind: 'attempt',
      subscription: 'default/s-kn-sequence-1',
      target: 'reply',
      url: 'http://x',
      attempt: 1,
      status: 202,
      durationMs: 1.5,
    } as ActivityJson
    expect(renderActivity(attempt, c)).toBe('00:00:01.250   → default/s-kn-sequence-1 reply attempt 1: HTTP 202 in 1.5 ms')
    const dropped = {
      ...ref,
      kind: 'outcome',
      subscription: 'default/s-kn-sequence-1',
      outcome: 'delivered',
      status: 200,
      replyDropped: true,
    } as ActivityJson
    expect(renderActivity(dropped, c)).toBe(
      '00:00:01.250   delivered default/s-kn-sequence-1 id=e1 (reply dropped: the subscription has no reply)',
    )
  })

  it('describes an unfinished delivery of a broker or a channel', () => {
    expect(describeDelivery({arrival: 2, id: 'e1', broker: 'default/default', trigger: 'default/t'})).toBe(
      'event e1 (arrival 2) on default/default for trigger default/t',
    )
    expect(describeDelivery({arrival: 3, id: 'e1', channel: 'default/pipe', subscription: 'default/log'})).toBe(
      'event e1 (arrival 3) on channel default/pipe for subscription default/log',
    )
  })

  it("shows a subscription's delivery resumed after a restart in one line, with the wait left", () => {
    const resumed = {
      ...ref,
      kind: 'resumed',
      subscription: 'default/s-kn-sequence-1',
      target: 'dead-letter-sink',
      attempt: 2,
      waitMs: 1600,
      mayRepeat: false,
    } as ActivityJson
    expect(renderActivity(resumed, c)).toBe(
      '00:00:01.250   ↻ default/s-kn-sequence-1 dead-letter-sink id=e1 resumed after a restart: attempt 2 in 1.6 s',
    )
  })
})
