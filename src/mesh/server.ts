// The mesh's HTTP surface: broker ingress at /<namespace>/<broker> with the checks of Knative's
// broker-ingress in its order (semantics §1.2), and kne's control API under /_kne/.
import type {IncomingMessage, ServerResponse} from 'node:http'
import {activityToJson, type Activity} from '../core/activity.js'
import {decodeHttpMessage} from '../core/codec/http.js'
import {explainArrival} from './explain.js'
import {passThroughHeaders} from './headers.js'
import type {Mesh} from './mesh.js'

export const CONTROL_PREFIX = '/_kne/'
/** Knative sets no body limit; kne stops at 64 MiB so that one request cannot exhaust memory. */
export const MAX_BODY_BYTES = 64 * 1024 * 1024

export function createRequestHandler(mesh: Mesh): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const url = req.url ?? '/'
    const work = url.startsWith(CONTROL_PREFIX) ? handleControl(mesh, req, res, url) : handleIngress(mesh, req, res, url)
    work.catch((error: unknown) => {
      // a bug must not take the mesh down: answer 500 and keep serving
      mesh.log(`internal error handling ${req.method} ${url}: ${(error as Error).stack ?? String(error)}`)
      if (!res.headersSent) sendJson(res, 500, {error: `internal error: ${(error as Error).message}`})
      else res.destroy()
    })
  }
}

async function handleIngress(mesh: Mesh, req: IncomingMessage, res: ServerResponse, url: string): Promise<void> {
  res.setHeader('Allow', 'POST, OPTIONS')
  if (req.method === 'OPTIONS') {
    res.writeHead(200, {'WebHook-Allowed-Origin': '*', 'WebHook-Allowed-Rate': '*'}).end()
    return
  }
  if (req.method !== 'POST') return sendJson(res, 405, {error: `method ${req.method} is not allowed: send events with POST`})
  if (mesh.draining) return sendJson(res, 503, {error: 'kne is shutting down and no longer accepts events'})
  if (url === '/') return sendJson(res, 404, {error: 'no broker at /: post to /<namespace>/<broker>'})
  // Knative splits the raw request URI, so a query string stays part of the broker name
  const parts = (url.endsWith('/') ? url.slice(0, -1) : url).split('/')
  if (parts.length !== 3 || parts[0] !== '') {
    return sendJson(res, 400, {error: `malformed broker path ${JSON.stringify(url)}: expected /<namespace>/<broker>`})
  }
  const body = await readBody(req)
  if (body === undefined) return sendJson(res, 413, {error: `request body exceeds ${MAX_BODY_BYTES} bytes`})
  const decoded = decodeHttpMessage(req.headers, body)
  const brokerKey = `${decodeURIComponentSafe(parts[1]!)}/${decodeURIComponentSafe(parts[2]!)}`
  const broker = mesh.topology.brokers.get(brokerKey)
  if (!decoded.ok) {
    mesh.runtime.recordRejection(broker?.key)
    mesh.journal.append({kind: 'rejected', broker: broker?.key, status: 400, error: decoded.error, via: 'ingress'})
    return sendJson(res, 400, {error: `invalid CloudEvent: ${decoded.error}`})
  }
  if (!broker) {
    const known = [...mesh.topology.brokers.keys()]
    return sendJson(res, 404, {error: `broker ${brokerKey} not found${known.length ? `; this mesh serves ${known.join(', ')}` : ''}`})
  }
  const answer = await mesh.runtime.publish(broker, decoded.event, passThroughHeaders(req.headers), 'ingress')
  if (answer.status >= 200 && answer.status < 300) {
    res.writeHead(answer.status).end()
    return
  }
  sendJson(res, answer.status, {error: answer.error, ...(answer.failed ? {failed: answer.failed} : {})},
    answer.retryAfter === undefined ? {} : {'Retry-After': answer.retryAfter})
}

async function handleControl(mesh: Mesh, req: IncomingMessage, res: ServerResponse, url: string): Promise<void> {
  const {pathname, searchParams} = new URL(url, 'http://kne.local')
  if (req.method !== 'GET') return sendJson(res, 405, {error: 'the control API is read-only: use GET'})
  switch (pathname) {
    case '/_kne/v1/health':
      return sendJson(res, 200, {status: mesh.draining ? 'draining' : 'ok'})
    case '/_kne/v1/status':
      return sendJson(res, 200, mesh.status())
    case '/_kne/v1/activity':
      return streamActivity(mesh, req, res, searchParams)
    case '/_kne/v1/explain': {
      const explanation = explainArrival(mesh, Number(searchParams.get('arrival')))
      return explanation ? sendJson(res, 200, explanation) : sendJson(res, 404, {error: `arrival ${searchParams.get('arrival')} is not in the history any more`})
    }
    default:
      return sendJson(res, 404, {error: `unknown control endpoint ${pathname}`})
  }
}

/**
 * NDJSON activity. With follow=true the stream stays open: it first writes a `subscribed` line carrying the
 * next sequence number, sent only once the subscription is live, so a client that waits for it misses nothing.
 */
function streamActivity(mesh: Mesh, req: IncomingMessage, res: ServerResponse, params: URLSearchParams): void {
  const since = Number(params.get('since') ?? '0') || 0
  const follow = params.get('follow') === 'true'
  res.writeHead(200, {'Content-Type': 'application/x-ndjson', 'Cache-Control': 'no-store'})
  const write = (record: Activity): void => {
    res.write(`${JSON.stringify(activityToJson(record))}\n`)
  }
  if (!follow) {
    for (const record of mesh.journal.since(since)) write(record)
    res.end()
    return
  }
  const unsubscribe = mesh.journal.subscribe((record) => {
    // a consumer that stops reading is cut off instead of growing the mesh's memory without bound
    if (res.writableLength > 16 * 1024 * 1024) {
      unsubscribe()
      res.end(`${JSON.stringify({kind: 'overflow', error: 'the client fell too far behind; reconnect with since='})}\n`)
      return
    }
    write(record)
  })
  if (since > 0) for (const record of mesh.journal.since(since)) write(record)
  res.write(`${JSON.stringify({kind: 'subscribed', next: mesh.journal.next})}\n`)
  const close = (): void => {
    unsubscribe()
    mesh.streams.delete(res)
  }
  mesh.streams.add(res)
  req.on('close', close)
  res.on('close', close)
}

function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size <= MAX_BODY_BYTES) chunks.push(chunk)
    })
    req.on('end', () => resolve(size > MAX_BODY_BYTES ? undefined : chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)))
    req.on('error', reject)
  })
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body)
  res.writeHead(status, {'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), ...headers}).end(text)
}

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text)
  } catch {
    return text
  }
}
