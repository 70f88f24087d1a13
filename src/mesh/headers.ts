// Knative forwards only a few headers from hop to hop (eventing pkg/utils/headers.go PassThroughHeaders):
// x-request-id, retry-after, and anything starting with knative- or x-b3-.
import type {HeaderMap} from '../core/codec/http.js'

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
