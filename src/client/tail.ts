// `kne tail`: follows the mesh's activity, keeps what the selector picks, and stops after N settled
// events or when the time runs out.
import {selectsActivity, type ActivityJson, type ActivitySelector} from '../core/activity.js'
import {followActivity} from './mesh-client.js'

export interface TailOptions {
  selector: ActivitySelector
  /** Stop after this many picked events have settled (every matching trigger reached its outcome). */
  count?: number
  timeoutMs?: number
  history?: boolean
  onSubscribed?: () => void
  /** Stops the tail early (Ctrl-C). */
  signal?: AbortSignal
}

export interface TailResult {
  /** Picked events that settled while tailing. */
  settled: number
  timedOut: boolean
  /** The mesh ended the stream (it stopped) before the tail was done. */
  meshStopped: boolean
}

/** `print` may be asynchronous (e.g. fetching an explanation); records are still printed in order. `line` is the record's JSON text. */
export async function tail(
  baseUrl: string,
  options: TailOptions,
  print: (record: ActivityJson, line: string) => void | Promise<void>,
): Promise<TailResult> {
  const controller = new AbortController()
  options.signal?.addEventListener('abort', () => controller.abort(), {once: true})
  let settled = 0
  let timedOut = false
  const timer =
    options.timeoutMs === undefined
      ? undefined
      : setTimeout(() => {
          timedOut = true
          controller.abort()
        }, options.timeoutMs)
  let printing: Promise<void> = Promise.resolve()
  let ended: 'aborted' | 'ended'
  try {
    ended = await followActivity(
      baseUrl,
      (record, line) => {
        if (controller.signal.aborted || !selectsActivity(options.selector, record)) return
        printing = printing.then(() => print(record, line))
        if (record.kind === 'settled' && ++settled === options.count) controller.abort()
      },
      {history: options.history, signal: controller.signal, onSubscribed: options.onSubscribed},
    )
  } finally {
    clearTimeout(timer)
    await printing
  }
  return {settled, timedOut, meshStopped: ended === 'ended'}
}
