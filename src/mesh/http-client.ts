// Outgoing HTTP for every delivery: one undici Agent with pooled keep-alive connections per mesh.
import {Agent, request} from 'undici'
import type {EncodedMessage} from '../core/codec/http.js'

export interface PostResult {
  status?: number
  headers: Record<string, string | string[] | undefined>
  body: Buffer
  /** Transport error (connection refused, timeout, reset), when no response came. */
  error?: string
  durationMs: number
}

export class HttpSender {
  private readonly agent = new Agent({keepAliveTimeout: 30_000, keepAliveMaxTimeout: 600_000, connections: 256})

  async post(url: string, message: EncodedMessage, extraHeaders: Record<string, string>, options: {timeoutMs?: number; signal?: AbortSignal} = {}): Promise<PostResult> {
    const started = performance.now()
    const signals = [options.signal, options.timeoutMs === undefined ? undefined : AbortSignal.timeout(options.timeoutMs)]
      .filter((s): s is AbortSignal => s !== undefined)
    try {
      const response = await request(url, {
        method: 'POST',
        headers: {...extraHeaders, ...message.headers},
        body: message.body === undefined ? undefined : typeof message.body === 'string' ? message.body : Buffer.from(message.body.buffer, message.body.byteOffset, message.body.byteLength),
        dispatcher: this.agent,
        signal: signals.length === 0 ? undefined : signals.length === 1 ? signals[0] : AbortSignal.any(signals),
        headersTimeout: 0,
        bodyTimeout: 0,
      })
      const body = Buffer.from(await response.body.arrayBuffer())
      return {status: response.statusCode, headers: response.headers, body, durationMs: performance.now() - started}
    } catch (error) {
      return {headers: {}, body: Buffer.alloc(0), error: describeTransportError(error, options.timeoutMs), durationMs: performance.now() - started}
    }
  }

  async close(): Promise<void> {
    await this.agent.destroy()
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
