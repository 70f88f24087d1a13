// Outgoing HTTP for every delivery: one undici Pool of keep-alive connections per origin, with each
// target URL parsed once, since a mesh posts to the same few subscribers over and over.
import {Pool} from 'undici'
import type {EncodedMessage} from '../core/codec/http.js'

export interface PostResult {
  status?: number
  headers: Record<string, string | string[] | undefined>
  body: Buffer
  /** Transport error (connection refused, timeout, reset), when no response came. */
  error?: string
  durationMs: number
}

const EMPTY = Buffer.alloc(0)

interface Target {
  pool: Pool
  path: string
}

/** Targets kept at most; past that the cache is cleared (URLs come from configuration, so this is rare). */
const MAX_TARGETS = 10_000

export class HttpSender {
  private readonly pools = new Map<string, Pool>()
  private readonly targets = new Map<string, Target>()

  private target(url: string): Target {
    let target = this.targets.get(url)
    if (target) return target
    const parsed = new URL(url)
    let pool = this.pools.get(parsed.origin)
    if (!pool) {
      pool = new Pool(parsed.origin, {keepAliveTimeout: 30_000, keepAliveMaxTimeout: 600_000, connections: 256})
      this.pools.set(parsed.origin, pool)
    }
    if (this.targets.size >= MAX_TARGETS) this.targets.clear()
    target = {pool, path: `${parsed.pathname}${parsed.search}`}
    this.targets.set(url, target)
    return target
  }

  async post(url: string, message: EncodedMessage, extraHeaders: Record<string, string>, options: {timeoutMs?: number; signal?: AbortSignal} = {}): Promise<PostResult> {
    const started = performance.now()
    const signals = [options.signal, options.timeoutMs === undefined ? undefined : AbortSignal.timeout(options.timeoutMs)]
      .filter((s): s is AbortSignal => s !== undefined)
    try {
      const {pool, path} = this.target(url)
      const response = await pool.request({
        path,
        method: 'POST',
        headers: {...extraHeaders, ...message.headers},
        body: message.body === undefined ? undefined : typeof message.body === 'string' ? message.body : Buffer.from(message.body.buffer, message.body.byteOffset, message.body.byteLength),
        signal: signals.length === 0 ? undefined : signals.length === 1 ? signals[0] : AbortSignal.any(signals),
        headersTimeout: 0,
        bodyTimeout: 0,
      })
      // most subscribers answer with no body: skip buffering it
      let body = EMPTY
      if (response.headers['content-length'] === '0') await response.body.dump()
      else body = Buffer.from(await response.body.arrayBuffer())
      return {status: response.statusCode, headers: response.headers, body, durationMs: performance.now() - started}
    } catch (error) {
      return {headers: {}, body: Buffer.alloc(0), error: describeTransportError(error, options.timeoutMs), durationMs: performance.now() - started}
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.pools.values()].map((pool) => pool.destroy()))
    this.pools.clear()
    this.targets.clear()
  }
}

function describeTransportError(error: unknown, timeoutMs: number | undefined): string {
  const err = error as {name?: string; code?: string; message?: string; cause?: {code?: string; message?: string}}
  if (err.name === 'TimeoutError' || err.name === 'AbortError') {
    return timeoutMs !== undefined && err.name === 'TimeoutError' ? `timed out after ${timeoutMs} ms` : 'aborted'
  }
  const code = err.cause?.code ?? err.code
  const message = err.cause?.message ?? err.message ?? String(error)
  return code && !message.includes(code) ? `${code}: ${message}` : message
}
