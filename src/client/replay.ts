// `kne replay` and `kne send --file`: reads an event file (YAML or JSONL, as kne record writes it) and sends
// its events in order, each to where it was recorded arriving (or to --to), with kne send's sending code. The
// pace is as fast as each is answered, or a rate, or the recorded gaps (scaled by a speed).
import {closeSync, createReadStream, openSync, readFileSync, readSync, statSync} from 'node:fs'
import {randomUUID} from 'node:crypto'
import {
  eventFileFormat,
  MAX_FILE_EVENTS,
  MAX_YAML_EVENT_FILE_BYTES,
  parseJsonlEventLine,
  parseYamlEventFile,
  type FileEvent,
} from '../core/event-file.js'
import {EXIT, KneError} from '../core/errors.js'
import {formatBytes} from '../core/quantity.js'
import {realClock, type Clock} from '../mesh/clock.js'
import {MAX_BODY_BYTES} from '../mesh/bodies.js'
import {accepted, refusalMessage, resolveTarget, sendEvent, type Target} from './send.js'

/** How fast events are sent: as fast as each is answered, N a second, or with the recorded gaps divided by a speed. */
export type ReplayPace = {kind: 'answered'} | {kind: 'rate'; perSecond: number} | {kind: 'recorded'; speed: number}

export interface ReplayOptions {
  /** Where every event goes (kn's sink grammar); else where each was recorded, else broker:default. */
  to?: string
  namespace: string
  dataDir: string
  env?: NodeJS.ProcessEnv
  pace?: ReplayPace
  /** Gives each event a fresh id instead of its recorded one. */
  newIds?: boolean
  /** Lists what would be sent, sends nothing (and needs no mesh). */
  dryRun?: boolean
  /** On the mesh: each event is sent once the mesh has accepted the previous one, not once its deliveries ended. */
  async?: boolean
  /** Gives up waiting for one event's answer after this long (exit 6). */
  timeoutMs?: number
  /** The clock the pace is kept on (the real one by default). */
  clock?: Clock
  /** Stops before the next event (Ctrl-C). */
  signal?: AbortSignal
}

/** What became of one event of the file. */
export interface ReplayedEvent {
  /** Its number in the file, from 1. */
  index: number
  /** Where it is in the file (`document 3, line 17`, `line 5`). */
  position?: string
  id: string
  type: string
  source: string
  /** Where it went, in kn's sink grammar (`broker:default:shop`) or a URL. */
  to: string
  url?: string
  status?: number
  accepted?: boolean
  /** Why it was not accepted: the receiver's answer. */
  error?: string
}

export interface ReplayReport {
  file: string
  format: 'yaml' | 'jsonl'
  /** Events sent (with --dry-run, that would be sent). */
  sent: number
  accepted: number
  rejected: number
  dryRun?: true
  /** Stopped (Ctrl-C) before every event was sent. */
  interrupted?: true
  /** Each event, up to MAX_REPORTED_EVENTS (each is also reported as it is answered). */
  events: ReplayedEvent[]
  /** Events past MAX_REPORTED_EVENTS, counted but not listed. */
  eventsLeftOut?: number
}

/** The most events a report lists: a replay of a million events reports each as it goes, and keeps the counts. */
export const MAX_REPORTED_EVENTS = 10_000

/** The longest JSONL line read: an event of the largest body the mesh accepts, in base64, with its attributes. */
export const MAX_EVENT_LINE_CHARS = Math.ceil((MAX_BODY_BYTES * 4) / 3) + 1024 * 1024

