// `kne record`: follows the mesh's activity (kne tail's stream) and writes each event that arrives at a
// broker or a channel from outside the mesh to an event file, one complete document (or line) at a time, so
// that the file is whole whenever the recording stops.
import {closeSync, openSync, writeSync} from 'node:fs'
import {MAX_RETAINED_DATA_BYTES, type ActivitySelector} from '../core/activity.js'
import {arrivedFromOutside, jsonlEventLine, recordedEvent, yamlEventDocument, type EventFileFormat} from '../core/event-file.js'
import {KneError} from '../core/errors.js'
import {formatBytes} from '../core/quantity.js'
import {tail} from './tail.js'

export interface RecordOptions {
  /** Which events (broker, channel, type, source). */
  selector: ActivitySelector
  format: EventFileFormat
  /** Stop after this many events are written. */
  count?: number
  timeoutMs?: number
  /** First record the events the mesh still holds. */
  history?: boolean
  /** Stops the recording (Ctrl-C). */
  signal?: AbortSignal
  onSubscribed?: () => void
  /** An event left out, and why. */
  onSkipped?: (warning: string) => void
}

export interface RecordResult {
  file: string
  format: EventFileFormat
  /** Events written. */
  recorded: number
  /** Ids of the events left out (the history keeps only the start of a large event's data). */
  skipped: string[]
  timedOut: boolean
  /** The mesh ended the stream (it stopped) before the recording was done. */
  meshStopped: boolean
}

/** Records into `file` (created, or emptied) until --count, the timeout, the signal or the mesh's end. */
export async function record(baseUrl: string, file: string, options: RecordOptions): Promise<RecordResult> {
  const fd = openOrThrow(file)
  const stop = new AbortController()
  options.signal?.addEventListener('abort', () => stop.abort(), {once: true})
  const result: RecordResult = {file, format: options.format, recorded: 0, skipped: [], timedOut: false, meshStopped: false}
  let failure: KneError | undefined
  try {
    const tailed = await tail(
      baseUrl,
      {
        selector: options.selector,
        timeoutMs: options.timeoutMs,
        history: options.history,
        signal: stop.signal,
        onSubscribed: options.onSubscribed,
      },
      (activity, line) => {
        if (stop.signal.aborted || !arrivedFromOutside(activity)) return
        if (activity.dataTruncated) {
          result.skipped.push(activity.id)
          options.onSkipped?.(
            `event ${activity.id} left out: the mesh's history keeps only the first ${formatBytes(MAX_RETAINED_DATA_BYTES)} of its data (${formatBytes(activity.dataBytes ?? 0)}); events recorded as they arrive are whole`,
          )
          return
        }
        const decoded = recordedEvent(activity, line)
        if (!decoded.ok) {
          result.skipped.push(activity.id)
          options.onSkipped?.(`${decoded.error}; left out`)
          return
        }
        const text = options.format === 'jsonl' ? jsonlEventLine(decoded.item) : yamlEventDocument(decoded.item, result.recorded === 0)
        try {
          writeOrThrow(fd, file, text)
        } catch (error) {
          failure = error as KneError
          return stop.abort()
        }
        if (++result.recorded === options.count) stop.abort()
      },
    )
    if (failure !== undefined) throw failure
    result.timedOut = tailed.timedOut
    result.meshStopped = tailed.meshStopped
  } finally {
    closeSync(fd)
  }
  return result
}

function openOrThrow(file: string): number {
  try {
    return openSync(file, 'w')
  } catch (error) {
    throw new KneError(`${file}: cannot write (${(error as {code?: string}).code ?? (error as Error).message})`, 'EVENT_FILE')
  }
}

// one write per event: a recording stopped at any point holds whole documents only
function writeOrThrow(fd: number, file: string, text: string): void {
  try {
    writeSync(fd, text)
  } catch (error) {
    throw new KneError(`${file}: cannot write (${(error as {code?: string}).code ?? (error as Error).message})`, 'EVENT_FILE')
  }
}
