// `kne trigger create`: a Trigger with kn's flags (--broker, --filter, --sink) and the SubscriptionsAPI
// dialects kn cannot write (--exact, --prefix, --suffix, --cesql), plus delivery flags.
import type {SubscriptionsApiFilter} from '../filters/index.js'
import {deliveryFromOptions, sinkDestination, type DeliveryOptions} from './delivery.js'
import {parseKeyValues, usageError} from './flags.js'
import type {TemplateValues} from './render.js'

export interface TriggerOptions extends DeliveryOptions {
  name: string
  namespace?: string
  broker: string
  sink: string
  /** Legacy `spec.filter.attributes` (kn's --filter). */
  filter?: readonly string[]
  exact?: readonly string[]
  prefix?: readonly string[]
  suffix?: readonly string[]
  cesql?: readonly string[]
}

export function triggerValues(options: TriggerOptions): TemplateValues {
  const attributes = parseKeyValues(options.filter, '--filter', {splitCommas: true})
  const filters = subscriptionsApiFilters(options)
  if (attributes && filters.length > 0) {
    // semantics §2.4: a non-empty spec.filters makes Knative ignore spec.filter entirely
    throw usageError(
      '--filter cannot be combined with --exact, --prefix, --suffix or --cesql: Knative ignores spec.filter when spec.filters is set',
      ['use --exact KEY=VALUE instead of --filter (note: exact "" matches only an empty value, legacy "" matches any non-empty value)'],
    )
  }
  return {
    name: options.name,
    namespace: options.namespace,
    broker: options.broker,
    filter: attributes ? {attributes} : undefined,
    filters,
    subscriber: sinkDestination(options.sink),
    delivery: deliveryFromOptions(options),
  }
}

/** `spec.filters`: one element per dialect given (its pairs ANDed), then one element per CESQL expression. */
function subscriptionsApiFilters(options: TriggerOptions): SubscriptionsApiFilter[] {
  const filters: SubscriptionsApiFilter[] = []
  for (const dialect of ['exact', 'prefix', 'suffix'] as const) {
    const pairs = parseKeyValues(options[dialect], `--${dialect}`, {splitCommas: true})
    if (pairs) filters.push({[dialect]: pairs})
  }
  for (const expression of options.cesql ?? []) filters.push({cesql: expression})
  return filters
}
