// Knative forwards only a few headers from hop to hop (eventing pkg/utils/headers.go PassThroughHeaders):
// x-request-id, retry-after, and anything starting with knative- or x-b3-. The W3C trace context is not passed
// through: each hop reads the one it arrives with and sends its own.
import type {IncomingHttpHeaders} from 'node:http'
import type {CloudEvent} from '../core/cloudevent.js'
import type {HeaderMap} from '../core/codec/http.js'
import {parseTraceparent, type SpanParent} from '../core/trace-context.js'

export function isPassThroughHeader(name: string): boolean {
  return name === 'x-request-id' || name === 'retry-after' || name.startsWith('knative-') || name.startsWith('x-b3-')
}

/** Shared by every message without pass-through headers (most of them), so per-fan-out header caches hit. */
const NONE: Record<string, string> = Object.freeze({})

/** The headers a hop passes on; the result is shared and must not be changed. */
export function passThroughHeaders(headers: HeaderMap): Record<string, string> {
  let out: Record<string, string> | undefined
  for (const name in headers) {
    const value = headers[name]
    const lower = name.toLowerCase()
    if (value !== undefined && isPassThroughHeader(lower)) (out ??= {})[lower] = Array.isArray(value) ? value.join(',') : value
  }
  return out ?? NONE
}

/**
 * The trace an arriving event continues: the request's traceparent and tracestate headers (either content
 * mode), else the CloudEvents distributed-tracing extension's attributes; undefined when neither is valid.
 */
export function traceParentOf(headers: IncomingHttpHeaders, event: CloudEvent): SpanParent | undefined {
  const header = headers.traceparent
  if (header !== undefined) {
    const parent = parseTraceparent(header, joined(headers.tracestate))
    if (parent !== undefined) return parent
  }
  const {traceparent} = event.extensions
  return traceparent === undefined ? undefined : parseTraceparent(traceparent, event.extensions.tracestate)
}

function joined(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(',') : value
}
