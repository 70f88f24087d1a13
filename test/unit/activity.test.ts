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
