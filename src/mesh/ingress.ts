// What every ingress the kind plugins serve shares: the answers before a body is read (OPTIONS, 405, 503
// while draining), reading a bounded body, answering what the runtime decided, 404s that name what the mesh
// serves, and a 500 that keeps the mesh serving.
import type {IncomingMessage, ServerResponse} from 'node:http'
import {CONTROL_PREFIX} from '../core/api.js'
import {invalidDataRecord, notFoundMessage, notFoundRecord, rejectedRecord} from '../core/activity.js'
import {describeViolations} from '../core/registry/violations.js'
import type {CloudEvent} from '../core/cloudevent.js'
import {perObject} from '../core/memo.js'
import type {Topology} from '../core/topology.js'
import {MAX_BODY_BYTES, retainedBody} from './bodies.js'
import type {MeshContext} from './context.js'
import type {IngressAnswer} from './runtime.js'

/** Broker ingress sends Allow on every response (semantics §1.2). */
export const ALLOW = {Allow: 'POST, OPTIONS'}
// The common answer as a header list: no per-request setHeader, and a Content-Length so that no chunked
// terminator follows (Knative's Go ingress answers with Content-Length: 0 too).
export const ACCEPTED_HEADERS = ['Allow', 'POST, OPTIONS', 'Content-Length', '0']

/** A bug must not take the mesh down: it answers 500 and keeps serving. */
export function internalError(ctx: MeshContext, req: IncomingMessage, res: ServerResponse, url: string, error: unknown): void {
  ctx.log(`internal error handling ${req.method} ${url}: ${(error as Error).stack ?? String(error)}`)
  if (!res.headersSent)
    sendJson(res, 500, {error: `internal error: ${(error as Error).message}`}, url.startsWith(CONTROL_PREFIX) ? {} : ALLOW)
  else res.destroy()
}

/** The answers every ingress gives before it reads a body: the OPTIONS probe, 405, and 503 while refusing events; true when it answered. */
export function answeredWithoutEvent(ctx: MeshContext, req: IncomingMessage, res: ServerResponse): boolean {
  if (req.method === 'OPTIONS') res.writeHead(200, {...ALLOW, 'WebHook-Allowed-Origin': '*', 'WebHook-Allowed-Rate': '*'}).end()
  else if (req.method !== 'POST') ingressJson(res, 405, {error: `method ${req.method} is not allowed: send events with POST`})
  else if (ctx.refusal !== undefined) ingressJson(res, 503, {error: ctx.refusal})
  else return false
  return true
}

/** Answers with what ingress decided, now or once a synchronous fan-out ended. */
export function answerIngress(
  ctx: MeshContext,
  req: IncomingMessage,
  res: ServerResponse,
  url: string,
  answer: IngressAnswer | Promise<IngressAnswer>,
): void {
  if (answer instanceof Promise) {
    answer.then(
      (settled) => writeIngressAnswer(res, settled),
      (error: unknown) => internalError(ctx, req, res, url, error),
    )
    return
  }
  writeIngressAnswer(res, answer)
}

function writeIngressAnswer(res: ServerResponse, answer: IngressAnswer): void {
  if (answer.status >= 200 && answer.status < 300) {
    res.writeHead(answer.status, ACCEPTED_HEADERS).end()
    return
  }
  ingressJson(
    res,
    answer.status,
    {error: answer.error, ...(answer.failed ? {failed: answer.failed} : {})},
    answer.retryAfter === undefined ? {} : {'Retry-After': answer.retryAfter},
  )
}

/**
 * Checks an event's data against its type's declared schema (registry.validate): `warn` records the
 * violations and lets the event in, `reject` answers 400 with them (a kne extension). True when it answered.
 */
export function refusedBySchema(
  ctx: MeshContext,
  res: ServerResponse,
  where: {broker: string; channel?: undefined} | {channel: string; broker?: undefined},
  namespace: string,
  reference: string,
  event: CloudEvent,
): boolean {
  const check = ctx.eventSchemas!.schemas.check(namespace, reference, event)
  if (check === undefined) return false
  if (ctx.eventSchemas!.mode === 'warn') {
    ctx.journal.append(invalidDataRecord(where, event, check))
    return false
  }
  const error = `the data does not match the schema of ${event.type}: ${describeViolations(check)}`
  if (where.broker !== undefined) ctx.runtime.recordRejection(where.broker)
  else ctx.runtime.recordChannelRejection(where.channel)
  ctx.journal.append(rejectedRecord(where, 400, error, 'ingress'))
  ingressJson(res, 400, {
    error,
    violations: check.violations,
    ...(check.total > check.violations.length ? {moreViolations: check.total - check.violations.length} : {}),
  })
  return true
}

/** The brokers, channels, sequences and parallels a topology serves, by `namespace/name`, for 404 answers and records. */
export interface ServedAddresses {
  broker: readonly string[]
  channel: readonly string[]
  sequence: readonly string[]
  parallel: readonly string[]
}

// computed once per configuration: every record of a flood of 404s shares these lists
export const servedBy = perObject((topology: Topology): ServedAddresses => ({
  broker: [...topology.brokers.keys()],
  channel: [...topology.channels.values()].filter((c) => c.owner === undefined).map((c) => c.key),
  sequence: [...topology.sequences.keys()],
  parallel: [...topology.parallels.keys()],
}))

/** A request to an address the mesh does not serve: answered 404 and recorded, since a wrong K_SINK is a newcomer's likeliest mistake. */
export function answerNotFound(
  ctx: MeshContext,
  res: ServerResponse,
  url: string,
  error: string,
  serves: readonly string[],
  event: CloudEvent | undefined,
): void {
  const record = notFoundRecord(url, error, serves, event)
  ctx.journal.append(record)
  ingressJson(res, 404, {error: notFoundMessage({error, serves})})
}

/**
 * Reads a request's body and hands it to `use`; a body over the limit is answered 413, and whatever `use`
 * throws (a bug) is answered 500.
 */
export function readBody(ctx: MeshContext, req: IncomingMessage, res: ServerResponse, url: string, use: (body: Buffer) => void): void {
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
      internalError(ctx, req, res, url, error)
    }
  })
  // the client went away mid-body (the only way a request errors): nobody is left to answer
  req.on('error', () => res.destroy())
}

export function ingressJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  sendJson(res, status, body, {...ALLOW, ...headers})
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body)
  res.writeHead(status, {'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), ...headers}).end(text)
}

export function decodeURIComponentSafe(text: string): string {
  return percentDecoded(text) ?? text
}

/** The text with its %XX escapes decoded, or undefined when they are malformed. */
export function percentDecoded(text: string): string | undefined {
  try {
    return decodeURIComponent(text)
  } catch {
    return undefined
  }
}
