// `kne send`: builds a CloudEvent from flags, finds where it goes (a broker, channel or flow of the running
// mesh, or a URL), posts it in binary or structured mode and reports what the receiver answered. On the mesh
// it can follow the event's deliveries while a synchronous broker holds its answer, or not wait for them.
import {readFileSync} from 'node:fs'
import type {ActivityJson, DeliveryTarget} from '../core/activity.js'
import {isJsonMediaType, RESERVED_NAMES, type CloudEvent} from '../core/cloudevent.js'
import {buildEvent, type EventInput} from '../core/event-builder.js'
import {eventToJsonObject} from '../core/codec/json.js'
import {KneError} from '../core/errors.js'
import {meshAddressOf} from '../kinds/addresses.js'
import {parseSink} from '../core/sink.js'
import {textOf} from '../core/resources/read.js'
import {MAX_BODY_BYTES} from '../mesh/bodies.js'
import type {MeshStatus} from '../core/api.js'
import {findMesh} from './locator.js'
import type {ExampleOrigin} from './registry.js'
import {followActivity, getStatus, postEvent, type SendResult} from './mesh-client.js'

export interface SendOptions extends Omit<EventInput, 'data'> {
  /** The data itself, or `-` to read it from stdin. */
  data?: string
  /** A file to read the data from, or `-` for stdin. */
  dataFile?: string
  to: string
  namespace: string
  mode: 'binary' | 'structured'
  dataDir: string
  /** Where KNE_URL is read from (the process's environment by default). */
  env?: NodeJS.ProcessEnv
  /** Gives up waiting for the receiver's answer after this long (exit 6); the mesh goes on delivering. */
  timeoutMs?: number
  /** On the mesh: returns once it has accepted the event, without waiting for its deliveries. */
  async?: boolean
  /** Read when the data comes from stdin (process.stdin by default). */
  stdin?: AsyncIterable<Buffer | string>
}

export interface SendReport {
  /** The id of the event sent. */
  id: string
  event: Record<string, unknown>
  /** The receiver's answer; with `async`, a 202 standing for the mesh's acceptance when no answer was awaited. */
  response: SendResult
  /** With `async`: whether the answer was awaited, or the mesh's acceptance was enough. */
  awaited?: boolean
}

/** One attempt of one delivery, as `kne send` and `kne registry browse` report it. */
export interface AttemptProgress {
  subscriber: string
  /** Where the attempt went when not to the subscriber (the dead-letter sink, the reply's destination). */
  target?: Exclude<DeliveryTarget, 'subscriber'>
  attempt: number
  /** The attempts the delivery may make (its retries plus the first); undefined past the subscriber. */
  of?: number
  status?: number
  error?: string
  nextDelayMs?: number
}

/** One delivery of the event: its latest attempt and, once reached, its outcome. */
export interface DeliveryState {
  lastAttempt?: AttemptProgress
  outcome?: {outcome: string; status?: number; error?: string}
}

/** Where the deliveries of an event sent to the mesh stand, while its synchronous ingress holds the answer. */
export interface DeliveryProgress {
  /** Deliveries the mesh started for the event (matching triggers, or the channel's subscriptions); undefined until known. */
  deliveries?: number
  /** Each delivery by its subscriber (a trigger's or subscription's key); a broker's matched triggers from its arrival on. */
  bySubscriber: Map<string, DeliveryState>
  /** The latest attempt of any of them. */
  lastAttempt?: AttemptProgress
}

/** One line: `waiting for 1 delivery, attempt 3 of 11 answered 503, next in 6.4 s`. */
export function describeProgress(progress: DeliveryProgress): string {
  const ended = [...progress.bySubscriber.values()].filter((d) => d.outcome !== undefined).length
  const left = progress.deliveries === undefined ? undefined : progress.deliveries - ended
  const line = left === undefined ? 'waiting for the deliveries' : `waiting for ${left} ${left === 1 ? 'delivery' : 'deliveries'}`
  return progress.lastAttempt ? `${line}, ${describeAttempt(progress.lastAttempt)}` : line
}

/** `attempt 3 of 11 answered 503, next in 6.4 s` (with `(dead-letter)` after an attempt that went there). */
export function describeAttempt(attempt: AttemptProgress): string {
  const answer = attempt.status !== undefined ? `answered ${attempt.status}` : `failed (${attempt.error ?? 'no answer'})`
  const next = attempt.nextDelayMs === undefined ? '' : `, next in ${(attempt.nextDelayMs / 1000).toFixed(1)} s`
  const target = attempt.target === undefined ? '' : ` (${attempt.target})`
  return `attempt ${attempt.attempt}${attempt.of === undefined ? '' : ` of ${attempt.of}`} ${answer}${next}${target}`
}

