// `kne sink`: a local subscriber for trying delivery rules. It records every request it receives and
// answers as told — a fixed status, the first N failing, a seeded share failing, a delay, Retry-After, or
// a CloudEvent reply — so retries, backoff, dead-letter sinks and replies can be watched on a laptop.
import {createServer, type IncomingMessage, type Server, type ServerResponse} from 'node:http'
import type {AddressInfo} from 'node:net'
import type {CloudEvent} from '../core/cloudevent.js'
import {decodeHttpMessage, encodeBinary, type ContentMode} from '../core/codec/http.js'
import {isSuccess} from '../core/delivery/policy.js'
import {answerPlanner, checkSinkBehaviour, type SinkAnswer, type SinkBehaviour} from '../core/sink-behaviour.js'
import {MAX_BODY_BYTES} from './bodies.js'
import {Cancellation} from './cancellation.js'
import type {Clock} from './clock.js'

export {answerPlanner, checkSinkBehaviour, DEFAULT_FAILURE_STATUS, seededRandom} from '../core/sink-behaviour.js'
export type {SinkAnswer, SinkBehaviour} from '../core/sink-behaviour.js'

export interface SinkOptions extends SinkBehaviour {
  host?: string
  /** 0 picks a free port. */
  port?: number
  /** The clock delays run on (kne test's stand-ins use the mesh's, virtual or not); the wall clock by default. */
  clock?: Clock
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

const HIDDEN_HEADERS = new Set(['host', 'connection', 'content-length', 'content-type', 'keep-alive', 'transfer-encoding'])

export class Sink {
  private count = 0
  private failures = 0
  private readonly server: Server
  private baseUrl = ''
  /** Answers held by --delay, released at once on close so nothing keeps the process alive. */
  private readonly held = new Map<NodeJS.Timeout, () => void>()
  /** Delays on options.clock, ended at once on close. */
  private readonly closing = new Cancellation()
  private delayed = 0

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
    this.closing.abort(new Error('the sink closed'))
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

  /** Requests whose answer waits out the delay now. */
  get holding(): number {
    return this.delayed
  }

  private async hold(ms: number): Promise<void> {
    this.delayed++
    try {
      await this.wait(ms)
    } finally {
      this.delayed--
    }
  }

  private wait(ms: number): Promise<void> {
    if (this.options.clock) return this.options.clock.sleep(ms, this.closing).catch(() => undefined)
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
    let size = 0
    for await (const chunk of req) {
      size += (chunk as Buffer).length
      // read to its end, kept no further than the mesh's own bound
      if (size <= MAX_BODY_BYTES) chunks.push(chunk as Buffer)
    }
    const n = ++this.count
    const tooLarge = size > MAX_BODY_BYTES
    const decoded = tooLarge
      ? ({ok: false, error: `the body is over ${MAX_BODY_BYTES} bytes`} as const)
      : decodeHttpMessage(req.headers, Buffer.concat(chunks))
    const answer: SinkAnswer = decoded.ok
      ? plan(n)
      : tooLarge
        ? {status: 413, reason: decoded.error}
        : {status: 400, reason: `not a CloudEvent: ${decoded.error}`}
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
