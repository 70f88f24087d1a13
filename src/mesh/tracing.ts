// Trace context for every event, and its spans when an OTLP endpoint is set. Without one, an event still
// continues the trace it came with (or starts one) and every request kne sends carries a traceparent naming
// a span id of its own: a trace id per event, a span id and a string per request, no span objects. With one,
// kne records an ingress span (SERVER), a span per trigger's filter decision (INTERNAL) and a span per request
// (CLIENT: each attempt to the subscriber, each reply and dead-letter attempt), written as OTLP protobuf as they
// end and sent in batches by the official OTLP/HTTP exporter transport, which is loaded only then.
import {randomFillSync} from 'node:crypto'
import type {IOtlpExportDelegate} from '@opentelemetry/otlp-exporter-base'
import type {CloudEvent} from '../core/cloudevent.js'
import {formatTraceparent, isSampled, messagingDestination, SPAN_ATTRIBUTES as A, type SpanParent} from '../core/trace-context.js'
import {
  attributeBytes,
  attributeKey,
  OTLP_SPAN_KIND,
  spanHead,
  TracesRequests,
  type AttributeValue,
  type TracesRequest,
} from '../core/otlp-protobuf.js'
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
  readonly span: RecordedSpan | undefined
  /** Each matched trigger's filter span, by trigger key, when recorded. */
  readonly triggers?: Map<string, EventTrace>
}

/** A span recorded for this trace: what its children need of it. */
export interface RecordedSpan {
  readonly spanId: string
}

/** A request's span, when recorded, and the traceparent it sends. */
export interface RequestTrace {
  readonly traceparent: string
  readonly span: OpenSpan | undefined
}

// Ids are cut from the hex of a buffer of random bytes refilled when used up: one crypto call and one hex
// string per 512 span ids, each id a slice of it
const POOL = Buffer.alloc(4096)
let poolHex = ''
let offset = POOL.length * 2

const ZEROS: Record<number, string> = {8: '0'.repeat(16), 16: '0'.repeat(32)}

function randomHex(bytes: number): string {
  const chars = bytes * 2
  if (offset + chars > poolHex.length) {
    randomFillSync(POOL)
    poolHex = POOL.toString('hex')
    offset = 0
  }
  const hex = poolHex.slice(offset, (offset += chars))
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

/** Spans kept waiting for export at most, in requests of BATCH_SPANS (more are dropped): four bodies of BODY_BYTES. */
const MAX_QUEUED_SPANS = 8192
/** Filter spans of triggers that did not match, per event, at most: a broker with a thousand triggers would flood the queue. */
const MAX_UNMATCHED_FILTER_SPANS = 100
/** An export (and the flush at close) gives up after this long. */
const EXPORT_TIMEOUT_MS = 3000

/** The trace context of a mesh: ids for every event, and a recorder of spans when an endpoint is set. */
export class MeshTracing {
  private constructor(private readonly recorder: SpanRecorder | undefined) {}

  static readonly off = new MeshTracing(undefined)

  /** Tracing with export to `options.url`; loads the OTLP exporter. */
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
    // a trace the sampler (OTEL_TRACES_SAMPLER) leaves out has no span: its requests still carry its context, unsampled
    return recorder.ingress(parent, kind, key, event)
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
    return {traceparent: formatTraceparent(trace.traceId, span.spanId, trace.flags), span}
  }

  /** Ends a request's span with its attempt number (1 for the first) and what came back. */
  responded(request: RequestTrace, attempt: number, status: number | undefined, error: string | undefined, nextDelayMs?: number): void {
    const span = request.span
    if (span === undefined) return
    span.attempt = attempt
    span.status = status
    if (attempt > 1) span.more = {...span.more, [A.resendCount]: attempt - 1}
    if (nextDelayMs !== undefined) span.more = {...span.more, [A.nextDelay]: nextDelayMs}
    if (status === undefined || status < 200 || status >= 300) {
      span.more = {...span.more, [A.errorType]: status === undefined ? 'transport' : String(status)}
      span.error = error ?? `HTTP ${status}`
    }
    this.recorder!.end(span)
  }

  /** The parent an in-memory hop's arrival continues: the request that carried it. */
  parentOf(trace: EventTrace, request: RequestTrace): SpanParent {
    const spanId = request.traceparent.slice(36, 52)
    return trace.state === undefined
      ? {traceId: trace.traceId, spanId, flags: trace.flags, local: true}
      : {traceId: trace.traceId, spanId, flags: trace.flags, state: trace.state, local: true}
  }

  /** Sends what is batched and stops: at most EXPORT_TIMEOUT_MS. */
  async close(): Promise<void> {
    await this.recorder?.close()
  }
}

