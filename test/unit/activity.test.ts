import {describe, expect, it} from 'vitest'
import {selectsActivity, type ActivityBody} from '../../src/core/activity.js'

const ref = {arrival: 1, id: 'e1', type: 'com.example.order', source: '/shop'}
const onBroker = {kind: 'settled', broker: 'shop/default', ...ref, outcomes: {}} as unknown as ActivityBody
const onChannel = {kind: 'settled', channel: 'shop/orders', ...ref, outcomes: {}} as unknown as ActivityBody
const rejected = {kind: 'rejected', broker: 'shop/default', status: 400, error: 'bad', via: 'ingress'} as ActivityBody

describe('kne tail selection', () => {
  it('picks records by broker or by channel', () => {
    expect(selectsActivity({broker: 'shop/default'}, onBroker)).toBe(true)
    expect(selectsActivity({broker: 'shop/default'}, onChannel)).toBe(false)
    expect(selectsActivity({channel: 'shop/orders'}, onChannel)).toBe(true)
    expect(selectsActivity({channel: 'shop/orders'}, onBroker)).toBe(false)
  })

  it('picks by type and source; rejections carry neither, so they only show without those filters', () => {
    expect(selectsActivity({type: 'com.example.order', source: '/shop'}, onBroker)).toBe(true)
    expect(selectsActivity({type: 'com.example.other'}, onBroker)).toBe(false)
    expect(selectsActivity({broker: 'shop/default'}, rejected)).toBe(true)
    expect(selectsActivity({type: 'com.example.order'}, rejected)).toBe(false)
  })
})

describe('kne tail selection of requests to addresses that do not exist', () => {
  const notFound = {
    kind: 'not-found',
    status: 404,
    path: '/shop/defualt',
    error: 'broker shop/defualt not found',
    serves: ['shop/default'],
    id: 'e1',
    type: 'com.example.order',
    source: '/shop',
  } as ActivityBody

  it("shows them unless a broker or channel is asked for, by their event's type and source", () => {
    expect(selectsActivity({}, notFound)).toBe(true)
    expect(selectsActivity({type: 'com.example.order', source: '/shop'}, notFound)).toBe(true)
    expect(selectsActivity({type: 'com.example.other'}, notFound)).toBe(false)
    expect(selectsActivity({broker: 'shop/default'}, notFound)).toBe(false)
    expect(selectsActivity({channel: 'shop/orders'}, notFound)).toBe(false)
  })
})
