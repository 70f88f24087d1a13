// The mesh's HTTP surface: broker ingress at /<namespace>/<broker> with the checks of Knative's
// broker-ingress in its order (semantics §1.2); channel ingress at /channels/<namespace>/<name> (also
// /sequences/… and /parallels/…, served by a flow's first channel) with the channel receiver's (§4.1); and
// kne's control API under /_kne/.
import {createServer, type IncomingMessage, type Server, type ServerResponse} from 'node:http'
import {activityJsonLine, notFoundMessage, notFoundRecord, rejectedRecord, type Activity} from '../core/activity.js'
import {isJsonMediaType, type CloudEvent} from '../core/cloudevent.js'
import {decodeHttpMessage} from '../core/codec/http.js'
import {foreignHostMessage, hostNameOf} from '../core/hosts.js'
import {memoize, perObject, rememberLast} from '../core/memo.js'
import type {Topology} from '../core/topology.js'
import {MAX_BODY_BYTES, retainedBody} from './bodies.js'
import {explainArrival} from './explain.js'
import {passThroughHeaders} from './headers.js'
import type {Mesh} from './mesh.js'
import type {IngressAnswer} from './runtime.js'
import {sourceControl} from './sources/control.js'
import {meshResources} from './status.js'

export const CONTROL_PREFIX = '/_kne/'
/** Broker ingress sends Allow on every response (semantics §1.2). */
const ALLOW = {Allow: 'POST, OPTIONS'}
// The common answer as a header list: no per-request setHeader, and a Content-Length so that no chunked
// terminator follows (Knative's Go ingress answers with Content-Length: 0 too).
const ACCEPTED_HEADERS = ['Allow', 'POST, OPTIONS', 'Content-Length', '0']

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
export const DEFAULT_CONNECTION_LIMITS: ConnectionLimits = {headersTimeoutMs: 10_000, requestTimeoutMs: 60_000, idleTimeoutMs: 65_000, maxConnections: 1000}

/** The mesh's HTTP server; a request that runs out of time is answered 408 and its connection closed. */
export function createMeshServer(mesh: Mesh, limits: ConnectionLimits): Server {
  const server = createServer({
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.idleTimeoutMs,
    // node checks both timeouts on this interval (30 s by default): a timeout fires at most this late
    connectionsCheckingInterval: Math.min(1000, limits.headersTimeoutMs),
  }, createRequestHandler(mesh))
  server.maxConnections = limits.maxConnections
  let refused = 0
  server.on('drop', () => {
    if (refused++ % 1000 === 0) mesh.log(`refused a connection: ${limits.maxConnections} are open already (${refused} refused so far)`)
  })
  return server
}

export function createRequestHandler(mesh: Mesh): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const url = req.url ?? '/'
    const {host} = req.headers
    // a client without a Host header (HTTP/1.0) is not a browser
    if (host !== undefined && mesh.acceptedHosts !== undefined && !mesh.acceptedHosts.has(hostNameOf(host))) {
      return sendJson(res, 403, {error: foreignHostMessage(host, mesh.acceptedHosts)}, url.startsWith(CONTROL_PREFIX) ? {} : ALLOW)
    }
    try {
      if (url.startsWith(CONTROL_PREFIX)) handleControl(mesh, req, res, url).catch((error: unknown) => internalError(mesh, req, res, url, error))
      else if (isChannelPath(url)) handleChannelIngress(mesh, req, res, url)
      else handleIngress(mesh, req, res, url)
    } catch (error) {
      internalError(mesh, req, res, url, error)
    }
  }
}

/** A bug must not take the mesh down: it answers 500 and keeps serving. */
function internalError(mesh: Mesh, req: IncomingMessage, res: ServerResponse, url: string, error: unknown): void {
  mesh.log(`internal error handling ${req.method} ${url}: ${(error as Error).stack ?? String(error)}`)
  if (!res.headersSent) sendJson(res, 500, {error: `internal error: ${(error as Error).message}`}, url.startsWith(CONTROL_PREFIX) ? {} : ALLOW)
  else res.destroy()
}