/** Who a delivery is for: a trigger or a subscription, by key. */
export type Who = {trigger: string; subscription?: undefined} | {subscription: string; trigger?: undefined}

type Sampler = (traceId: string, parent: SpanParent | undefined) => boolean

/**
 * A span begun and not yet ended (an ingress, a request): its ids and start, the attributes known at its start
 * (encoded once, shared by every span of its broker or route), and what its end adds.
 */
export class OpenSpan implements RecordedSpan {
  constructor(
    readonly traceId: string,
    readonly spanId: string,
    readonly parentSpanId: string | undefined,
    readonly remoteParent: boolean,
    readonly flags: number,
    readonly traceState: string | undefined,
    /** spanHead()'s bytes: the span's name and kind. */
    readonly head: Uint8Array,
    /** now()'s time. */
    readonly start: number,
    readonly attributes: Uint8Array,
    /** An ingress span's event: its attributes are written as the span ends. */
    readonly event: CloudEvent | undefined,
    /** A request span's url.full attribute, encoded once per URL. */
    readonly url: Uint8Array | undefined,
  ) {}

  /** A request's attempt number, 0 for none. */
  attempt = 0
  /** http.response.status_code, when there is one. */
  status: number | undefined = undefined
  /** Attributes a span seldom has. */
  more: Record<string, AttributeValue> | undefined = undefined
  error: string | undefined = undefined
}

/**
 * Spans written as OTLP protobuf as they end (core/otlp-protobuf.ts), batched, and sent by the official OTLP/HTTP
 * transport (@opentelemetry/otlp-exporter-base: its retries, timeouts and OTEL_EXPORTER_OTLP_* variables).
 */
class SpanRecorder {
  private timer: NodeJS.Timeout | undefined
  private exporting: Promise<void> | undefined
  private failing = false
  private closed = false
  /** close() has given up waiting: nothing more is sent. */
  private stopped = false

  private constructor(
    private readonly delegate: IOtlpExportDelegate<TracesRequest>,
    private readonly requests: TracesRequests,
    private readonly sampler: Sampler | undefined,
    private readonly log: (line: string) => void,
    private readonly delayMs: number,
    readonly url: string,
  ) {}

  static async start(options: TracingOptions): Promise<SpanRecorder> {
    const log = options.log ?? (() => undefined)
    const [{createOtlpHttpExportDelegate, convertLegacyHttpOptions}, sampler] = await Promise.all([
      import('@opentelemetry/otlp-exporter-base/node-http'),
      samplerFromEnvironment(process.env, log),
    ])
    const serializer = {
      serializeRequest: (request: TracesRequest) => request.bytes,
      // the collector's answer (a partial success says how many spans it rejected) is not acted on
      deserializeResponse: () => ({}),
    }
    const delegate = createOtlpHttpExportDelegate(
      convertLegacyHttpOptions({url: options.url, timeoutMillis: EXPORT_TIMEOUT_MS}, 'TRACES', 'v1/traces', {
        'Content-Type': 'application/x-protobuf',
      }),
      serializer,
      'otlp_http_span_exporter',
      {name: 'span', countItems: (request: TracesRequest) => request.spans},
      undefined,
    )
    const requests = new TracesRequests(
      {'service.name': options.serviceName ?? 'kne'},
      'kne',
      BATCH_SPANS,
      MAX_QUEUED_SPANS / BATCH_SPANS,
      BODY_BYTES,
      EPOCH_MS,
    )
    return new SpanRecorder(delegate, requests, sampler, log, options.scheduledDelayMs ?? 1000, options.url)
  }

  /** The ingress span of an event, or a trace left out by the sampler (its context goes on, unsampled). */
  ingress(parent: SpanParent | undefined, kind: 'broker' | 'channel', key: string, event: CloudEvent): EventTrace {
    const traceId = parent?.traceId ?? newTraceId()
    if (this.sampler !== undefined && !this.sampler(traceId, parent)) return {traceId, flags: '00', state: parent?.state, span: undefined}
    const flags = parent?.flags ?? '01'
    const {head, attributes} = ingressParts[kind](key)
    const span = new OpenSpan(
      traceId,
      newSpanId(),
      parent?.spanId,
      parent !== undefined && !parent.local,
      Number.parseInt(flags, 16),
      parent?.state,
      head,
      now(),
      attributes,
      event,
      undefined,
    )
    return {traceId, flags, state: parent?.state, span}
  }