/** Sends the events of `file` in order; `onEvent` hears of each as it is answered. */
export async function replay(file: string, options: ReplayOptions, onEvent?: (event: ReplayedEvent) => void): Promise<ReplayReport> {
  const clock = options.clock ?? realClock
  const pace = options.pace ?? {kind: 'answered'}
  const {format, events} = readEventFile(file)
  const report: ReplayReport = {file, format, sent: 0, accepted: 0, rejected: 0, ...(options.dryRun ? {dryRun: true} : {}), events: []}
  const targets = new Map<string, Target>()
  const schedule = paceSchedule(pace)
  let start: number | undefined
  let index = 0
  for await (const item of events) {
    if (options.signal?.aborted) {
      report.interrupted = true
      break
    }
    index++
    const to = options.to ?? recordedDestination(item, options.namespace) ?? 'broker:default'
    const event = options.newIds ? {...item.event, id: randomUUID()} : item.event
    const replayed: ReplayedEvent = {
      index,
      ...(item.position === undefined ? {} : {position: item.position}),
      id: event.id,
      type: event.type,
      source: event.source,
      to,
    }
    if (!options.dryRun) {
      const now = clock.now()
      start ??= now
      const wait = start + schedule(item, index) - now
      if (wait > 0) {
        try {
          await clock.sleep(wait, options.signal)
        } catch {
          report.interrupted = true
          break
        }
      }
      let target = targets.get(to)
      if (target === undefined) targets.set(to, (target = resolveTarget(to, options.namespace, options.dataDir, options.env)))
      const {response} = await sendEvent(target, event, {
        mode: item.mode,
        async: options.async,
        timeoutMs: options.timeoutMs,
        headers: item.headers,
      })
      replayed.url = response.url
      replayed.status = response.status
      replayed.accepted = accepted(response)
      if (replayed.accepted) report.accepted++
      else {
        report.rejected++
        replayed.error = refusalMessage(response)
      }
    }
    report.sent++
    if (report.events.length < MAX_REPORTED_EVENTS) report.events.push(replayed)
    else report.eventsLeftOut = (report.eventsLeftOut ?? 0) + 1
    onEvent?.(replayed)
  }
  return report
}

/** `broker:NAME:NAMESPACE` or `channel:NAME:NAMESPACE` from kne's note, when the file has one. */
function recordedDestination(item: FileEvent, namespace: string): string | undefined {
  const where =
    item.recorded?.broker !== undefined
      ? ['broker', item.recorded.broker]
      : item.recorded?.channel !== undefined
        ? ['channel', item.recorded.channel]
        : undefined
  if (where === undefined) return undefined
  const [kind, key] = where as [string, string]
  const slash = key.indexOf('/')
  return slash < 0 ? `${kind}:${key}:${namespace}` : `${kind}:${key.slice(slash + 1)}:${key.slice(0, slash)}`
}

/**
 * When each event is due, in ms after the first was sent: at once (as fast as answered), every 1/rate s, or
 * at its recorded time less the first's, divided by the speed. An event with no recorded time, or one before
 * the previous (a file put together by hand), goes as soon as the one before it.
 */
export function paceSchedule(pace: ReplayPace): (item: FileEvent, index: number) => number {
  if (pace.kind === 'answered') return () => 0
  if (pace.kind === 'rate') return (_item, index) => ((index - 1) * 1000) / pace.perSecond
  let first: number | undefined
  let previous = 0
  return (item) => {
    const at = item.recorded?.at === undefined ? Number.NaN : Date.parse(item.recorded.at)
    if (Number.isNaN(at)) return previous
    first ??= at
    previous = Math.max(previous, (at - first) / pace.speed)
    return previous
  }
}

/** The file's format and its events, read lazily: a JSONL file a line at a time, a YAML file whole (bounded). */
export function readEventFile(file: string): {format: 'yaml' | 'jsonl'; events: AsyncIterable<FileEvent>} {
  let size: number
  try {
    const stat = statSync(file)
    if (!stat.isFile()) throw new Error('not a file')
    size = stat.size
  } catch (error) {
    const reason = (error as {code?: string}).code === 'ENOENT' ? 'no such file' : (error as Error).message
    throw new KneError(`${file}: ${reason}`, 'EVENT_FILE')
  }
  const head = readHead(file)
  const format = eventFileFormat(file, head)
  if (format === 'yaml') {
    if (size > MAX_YAML_EVENT_FILE_BYTES)
      throw new KneError(
        `${file}: larger than ${formatBytes(MAX_YAML_EVENT_FILE_BYTES)}; write large recordings as JSONL (kne record --format jsonl)`,
        'EVENT_FILE',
      )
    return {format, events: yamlEvents(file)}
  }
  return {format, events: jsonlEvents(file)}
}

