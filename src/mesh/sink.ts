// `kne sink`: a local subscriber for trying delivery rules. It records every request it receives and
// answers as told — a fixed status, the first N failing, a seeded share failing, a delay, Retry-After, or
// a CloudEvent reply — so retries, backoff, dead-letter sinks and replies can be watched on a laptop.
import {createServer, type IncomingMessage, type Server, type ServerResponse} from 'node:http'
import type {AddressInfo} from 'node:net'
import type {CloudEvent} from '../core/cloudevent.js'
import {decodeHttpMessage, encodeBinary, type ContentMode} from '../core/codec/http.js'
import {isSuccess} from '../core/delivery/policy.js'
import {buildEvent} from '../core/event-builder.js'

export interface SinkBehaviour {
  /** The status of failing answers (default 503); with neither failFirst nor failRate, every answer uses it. */
  status?: number
  /** The first N requests fail. */
  failFirst?: number
  /** Each request (after failFirst) fails with this probability, drawn from a generator seeded with `seed`. */
  failRate?: number
  seed?: number
  /** Wait before every answer. */
  delayMs?: number
  /** Retry-After sent with failing answers: delay-seconds or an HTTP-date. */
  retryAfter?: string
  /** Successful answers carry this CloudEvent reply (a 200 with the event in binary mode). */
  reply?: {type: string; data?: string; source?: string}
}

export interface SinkOptions extends SinkBehaviour {
  host?: string
  /** 0 picks a free port. */
  port?: number
}

export interface SinkAnswer {
  status: number
  /** Why: the rule that chose this answer. */
  reason: string
  retryAfter?: string
  reply?: CloudEvent
}

/** One request the sink received and how it answered. */
export interface SinkRequest {
  /** 1-based number of the request. */
  n: number
  at: string
  method: string
  path: string
  /** Request headers other than the event's own (ce-*, content-type) and connection plumbing. */
  headers: Record<string, string>
  mode?: ContentMode
  event?: CloudEvent
  /** Why the request was not a CloudEvent, when it was not. */
  error?: string
  answer: SinkAnswer
}

export const DEFAULT_FAILURE_STATUS = 503

/** A small seeded generator (mulberry32): the same seed gives the same failures. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
}

/** Checks a behaviour; returns the problem, or undefined when it is usable. */
export function checkSinkBehaviour(b: SinkBehaviour): string | undefined {
  if (b.status !== undefined && (!Number.isInteger(b.status) || b.status < 200 || b.status > 599))
    return `--status ${b.status}: expected an HTTP status from 200 to 599`
  if (b.status !== undefined && isSuccess(b.status) && (b.failFirst !== undefined || b.failRate !== undefined)) {
    return `--status ${b.status}: with --fail-first or --fail-rate, --status is the failing answer; use a status from 300 to 599`
  }
  if (b.failFirst !== undefined && (!Number.isInteger(b.failFirst) || b.failFirst < 0))
    return `--fail-first ${b.failFirst}: expected a whole number >= 0`
  if (b.failRate !== undefined && !(b.failRate >= 0 && b.failRate <= 1))
    return `--fail-rate ${b.failRate}: expected a number from 0 to 1, such as 0.3`
  if (b.delayMs !== undefined && !(b.delayMs >= 0)) return `--delay: expected a duration such as 2s or 500ms`
  if (b.reply !== undefined) {
    const built = buildEvent({type: b.reply.type, source: b.reply.source ?? 'kne-sink', data: b.reply.data})
    if (!built.ok) return `--reply-type: the reply would not be a valid CloudEvent: ${built.error}`
  }
  return undefined
}

/** Decides answers in arrival order: failFirst, then failRate, else the fixed status, else success. */
export function answerPlanner(b: SinkBehaviour): (n: number) => SinkAnswer {
  const random = b.failRate === undefined ? undefined : seededRandom(b.seed ?? 1)
  const failStatus = b.status ?? DEFAULT_FAILURE_STATUS
  const fixed = b.failFirst === undefined && b.failRate === undefined ? b.status : undefined
  return (n) => {
    let failing: string | undefined
    if (b.failFirst !== undefined && n <= b.failFirst) failing = `failing as told: request ${n} of --fail-first ${b.failFirst}`
    else if (random !== undefined && random() < b.failRate!) failing = `failing as told: drawn by --fail-rate ${b.failRate}`
    else if (fixed !== undefined && !isSuccess(fixed)) failing = `answering --status ${fixed} as told`
    if (failing) return {status: failStatus, reason: failing, retryAfter: b.retryAfter}
    const status = fixed ?? (b.reply ? 200 : 202)
    if (!b.reply) return {status, reason: 'accepted'}
    const built = buildEvent({type: b.reply.type, source: b.reply.source ?? 'kne-sink', data: b.reply.data})
    return built.ok ? {status, reason: `replying with ${b.reply.type}`, reply: built.event} : {status: 500, reason: built.error}
  }
}