  filtered(trace: EventTrace, routes: readonly TriggerRoute[], matched: readonly TriggerRoute[]): EventTrace {
    const parent = trace.span as OpenSpan
    const triggers = new Map<string, EventTrace>()
    const many = matched.length > 8 ? new Set(matched) : undefined
    let unmatchedLeft = MAX_UNMATCHED_FILTER_SPANS
    for (const route of routes) {
      const passed = many === undefined ? matched.includes(route) : many.has(route)
      if (!passed && unmatchedLeft-- <= 0) continue
      const spanId = newSpanId()
      // a filter decision is made as the event arrives and is over at once: its span is written whole here
      const {head, matched: matchedAttributes, notMatched} = filterParts(route)
      const {requests} = this
      if (
        !this.closed &&
        requests.begin(trace.traceId, spanId, parent.spanId, false, parent.flags, trace.state, head, parent.start, parent.start)
      ) {
        requests.attributes(passed ? matchedAttributes : notMatched)
        requests.end()
        this.ended()
      }
      if (passed) triggers.set(route.key, {traceId: trace.traceId, flags: trace.flags, state: trace.state, span: {spanId}})
    }
    if (unmatchedLeft < 0) parent.more = {...parent.more, [A.unmatchedNotRecorded]: -unmatchedLeft}
    return {traceId: trace.traceId, flags: trace.flags, state: trace.state, span: parent, triggers}
  }

  endIngress(trace: EventTrace, status: number, error: string | undefined): void {
    const span = trace.span as OpenSpan
    span.status = status
    if (status >= 400) span.error = error ?? `HTTP ${status}`
    this.end(span)
  }

  request(trace: EventTrace, who: Who, target: DeliveryTarget, url: string): OpenSpan {
    // the trigger's name and namespace are on the filter span above it: a request names its destination only
    return new OpenSpan(
      trace.traceId,
      newSpanId(),
      trace.span!.spanId,
      false,
      Number.parseInt(trace.flags, 16),
      trace.state,
      requestHeads[target],
      now(),
      requestAttributes(who)[target],
      undefined,
      urlAttribute(url),
    )
  }

  /** Writes an open span as it ends. */
  end(span: OpenSpan): void {
    const {requests} = this
    if (
      this.closed ||
      !requests.begin(
        span.traceId,
        span.spanId,
        span.parentSpanId,
        span.remoteParent,
        span.flags,
        span.traceState,
        span.head,
        span.start,
        now(),
      )
    )
      return
    requests.attributes(span.attributes)
    const {event} = span
    if (event !== undefined) {
      requests.stringAttribute(EVENT_ID, event.id)
      requests.attributes(eventAttributes(event))
      if (event.subject !== undefined) requests.stringAttribute(EVENT_SUBJECT, event.subject)
    }
    if (span.url !== undefined) requests.attributes(span.url)
    if (span.attempt > 0) requests.intAttribute(ATTEMPT, span.attempt)
    if (span.status !== undefined) requests.intAttribute(HTTP_STATUS, span.status)
    if (span.more !== undefined) requests.attributeValues(span.more)
    requests.end(span.error)
    this.ended()
  }

  /** After a span is written: its request is sent when full, else within the delay. */
  private ended(): void {
    if (this.exporting !== undefined) return // the export under way schedules the next one
    if (this.requests.full) this.flushIn(0)
    else if (this.timer === undefined) this.flushIn(this.delayMs)
  }

  /** Sends what waits after `delayMs` (sooner than a timer already set, never later). */
  private flushIn(delayMs: number): void {
    if (this.timer !== undefined) {
      if (delayMs > 0) return
      clearTimeout(this.timer)
    }
    this.timer = setTimeout(() => {
      this.timer = undefined
      this.exporting = this.exportWaiting().finally(() => {
        this.exporting = undefined
        if (this.closed) return // close() sends what waits
        if (this.requests.full) this.flushIn(0)
        else if (this.requests.waiting) this.flushIn(this.delayMs)
      })
    }, delayMs)
    this.timer.unref()
  }

