// Outgoing HTTP for every delivery: one undici Pool of keep-alive connections per origin, with each
// target URL parsed once, since a mesh posts to the same few subscribers over and over. Requests go through
// undici's dispatch API with a handler of kne's own: request() would add a body stream, a promise chain and
// an abort-signal listener per delivery, which cost more than everything kne does with the event.
import {Pool, util, type Dispatcher} from 'undici'
import type {EncodedMessage} from '../core/codec/http.js'
import {memoize, rememberLast} from '../core/memo.js'
import {MAX_BODY_BYTES} from './bodies.js'
import type {AbortLike} from './cancellation.js'
import {MAX_TIMER_MS} from './clock.js'

export interface PostResult {
  status?: number
  headers: Record<string, string | string[] | undefined>
  body: Buffer
  /** Transport error (connection refused, timeout, reset), when no response came. */
  error?: string
  durationMs: number
}

const EMPTY = Buffer.alloc(0)
const NO_HEADERS: Record<string, string | string[] | undefined> = Object.freeze({})

interface Target {
  pool: Pool
  path: string
}

/** Targets kept at most; past that the cache starts over (URLs come from configuration, so this is rare). */
const MAX_TARGETS = 10_000

export class HttpSender {
  private readonly pools = new Map<string, Pool>()

  /** Where a URL's requests go; throws for a URL that does not parse. */
  private readonly target = memoize((url: string): Target => {
    const parsed = new URL(url)
    let pool = this.pools.get(parsed.origin)
    if (!pool) {
      // at most 100 connections per subscriber origin, as Knative's broker-filter keeps (MaxIdleConnsPerHost,
      // pkg/broker/filter/filter_handler.go); further requests wait for one instead of opening more sockets
      pool = new Pool(parsed.origin, {keepAliveTimeout: 30_000, keepAliveMaxTimeout: 600_000, connections: 100})
      this.pools.set(parsed.origin, pool)
    }
    return {pool, path: `${parsed.pathname}${parsed.search}`}
  }, MAX_TARGETS)

  /**
   * POSTs a message; never rejects: a transport failure is the result's `error`. Gives up after `timeoutMs`
   * (the delivery's `timeout`) or when `signal` is aborted.
   */
  post(
    url: string,
    message: EncodedMessage,
    extraHeaders: Record<string, string>,
    timeoutMs?: number,
    signal?: AbortLike,
    traceparent?: string,
    tracestate?: string,
  ): Promise<PostResult> {
    return new Promise((resolve) => this.send(url, message, extraHeaders, timeoutMs, signal, resolve, traceparent, tracestate))
  }

  /** Requests sent and not answered yet (nor given up on): kne test moves virtual time only while none is under way. */
  inFlight = 0

  /**
   * `post` for the delivery hot path: `done` is called exactly once with the result, and must not throw.
   * `traceparent` and `tracestate` are the request's own (W3C Trace Context), never the producer's.
   */
  send(
    url: string,
    message: EncodedMessage,
    extraHeaders: Record<string, string>,
    timeoutMs: number | undefined,
    signal: AbortLike | undefined,
    done: (result: PostResult) => void,
    traceparent?: string,
    tracestate?: string,
  ): void {
    this.inFlight++
    const exchange = new Exchange(done, timeoutMs, signal, this)
    if (exchange.finished) return
    let target: Target
    try {
      target = this.target(url)
    } catch (error) {
      exchange.onError(error as Error)
      return
    }
    const shared = this.headerList(extraHeaders, message)
    const headers = traceparent === undefined ? shared : withTraceContext(shared, traceparent, tracestate)
    const body =
      message.body === undefined || typeof message.body === 'string'
        ? message.body
        : Buffer.isBuffer(message.body)
          ? message.body
          : Buffer.from(message.body.buffer, message.body.byteOffset, message.body.byteLength)
    target.pool.dispatch({path: target.path, method: 'POST', headers, body, headersTimeout: 0, bodyTimeout: 0}, exchange)
  }

  // one flat header list per request instead of a merged object; a fan-out's requests share one
  private readonly headerList = rememberLast((extraHeaders: Record<string, string>, message: EncodedMessage): string[] => {
    const list: string[] = []
    for (const name in extraHeaders) list.push(name, extraHeaders[name]!)
    for (const name in message.headers) list.push(name, message.headers[name]!)
    return list
  })

  async close(): Promise<void> {
    await Promise.all([...this.pools.values()].map((pool) => pool.destroy()))
    this.pools.clear()
  }
}

