// W3C Trace Context (https://www.w3.org/TR/trace-context/): the traceparent an event arrives with, as an HTTP
// header or as the CloudEvents distributed-tracing extension, and the one each delivery sends on; plus where
// OTLP/HTTP traces go, as the OpenTelemetry exporter variables say.
import {keyParts} from './resources/types.js'

/** The span a hop continues: its trace, its parent span and the trace flags, with the vendors' tracestate. */
export interface SpanParent {
  /** 32 lowercase hex digits, not all zero. */
  traceId: string
  /** 16 lowercase hex digits, not all zero. */
  spanId: string
  /** Two hex digits; `01` is sampled. */
  flags: string
  state?: string
  /** The parent is a request of this mesh's own (a reply, a hop to another channel), not a span of another process. */
  local?: boolean
}

/** tracestate longer than this is dropped rather than passed on (the specification's limit is 32 members of at most 256 characters). */
export const MAX_TRACESTATE_CHARS = 512

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/
const ZERO_TRACE = '0'.repeat(32)
const ZERO_SPAN = '0'.repeat(16)

/**
 * A traceparent value as the specification reads it, or undefined when it is not one (then the hop starts a
 * trace of its own): version ff and all-zero ids are invalid, version 00 has nothing after the flags, a later
 * version is read by its first four fields.
 */
export function parseTraceparent(value: unknown, state?: unknown): SpanParent | undefined {
  if (typeof value !== 'string' || value.length < 55) return undefined
  const match = TRACEPARENT.exec(value.length === 55 ? value : value.trim())
  if (match === null) return undefined
  const [, version, traceId, spanId, flags, rest] = match as unknown as [string, string, string, string, string, string | undefined]
  if (version === 'ff' || (version === '00' && rest !== undefined) || traceId === ZERO_TRACE || spanId === ZERO_SPAN) return undefined
  return typeof state === 'string' && state.length > 0 && state.length <= MAX_TRACESTATE_CHARS
    ? {traceId, spanId, flags, state}
    : {traceId, spanId, flags}
}

/** The traceparent header a hop sends: version 00, its trace, its own span as the parent, the flags it continues. */
export function formatTraceparent(traceId: string, spanId: string, flags: string): string {
  return `00-${traceId}-${spanId}-${flags}`
}

/** Whether the flags carry the sampled bit. */
export function isSampled(flags: string): boolean {
  return (Number.parseInt(flags, 16) & 1) === 1
}

/** The variables the OpenTelemetry SDKs read for OTLP trace export (a subset: the ones kne honours). */
export interface OtelEnvironment {
  OTEL_EXPORTER_OTLP_ENDPOINT?: string
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?: string
  OTEL_SDK_DISABLED?: string
  OTEL_SERVICE_NAME?: string
}

/**
 * Where spans go over OTLP/HTTP, or undefined for no export: a flag's base URL first, then
 * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT as it is, then OTEL_EXPORTER_OTLP_ENDPOINT with `/v1/traces` appended
 * (the exporter specification's rule); OTEL_SDK_DISABLED=true turns the variables off, not the flag.
 */
export function otlpTracesUrl(flag: string | undefined, env: OtelEnvironment): string | undefined {
  if (flag !== undefined && flag !== '') return appendTracesPath(flag)
  if (isOtelDisabled(env)) return undefined
  const traces = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim()
  if (traces) return traces
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim()
  return base ? appendTracesPath(base) : undefined
}

/** OTEL_SDK_DISABLED=true (any case): no export from the variables or kne.yaml. */
export function isOtelDisabled(env: OtelEnvironment): boolean {
  return env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true'
}

function appendTracesPath(base: string): string {
  return `${base.replace(/\/+$/, '')}/v1/traces`
}

/** Why a URL cannot receive spans, or undefined when it can (http or https). */
export function otlpUrlProblem(url: string): string | undefined {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return `${JSON.stringify(url)} is not a URL`
  }
  return parsed.protocol === 'http:' || parsed.protocol === 'https:'
    ? undefined
    : `${url} is not an http or https URL (kne exports OTLP over HTTP)`
}

/**
 * Span attribute names. Knative's own where it has them (eventing pkg/observability: kn.broker.*,
 * kn.channel.*, messaging.*), the OpenTelemetry CloudEvents conventions for the event, HTTP's for a request.
 */
export const SPAN_ATTRIBUTES = {
  messagingSystem: 'messaging.system',
  messagingOperation: 'messaging.operation.name',
  messagingDestination: 'messaging.destination.name',
  brokerName: 'kn.broker.name',
  brokerNamespace: 'kn.broker.namespace',
  channelName: 'kn.channel.name',
  channelNamespace: 'kn.channel.namespace',
  triggerName: 'kn.trigger.name',
  triggerNamespace: 'kn.trigger.namespace',
  subscriptionName: 'kn.subscription.name',
  subscriptionNamespace: 'kn.subscription.namespace',
  eventId: 'cloudevents.event_id',
  eventSource: 'cloudevents.event_source',
  eventSpecVersion: 'cloudevents.event_spec_version',
  eventSubject: 'cloudevents.event_subject',
  eventType: 'cloudevents.event_type',
  httpMethod: 'http.request.method',
  httpStatus: 'http.response.status_code',
  url: 'url.full',
  resendCount: 'http.request.resend_count',
  errorType: 'error.type',
  arrival: 'kne.arrival',
  target: 'kne.delivery.target',
  attempt: 'kne.delivery.attempt',
  /** Milliseconds the delivery waits before its next attempt (a retry). */
  nextDelay: 'kne.delivery.next_delay_ms',
  outcome: 'kne.delivery.outcome',
  matched: 'kne.filter.matched',
  /** Which part of the trigger's spec decided (spec.filters, spec.filter, none), as kne filter test names it. */
  filterApplied: 'kne.filter.applied',
  /** On an ingress span: triggers that did not match past the first 100, which get no filter span. */
  unmatchedNotRecorded: 'kne.filter.unmatched_not_recorded',
} as const

/** `broker:name.namespace`, `trigger:name.namespace`: Knative's span names and messaging destinations (eventing pkg/tracing). */
export function messagingDestination(kind: 'broker' | 'trigger' | 'channel' | 'subscription', key: string): string {
  const {namespace, name} = keyParts(key)
  return `${kind}:${name}.${namespace}`
}