/** The answers every ingress gives before it reads a body: the OPTIONS probe, 405, and 503 while draining; true when it answered. */
function answeredWithoutEvent(mesh: Mesh, req: IncomingMessage, res: ServerResponse): boolean {
  if (req.method === 'OPTIONS') res.writeHead(200, {...ALLOW, 'WebHook-Allowed-Origin': '*', 'WebHook-Allowed-Rate': '*'}).end()
  else if (req.method !== 'POST') ingressJson(res, 405, {error: `method ${req.method} is not allowed: send events with POST`})
  else if (mesh.draining) ingressJson(res, 503, {error: 'kne is shutting down and no longer accepts events'})
  else return false
  return true
}

// Ingress is written with callbacks, not async functions: it runs for every event, and an asynchronous
// broker answers without a single promise.
function handleIngress(mesh: Mesh, req: IncomingMessage, res: ServerResponse, url: string): void {
  if (answeredWithoutEvent(mesh, req, res)) return
  if (url === '/') return answerNotFound(mesh, res, url, 'no broker at /: post to /<namespace>/<broker>', servedBy(mesh.topology).broker, undefined)
  const brokerKey = brokerKeyOf(url)
  if (brokerKey === undefined) {
    const error = `malformed broker path ${JSON.stringify(url)}: expected /<namespace>/<broker>`
    mesh.journal.append(rejectedRecord({}, 400, error, 'ingress'))
    return ingressJson(res, 400, {error})
  }
  readBody(mesh, req, res, url, (body) => {
    const decoded = decodeHttpMessage(req.headers, body)
    const broker = mesh.topology.brokers.get(brokerKey)
    if (!decoded.ok) {
      mesh.runtime.recordRejection(broker?.key)
      mesh.journal.append(rejectedRecord({broker: broker?.key}, 400, decoded.error, 'ingress'))
      return ingressJson(res, 400, {error: `invalid CloudEvent: ${decoded.error}`})
    }
    if (!broker) return answerNotFound(mesh, res, url, `broker ${brokerKey} not found`, servedBy(mesh.topology).broker, decoded.event)
    answerIngress(mesh, req, res, url, mesh.runtime.publish(broker, decoded.event, passThroughHeaders(req.headers), 'ingress'))
  })
}

/** Answers with what ingress decided, now or once a synchronous fan-out ended. */
function answerIngress(mesh: Mesh, req: IncomingMessage, res: ServerResponse, url: string, answer: IngressAnswer | Promise<IngressAnswer>): void {
  if (answer instanceof Promise) {
    answer.then((settled) => writeIngressAnswer(res, settled), (error: unknown) => internalError(mesh, req, res, url, error))
    return
  }
  writeIngressAnswer(res, answer)
}

function writeIngressAnswer(res: ServerResponse, answer: IngressAnswer): void {
  if (answer.status >= 200 && answer.status < 300) {
    res.writeHead(answer.status, ACCEPTED_HEADERS).end()
    return
  }
  ingressJson(res, answer.status, {error: answer.error, ...(answer.failed ? {failed: answer.failed} : {})},
    answer.retryAfter === undefined ? {} : {'Retry-After': answer.retryAfter})
}

/** The brokers, channels, sequences and parallels a topology serves, by `namespace/name`, for 404 answers and records. */
interface ServedAddresses {
  broker: readonly string[]
  channel: readonly string[]
  sequence: readonly string[]
  parallel: readonly string[]
}

// computed once per configuration: every record of a flood of 404s shares these lists
const servedBy = perObject((topology: Topology): ServedAddresses => ({
  broker: [...topology.brokers.keys()],
  channel: [...topology.channels.values()].filter((c) => c.owner === undefined).map((c) => c.key),
  sequence: [...topology.sequences.keys()],
  parallel: [...topology.parallels.keys()],
}))

/** A request to an address the mesh does not serve: answered 404 and recorded, since a wrong K_SINK is a newcomer's likeliest mistake. */
function answerNotFound(mesh: Mesh, res: ServerResponse, url: string, error: string, serves: readonly string[], event: CloudEvent | undefined): void {
  const record = notFoundRecord(url, error, serves, event)
  mesh.journal.append(record)
  ingressJson(res, 404, {error: notFoundMessage({error, serves})})
}

