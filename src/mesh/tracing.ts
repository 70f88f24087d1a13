// Trace context for every event, and its spans when an OTLP endpoint is set. Without one, an event still
// continues the trace it came with (or starts one) and every request kne sends carries a traceparent naming
// a span id of its own: a trace id per event, a span id and a string per request, no span objects. With one,
// the OpenTelemetry SDK records an ingress span (SERVER), a span per trigger's filter decision (INTERNAL) and
// a span per request (CLIENT: each attempt to the subscriber, each reply and dead-letter attempt), batched and
// sent over OTLP/HTTP JSON. The SDK is loaded only then.
import {randomFillSync} from 'node:crypto'
import type {Attributes, Context, Span, Tracer} from '@opentelemetry/api'
import type {BasicTracerProvider, ReadableSpan, SpanExporter} from '@opentelemetry/sdk-trace-base'
import type {CloudEvent} from '../core/cloudevent.js'
import {formatTraceparent, isSampled, messagingDestination, SPAN_ATTRIBUTES as A, type SpanParent} from '../core/trace-context.js'
import type {DeliveryTarget} from '../core/activity.js'
import type {TriggerRoute} from '../core/topology.js'
import {memoize, perObject} from '../core/memo.js'
import {keyParts} from '../core/resources/types.js'

/** An accepted event's place in its trace: what its deliveries' requests name as their parent's trace. */
export interface EventTrace {
  readonly traceId: string
  readonly flags: string
  readonly state: string | undefined
  /** The span deliveries are children of (a trigger's filter span, else the ingress span), when recorded. */
  readonly span: Span | undefined
  /** Each matched trigger's filter span, by trigger key, when recorded. */
  readonly triggers?: Map<string, EventTrace>
}

/** A request's span, when recorded, and the traceparent it sends. */
export interface RequestTrace {
  readonly traceparent: string
  readonly span: Span | undefined
}

// Ids come from a buffer of random bytes refilled when used up: one crypto call per 512 span ids
const POOL = Buffer.alloc(4096)
let offset = POOL.length

const ZEROS: Record<number, string> = {8: '0'.repeat(16), 16: '0'.repeat(32)}

function randomHex(bytes: number): string {
  if (offset + bytes > POOL.length) {
    randomFillSync(POOL)
    offset = 0
  }
  const hex = POOL.toString('hex', offset, (offset += bytes))
  // all zeros is invalid (1 in 2^64 at worst): take the next ones
  return hex !== ZEROS[bytes] ? hex : randomHex(bytes)
}

export function newTraceId(): string {
  return randomHex(16)
}

export function newSpanId(): string {
  return randomHex(8)
}

/**
 * The trace context a request carries when a hop sends an event on without recording a span (an
 * EventTransform to its sink): `parent`'s trace with a span id of its own, or a new trace.
 */
export function onwardTraceContext(parent: SpanParent | undefined): {traceparent: string; tracestate: string | undefined} {
  return parent === undefined
    ? {traceparent: formatTraceparent(newTraceId(), newSpanId(), '01'), tracestate: undefined}
    : {traceparent: formatTraceparent(parent.traceId, newSpanId(), parent.flags), tracestate: parent.state}
}

/** Where spans go and how they are named. */
export interface TracingOptions {
  /** The OTLP/HTTP traces URL (…/v1/traces). */
  url: string
  /** The `service.name` of kne's spans (default `kne`). */
  serviceName?: string
  /** Told once when the collector cannot be reached or refuses spans, and once when it takes them again. */
  log?: (line: string) => void
  /** How long spans wait to be batched (default 1 s). */
  scheduledDelayMs?: number
}

/** Spans kept waiting for export at most (more are dropped): with at most 16 attributes of 512 characters each, about 32 MiB at worst. */
const MAX_QUEUED_SPANS = 4096
const MAX_ATTRIBUTE_CHARS = 512
/** Filter spans of triggers that did not match, per event, at most: a broker with a thousand triggers would flood the queue. */
const MAX_UNMATCHED_FILTER_SPANS = 100
/** An export (and the flush at close) gives up after this long. */
const EXPORT_TIMEOUT_MS = 3000

