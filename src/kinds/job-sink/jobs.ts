// JobSink's jobs as local processes: Knative creates a batch/v1 Job per event with the event mounted as
// JSON at /etc/jobsink-event/event (cmd/jobsink/main.go); kne writes the event to a file of its own, puts
// that path where the command, args and env name the mount, and runs the first container's command. Jobs
// run with bounded concurrency from a queue bounded in count and bytes; each one's start, exit and output
// tail are kept for the activity and status. A job runs once: it is never restarted (restartPolicy Never).
import {spawn, type ChildProcess} from 'node:child_process'
import {existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {isAbsolute, join, resolve} from 'node:path'
import {forEachOutputLine} from '../../mesh/output-lines.js'
import {eventBytes, type CloudEvent} from '../../core/cloudevent.js'
import {encodeJsonEvent} from '../../core/codec/json.js'
import {signalGroup, type ProcessOutput} from '../../mesh/processes.js'
import type {JobPlan} from './read.js'

/** Set for every job: the path of the event file (what /etc/jobsink-event/event stands for). */
export const JOB_EVENT_FILE_ENV = 'KNE_JOBSINK_EVENT_FILE'

export interface JobRunnerLimits {
  /** Jobs running at once (all JobSinks of the mesh together); more wait in the queue. */
  maxRunning: number
  /** Jobs waiting to start; beyond it (or maxQueuedBytes) a new event is refused as QueueFull. */
  maxQueued: number
  /** Bytes of the events waiting to start (eventBytes). */
  maxQueuedBytes: number
  /** Bytes of stdout and of stderr kept per job (the end of each). */
  outputTailBytes: number
  /** Finished jobs remembered (for GET, idempotency and status); the oldest are forgotten first. */
  maxRecords: number
  /** SIGTERM to SIGKILL, when a job is stopped (close, activeDeadlineSeconds). */
  stopGraceMs: number
}

export const DEFAULT_JOB_LIMITS: JobRunnerLimits = {
  maxRunning: 4,
  maxQueued: 100,
  maxQueuedBytes: 16 * 1024 * 1024,
  outputTailBytes: 4096,
  maxRecords: 1000,
  stopGraceMs: 2000,
}

export type JobState = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled'

export interface JobRecord {
  /** `<jobsink>-<n>`, unique in the mesh. */
  name: string
  /** `namespace/name` of the JobSink. */
  sink: string
  eventId: string
  eventSource: string
  eventType: string
  state: JobState
  queuedAt: number
  startedAt?: number
  finishedAt?: number
  durationMs?: number
  pid?: number
  exitCode?: number
  signal?: string
  /** Why it did not run or was stopped: could not start, deadline exceeded, stopped with the mesh. */
  error?: string
  /** The last outputTailBytes of each stream. */
  stdout: string
  stderr: string
}

export interface JobActivity {
  type: 'queued' | 'started' | 'finished'
  job: JobRecord
}

export interface JobRunnerOptions {
  /** The folder event files are written under; a new temporary folder (removed on close) when not given. */
  dir?: string
  /** Relative workingDirs are resolved against it (kne.yaml's folder). */
  cwd?: string
  limits?: Partial<JobRunnerLimits>
  onActivity?: (activity: JobActivity) => void
  /** Each output line, as for services and ContainerSources. */
  onOutput?: (record: ProcessOutput) => void
  now?: () => number
}

export type SubmitResult = {ok: true; job: JobRecord; duplicate: boolean} | {ok: false; reason: 'QueueFull' | 'Closed'; message: string}

interface Entry {
  record: JobRecord
  plan: JobPlan
  event: CloudEvent
  bytes: number
  child?: ChildProcess
  exited?: Promise<void>
  stopReason?: string
}

export class JobRunner {
  private readonly limits: JobRunnerLimits
  private readonly entries = new Map<string, Entry>()
  private readonly queue: Entry[] = []
  private readonly running = new Set<Entry>()
  private queuedBytes = 0
  private counter = 0
  private closed = false
  private baseDir: string | undefined
  private readonly now: () => number

  constructor(private readonly options: JobRunnerOptions = {}) {
    this.limits = {...DEFAULT_JOB_LIMITS, ...options.limits}
    this.now = options.now ?? Date.now
  }

  /**
   * Accepts an event for a JobSink: a job for it starts now or when a slot frees. An event whose
   * source and id already have a job gets that job back and starts nothing, as in Knative.
   */
  submit(plan: JobPlan, event: CloudEvent): SubmitResult {
    if (this.closed) return {ok: false, reason: 'Closed', message: 'the mesh is stopping'}
    const key = jobKey(plan.sink, event.source, event.id)
    const known = this.entries.get(key)
    if (known) return {ok: true, job: {...known.record}, duplicate: true}
    const bytes = eventBytes(event)
    const mustWait = this.running.size >= this.limits.maxRunning
    if (mustWait && (this.queue.length >= this.limits.maxQueued || this.queuedBytes + bytes > this.limits.maxQueuedBytes)) {
      return {
        ok: false,
        reason: 'QueueFull',
        message: `${this.running.size} jobs are running and ${this.queue.length} (${this.queuedBytes} bytes of events) are waiting, the most kne queues (${this.limits.maxQueued} jobs, ${this.limits.maxQueuedBytes} bytes)`,
      }
    }
    const name = `${plan.sink.split('/')[1]}-${++this.counter}`
    const entry: Entry = {
      record: {
        name,
        sink: plan.sink,
        eventId: event.id,
        eventSource: event.source,
        eventType: event.type,
        state: 'queued',
        queuedAt: this.now(),
        stdout: '',
        stderr: '',
      },
      plan,
      event,
      bytes,
    }
    this.entries.set(key, entry)
    this.forgetOldRecords()
    if (mustWait) {
      this.queue.push(entry)
      this.queuedBytes += bytes
      this.emit('queued', entry)
    } else {
      this.start(entry)
    }
    return {ok: true, job: {...entry.record}, duplicate: false}
  }

  /** The job of an event (Knative's GET /namespaces/<ns>/name/<name>/sources/<source>/ids/<id>). */
  find(sink: string, source: string, id: string): JobRecord | undefined {
    const entry = this.entries.get(jobKey(sink, source, id))
    return entry ? {...entry.record} : undefined
  }

  /** The jobs remembered, oldest first; only one JobSink's when `sink` is given. */
  list(sink?: string): JobRecord[] {
    return [...this.entries.values()].filter((e) => sink === undefined || e.record.sink === sink).map((e) => ({...e.record}))
  }

  counts(sink?: string): Record<JobState, number> {
    const counts: Record<JobState, number> = {queued: 0, running: 0, succeeded: 0, failed: 0, cancelled: 0}
    for (const {record} of this.entries.values()) if (sink === undefined || record.sink === sink) counts[record.state]++
    return counts
  }

  /**
   * Stops one JobSink's jobs (it was removed: Knative deletes the Jobs it owns): the waiting ones are
   * cancelled, the running ones stopped; its records are forgotten once they are.
   */
  async cancel(sink: string, reason: string): Promise<void> {
    for (const entry of this.queue.filter((e) => e.record.sink === sink)) {
      this.queue.splice(this.queue.indexOf(entry), 1)
      this.queuedBytes -= entry.bytes
      this.finish(entry, {error: `cancelled: ${reason}`}, 'cancelled')
    }
    await Promise.all([...this.running].filter((e) => e.record.sink === sink).map((e) => this.stop(e, `stopped: ${reason}`)))
    for (const [key, entry] of this.entries) if (entry.record.sink === sink) this.entries.delete(key)
  }

  /** Stops for good: waiting jobs are cancelled, running ones get SIGTERM, then SIGKILL after the grace period. */
  async close(): Promise<void> {
    this.closed = true
    for (const entry of this.queue.splice(0)) {
      this.queuedBytes -= entry.bytes
      this.finish(entry, {error: 'cancelled: the mesh stopped before the job started'}, 'cancelled')
    }
    await Promise.all([...this.running].map((entry) => this.stop(entry, 'stopped: the mesh stopped')))
    if (this.baseDir && this.options.dir === undefined) rmSync(this.baseDir, {recursive: true, force: true})
  }

  private start(entry: Entry): void {
    const {record, plan} = entry
    let folder: string
    try {
      folder = join(this.dir(), record.name)
      mkdirSync(folder, {recursive: true, mode: 0o700})
      // Knative mounts the event from a Secret: readable by the job only
      writeFileSync(join(folder, 'event'), encodeJsonEvent(entry.event), {mode: 0o600})
    } catch (error) {
      this.finish(entry, {error: `could not write the event file: ${(error as Error).message}`}, 'failed')
      return
    }
    const file = join(folder, 'event')
    const place = (text: string): string => replaceMountPath(text, plan.eventMountPath, folder)
    const argv = plan.command.map(place)
    const env = {...process.env, ...Object.fromEntries(Object.entries(plan.env).map(([k, v]) => [k, place(v)])), [JOB_EVENT_FILE_ENV]: file}
    const cwd =
      plan.cwd === undefined
        ? (this.options.cwd ?? process.cwd())
        : isAbsolute(plan.cwd)
          ? plan.cwd
          : resolve(this.options.cwd ?? process.cwd(), plan.cwd)
    record.state = 'running'
    record.startedAt = this.now()
    this.running.add(entry)
    LIVE.add(entry)
    let child: ChildProcess
    try {
      child = spawn(argv[0]!, argv.slice(1), {cwd, env, detached: process.platform !== 'win32', stdio: ['ignore', 'pipe', 'pipe']})
    } catch (error) {
      // node refuses some argv outright (an empty command, a NUL byte) instead of reporting an 'error'
      rmSync(folder, {recursive: true, force: true})
      this.running.delete(entry)
      LIVE.delete(entry)
      this.finish(entry, {error: `could not start: ${(error as Error).message}`}, 'failed')
      this.pump()
      return
    }
    entry.child = child
    if (child.pid !== undefined) record.pid = child.pid
    for (const stream of ['stdout', 'stderr'] as const) {
      child[stream]!.setEncoding('utf8')
      child[stream]!.on('data', (chunk: string) => {
        record[stream] = tail(record[stream] + chunk, this.limits.outputTailBytes)
      })
      if (this.options.onOutput) {
        const output = this.options.onOutput
        forEachOutputLine(child[stream]!, (line) => output({process: `${plan.sink}/${record.name}`, stream, line}))
      }
    }
    const deadline =
      plan.deadlineMs === undefined
        ? undefined
        : setTimeout(() => void this.stop(entry, `deadline exceeded: activeDeadlineSeconds ${plan.deadlineMs! / 1000}`), plan.deadlineMs)
    deadline?.unref()
    let settle!: () => void
    entry.exited = new Promise((done) => (settle = done))
    let done = false
    const ended = (how: {exitCode?: number; signal?: string; error?: string}): void => {
      if (done) return
      done = true
      clearTimeout(deadline)
      rmSync(folder, {recursive: true, force: true})
      this.running.delete(entry)
      LIVE.delete(entry)
      const error = how.error ?? entry.stopReason
      this.finish(entry, {...how, ...(error ? {error} : {})}, how.exitCode === 0 && !entry.stopReason ? 'succeeded' : 'failed')
      settle()
      this.pump()
    }
    // 'close' comes after the output streams end, so the tails are complete
    // node reports a missing working folder as the command missing: say which it is
    child.once('error', (error) => ended({error: `could not start: ${existsSync(cwd) ? error.message : `no such folder ${cwd}`}`}))
    child.once('close', (code, signal) => ended(signal ? {signal} : {exitCode: code ?? -1}))
    this.emit('started', entry)
  }

  private async stop(entry: Entry, reason: string): Promise<void> {
    const child = entry.child
    if (!child || !this.running.has(entry)) return
    entry.stopReason ??= reason
    signalGroup(child, 'SIGTERM')
    const killer = setTimeout(() => signalGroup(child, 'SIGKILL'), this.limits.stopGraceMs)
    await entry.exited
    clearTimeout(killer)
    signalGroup(child, 'SIGKILL')
  }

  private finish(entry: Entry, how: {exitCode?: number; signal?: string; error?: string}, state: JobState): void {
    const {record} = entry
    record.state = state
    record.finishedAt = this.now()
    if (record.startedAt !== undefined) record.durationMs = record.finishedAt - record.startedAt
    if (how.exitCode !== undefined) record.exitCode = how.exitCode
    if (how.signal !== undefined) record.signal = how.signal
    if (how.error !== undefined) record.error = how.error
    this.emit('finished', entry)
  }

  private pump(): void {
    while (!this.closed && this.running.size < this.limits.maxRunning && this.queue.length > 0) {
      const next = this.queue.shift()!
      this.queuedBytes -= next.bytes
      this.start(next)
    }
  }

  private forgetOldRecords(): void {
    if (this.entries.size <= this.limits.maxRecords) return
    for (const [key, entry] of this.entries) {
      if (this.entries.size <= this.limits.maxRecords) break
      if (entry.record.finishedAt !== undefined) this.entries.delete(key)
    }
  }

  private dir(): string {
    if (this.baseDir === undefined) {
      if (this.options.dir === undefined) this.baseDir = mkdtempSync(join(tmpdir(), 'kne-jobs-'))
      else mkdirSync((this.baseDir = this.options.dir), {recursive: true, mode: 0o700})
    }
    return this.baseDir
  }

  private emit(type: JobActivity['type'], entry: Entry): void {
    this.options.onActivity?.({type, job: {...entry.record}})
  }
}

function jobKey(sink: string, source: string, id: string): string {
  return `${sink}\n${source}\n${id}`
}

/** `/etc/jobsink-event/event` → `<folder>/event`: the mount path wherever it stands as a whole path segment. */
export function replaceMountPath(text: string, mountPath: string, folder: string): string {
  if (!text.includes(mountPath)) return text
  const escaped = mountPath.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
  return text.replace(new RegExp(`${escaped}(?=$|/|[^A-Za-z0-9._-])`, 'g'), () => folder)
}

function tail(text: string, max: number): string {
  return text.length <= max ? text : text.slice(text.length - max)
}

// Whatever ends kne, its jobs go with it (as services and ContainerSources do, src/mesh/processes.ts).
const LIVE = new Set<Entry>()
process.on('exit', () => {
  for (const entry of LIVE) if (entry.child) signalGroup(entry.child, 'SIGKILL')
})
