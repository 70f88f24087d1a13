// `POST /_kne/v1/send`: builds a CloudEvent as `kne send` does and posts it over HTTP to the mesh's own
// ingress for the broker, channel or flow named, so it takes the path any producer's event takes; the answer
// carries the arrival it made and that arrival's path so far.
import type {SendAnswer, SendRequest} from '../core/api.js'
import type {Activity} from '../core/activity.js'
import {encodeBinary, encodeStructured} from '../core/codec/http.js'
import {eventToJsonObject} from '../core/codec/json.js'
import {buildEvent} from '../core/event-builder.js'
import {parseSink} from '../core/sink.js'
import {meshAddressOf} from '../kinds/addresses.js'
import type {MeshContext} from './context.js'

export type ControlSendResult = {status: number; body: SendAnswer | {error: string}}

export async function sendToMesh(mesh: MeshContext, request: SendRequest): Promise<ControlSendResult> {
  const namespace = request.namespace ?? 'default'
  const sink = parseSink(request.to, namespace)
  const url = sink.ok && sink.destination.ref ? meshAddressOf(sink.destination.ref, mesh.url, namespace) : undefined
  if (!sink.ok) return {status: 400, body: {error: `to: ${sink.error}`}}
  if (url === undefined)
    return {
      status: 400,
      body: {error: `to: ${request.to} is not the mesh's: name a broker, channel, sequence or parallel (broker:NAME[:NAMESPACE], …)`},
    }
  const {event: input} = request
  const data = input.data === undefined || typeof input.data === 'string' ? input.data : JSON.stringify(input.data)
  const built = buildEvent({
    type: input.type,
    source: input.source,
    id: input.id === '' ? undefined : input.id,
    subject: input.subject === '' ? undefined : input.subject,
    data,
    contentType: input.datacontenttype === '' ? undefined : input.datacontenttype,
    extensions: Object.entries(input.extensions ?? {}).map(([name, value]) => `${name}=${value}`),
  })
  if (!built.ok) return {status: 400, body: {error: built.error.replace(/^--extension /, 'extension ')}}
  const {event} = built
  let arrival: number | undefined
  // the arrival's record is appended while ingress handles the post, before it answers
  const unsubscribe = mesh.journal.subscribe((record: Activity) => {
    if (arrival === undefined && record.kind === 'event' && record.via === 'ingress' && record.id === event.id) arrival = record.arrival
  })
  const message = request.mode === 'binary' ? encodeBinary(event) : encodeStructured(event)
  let status: number
  let error: string | undefined
  try {
    const response = await fetch(url, {method: 'POST', headers: message.headers, body: message.body})
    status = response.status
    const text = await response.text()
    if (status >= 300) error = errorOf(text)
  } catch (err) {
    return {status: 502, body: {error: `the mesh's own ingress at ${url} did not answer: ${(err as Error).message}`}}
  } finally {
    unsubscribe()
  }
  const detail = arrival === undefined ? undefined : mesh.events.show(arrival).events.find((e) => e.summary.arrival === arrival)
  return {
    status: 200,
    body: {url, status, ...(error === undefined ? {} : {error}), id: event.id, event: eventToJsonObject(event), arrival, detail},
  }
}

function errorOf(text: string): string {
  try {
    const parsed = JSON.parse(text) as {error?: unknown}
    if (typeof parsed.error === 'string') return parsed.error
  } catch {
    // not JSON: the text itself
  }
  return text.slice(0, 1000)
}