/** Data from --data, or from --data-file; stdin only when one of them is `-`. */
export async function readEventData(options: {
  data?: string
  dataFile?: string
  stdin?: AsyncIterable<Buffer | string>
}): Promise<Uint8Array | string | undefined> {
  if (options.data === '-' || options.dataFile === '-') return readStdin(options.stdin ?? process.stdin)
  if (options.data !== undefined) return options.data
  if (options.dataFile === undefined) return undefined
  try {
    return readFileSync(options.dataFile)
  } catch (error) {
    throw new KneError(`--data-file ${options.dataFile}: ${(error as Error).message}`, 'DATA_FILE')
  }
}

// a stream rather than readFileSync(0), which fails with EAGAIN on a non-blocking pipe that has no data yet
async function readStdin(stdin: AsyncIterable<Buffer | string>): Promise<Buffer> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of stdin) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk
    size += bytes.length
    if (size > MAX_BODY_BYTES) throw new KneError(`stdin: the data exceeds ${MAX_BODY_BYTES} bytes`, 'DATA_TOO_LARGE')
    chunks.push(bytes)
  }
  return Buffer.concat(chunks, size)
}

export interface Target {
  url: string
  /** The running mesh's base URL when the target is one of its brokers, channels or flows. */
  meshUrl?: string
}

export function resolveTarget(to: string, namespace: string, dataDir: string, env: NodeJS.ProcessEnv = process.env): Target {
  const sink = parseSink(to, namespace)
  if (!sink.ok) throw new KneError(`--to ${sink.error}`, 'INVALID_FLAG')
  const {destination} = sink
  if (destination.uri) return {url: destination.uri}
  const {ref} = destination
  const served = ref === undefined ? undefined : meshAddressOf(ref, '', namespace)
  if (ref === undefined || served === undefined) {
    throw new KneError(
      `--to ${to}: kne send posts to a broker, channel, sequence or parallel of the mesh (broker:NAME[:NAMESPACE], channel:…, sequence:…, parallel:…) or to a URL`,
      'INVALID_FLAG',
    )
  }
  const {url} = findMesh(dataDir, env)
  return {url: meshAddressOf(ref, url, namespace)!, meshUrl: url}
}

/**
 * Sends one event. On the mesh, with `onProgress` or `async`, it follows the mesh's activity for the event
 * (subscribed before posting, so nothing is missed) and reports each change of its deliveries.
 */
export async function send(options: SendOptions, onProgress?: (progress: DeliveryProgress) => void): Promise<SendReport> {
  if (options.data !== undefined && options.dataFile !== undefined) {
    throw new KneError('use either --data or --data-file, not both', 'INVALID_FLAG')
  }
  const target = resolveTarget(options.to, options.namespace, options.dataDir, options.env)
  const built = buildEvent({...options, data: await readEventData(options)})
  if (!built.ok) throw new KneError(`invalid event: ${built.error}`, 'INVALID_EVENT')
  return sendEvent(target, built.event, options, onProgress)
}

export interface ExampleSendOptions extends Omit<SendOptions, 'type' | 'data' | 'dataFile' | 'contentType' | 'source'> {
  /** Replaces the example's source. */
  source?: string
  /** kne.yaml, for the registry without a running mesh. */
  config?: string
  cwd?: string
}

export interface ExampleSendReport extends SendReport {
  /** Which example was sent. */
  example: {type: string; reference: string; origin: ExampleOrigin; from: string}
}

/**
 * `kne send --example TYPE`: the registry's example of the type (kne registry example), with a fresh id and
 * time and what the flags replace, built and sent as kne send builds and sends an event.
 */