const HIDDEN_HEADERS = new Set(['host', 'connection', 'content-length', 'content-type', 'keep-alive', 'transfer-encoding'])

export class Sink {
  private count = 0
  private failures = 0
  private readonly server: Server
  private baseUrl = ''
  /** Answers held by --delay, released at once on close so nothing keeps the process alive. */
  private readonly held = new Map<NodeJS.Timeout, () => void>()

  private constructor(
    private readonly options: SinkOptions,
    private readonly onRequest: (request: SinkRequest) => void,
  ) {
    const plan = answerPlanner(options)
    this.server = createServer((req, res) => {
      this.handle(req, res, plan).catch(() => res.destroy())
    })
  }

  /** Starts a sink and resolves once it listens; `onRequest` sees every request with the answer it got. */
  static async start(options: SinkOptions, onRequest: (request: SinkRequest) => void = () => undefined): Promise<Sink> {
    const problem = checkSinkBehaviour(options)
    if (problem) throw new Error(problem)
    const sink = new Sink(options, onRequest)
    await new Promise<void>((resolve, reject) => {
      sink.server.once('error', reject)
      sink.server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
        sink.server.off('error', reject)
        resolve()
      })
    })
    const address = sink.server.address() as AddressInfo
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address
    sink.baseUrl = `http://${host}:${address.port}`
    return sink
  }

  get url(): string {
    return this.baseUrl
  }

  /** Requests received so far, and how many of them were answered with a failure. */
  get stats(): {received: number; failed: number} {
    return {received: this.count, failed: this.failures}
  }

  async close(): Promise<void> {
    for (const [timer, release] of this.held) {
      clearTimeout(timer)
      release()
    }
    this.held.clear()
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve())
      this.server.closeAllConnections()
    })
  }

  private hold(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.held.delete(timer)
        resolve()
      }, ms)
      this.held.set(timer, resolve)
    })
  }

  private async handle(req: IncomingMessage, res: ServerResponse, plan: (n: number) => SinkAnswer): Promise<void> {
    if (req.method !== 'POST') {
      res.writeHead(405, {Allow: 'POST', 'Content-Type': 'text/plain'}).end('kne sink receives CloudEvents with POST\n')
      return
    }
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const n = ++this.count
    const decoded = decodeHttpMessage(req.headers, Buffer.concat(chunks))
    const answer: SinkAnswer = decoded.ok ? plan(n) : {status: 400, reason: `not a CloudEvent: ${decoded.error}`}
    const headers: Record<string, string> = {}
    for (const [name, value] of Object.entries(req.headers)) {
      if (!name.startsWith('ce-') && !HIDDEN_HEADERS.has(name) && value !== undefined)
        headers[name] = Array.isArray(value) ? value.join(',') : value
    }
    const request: SinkRequest = {
      n,
      at: new Date().toISOString(),
      method: req.method,
      path: req.url ?? '/',
      headers,
      answer,
      ...(decoded.ok ? {mode: decoded.mode, event: decoded.event} : {error: decoded.error}),
    }
    if (!isSuccess(answer.status)) this.failures++
    this.onRequest(request)
    if (this.options.delayMs) await this.hold(this.options.delayMs)
    if (res.destroyed) return
    if (answer.reply) {
      const message = encodeBinary(answer.reply)
      res.writeHead(answer.status, message.headers).end(message.body === undefined ? undefined : Buffer.from(message.body))
      return
    }
    if (isSuccess(answer.status)) {
      res.writeHead(answer.status).end()
      return
    }
    res
      .writeHead(answer.status, {
        'Content-Type': 'text/plain',
        ...(answer.retryAfter === undefined ? {} : {'Retry-After': answer.retryAfter}),
      })
      .end(`kne sink: ${answer.reason}\n`)
  }
}

/** Starts a sink (the library entry point): `const sink = await startSink({failFirst: 2}, (r) => …); … await sink.close()`. */
export function startSink(options: SinkOptions = {}, onRequest?: (request: SinkRequest) => void): Promise<Sink> {
  return Sink.start(options, onRequest)
}
