// `kne broker create`: a Broker with kn's flags (--class, delivery flags).
import {BROKER_CLASS_ANNOTATION} from '../resources/types.js'
import {deliveryFromOptions, type DeliveryOptions} from './delivery.js'
import type {TemplateValues} from './render.js'

export interface BrokerOptions extends Omit<DeliveryOptions, 'format'> {
  name: string
  /** Written only when given: resources without one take the project's namespace. */
  namespace?: string
  /** The broker.class annotation; Knative's webhook defaults it to MTChannelBasedBroker, so it is written only when given. */
  className?: string
}

export function brokerValues(options: BrokerOptions): TemplateValues {
  return {
    name: options.name,
    namespace: options.namespace,
    annotations: options.className ? {[BROKER_CLASS_ANNOTATION]: options.className} : undefined,
    // without spec.delivery Knative's webhook copies config-br-defaults (10 retries, exponential, PT0.2S)
    delivery: deliveryFromOptions(options),
  }
}
