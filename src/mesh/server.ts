// The mesh's HTTP surface: kne's control API under /_kne/, and every other path to the plugin whose prefix
// it starts with (brokers at /<namespace>/<broker>, channels at /channels/…, flows at /sequences/… and
// /parallels/…; see src/kinds/plugins.ts).
import {createServer, type IncomingMessage, type Server, type ServerResponse} from 'node:http'
import {
  API_PATHS,
  CONSOLE_PATH,
  CONTROL_PREFIX,
  EVENT_PATH,
  parseEventQuery,
  parseRedeliverRequest,
  parseSendRequest,
  REDELIVER_PATH,
  RELOADS_PATH,
  SEND_PATH,
} from '../core/api.js'
import {activityJsonLine, type Activity} from '../core/activity.js'
import {isJsonMediaType} from '../core/cloudevent.js'
import {foreignHostMessage, hostNameOf} from '../core/hosts.js'
import {rememberLast} from '../core/memo.js'
import {serveConsole} from './console.js'
import type {MeshContext} from './context.js'
import {explainArrival} from './explain.js'
import {METRICS_CONTENT_TYPE, renderMetrics} from './metrics.js'
import {ALLOW, internalError, percentDecoded, readBody, sendJson} from './ingress.js'
import {routeTable, type MeshPlugin} from './plugin.js'
import {sendToMesh} from './send.js'
import {meshResources} from './status.js'
import {meshRegistry, xregistryAnswer} from './xregistry.js'

/** How long a client may take to send a request, and how many connections the mesh keeps open. */
export interface ConnectionLimits {
  /** From a connection's first byte, or a kept-alive request's, to the end of the headers (an idle new connection ends here too). */
  headersTimeoutMs: number
  /** From a request's first byte to the end of its body: a trickled body, or a Content-Length larger than the body, ends here. */
  requestTimeoutMs: number
  /** A kept-alive connection with no request under way is closed after this. */
  idleTimeoutMs: number
  /** Connections opened past this many are closed at once. */
  maxConnections: number
}

/** Neither timeout limits the answer: a synchronous broker's and an activity stream's take as long as they take. */
export const DEFAULT_CONNECTION_LIMITS: ConnectionLimits = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 60_000,
  idleTimeoutMs: 65_000,
  maxConnections: 1000,
}

/** The mesh's HTTP server; a request that runs out of time is answered 408 and its connection closed. */
export function createMeshServer(mesh: MeshContext, plugins: readonly MeshPlugin[], limits: ConnectionLimits): Server {
  const server = createServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      keepAliveTimeout: limits.idleTimeoutMs,
      // node checks both timeouts on this interval (30 s by default): a timeout fires at most this late
      connectionsCheckingInterval: Math.min(1000, limits.headersTimeoutMs),
    },
    createRequestHandler(mesh, plugins),
  )
  server.maxConnections = limits.maxConnections
  let refused = 0
  server.on('drop', () => {
    if (refused++ % 1000 === 0) mesh.log(`refused a connection: ${limits.maxConnections} are open already (${refused} refused so far)`)
  })
  return server
}

export function createRequestHandler(
  mesh: MeshContext,
  plugins: readonly MeshPlugin[],
): (req: IncomingMessage, res: ServerResponse) => void {
  const routes = routeTable(plugins)
  return (req, res) => {
    const url = req.url ?? '/'
    const {host} = req.headers
    // a client without a Host header (HTTP/1.0) is not a browser
    if (host !== undefined && mesh.acceptedHosts !== undefined && !mesh.acceptedHosts.has(hostNameOf(host))) {
      return sendJson(res, 403, {error: foreignHostMessage(host, mesh.acceptedHosts)}, url.startsWith(CONTROL_PREFIX) ? {} : ALLOW)
    }
    try {
      if (url.startsWith(CONTROL_PREFIX)) {
        handleControl(mesh, plugins, req, res, url).catch((error: unknown) => internalError(mesh, req, res, url, error))
        return
      }
      for (const route of routes) {
        if (url.startsWith(route.prefix)) return route.handle(mesh, req, res, url)
      }
    } catch (error) {
      internalError(mesh, req, res, url, error)
    }
  }
}

