// Sinks and delivery options as kn's flags give them: `--sink`/`--dl-sink` in kn's sink grammar and the
// DeliverySpec flags (`--retry`, `--backoff-policy`, `--backoff-delay`, `--timeout`, `--retry-after-max`).
import {parseHumanDuration, parseIsoDuration} from '../delivery/duration.js'
import type {DeliverySpec, Destination} from '../resources/types.js'
import {parseSink} from '../sink.js'
import {usageError} from './flags.js'
import {compact} from './render.js'

/** A Destination from kn's sink grammar; the ref's namespace is written only when the sink names one. */
export function sinkDestination(text: string, flag = '--sink'): Destination {
  const parsed = parseSink(text)
  if (!parsed.ok) {
    throw usageError(`${flag}: ${parsed.error}`, [
      'e.g. ksvc:event-display, broker:default, channel:orders:shop, svc:receiver or http://127.0.0.1:8081',
    ])
  }
  return parsed.destination
}

export interface DeliveryOptions {
  dlSink?: string
  retry?: number
  backoffPolicy?: string
  backoffDelay?: string
  timeout?: string
  retryAfterMax?: string
  /** Trigger only. */
  format?: string
}

/** The DeliverySpec the flags describe, or undefined when none is given (Knative then applies its defaults). */
export function deliveryFromOptions(options: DeliveryOptions): DeliverySpec | undefined {
  const delivery = compact({
    deadLetterSink: options.dlSink === undefined ? undefined : sinkDestination(options.dlSink, '--dl-sink'),
    retry: options.retry,
    backoffPolicy: options.backoffPolicy as DeliverySpec['backoffPolicy'],
    backoffDelay: isoDuration(options.backoffDelay),
    timeout: isoDuration(options.timeout),
    retryAfterMax: isoDuration(options.retryAfterMax),
    format: options.format as DeliverySpec['format'],
  })
  return Object.keys(delivery).length > 0 ? delivery : undefined
}

/** Keeps an ISO-8601 duration as given; turns a shorthand such as `2s` or `500ms` into one (`PT2S`, `PT0.5S`). */
export function isoDuration(text: string | undefined): string | undefined {
  if (text === undefined || parseIsoDuration(text) !== undefined) return text
  const ms = parseHumanDuration(text)
  if (ms === undefined) return text // left for the model's validation to report
  return `PT${Number((ms / 1000).toFixed(3))}S`
}