  /** Sends the spans waiting now, a request at a time (none once close() has given up). */
  private async exportWaiting(): Promise<void> {
    for (const request of this.requests.take()) {
      if (this.stopped) return
      await new Promise<void>((resolve) =>
        this.delegate.export(request, (result) => {
          // a request that failed may have been cut off mid-write: its body is not reused
          if (this.reported(result)) this.requests.release(request)
          resolve()
        }),
      )
    }
  }

  /** Tells the first failure of a run of them, and the recovery; whether the export succeeded. */
  private reported(result: {code: number; error?: Error}): boolean {
    // ExportResultCode.SUCCESS, without loading @opentelemetry/core for its enum
    const succeeded = result.code === 0
    if (!succeeded && !this.failing) {
      this.failing = true
      this.log(`traces are not reaching ${this.url} (${result.error?.message ?? 'export failed'}); spans are dropped until it answers`)
    } else if (succeeded && this.failing) {
      this.failing = false
      this.log(`traces reach ${this.url} again`)
    }
    return succeeded
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    clearTimeout(this.timer)
    this.timer = undefined
    // what waits is sent and answered within EXPORT_TIMEOUT_MS (the delegate's shutdown waits for the answers);
    // past it close() returns, and no request is sent after that
    const sent = (async () => {
      await this.exporting
      await this.exportWaiting()
      await this.delegate.shutdown().catch(() => undefined)
    })()
    let timeout: NodeJS.Timeout | undefined
    await Promise.race([sent, new Promise((resolve) => (timeout = setTimeout(resolve, EXPORT_TIMEOUT_MS)))])
    clearTimeout(timeout)
    this.stopped = true
  }
}

/** Spans per export request: fewer, larger requests cost less per span (2,048 against 512: about 3 µs less per event at 15,000 events/s). */
const BATCH_SPANS = 2048
/** An export request's body: BATCH_SPANS spans of about 700 bytes (about 1.4 MB; the OpenTelemetry Collector takes bodies up to 20 MiB by default), and room for the largest span. */
const BODY_BYTES = 2 * 1024 * 1024

// Span times come from the monotonic clock anchored at the process's start, as the SDK's do, counted from
// a whole Unix millisecond so that a double keeps them to the nanosecond
const EPOCH_MS = Math.floor(performance.timeOrigin)
const EPOCH_FRACTION_MS = performance.timeOrigin - EPOCH_MS

/** Milliseconds after EPOCH_MS, with their fraction. */
function now(): number {
  return performance.now() + EPOCH_FRACTION_MS
}

/** The sampler OTEL_TRACES_SAMPLER names, undefined for the default (parentbased_always_on: every trace kne records already). */
async function samplerFromEnvironment(env: NodeJS.ProcessEnv, log: (line: string) => void): Promise<Sampler | undefined> {
  const name = env.OTEL_TRACES_SAMPLER?.trim().toLowerCase()
  if (name === undefined || name === '' || name === 'parentbased_always_on' || name === 'always_on') return undefined
  let ratio: ((traceId: string) => boolean) | undefined
  if (name === 'traceidratio' || name === 'parentbased_traceidratio') {
    const argument = env.OTEL_TRACES_SAMPLER_ARG?.trim()
    const probability = argument ? Number(argument) : Number.NaN
    if (!(probability >= 0 && probability <= 1))
      log(`OTEL_TRACES_SAMPLER_ARG=${argument ?? ''} is not a probability from 0 to 1: sampling 1`)
    // the SDK's ratio sampler, so that a trace id gets the same decision in kne as in Node services using the SDK
    const {TraceIdRatioBasedSampler, SamplingDecision} = await import('@opentelemetry/sdk-trace-base')
    const {ROOT_CONTEXT} = await import('@opentelemetry/api')
    const sampler = new TraceIdRatioBasedSampler(probability >= 0 && probability <= 1 ? probability : 1)
    ratio = (traceId) => sampler.shouldSample(ROOT_CONTEXT, traceId).decision === SamplingDecision.RECORD_AND_SAMPLED
  }
  switch (name) {
    case 'always_off':
      return () => false
    case 'parentbased_always_off':
      return (_traceId, parent) => parent !== undefined
    case 'traceidratio':
      return ratio!
    case 'parentbased_traceidratio':
      return (traceId, parent) => parent !== undefined || ratio!(traceId)
    default:
      log(`OTEL_TRACES_SAMPLER=${name} is not a sampler kne knows: every trace is recorded`)
      return undefined
  }
}