async function handleControl(
  mesh: MeshContext,
  plugins: readonly MeshPlugin[],
  req: IncomingMessage,
  res: ServerResponse,
  url: string,
): Promise<void> {
  const {origin, host} = req.headers
  // a browser sends Origin with every POST and with cross-origin reads; other clients send none
  if (origin !== undefined && origin.toLowerCase() !== `http://${host?.toLowerCase()}`) {
    return sendJson(res, 403, {error: `kne's control API does not answer web pages from another origin (${origin})`})
  }
  // a web page can send text/plain or a form without asking first (no CORS preflight), but not JSON
  if (req.method !== 'GET' && req.method !== 'HEAD' && !isJsonMediaType(req.headers['content-type'])) {
    return sendJson(res, 415, {
      error: `control requests that change something take a JSON body (Content-Type: application/json) or none, not ${req.headers['content-type']}`,
    })
  }
  const {pathname, searchParams} = new URL(url, 'http://kne.local')
  if (percentDecoded(pathname) === undefined)
    return sendJson(res, 400, {error: `malformed percent-encoding in ${JSON.stringify(pathname)}`})
  if (`${pathname}/` === CONSOLE_PATH || pathname.startsWith(CONSOLE_PATH)) return serveConsole(req, res, pathname)
  // a plugin's endpoints first (firing a PingSource is the one POST); the rest of the control API is read-only
  for (const plugin of plugins) {
    const answer = await plugin.control?.(mesh, req, pathname, searchParams)
    if (answer) return sendJson(res, answer.status, answer.body)
  }
  // redelivery is the one change the control API makes itself (JSON only: checked above)
  if (pathname === REDELIVER_PATH) {
    if (req.method !== 'POST') return sendJson(res, 405, {error: `${REDELIVER_PATH} takes a POST with a JSON body`}, {Allow: 'POST'})
    return readBody(mesh, req, res, url, (body) => redeliver(mesh, res, body))
  }
  if (pathname === SEND_PATH) {
    if (req.method !== 'POST') return sendJson(res, 405, {error: `${SEND_PATH} takes a POST with a JSON body`}, {Allow: 'POST'})
    return readBody(mesh, req, res, url, (body) => {
      const parsed = parseJson(body)
      if (parsed instanceof Error) return sendJson(res, 400, {error: parsed.message})
      const request = parseSendRequest(parsed)
      if ('error' in request) return sendJson(res, 400, request)
      sendToMesh(mesh, request).then(
        (answer) => sendJson(res, answer.status, answer.body),
        (error: unknown) => internalError(mesh, req, res, url, error),
      )
    })
  }
  if (req.method !== 'GET')
    return sendJson(res, 405, {error: 'the control API is read-only: use GET (POST only to send, redeliver and fire)'})
  const eventKey = EVENT_PATH.exec(pathname)?.[1]
  if (eventKey !== undefined) {
    const key = percentDecoded(eventKey)!
    const answer = mesh.events.show(key)
    return answer.events.length > 0
      ? sendJson(res, 200, answer)
      : sendJson(res, 404, {error: `no event with arrival number or id ${JSON.stringify(key)} in the mesh's ${answer.from}`})
  }
  if (pathname === API_PATHS.xregistry || pathname.startsWith(`${API_PATHS.xregistry}/`)) {
    const answer = xregistryAnswer(mesh, pathname.slice(API_PATHS.xregistry.length), searchParams.has('inline'))
    return sendJson(res, answer.status, answer.body)
  }
  switch (pathname) {
    case API_PATHS.health:
      return sendJson(res, 200, {status: mesh.draining ? 'draining' : 'ok'})
    case API_PATHS.status:
      return sendJson(res, 200, mesh.status())
    case RELOADS_PATH:
      return sendJson(res, 200, mesh.reloads)
    case API_PATHS.resources:
      return sendJson(res, 200, meshResources(mesh))
    case API_PATHS.activity:
      return streamActivity(mesh, req, res, searchParams)
    case API_PATHS.registry:
      return mesh.eventTypes
        ? sendJson(res, 200, mesh.eventTypes.snapshot())
        : sendJson(res, 404, {error: 'this mesh does not observe event types (observeEventTypes: false)'})
    case API_PATHS.registryEntries:
      return sendJson(res, 200, meshRegistry(mesh))
    case API_PATHS.events: {
      const query = parseEventQuery(searchParams)
      return 'error' in query ? sendJson(res, 400, query) : sendJson(res, 200, mesh.events.query(query))
    }
    case API_PATHS.explain: {
      const explanation = explainArrival(mesh, Number(searchParams.get('arrival')))
      return explanation
        ? sendJson(res, 200, explanation)
        : sendJson(res, 404, {error: `arrival ${searchParams.get('arrival')} is not in the history any more`})
    }
    case API_PATHS.metrics: {
      const text = renderMetrics(mesh)
      res.writeHead(200, {'Content-Type': METRICS_CONTENT_TYPE, 'Content-Length': Buffer.byteLength(text)}).end(text)
      return
    }
    default:
      return sendJson(res, 404, {error: `unknown control endpoint ${pathname}`})
  }
}