function readHead(file: string): string {
  const fd = openSyncOrThrow(file)
  try {
    const buffer = Buffer.alloc(64)
    const read = readSync(fd, buffer, 0, 64, 0)
    return buffer.subarray(0, read).toString('utf8')
  } finally {
    closeSync(fd)
  }
}

function openSyncOrThrow(file: string): number {
  try {
    return openSync(file, 'r')
  } catch (error) {
    throw new KneError(`${file}: ${(error as Error).message}`, 'EVENT_FILE')
  }
}

async function* yamlEvents(file: string): AsyncGenerator<FileEvent> {
  yield* parseYamlEventFile(readFileSync(file, 'utf8'), file)
}

async function* jsonlEvents(file: string): AsyncGenerator<FileEvent> {
  let lineNumber = 0
  let count = 0
  const parse = (line: string): FileEvent | undefined => {
    lineNumber++
    if (line.trim() === '') return undefined
    if (++count > MAX_FILE_EVENTS) throw new KneError(`${file}: more than ${MAX_FILE_EVENTS} events`, 'EVENT_FILE')
    const text = lineNumber === 1 && line.startsWith('\uFEFF') ? line.slice(1) : line // a byte-order mark some editors write
    return parseJsonlEventLine(text.endsWith('\r') ? text.slice(0, -1) : text, file, lineNumber)
  }
  // the start of a line that has not ended yet, in pieces: a long line is joined once, not re-scanned per chunk
  let pieces: string[] = []
  let pending = 0
  const stream = createReadStream(file, {encoding: 'utf8'})
  try {
    for await (const chunk of stream) {
      const text = chunk as string
      let from = 0
      let newline: number
      while ((newline = text.indexOf('\n', from)) >= 0) {
        pieces.push(text.slice(from, newline))
        from = newline + 1
        const item = parse(pieces.join(''))
        pieces = []
        pending = 0
        if (item) yield item
      }
      pieces.push(text.slice(from))
      pending += text.length - from
      if (pending > MAX_EVENT_LINE_CHARS)
        throw new KneError(
          `${file}: line ${lineNumber + 1}: longer than ${formatBytes(MAX_EVENT_LINE_CHARS)}, more than any event kne sends`,
          'EVENT_FILE',
        )
    }
  } finally {
    stream.destroy()
  }
  const last = parse(pieces.join(''))
  if (last) yield last
}

/** One line about one event: `1  order-1 (com.example.order.created) → broker:default:shop  202`. */
export function describeReplayed(event: ReplayedEvent, dryRun: boolean): string {
  const what = `${event.index}  ${event.id} (${event.type}) → ${event.to}`
  if (dryRun) return what
  return event.accepted ? `${what}  ${event.status}` : `${what}  refused: ${event.error}`
}

/** The line said once the file is done: how many were sent and accepted. */
/** Replays a file until its end or until Ctrl-C, which stops before the next event (kne replay, kne send --file). */
export async function replayUntilInterrupted(
  file: string,
  options: Omit<ReplayOptions, 'signal'>,
  onEvent?: (event: ReplayedEvent) => void,
): Promise<ReplayReport> {
  const interrupt = new AbortController()
  const onSigint = (): void => interrupt.abort()
  process.once('SIGINT', onSigint)
  try {
    return await replay(file, {...options, signal: interrupt.signal}, onEvent)
  } finally {
    process.off('SIGINT', onSigint)
  }
}

export function replaySummary(report: ReplayReport): string {
  const events = `${report.sent} ${report.sent === 1 ? 'event' : 'events'}`
  if (report.dryRun) return `${events} would be sent from ${report.file}`
  const stopped = report.interrupted ? ' (interrupted)' : ''
  return `${events} sent from ${report.file}${stopped}: ${report.accepted} accepted, ${report.rejected} not accepted`
}

/** 130 when interrupted, 5 when an event was not accepted, else 0. */
export function replayExitCode(report: ReplayReport): number {
  if (report.interrupted) return EXIT.interrupted
  return report.rejected > 0 ? EXIT.rejected : EXIT.ok
}