const DELIVERY_TARGETS = Object.keys({subscriber: true, reply: true, 'dead-letter-sink': true} satisfies Record<
  DeliveryTarget,
  true
>) as DeliveryTarget[]

type Named = 'broker' | 'channel' | 'trigger'
interface Names {
  destination: string
  namespace: string
  name: string
}
const namesBy = Object.fromEntries(
  (['broker', 'channel', 'trigger'] as const).map((kind) => [
    kind,
    memoize((key: string): Names => ({destination: messagingDestination(kind, key), ...keyParts(key)}), 10_000),
  ]),
) as Record<Named, (key: string) => Names>

/** A broker's, channel's or trigger's span name and its parts, computed once per key. */
function namesOf(kind: Named, key: string): Names {
  return namesBy[kind](key)
}

/** A broker's or channel's ingress span name and the attributes that do not depend on the event, encoded once per key. */
const ingressParts = Object.fromEntries(
  (['broker', 'channel'] as const).map((kind) => [
    kind,
    memoize((key: string) => {
      const {destination, namespace, name} = namesOf(kind, key)
      return {
        head: spanHead(destination, OTLP_SPAN_KIND.server),
        attributes: attributeBytes({
          [A.messagingSystem]: 'knative',
          [A.messagingOperation]: 'receive',
          [A.messagingDestination]: destination,
          [kind === 'broker' ? A.brokerName : A.channelName]: name,
          [kind === 'broker' ? A.brokerNamespace : A.channelNamespace]: namespace,
        }),
      }
    }, 10_000),
  ]),
) as Record<'broker' | 'channel', (key: string) => {head: Buffer; attributes: Buffer}>

/** A trigger's filter span name and attributes, matched and not, encoded once per route. */
const filterParts = perObject((route: TriggerRoute) => {
  const {destination, namespace, name} = namesOf('trigger', route.key)
  const of = (matched: boolean): Uint8Array =>
    attributeBytes({[A.triggerName]: name, [A.triggerNamespace]: namespace, [A.matched]: matched, [A.filterApplied]: route.filter.applied})
  return {head: spanHead(destination, OTLP_SPAN_KIND.internal), matched: of(true), notMatched: of(false)}
})

/** A request span's attributes besides its URL, encoded once per trigger or subscription (who is one object per route) and target. */
const requestAttributes = perObject((who: Who) => {
  const destination =
    who.trigger !== undefined ? messagingDestination('trigger', who.trigger) : messagingDestination('subscription', who.subscription)
  const byTarget = {} as Record<DeliveryTarget, Uint8Array>
  for (const target of DELIVERY_TARGETS)
    byTarget[target] = attributeBytes({[A.messagingDestination]: destination, [A.target]: target, [A.httpMethod]: 'POST'})
  return byTarget
})

/** `send subscriber`, `send reply`, …: a request span's name and kind, encoded. */
const requestHeads = Object.fromEntries(
  DELIVERY_TARGETS.map((target) => [target, spanHead(`send ${target}`, OTLP_SPAN_KIND.client)]),
) as Record<DeliveryTarget, Buffer>

/** url.full, encoded once per URL. */
const urlAttribute = memoize((url: string) => attributeBytes({[A.url]: url}), 4096)

const EVENT_ID = attributeKey(A.eventId)
const EVENT_SUBJECT = attributeKey(A.eventSubject)
const ATTEMPT = attributeKey(A.attempt)
const HTTP_STATUS = attributeKey(A.httpStatus)

/** An event's source, spec version and type attributes, encoded once per type and source (of events whose spec version is 1.0). */
const eventTypeAttributes = memoize((type: string) => memoize((source: string) => eventAttributeBytes(source, '1.0', type), 1000), 1000)

function eventAttributes(event: CloudEvent): Uint8Array {
  return event.specversion === '1.0'
    ? eventTypeAttributes(event.type)(event.source)
    : eventAttributeBytes(event.source, event.specversion, event.type)
}

function eventAttributeBytes(source: string, specversion: string, type: string): Uint8Array {
  return attributeBytes({[A.eventSource]: source, [A.eventSpecVersion]: specversion, [A.eventType]: type})
}