/** Three-segment paths: never a broker's, whose path has exactly two (kne's choice of channel addresses). */
const CHANNEL_PATH_KINDS: Record<string, string> = {channels: 'channel', sequences: 'sequence', parallels: 'parallel'}

function isChannelPath(url: string): boolean {
  return url.startsWith('/channels/') || url.startsWith('/sequences/') || url.startsWith('/parallels/')
}

/**
 * A channel's receiver. The channel is looked up first, as Knative's multi-channel dispatcher routes by
 * channel before the receiver runs; an unknown one gets 404 (conformance's answer; Knative's dispatcher
 * gives 500). Then: OPTIONS 200, other methods 405, an invalid CloudEvent 400, accepted 202 (semantics §4.1).
 */
function handleChannelIngress(mesh: Mesh, req: IncomingMessage, res: ServerResponse, url: string): void {
  const path = url.endsWith('/') ? url.slice(0, -1) : url
  const parts = path.split('/')
  const target = parts.length === 4 ? mesh.topology.addresses.get(`${mesh.url}${path}`) : undefined
  if (target?.kind !== 'channel') {
    const kind = CHANNEL_PATH_KINDS[parts[1]!]! as keyof ServedAddresses
    const what = parts.length === 4 ? `${kind} ${decodeURIComponentSafe(parts[2]!)}/${decodeURIComponentSafe(parts[3]!)}` : `${kind} path ${JSON.stringify(url)} (expected /${parts[1]}/<namespace>/<name>)`
    const serves = servedBy(mesh.topology)[kind]
    // a probe or a browser's GET is not an event gone astray: only a POST is recorded
    if (req.method !== 'POST') return ingressJson(res, 404, {error: notFoundMessage({error: `${what} not found`, serves})})
    return answerNotFound(mesh, res, url, `${what} not found`, serves, undefined)
  }
  const channel = target.route
  if (answeredWithoutEvent(mesh, req, res)) return
  readBody(mesh, req, res, url, (body) => {
    const decoded = decodeHttpMessage(req.headers, body)
    if (!decoded.ok) {
      mesh.runtime.recordChannelRejection(channel.key)
      mesh.journal.append(rejectedRecord({channel: channel.key}, 400, decoded.error, 'ingress'))
      return ingressJson(res, 400, {error: `invalid CloudEvent: ${decoded.error}`})
    }
    answerIngress(mesh, req, res, url, mesh.runtime.publishToChannel(channel, decoded.event, passThroughHeaders(req.headers), 'ingress'))
  })
}

