import {describe, expect, it} from 'vitest'
import {isoTime, memoize, perObject, rememberLast} from '../../src/core/memo.js'

function counted<A extends unknown[], R>(compute: (...args: A) => R): {fn: (...args: A) => R; calls: () => number} {
  let calls = 0
  return {fn: (...args: A) => (calls++, compute(...args)), calls: () => calls}
}

describe('rememberLast', () => {
  it('computes again only when an argument changes', () => {
    const {fn, calls} = counted((a: object, b: string) => ({a, b}))
    const remembered = rememberLast(fn)
    const a = {}
    const first = remembered(a, 'x')
    expect(remembered(a, 'x')).toBe(first)
    expect(calls()).toBe(1)
    expect(remembered(a, 'y')).toEqual({a, b: 'y'})
    expect(remembered({}, 'y')).not.toBe(first)
    expect(calls()).toBe(3)
  })

  it('isoTime gives the same string for one millisecond and the right text for each', () => {
    expect(isoTime(0)).toBe('1970-01-01T00:00:00.000Z')
    expect(isoTime(1)).toBe('1970-01-01T00:00:00.001Z')
    expect(isoTime(1)).toBe(isoTime(1))
  })
})

describe('memoize', () => {
  it('computes each distinct string once, undefined results included', () => {
    const {fn, calls} = counted((key: string) => (key === 'none' ? undefined : key.toUpperCase()))
    const memo = memoize(fn)
    expect([memo('a'), memo('a'), memo('none'), memo('none')]).toEqual(['A', 'A', undefined, undefined])
    expect(calls()).toBe(2)
  })

  it('starts over past its bound, and still answers correctly', () => {
    const {fn, calls} = counted((key: string) => key.length)
    const memo = memoize(fn, 2)
    memo('a')
    memo('bb')
    memo('ccc') // the cache was full: it starts over with this one
    expect(calls()).toBe(3)
    expect(memo('ccc')).toBe(3)
    expect(calls()).toBe(3)
    expect(memo('a')).toBe(1)
    expect(calls()).toBe(4)
  })

  it('does not remember a computation that threw', () => {
    let fail = true
    const memo = memoize((key: string) => {
      if (fail) throw new Error(`bad ${key}`)
      return key
    })
    expect(() => memo('x')).toThrow('bad x')
    fail = false
    expect(memo('x')).toBe('x')
  })
})

describe('perObject', () => {
  it('computes once per object, separately for equal but distinct objects', () => {
    const {fn, calls} = counted((route: {key: string}) => ({who: route.key}))
    const memo = perObject(fn)
    const route = {key: 'shop/t1'}
    expect(memo(route)).toBe(memo(route))
    expect(memo({key: 'shop/t1'})).not.toBe(memo(route))
    expect(calls()).toBe(2)
  })
})