/** The trace context of a mesh: ids for every event, and a recorder of spans when an endpoint is set. */
export class MeshTracing {
  private constructor(private readonly recorder: SpanRecorder | undefined) {}

  static readonly off = new MeshTracing(undefined)

  /** Tracing with export to `options.url`; loads the OpenTelemetry SDK. */
  static async exporting(options: TracingOptions): Promise<MeshTracing> {
    return new MeshTracing(await SpanRecorder.start(options))
  }

  /** Where spans are sent (the OTLP/HTTP traces URL), when they are. */
  get exportUrl(): string | undefined {
    return this.recorder?.url
  }

  /**
   * The trace of an event a broker or channel accepted: continuing `parent` (the incoming traceparent, or the
   * request of the mesh's own hop that brought it), else a new one. Recorded: its ingress span is open.
   */
  ingress(parent: SpanParent | undefined, kind: 'broker' | 'channel', key: string, event: CloudEvent): EventTrace {
    const {recorder} = this
    if (recorder === undefined || (parent !== undefined && !isSampled(parent.flags))) {
      // nobody records this trace: a kne-started one is still marked sampled, so that subscribers' own spans are kept
      return parent === undefined
        ? {traceId: newTraceId(), flags: '01', state: undefined, span: undefined}
        : {traceId: parent.traceId, flags: parent.flags, state: parent.state, span: undefined}
    }
    const trace = recorder.ingress(parent, kind, key, event)
    // the sampler (OTEL_TRACES_SAMPLER) left this trace out: its requests still carry its context, unsampled
    return trace.span!.isRecording() ? trace : {traceId: trace.traceId, flags: trace.flags, state: trace.state, span: undefined}
  }

  /**
   * Records the filter decision of each of the broker's triggers as a child of the ingress span (as each of
   * Knative's trigger filters makes a span for every event); the trace of a matched trigger's delivery.
   */
  filtered(trace: EventTrace, triggers: readonly TriggerRoute[], matched: readonly TriggerRoute[]): EventTrace {
    if (trace.span === undefined || this.recorder === undefined) return trace
    return this.recorder.filtered(trace, triggers, matched)
  }

  /** The trace a trigger's delivery continues (its filter span's when recorded). */
  forTrigger(trace: EventTrace, key: string): EventTrace {
    return trace.triggers?.get(key) ?? trace
  }

  /** Ends the ingress span with the status ingress answered. */
  answered(trace: EventTrace, status: number, error: string | undefined): void {
    if (trace.span !== undefined) this.recorder?.endIngress(trace, status, error)
  }

  /** A request of a delivery: its traceparent, and its span when the trace is recorded. */
  request(trace: EventTrace, who: Who, target: DeliveryTarget, url: string): RequestTrace {
    if (trace.span === undefined || this.recorder === undefined)
      return {traceparent: formatTraceparent(trace.traceId, newSpanId(), trace.flags), span: undefined}
    const span = this.recorder.request(trace, who, target, url)
    return {traceparent: formatTraceparent(trace.traceId, span.spanContext().spanId, trace.flags), span}
  }

  /** Ends a request's span with its attempt number (1 for the first) and what came back. */
  responded(request: RequestTrace, attempt: number, status: number | undefined, error: string | undefined, nextDelayMs?: number): void {
    if (request.span !== undefined) endRequest(request.span, attempt, status, error, nextDelayMs)
  }

  /** The parent an in-memory hop's arrival continues: the request that carried it. */
  parentOf(trace: EventTrace, request: RequestTrace): SpanParent {
    const spanId = request.traceparent.slice(36, 52)
    return trace.state === undefined
      ? {traceId: trace.traceId, spanId, flags: trace.flags}
      : {traceId: trace.traceId, spanId, flags: trace.flags, state: trace.state}
  }

  /** Sends what is batched and stops: at most EXPORT_TIMEOUT_MS. */
  async close(): Promise<void> {
    await this.recorder?.close()
  }
}

/** Who a delivery is for: a trigger or a subscription, by key. */
export type Who = {trigger: string; subscription?: undefined} | {subscription: string; trigger?: undefined}

const SERVER = 1
const CLIENT = 2
const INTERNAL = 0
const STATUS_ERROR = 2