export async function sendExample(
  type: string,
  options: ExampleSendOptions,
  onProgress?: (progress: DeliveryProgress) => void,
): Promise<ExampleSendReport> {
  const target = resolveTarget(options.to, options.namespace, options.dataDir, options.env)
  const sink = parseSink(options.to, options.namespace)
  const ref = sink.ok ? sink.destination.ref : undefined
  // loaded only here: the registry reads YAML and every kind, which kne send's start-up does without
  const {registryExample} = await import('./registry.js')
  const example = await registryExample(type, {
    dataDir: options.dataDir,
    env: options.env,
    config: options.config,
    cwd: options.cwd,
    namespace: ref?.namespace ?? options.namespace,
    to: ref,
  })
  const given = example.event
  const text = (key: string): string | undefined => (typeof given[key] === 'string' ? given[key] : undefined)
  const extensions = Object.entries(given)
    .filter(([name, value]) => !RESERVED_NAMES.has(name) && value !== null && typeof value !== 'object')
    .map(([name, value]) => `${name}=${String(value)}`)
  const data =
    'data_base64' in given && typeof given.data_base64 === 'string'
      ? Buffer.from(given.data_base64, 'base64')
      : 'data' in given
        ? typeof given.data === 'string' && !isJsonMediaType(text('datacontenttype'))
          ? given.data
          : JSON.stringify(given.data)
        : undefined
  const built = buildEvent({
    type,
    source: options.source ?? text('source'),
    id: options.id,
    subject: options.subject ?? text('subject'),
    dataschema: text('dataschema'),
    data,
    contentType: text('datacontenttype') ?? (data === undefined ? undefined : 'application/json'),
    extensions: [...extensions, ...(options.extensions ?? [])],
  })
  if (!built.ok) throw new KneError(`the example of ${type} is not a valid event: ${built.error}`, 'INVALID_EVENT')
  const report = await sendEvent(target, built.event, options, onProgress)
  return {...report, example: {type, reference: example.reference, origin: example.origin, from: example.from}}
}

export interface SendEventOptions {
  mode: 'binary' | 'structured'
  /** Gives up waiting for the receiver's answer after this long (exit 6); the mesh goes on delivering. */
  timeoutMs?: number
  /** On the mesh: returns once it has accepted the event, without waiting for its deliveries. */
  async?: boolean
  /** HTTP headers sent besides the event's own. */
  headers?: Record<string, string>
}

/** Sends an event already built to a target, as `send` does: what kne send and kne replay share. */
export async function sendEvent(
  target: Target,
  event: CloudEvent,
  options: SendEventOptions,
  onProgress?: (progress: DeliveryProgress) => void,
): Promise<SendReport> {
  const sent = (response: SendResult, awaited?: boolean): SendReport => ({
    id: event.id,
    event: eventToJsonObject(event),
    response,
    ...(awaited === undefined ? {} : {awaited}),
  })
  const stop = new AbortController()
  // with async, the deliveries are the mesh's business: nothing to report
  const report =
    options.async || onProgress === undefined
      ? undefined
      : (progress: DeliveryProgress): void => {
          if (!stop.signal.aborted) onProgress(progress)
        }
  const follow =
    target.meshUrl !== undefined && (report !== undefined || options.async === true)
      ? followDeliveries(target.meshUrl, event.id, stop.signal, report)
      : undefined
  let timer: NodeJS.Timeout | undefined
  try {
    if (follow) await follow.subscribed
    const answer = postEvent(target.url, event, options.mode, stop.signal, options.headers).then((response) =>
      sent(response, options.async ? true : undefined),
    )
    const accepted =
      options.async && follow
        ? follow.accepted.then(() => sent({url: target.url, status: 202}, false))
        : new Promise<never>(() => undefined)
    const timedOut =
      options.timeoutMs === undefined
        ? new Promise<never>(() => undefined)
        : new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(timeoutError(target.url, options.timeoutMs!, follow?.progress)), options.timeoutMs)
          })
    return await Promise.race([answer, accepted, timedOut, ...(follow ? [follow.failed] : [])])
  } finally {
    clearTimeout(timer)
    stop.abort()
  }
}

/** Whether the receiver accepted the event (2xx). */
export function accepted(response: SendResult): boolean {
  return response.status >= 200 && response.status < 300
}

/** What a receiver that did not accept an event said: `<url> answered 400: <its explanation>`. */
export function refusalMessage(response: SendResult): string {
  const {body} = response
  const explanation =
    typeof body === 'object' && body !== null && 'error' in body ? textOf(body.error) : body === undefined ? 'no explanation' : textOf(body)
  return `${response.url} answered ${response.status}: ${explanation}`
}

function timeoutError(url: string, timeoutMs: number, progress: DeliveryProgress | undefined): KneError {
  const where =
    progress?.deliveries === undefined ? '' : `; the mesh accepted the event and goes on delivering it: ${describeProgress(progress)}`
  return new KneError(`no answer from ${url} within ${timeoutMs / 1000} s${where}`, 'SEND_TIMEOUT', {
    suggestions: ['kne tail --id ID follows the event; --async returns once the mesh has accepted it'],
  })
}