/** A request's own header list: the fan-out's shared one and its trace context. */
function withTraceContext(shared: string[], traceparent: string, tracestate: string | undefined): string[] {
  const list = shared.slice()
  list.push('traceparent', traceparent)
  if (tracestate !== undefined) list.push('tracestate', tracestate)
  return list
}

/** One request and its answer, as undici's (classic) dispatch handler: reports its result exactly once. */
class Exchange implements Dispatcher.DispatchHandler {
  finished = false
  private readonly started = performance.now()
  private abortRequest: ((reason?: Error) => void) | undefined = undefined
  private status: number | undefined = undefined
  private headers = NO_HEADERS
  private rawHeaders: Buffer[] | string[] | undefined = undefined
  private chunks: Buffer[] | undefined = undefined
  private size = 0
  private timer: NodeJS.Timeout | undefined = undefined
  private readonly onAbort: (() => void) | undefined = undefined

  constructor(
    private readonly report: (result: PostResult) => void,
    private readonly timeoutMs: number | undefined,
    private readonly signal: AbortLike | undefined,
    /** Counts the request as under way until it reports. */
    private readonly sender: {inFlight: number},
  ) {
    if (signal?.aborted) {
      this.fail('aborted')
      return
    }
    if (signal) signal.addEventListener('abort', (this.onAbort = () => this.stop('aborted')), {once: true})
    // a longer timeout would fire after 1 ms; a delivery's 15-minute fan-out ends long before this one
    if (timeoutMs !== undefined)
      this.timer = setTimeout(() => this.stop(`timed out after ${timeoutMs} ms`), Math.min(timeoutMs, MAX_TIMER_MS))
  }

  onConnect(abort: (reason?: Error) => void): void {
    // given up on while it waited for a connection: undici drops it now
    if (this.finished) abort(new Error('aborted'))
    else this.abortRequest = abort
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[] | string[] | null): boolean {
    this.status = statusCode
    // The usual answer (2xx, no body, no ce- headers) is read by its status alone: its headers are parsed
    // only when a reader could need them (an event in the answer, Retry-After, pass-through headers of a reply).
    if (rawHeaders !== null && rawHeaders.length > 0) {
      if (statusCode < 200 || statusCode >= 300 || hasEventHeader(rawHeaders)) this.headers = util.parseHeaders(rawHeaders)
      else this.rawHeaders = rawHeaders
    }
    return true
  }

  onData(chunk: Buffer): boolean {
    this.size += chunk.length
    if (this.size > MAX_BODY_BYTES) {
      this.stop(`the answer exceeds ${MAX_BODY_BYTES} bytes`)
      return false
    }
    if (this.chunks === undefined) this.chunks = [chunk]
    else this.chunks.push(chunk)
    return true
  }

  onComplete(): void {
    if (this.finished) return
    const {chunks} = this
    if (chunks !== undefined && this.rawHeaders !== undefined) this.headers = util.parseHeaders(this.rawHeaders)
    const body = chunks === undefined ? EMPTY : chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)
    this.settle({status: this.status, headers: this.headers, body, durationMs: performance.now() - this.started})
  }

  onError(error: Error): void {
    if (!this.finished) this.fail(describeTransportError(error))
  }

  /** Gives up on the request (timeout, cancellation, an answer too large) and settles with why. */
  private stop(reason: string): void {
    if (this.finished) return
    this.fail(reason)
    this.abortRequest?.(new Error(reason))
  }

  private fail(error: string): void {
    this.settle({headers: {}, body: EMPTY, error, durationMs: performance.now() - this.started})
  }

  private settle(result: PostResult): void {
    this.finished = true
    if (this.timer !== undefined) clearTimeout(this.timer)
    if (this.onAbort !== undefined) this.signal!.removeEventListener('abort', this.onAbort)
    this.sender.inFlight--
    this.report(result)
  }
}

/**
 * Whether an answer's headers may say it carries an event: a `ce-` header or a Content-Type (any case;
 * a structured-mode Content-Type with an empty body is an invalid reply, not no reply).
 */
function hasEventHeader(rawHeaders: Buffer[] | string[]): boolean {
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const raw = rawHeaders[i]!
    const name =
      typeof raw === 'string' ? raw : raw.length === 12 || (raw.length > 3 && raw[2] === 0x2d) ? raw.toString('latin1') : undefined
    if (name === undefined) continue
    const lower = name.toLowerCase()
    if (lower.startsWith('ce-') || lower === 'content-type') return true
  }
  return false
}

function describeTransportError(error: unknown): string {
  const err = error as {code?: string; message?: string; cause?: {code?: string; message?: string}}
  const code = err.cause?.code ?? err.code
  const message = err.cause?.message ?? err.message ?? String(error)
  return code && !message.includes(code) ? `${code}: ${message}` : message
}
