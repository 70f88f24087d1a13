// The real clock's waits past setTimeout's limit (2^31 − 1 ms, about 24.8 days), where Node would fire after
// 1 ms: on vitest's fake timers, which clamp such a delay to 1 ms exactly as Node does, so weeks pass at once.
import {afterEach, describe, expect, it, vi} from 'vitest'
import {MAX_TIMER_MS, realClock} from '../../src/mesh/clock.js'

const DAY = 86_400_000

afterEach(() => {
  vi.useRealTimers()
})

describe('realClock.sleep', () => {
  it('waits 40 days when asked to, instead of waking after 1 ms', async () => {
    vi.useFakeTimers({toFake: ['setTimeout', 'clearTimeout', 'Date']})
    let woke = false
    const sleeping = realClock.sleep(40 * DAY).then(() => {
      woke = true
    })
    await vi.advanceTimersByTimeAsync(1000)
    expect(woke).toBe(false)
    await vi.advanceTimersByTimeAsync(40 * DAY - 1001)
    expect(woke).toBe(false)
    await vi.advanceTimersByTimeAsync(1)
    await sleeping
    expect(woke).toBe(true)
  })

  it('reads the clock again after each chunk, so a wall clock that jumps ahead ends the wait sooner', async () => {
    vi.useFakeTimers({toFake: ['setTimeout', 'clearTimeout', 'Date']})
    let woke = false
    void realClock.sleep(3 * MAX_TIMER_MS).then(() => {
      woke = true
    })
    vi.setSystemTime(Date.now() + 2 * MAX_TIMER_MS) // the laptop slept
    await vi.advanceTimersByTimeAsync(MAX_TIMER_MS - 1)
    expect(woke).toBe(false)
    await vi.advanceTimersByTimeAsync(2)
    expect(woke).toBe(true)
  })

  it('stops a long wait when its signal is aborted', async () => {
    vi.useFakeTimers({toFake: ['setTimeout', 'clearTimeout', 'Date']})
    const stop = new AbortController()
    const sleeping = realClock.sleep(60 * DAY, stop.signal)
    await vi.advanceTimersByTimeAsync(30 * DAY)
    stop.abort(new Error('stopped'))
    await expect(sleeping).rejects.toThrow('stopped')
    expect(vi.getTimerCount()).toBe(0)
  })
})
