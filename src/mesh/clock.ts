// Time as the mesh sees it. Retry waits and PingSource schedules go through a Clock so tests can
// run a ten-retry exponential schedule in milliseconds on a virtual one.
import type {AbortLike} from './cancellation.js'

export interface Clock {
  now(): number
  /** Resolves after `ms` of this clock's time; rejects with the signal's reason when aborted. */
  sleep(ms: number, signal?: AbortLike): Promise<void>
}

/** The longest delay setTimeout keeps (2^31 − 1 ms, about 24.8 days): Node fires a longer one after 1 ms. */
export const MAX_TIMER_MS = 2 ** 31 - 1

export const realClock: Clock = {
  now: () => Date.now(),
  sleep(ms, signal) {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason)
      if (ms <= 0) return resolve()
      const until = Date.now() + ms
      let timer: NodeJS.Timeout
      const onAbort = (): void => {
        clearTimeout(timer)
        reject(signal!.reason)
      }
      const wake = (): void => {
        signal?.removeEventListener('abort', onAbort)
        resolve()
      }
      // a wait past setTimeout's limit sleeps in chunks, reading the clock again after each
      const arm = (left: number): void => {
        timer = left > MAX_TIMER_MS ? setTimeout(() => arm(until - Date.now()), MAX_TIMER_MS) : setTimeout(wake, left)
      }
      arm(ms)
      signal?.addEventListener('abort', onAbort, {once: true})
    })
  },
}

interface Sleeper {
  at: number
  order: number
  resolve: () => void
}

/**
 * A clock that only moves when told to. A test runs the mesh on it and moves time itself, so that a
 * ten-retry exponential schedule (about 205 s of waits) runs in milliseconds with every wait exact:
 *
 *   const clock = new VirtualClock()
 *   const mesh = await createMesh({resources, clock})
 *   const answer = await clock.runUntil(fetch(`${mesh.url}/default/default`, {method: 'POST', headers}))
 *   expect(clock.requestedSleeps).toEqual([200, 400, 800, …])
 */
export class VirtualClock implements Clock {
  /** Every wait asked of this clock, in ms, in the order asked. */
  readonly requestedSleeps: number[] = []
  private current: number
  private sleepers: Sleeper[] = []
  private order = 0
  private readonly watchers = new Set<{count: number; resolve: () => void}>()

  constructor(start = Date.parse('2024-01-01T00:00:00Z')) {
    this.current = start
  }

  now(): number {
    return this.current
  }

  sleep(ms: number, signal?: AbortLike): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason)
      this.requestedSleeps.push(ms)
      const onAbort = (): void => {
        this.sleepers = this.sleepers.filter((s) => s !== sleeper)
        reject(signal!.reason)
      }
      const sleeper: Sleeper = {
        at: this.current + Math.max(0, ms),
        order: this.order++,
        resolve: () => {
          signal?.removeEventListener('abort', onAbort)
          resolve()
        },
      }
      this.sleepers.push(sleeper)
      signal?.addEventListener('abort', onAbort, {once: true})
      for (const watcher of this.watchers) {
        if (this.sleepers.length >= watcher.count) {
          this.watchers.delete(watcher)
          watcher.resolve()
        }
      }
    })
  }

  /** Number of pending sleeps. */
  get pending(): number {
    return this.sleepers.length
  }

  /** Ms from now until the earliest pending sleep is due, or undefined when nothing sleeps. */
  get nextWakeIn(): number | undefined {
    if (this.sleepers.length === 0) return undefined
    return Math.max(0, Math.min(...this.sleepers.map((s) => s.at)) - this.current)
  }

  /** Resolves once at least `count` sleeps are pending (the mesh has reached its next wait); rejects after `timeoutMs` of real time. */
  whenSleeping(count = 1, timeoutMs = 10_000): Promise<void> {
    const {promise, cancel} = this.watch(count)
    if (!Number.isFinite(timeoutMs)) return promise
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        cancel()
        reject(new Error(`virtual clock: ${this.sleepers.length} of ${count} sleeps pending after ${timeoutMs} ms of real time`))
      }, timeoutMs)
    })
    return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
  }

  private watch(count: number): {promise: Promise<void>; cancel: () => void} {
    if (this.sleepers.length >= count) return {promise: Promise.resolve(), cancel: () => undefined}
    let watcher!: {count: number; resolve: () => void}
    const promise = new Promise<void>((resolve) => {
      watcher = {count, resolve}
    })
    this.watchers.add(watcher)
    return {promise, cancel: () => this.watchers.delete(watcher)}
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

  /** Jumps to the earliest pending sleep and wakes it (and any due at the same time); returns the ms moved (0 when nothing sleeps). */
  async advanceToNext(): Promise<number> {
    const next = this.nextWakeIn
    if (next === undefined) return 0
    await this.advance(next)
    return next
  }

  /**
   * Moves time from wait to wait until `work` settles, then returns its result: how a test drives a
   * synchronous broker, whose answer comes only after every retry.
   */
  async runUntil<T>(work: Promise<T>, maxAdvances = 10_000): Promise<T> {
    let settled = false
    const done = work.then(
      () => {
        settled = true
      },
      () => {
        settled = true
      },
    )
    for (let i = 0; i < maxAdvances; i++) {
      const sleeping = this.watch(1)
      await Promise.race([done, sleeping.promise])
      sleeping.cancel()
      if (settled) return work
      await this.advanceToNext()
    }
    throw new Error(`virtual clock: the work did not settle after ${maxAdvances} advances`)
  }
}
