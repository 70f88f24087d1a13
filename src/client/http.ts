// The commands' HTTP client for talking to a running mesh: node:http, which node has loaded already,
// instead of undici, whose import alone took longer (~75 ms) than the rest of `kne send`'s start-up.
import {request as httpRequest, type IncomingMessage} from 'node:http'
import {MAX_BODY_BYTES} from '../mesh/bodies.js'

/** What the commands read of one answer at most: the mesh's own bound on a message. */
export const MAX_ANSWER_BYTES = MAX_BODY_BYTES

export interface RequestOptions {
  method?: string
  headers?: Record<string, string>
  body?: string | Uint8Array
  signal?: AbortSignal
  /** Milliseconds to wait for the answer (its headers and its whole body). */
  timeoutMs?: number
}

export interface Response {
  statusCode: number
  body: ResponseBody
}

/** The answer's body, read once: as text, as JSON, thrown away, or chunk by chunk. */
export class ResponseBody implements AsyncIterable<Buffer> {
  constructor(private readonly message: IncomingMessage) {}

  /** The whole body as text; rejects (and stops reading) past `maxBytes`. */
  async text(maxBytes = MAX_ANSWER_BYTES): Promise<string> {
    const chunks: Buffer[] = []
    let size = 0
    for await (const chunk of this.message) {
      size += (chunk as Buffer).length
      if (size > maxBytes) {
        this.message.destroy()
        throw Object.assign(new Error(`the answer exceeds ${maxBytes} bytes`), {code: 'ETOOBIG'})
      }
      chunks.push(chunk as Buffer)
    }
    return Buffer.concat(chunks).toString('utf8')
  }

  async json(maxBytes?: number): Promise<unknown> {
    return JSON.parse(await this.text(maxBytes))
  }

  async dump(): Promise<void> {
    this.message.resume()
    if (!this.message.complete) await new Promise((resolve) => this.message.once('end', resolve).once('close', resolve))
  }

  [Symbol.asyncIterator](): AsyncIterator<Buffer> {
    return this.message[Symbol.asyncIterator]()
  }
}

/** One request; rejects when no answer comes (connection refused, reset, timeout, abort), with the cause's code. */
export function request(url: string, options: RequestOptions = {}): Promise<Response> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, {method: options.method ?? 'GET', headers: options.headers, signal: options.signal}, (message) => {
      resolve({statusCode: message.statusCode ?? 0, body: new ResponseBody(message)})
    })
    req.on('error', reject)
    if (options.timeoutMs !== undefined) {
      req.setTimeout(options.timeoutMs, () =>
        req.destroy(Object.assign(new Error(`no answer within ${options.timeoutMs} ms`), {code: 'ETIMEDOUT'})),
      )
    }
    req.end(options.body)
  })
}
