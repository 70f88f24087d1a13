// How a delivery is told to stop (the mesh stops, or its fan-out runs out of time), and a PingSource's sends.
// Every delivery needs one, and an AbortController per delivery (with its EventTarget and listener bookkeeping)
// cost about 5 % of the broker's CPU, so deliveries use this plain object; anything that accepts an
// AbortSignal accepts it. It also takes any number of listeners, where an AbortSignal warns past ten.

/** What waits (a request, a retry wait, an in-mesh hop) need of a signal: satisfied by AbortSignal and Cancellation. */
export interface AbortLike {
  readonly aborted: boolean
  readonly reason: unknown
  addEventListener(type: 'abort', listener: () => void, options?: {once?: boolean}): void
  removeEventListener(type: 'abort', listener: () => void): void
}

export class Cancellation implements AbortLike {
  aborted = false
  reason: Error | undefined = undefined
  // almost always one waiter at a time: a slot, and a list only for the rare second one
  private listener: (() => void) | undefined = undefined
  private moreListeners: (() => void)[] | undefined = undefined

  /** @param deadline clock time after which the work this cancels must stop (the fan-out's 15 minutes). */
  constructor(readonly deadline = Number.POSITIVE_INFINITY) {}

  /** Cancels once (later calls are ignored) and calls every listener registered until now, once. */
  abort(reason: Error): void {
    if (this.aborted) return
    this.aborted = true
    this.reason = reason
    const {listener, moreListeners} = this
    this.listener = undefined
    this.moreListeners = undefined
    listener?.()
    if (moreListeners) for (const more of moreListeners) more()
  }

  /** Listeners are always called at most once, as with `{once: true}` on an AbortSignal. */
  addEventListener(_type: 'abort', listener: () => void): void {
    if (this.listener === undefined) this.listener = listener
    else (this.moreListeners ??= []).push(listener)
  }

  removeEventListener(_type: 'abort', listener: () => void): void {
    if (this.listener === listener) this.listener = undefined
    else if (this.moreListeners) {
      const at = this.moreListeners.indexOf(listener)
      if (at >= 0) this.moreListeners.splice(at, 1)
    }
  }
}
