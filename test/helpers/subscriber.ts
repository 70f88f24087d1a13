// A real subscriber: an HTTP server on 127.0.0.1 that records what it receives and answers as told.
import {createServer, type IncomingHttpHeaders, type ServerResponse} from 'node:http'
import type {AddressInfo} from 'node:net'

export interface Received {
  method: string
  url: string
  headers: IncomingHttpHeaders
  body: Buffer
}

export type Responder = (req: Received, res: ServerResponse, index: number) => void | Promise<void>

export interface Subscriber {
  url: string
  received: Received[]
  /** Resolves when `n` requests have arrived. */
  waitFor(n: number, timeoutMs?: number): Promise<Received[]>
  /** Resolves with the first request `match` accepts, once it has arrived (a test's own event on a shared subscriber). */
  waitForMatch(match: (r: Received) => boolean, timeoutMs?: number): Promise<Received>
  respond(responder: Responder): void
  close(): Promise<void>
}

/** For waitForMatch: the request that delivered the event `id` (binary mode, as brokers and channels deliver). */
export const withId =
  (id: string) =>
  (r: Received): boolean =>
    r.headers['ce-id'] === id

export const acceptEmpty: Responder = (_req, res) => {
  res.writeHead(200).end()
}

/** A responder that answers 200 only once released, for deliveries that must stay under way meanwhile. */
export function heldResponder(): {release: () => void; responder: Responder} {
  let release!: () => void
  const released = new Promise<void>((resolve) => {
    release = resolve
  })
  return {
    release,
    responder: async (_req, res) => {
      await released
      res.writeHead(200).end()
    },
  }
}

export async function startSubscriber(responder: Responder = acceptEmpty): Promise<Subscriber> {
  const received: Received[] = []
  const waiters: {ready: () => boolean; resolve: () => void}[] = []
  let current = responder
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const entry: Received = {method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks)}
      received.push(entry)
      for (const w of waiters.filter((w) => w.ready())) {
        waiters.splice(waiters.indexOf(w), 1)
        w.resolve()
      }
      Promise.resolve(current(entry, res, received.length - 1)).catch(() => res.destroy())
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const {port} = server.address() as AddressInfo
  const until = <T>(ready: () => boolean, value: () => T, timeoutMs: number, missing: () => string): Promise<T> => {
    if (ready()) return Promise.resolve(value())
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(missing())), timeoutMs)
      waiters.push({
        ready,
        resolve: () => {
          clearTimeout(timer)
          resolve(value())
        },
      })
    })
  }
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    waitFor(n, timeoutMs = 5000) {
      return until(
        () => received.length >= n,
        () => received.slice(0, n),
        timeoutMs,
        () => `subscriber got ${received.length} of ${n} requests in ${timeoutMs} ms`,
      )
    },
    waitForMatch(match, timeoutMs = 5000) {
      return until(
        () => received.some(match),
        () => received.find(match)!,
        timeoutMs,
        () => `none of the ${received.length} requests the subscriber got in ${timeoutMs} ms is the one awaited`,
      )
    },
    respond(next) {
      current = next
    },
    close() {
      return new Promise((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      })
    },
  }
}

/** Posts raw HTTP to the mesh, as a producer would. */
export async function post(
  url: string,
  headers: Record<string, string>,
  body?: string | Buffer,
  method = 'POST',
): Promise<{status: number; headers: Headers; text: string}> {
  const response = await fetch(url, {method, headers, body})
  return {status: response.status, headers: response.headers, text: await response.text()}
}

export function binaryHeaders(type: string, extra: Record<string, string> = {}): Record<string, string> {
  return {'ce-specversion': '1.0', 'ce-id': `id-${Math.random().toString(36).slice(2)}`, 'ce-source': '/test', 'ce-type': type, ...extra}
}