type Api = typeof import('@opentelemetry/api')

/** The OpenTelemetry SDK, loaded: a tracer whose spans a BatchSpanProcessor sends to the OTLP exporter. */
class SpanRecorder {
  private constructor(
    private readonly api: Api,
    private readonly tracer: Tracer,
    private readonly provider: BasicTracerProvider,
    readonly url: string,
  ) {}

  static async start(options: TracingOptions): Promise<SpanRecorder> {
    const [api, sdk, {OTLPTraceExporter}, {resourceFromAttributes}] = await Promise.all([
      import('@opentelemetry/api'),
      import('@opentelemetry/sdk-trace-base'),
      import('@opentelemetry/exporter-trace-otlp-http'),
      import('@opentelemetry/resources'),
    ])
    const exporter = new ReportingExporter(
      new OTLPTraceExporter({url: options.url, timeoutMillis: EXPORT_TIMEOUT_MS}),
      options.url,
      options.log ?? (() => undefined),
    )
    const provider = new sdk.BasicTracerProvider({
      resource: resourceFromAttributes({'service.name': options.serviceName ?? 'kne'}),
      idGenerator: {generateTraceId: newTraceId, generateSpanId: newSpanId},
      spanLimits: {attributeValueLengthLimit: MAX_ATTRIBUTE_CHARS, attributeCountLimit: 16, eventCountLimit: 0, linkCountLimit: 0},
      spanProcessors: [
        new sdk.BatchSpanProcessor(exporter, {
          maxQueueSize: MAX_QUEUED_SPANS,
          maxExportBatchSize: 512,
          scheduledDelayMillis: options.scheduledDelayMs ?? 1000,
          exportTimeoutMillis: EXPORT_TIMEOUT_MS,
        }),
      ],
    })
    return new SpanRecorder(api, provider.getTracer('kne'), provider, options.url)
  }

  private contextOf(parent: SpanParent | undefined): Context {
    const {api} = this
    if (parent === undefined) return api.ROOT_CONTEXT
    return api.trace.setSpanContext(api.ROOT_CONTEXT, {
      traceId: parent.traceId,
      spanId: parent.spanId,
      traceFlags: Number.parseInt(parent.flags, 16),
      isRemote: true,
      traceState: parent.state === undefined ? undefined : api.createTraceState(parent.state),
    })
  }

  ingress(parent: SpanParent | undefined, kind: 'broker' | 'channel', key: string, event: CloudEvent): EventTrace {
    const {destination, namespace, name} = namesOf(kind, key)
    const attributes: Attributes = {
      [A.messagingSystem]: 'knative',
      [A.messagingOperation]: 'receive',
      [A.messagingDestination]: destination,
      [kind === 'broker' ? A.brokerName : A.channelName]: name,
      [kind === 'broker' ? A.brokerNamespace : A.channelNamespace]: namespace,
      ...eventAttributes(event),
    }
    const span = this.tracer.startSpan(destination, {kind: SERVER, attributes}, this.contextOf(parent))
    return traceOf(span, parent?.state)
  }

  filtered(trace: EventTrace, routes: readonly TriggerRoute[], matched: readonly TriggerRoute[]): EventTrace {
    const ctx = this.api.trace.setSpan(this.api.ROOT_CONTEXT, trace.span!)
    const triggers = new Map<string, EventTrace>()
    const many = matched.length > 8 ? new Set(matched) : undefined
    let unmatchedLeft = MAX_UNMATCHED_FILTER_SPANS
    for (const route of routes) {
      const passed = many === undefined ? matched.includes(route) : many.has(route)
      if (!passed && unmatchedLeft-- <= 0) continue
      const {destination, namespace, name} = namesOf('trigger', route.key)
      const attributes: Attributes = {
        [A.triggerName]: name,
        [A.triggerNamespace]: namespace,
        [A.matched]: passed,
        [A.filterApplied]: route.filter.applied,
      }
      const span = this.tracer.startSpan(destination, {kind: INTERNAL, attributes}, ctx)
      span.end()
      if (passed) triggers.set(route.key, traceOf(span, trace.state))
    }
    if (unmatchedLeft < 0) trace.span!.setAttribute(A.unmatchedNotRecorded, -unmatchedLeft)
    return {traceId: trace.traceId, flags: trace.flags, state: trace.state, span: trace.span, triggers}
  }