export interface Following {
  /** Resolves once the mesh's activity stream is live. */
  subscribed: Promise<void>
  /** Resolves when the mesh records the event's arrival. */
  accepted: Promise<void>
  /** Resolves when every delivery of the event has reached its outcome (at once when none started). */
  settled: Promise<void>
  /** Rejects if the stream fails before the answer comes. */
  failed: Promise<never>
  progress: DeliveryProgress
}

/**
 * Follows the deliveries of the event with this id through the mesh's activity, from the moment it is
 * subscribed: each change is reported (in the order of the records) until the signal aborts.
 */
export function followDeliveries(
  meshUrl: string,
  id: string,
  signal: AbortSignal,
  onProgress?: (progress: DeliveryProgress) => void,
): Following {
  const progress: DeliveryProgress = {bySubscriber: new Map()}
  let subscribed!: () => void
  let accepted!: () => void
  let settled!: () => void
  const following = {
    subscribed: new Promise<void>((resolve) => (subscribed = resolve)),
    accepted: new Promise<void>((resolve) => (accepted = resolve)),
    settled: new Promise<void>((resolve) => (settled = resolve)),
    progress,
  }
  const delivery = (subscriber: string): DeliveryState => {
    let state = progress.bySubscriber.get(subscriber)
    if (!state) progress.bySubscriber.set(subscriber, (state = {}))
    return state
  }
  // read once, when a delivery is retried (to say "attempt 3 of 11") or a channel's subscriptions are counted
  let meshStatus: Promise<MeshStatus | undefined> | undefined
  const status = (): Promise<MeshStatus | undefined> => (meshStatus ??= getStatus(meshUrl).catch(() => undefined))
  // reports go out in the order of the records, also when one waits for the status
  let reported: Promise<unknown> = Promise.resolve()
  const report = (update: (mesh: MeshStatus | undefined) => void, needsStatus: boolean): void => {
    const mesh = needsStatus ? status() : undefined
    reported = reported
      .then(() => mesh)
      .then((answer) => {
        update(answer)
        onProgress?.(progress)
      })
  }
  let arrival: number | undefined
  const streamed = followActivity(
    meshUrl,
    (record) => {
      if (arrival === undefined) {
        if (record.kind !== 'event' || record.id !== id || record.via !== 'ingress' || record.from !== undefined) return
        arrival = record.arrival
        accepted()
        const {channel, matched} = record
        for (const trigger of matched ?? []) delivery(trigger)
        if (matched !== undefined && matched.length === 0) settled()
        report((mesh) => {
          progress.deliveries = matched?.length ?? mesh?.channels.find((c) => `${c.namespace}/${c.name}` === channel)?.subscriptions.length
        }, channel !== undefined)
        return
      }
      if (record.kind === 'settled' && record.arrival === arrival) {
        void reported.then(settled)
        return
      }
      if ((record.kind !== 'attempt' && record.kind !== 'outcome') || record.arrival !== arrival) return
      const state = delivery(record.trigger ?? record.subscription)
      if (record.kind === 'outcome') {
        const {outcome, status, error} = record
        return report(() => (state.outcome = {outcome, status, error}), false)
      }
      const attempt: AttemptProgress = {
        subscriber: record.trigger ?? record.subscription,
        attempt: record.attempt,
        status: record.status,
        error: record.error,
        nextDelayMs: record.nextDelayMs,
        ...(record.target === 'subscriber' ? {} : {target: record.target}),
      }
      report((mesh) => {
        attempt.of = mesh && attemptsAllowed(mesh, record)
        state.lastAttempt = attempt
        progress.lastAttempt = attempt
      }, true)
    },
    {signal, onSubscribed: () => subscribed()},
  )
  // the stream ending early (the mesh stopping) is the POST's to report; only its failure to start is this one's
  const failed = streamed.then(
    () => new Promise<never>(() => undefined),
    (error: unknown) => {
      subscribed()
      throw error
    },
  )
  failed.catch(() => undefined)
  return {...following, failed}
}

/** The attempts a subscriber's delivery may make: its delivery spec's retries plus the first. */
function attemptsAllowed(mesh: MeshStatus, record: Extract<ActivityJson, {kind: 'attempt'}>): number | undefined {
  if (record.target !== 'subscriber') return undefined
  const spec =
    record.trigger !== undefined
      ? mesh.triggers.find((t) => `${t.namespace}/${t.name}` === record.trigger)?.delivery
      : mesh.subscriptions.find((s) => `${s.namespace}/${s.name}` === record.subscription)?.delivery
  return (spec?.retry ?? 0) + 1
}