async function handleControl(mesh: Mesh, req: IncomingMessage, res: ServerResponse, url: string): Promise<void> {
  const {origin, host} = req.headers
  // a browser sends Origin with every POST and with cross-origin reads; other clients send none
  if (origin !== undefined && origin.toLowerCase() !== `http://${host?.toLowerCase()}`) {
    return sendJson(res, 403, {error: `kne's control API does not answer web pages from another origin (${origin})`})
  }
  // a web page can send text/plain or a form without asking first (no CORS preflight), but not JSON
  if (req.method !== 'GET' && req.method !== 'HEAD' && !isJsonMediaType(req.headers['content-type'])) {
    return sendJson(res, 415, {error: `control requests that change something take a JSON body (Content-Type: application/json) or none, not ${req.headers['content-type']}`})
  }
  const {pathname, searchParams} = new URL(url, 'http://kne.local')
  if (percentDecoded(pathname) === undefined) return sendJson(res, 400, {error: `malformed percent-encoding in ${JSON.stringify(pathname)}`})
  // firing a PingSource is the one POST; the rest of the control API is read-only
  const sources = await sourceControl(mesh, req, pathname, searchParams)
  if (sources) return sendJson(res, sources.status, sources.body)
  if (req.method !== 'GET') return sendJson(res, 405, {error: 'the control API is read-only: use GET'})
  switch (pathname) {
    case '/_kne/v1/health':
      return sendJson(res, 200, {status: mesh.draining ? 'draining' : 'ok'})
    case '/_kne/v1/status':
      return sendJson(res, 200, mesh.status())
    case '/_kne/v1/resources':
      return sendJson(res, 200, meshResources(mesh))
    case '/_kne/v1/activity':
      return streamActivity(mesh, req, res, searchParams)
    case '/_kne/v1/registry':
      return mesh.eventTypes ? sendJson(res, 200, mesh.eventTypes.snapshot()) : sendJson(res, 404, {error: 'this mesh does not observe event types (observeEventTypes: false)'})
    case '/_kne/v1/explain': {
      const explanation = explainArrival(mesh, Number(searchParams.get('arrival')))
      return explanation ? sendJson(res, 200, explanation) : sendJson(res, 404, {error: `arrival ${searchParams.get('arrival')} is not in the history any more`})
    }
    default:
      return sendJson(res, 404, {error: `unknown control endpoint ${pathname}`})
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
function streamActivity(mesh: Mesh, req: IncomingMessage, res: ServerResponse, params: URLSearchParams): void {
  const since = Number(params.get('since') ?? '0') || 0
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
    mesh.streams.delete(stream)
  }
  mesh.streams.add(stream)
  req.on('close', stop)
  res.on('close', stop)
}

/**
 * Writes the kept records with since <= seq < until, oldest first, a chunk at a time: the event loop runs
 * between chunks, and a client that reads slowly is waited for (drain) rather than buffered for. Records the
 * history drops meanwhile are skipped. Calls `done` at the end; never when the response ended first.
 */
function replayHistory(mesh: Mesh, res: ServerResponse, since: number, until: number, done: () => void): void {
  let seq = since
  const writeChunk = (): void => {
    if (res.writableEnded || res.destroyed) return
    seq = Math.max(seq, mesh.journal.first)
    if (seq >= until) return done()
    let chunk = ''
    for (; seq < until && chunk.length < REPLAY_CHUNK_CHARS; seq++) chunk += activityJsonLine(mesh.journal.get(seq)!)
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

/**
 * Reads a request's body and hands it to `use`; a body over the limit is answered 413, and whatever `use`
 * throws (a bug) is answered 500.
 */
function readBody(mesh: Mesh, req: IncomingMessage, res: ServerResponse, url: string, use: (body: Buffer) => void): void {
  const chunks: Buffer[] = []
  let size = 0
  req.on('data', (chunk: Buffer) => {
    size += chunk.length
    if (size <= MAX_BODY_BYTES) chunks.push(chunk)
  })
  req.on('end', () => {
    if (size > MAX_BODY_BYTES) return ingressJson(res, 413, {error: `request body exceeds ${MAX_BODY_BYTES} bytes`})
    try {
      use(retainedBody(chunks, size))
    } catch (error) {
      internalError(mesh, req, res, url, error)
    }
  })
  // the client went away mid-body (the only way a request errors): nobody is left to answer
  req.on('error', () => res.destroy())
}

function ingressJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  sendJson(res, status, body, {...ALLOW, ...headers})
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body)
  res.writeHead(status, {'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), ...headers}).end(text)
}

/**
 * `namespace/name` of the broker a path addresses, or undefined when it is not /<namespace>/<broker>;
 * producers post to the same few paths over and over, so each is parsed once.
 */
const brokerKeyOf = memoize((url: string): string | undefined => {
  // Knative splits the raw request URI, so a query string stays part of the broker name
  const parts = (url.endsWith('/') ? url.slice(0, -1) : url).split('/')
  return parts.length === 3 && parts[0] === '' ? `${decodeURIComponentSafe(parts[1]!)}/${decodeURIComponentSafe(parts[2]!)}` : undefined
})

function decodeURIComponentSafe(text: string): string {
  return percentDecoded(text) ?? text
}

/** The text with its %XX escapes decoded, or undefined when they are malformed. */
function percentDecoded(text: string): string | undefined {
  try {
    return decodeURIComponent(text)
  } catch {
    return undefined
  }
}