/** `POST /_kne/v1/redeliver`: the body's request, sent, and what became of each delivery. */
function redeliver(mesh: MeshContext, res: ServerResponse, body: Buffer): void {
  const parsed = parseJson(body)
  if (parsed instanceof Error) return sendJson(res, 400, {error: parsed.message})
  const request = parseRedeliverRequest(parsed)
  if ('error' in request) return sendJson(res, 400, request)
  sendJson(res, 200, mesh.events.redeliver(request))
}

/** A control request's body: `{}` when empty, or why it is not JSON. */
function parseJson(body: Buffer): unknown {
  try {
    return body.length === 0 ? {} : (JSON.parse(body.toString('utf8')) as unknown)
  } catch (error) {
    return new Error(`the body is not JSON: ${(error as Error).message}`)
  }
}

/** How long a follower's records wait to leave together: a busy mesh appends thousands a second, one write each cost a syscall. */
const STREAM_FLUSH_MS = 10
const OVERFLOW_BYTES = 16 * 1024 * 1024
/** Characters of history written at a time; the mesh serves other requests between two (a history is up to --history-bytes). */
const REPLAY_CHUNK_CHARS = 64 * 1024

/**
 * NDJSON activity: the history from `since`, a chunk at a time. With follow=true the stream stays open: after
 * the history it writes a `subscribed` line carrying the sequence number of the first live record; the
 * subscription is live from the start, so a client that waits for that line misses nothing.
 */
function streamActivity(mesh: MeshContext, req: IncomingMessage, res: ServerResponse, params: URLSearchParams): void {
  // `last=N`: the latest N records of the history rather than all of it (the console starts there)
  const last = Number(params.get('last') ?? '0') || 0
  const since = last > 0 ? Math.max(1, mesh.journal.next - last) : Number(params.get('since') ?? '0') || 0
  const follow = params.get('follow') === 'true'
  res.writeHead(200, {'Content-Type': 'application/x-ndjson', 'Cache-Control': 'no-store'})
  const until = mesh.journal.next
  if (!follow) return replayHistory(mesh, res, since, until, () => res.end())
  let pending = ''
  let timer: NodeJS.Timeout | undefined
  // live records wait in `pending` until the history before them is out
  let replaying = true
  const flush = (): void => {
    timer = undefined
    if (pending === '' || replaying) return
    res.write(pending)
    pending = ''
  }
  const write = (line: string): void => {
    pending += line
    if (!replaying) timer ??= setTimeout(flush, STREAM_FLUSH_MS)
  }
  const unsubscribe = mesh.journal.subscribe((record) => {
    // a consumer that stops reading is cut off instead of growing the mesh's memory without bound
    if (res.writableLength + pending.length > OVERFLOW_BYTES) {
      stop()
      res.end(`${JSON.stringify({kind: 'overflow', error: 'the client fell too far behind; reconnect with since='})}\n`)
      return
    }
    write(sharedLine(record))
  })
  replayHistory(mesh, res, since > 0 ? since : until, until, () => {
    replaying = false
    pending = `${JSON.stringify({kind: 'subscribed', next: until})}\n${pending}`
    flush()
  })
  const stream = {
    // the mesh closing: what is waiting still goes out (a history still being written stops where it is)
    end(): void {
      stop()
      replaying = false
      flush()
      res.end()
    },
  }
  const stop = (): void => {
    unsubscribe()
    clearTimeout(timer)
    timer = undefined
    forget()
  }
  const forget = mesh.keepStream(stream)
  req.on('close', stop)
  res.on('close', stop)
}

/**
 * Writes the kept records with since <= seq < until, oldest first, a chunk at a time: the event loop runs
 * between chunks, and a client that reads slowly is waited for (drain) rather than buffered for. Records the
 * history drops meanwhile are skipped. Calls `done` at the end; never when the response ended first.
 */
function replayHistory(mesh: MeshContext, res: ServerResponse, since: number, until: number, done: () => void): void {
  let seq = since
  const writeChunk = (): void => {
    if (res.writableEnded || res.destroyed) return
    seq = Math.max(seq, mesh.journal.first)
    if (seq >= until) return done()
    let chunk = ''
    for (; seq < until && chunk.length < REPLAY_CHUNK_CHARS; seq++) {
      // a restored history has a gap where the log had a record it could not read
      const record = mesh.journal.get(seq)
      if (record !== undefined) chunk += activityJsonLine(record)
    }
    if (res.write(chunk)) setImmediate(writeChunk)
    else res.once('drain', writeChunk)
  }
  writeChunk()
}

// Every attached stream writes the same record in turn: serialize it once for all of them.
const lineOf = rememberLast((record: Activity, _unused: undefined) => activityJsonLine(record))

function sharedLine(record: Activity): string {
  return lineOf(record, undefined)
}