  endIngress(trace: EventTrace, status: number, error: string | undefined): void {
    const span = trace.span!
    span.setAttribute(A.httpStatus, status)
    if (status >= 400) span.setStatus({code: STATUS_ERROR, message: error})
    span.end()
  }

  request(trace: EventTrace, who: Who, target: DeliveryTarget, url: string): Span {
    const ctx = this.api.trace.setSpan(this.api.ROOT_CONTEXT, trace.span!)
    // the trigger's name and namespace are on the filter span above it: a request names its destination only
    const attributes: Attributes = {
      [A.messagingDestination]: destinationOf(who),
      [A.target]: target,
      [A.httpMethod]: 'POST',
      [A.url]: url,
    }
    return this.tracer.startSpan(`send ${target}`, {kind: CLIENT, attributes}, ctx)
  }

  async close(): Promise<void> {
    await this.provider.shutdown().catch(() => undefined)
  }
}

function traceOf(span: Span, state: string | undefined): EventTrace {
  const {traceId, traceFlags} = span.spanContext()
  return {traceId, flags: traceFlags === 1 ? '01' : traceFlags.toString(16).padStart(2, '0'), state, span}
}

function endRequest(
  span: Span,
  attempt: number,
  status: number | undefined,
  error: string | undefined,
  nextDelayMs: number | undefined,
): void {
  span.setAttribute(A.attempt, attempt)
  if (attempt > 1) span.setAttribute(A.resendCount, attempt - 1)
  if (status !== undefined) span.setAttribute(A.httpStatus, status)
  if (nextDelayMs !== undefined) span.setAttribute(A.nextDelay, nextDelayMs)
  if (status === undefined || status < 200 || status >= 300) {
    span.setAttribute(A.errorType, status === undefined ? 'transport' : String(status))
    span.setStatus({code: STATUS_ERROR, message: error ?? `HTTP ${status}`})
  }
  span.end()
}

type Named = 'broker' | 'channel' | 'trigger'
const namesBy = Object.fromEntries(
  (['broker', 'channel', 'trigger'] as const).map((kind) => [
    kind,
    memoize((key: string) => ({destination: messagingDestination(kind, key), ...keyParts(key)}), 10_000),
  ]),
) as Record<Named, (key: string) => {destination: string; namespace: string; name: string}>

/** A broker's, channel's or trigger's span name and its parts, computed once per key. */
function namesOf(kind: Named, key: string): {destination: string; namespace: string; name: string} {
  return namesBy[kind](key)
}

/** A delivery's destination (`trigger:name.namespace`), once per trigger or subscription (who is one object per route). */
const destinationOf = perObject((who: Who) =>
  who.trigger !== undefined ? messagingDestination('trigger', who.trigger) : messagingDestination('subscription', who.subscription),
)

function eventAttributes(event: CloudEvent): Attributes {
  const attributes: Attributes = {
    [A.eventId]: event.id,
    [A.eventSource]: event.source,
    [A.eventSpecVersion]: event.specversion,
    [A.eventType]: event.type,
  }
  if (event.subject !== undefined) attributes[A.eventSubject] = event.subject
  return attributes
}

/** The OTLP exporter, with its failures told once (and its recovery), never thrown. */
class ReportingExporter implements SpanExporter {
  private failing = false

  constructor(
    private readonly inner: SpanExporter,
    private readonly url: string,
    private readonly log: (line: string) => void,
  ) {}

  export(spans: ReadableSpan[], done: (result: {code: number; error?: Error}) => void): void {
    this.inner.export(spans, (result) => {
      // ExportResultCode.SUCCESS, without loading @opentelemetry/core for its enum
      const succeeded = (result.code as number) === 0
      if (!succeeded && !this.failing) {
        this.failing = true
        this.log(`traces are not reaching ${this.url} (${result.error?.message ?? 'export failed'}); spans are dropped until it answers`)
      } else if (succeeded && this.failing) {
        this.failing = false
        this.log(`traces reach ${this.url} again`)
      }
      done(result)
    })
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown()
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve()
  }
}
