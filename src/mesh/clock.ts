// Time as the mesh sees it. Retry waits (and later PingSource schedules) go through a Clock so tests can
// run a ten-retry exponential schedule in milliseconds on a virtual one.

export interface Clock {
  now(): number
  /** Resolves after `ms` of this clock's time; rejects with the signal's reason when aborted. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>
}

export const realClock: Clock = {
  now: () => Date.now(),
  sleep(ms, signal) {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason)
      if (ms <= 0) return resolve()
      const onAbort = (): void => {
        clearTimeout(timer)
        reject(signal!.reason)
      }
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort)
        resolve()
      }, ms)
      signal?.addEventListener('abort', onAbort, {once: true})
    })
  },
}

interface Sleeper {
  at: number
  order: number
  resolve: () => void
}

/** A clock that only moves when told to: `advance(ms)` wakes every sleeper due by then, in order. */
export class VirtualClock implements Clock {
  private current: number
  private sleepers: Sleeper[] = []
  private order = 0

  constructor(start = Date.parse('2024-01-01T00:00:00Z')) {
    this.current = start
  }

  now(): number {
    return this.current
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason)
      const sleeper: Sleeper = {at: this.current + Math.max(0, ms), order: this.order++, resolve}
      this.sleepers.push(sleeper)
      signal?.addEventListener('abort', () => {
        this.sleepers = this.sleepers.filter((s) => s !== sleeper)
        reject(signal.reason)
      }, {once: true})
    })
  }

  /** Number of pending sleeps (what a test waits for before advancing). */
  get pending(): number {
    return this.sleepers.length
  }

  /** Moves time forward, waking sleepers due by the new time one at a time so that each can schedule more. */
  async advance(ms: number): Promise<void> {
    const target = this.current + ms
    for (;;) {
      await new Promise((resolve) => setImmediate(resolve))
      const due = this.sleepers.filter((s) => s.at <= target).sort((a, b) => a.at - b.at || a.order - b.order)[0]
      if (!due) break
      this.sleepers = this.sleepers.filter((s) => s !== due)
      this.current = Math.max(this.current, due.at)
      due.resolve()
    }
    this.current = target
  }
}
