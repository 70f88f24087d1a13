// The compiled routing table: for each broker, its triggers with compiled filters, resolved subscriber
// URIs, effective delivery specs and Knative-style status. The mesh swaps a whole topology on reload.
import {compileTriggerFilter, TriggerIndex, type CompiledTriggerFilter} from './filters/index.js'
import {brokerAddress, resolveDestination, type ResolveContext, type ServiceMap} from './resources/destination.js'
import {
  ASYNC_HANDLER_ANNOTATION, BROKER_CLASS_ANNOTATION, DEFAULT_BROKER_CLASS, resourceKey,
  type Broker, type DeliverySpec, type KneResource, type Trigger,
} from './resources/types.js'

/** The Ready condition in Knative's terms: reason is one CamelCase word, message says why. */
export interface ReadyStatus {
  ready: boolean
  reason?: string
  message?: string
}

export interface TriggerRoute {
  key: string
  trigger: Trigger
  filter: CompiledTriggerFilter
  /** status.subscriberUri; undefined when the subscriber does not resolve. */
  subscriberUri?: string
  /** The delivery spec that applies: the trigger's, else the broker's (replaced whole, never merged). */
  delivery?: DeliverySpec
  deadLetterSinkUri?: string
  status: ReadyStatus
}

export interface BrokerRoute {
  key: string
  broker: Broker
  className: string
  address: string
  /** Answer the producer before delivering (Knative's opt-in async handler) instead of after every delivery. */
  async: boolean
  delivery?: DeliverySpec
  deadLetterSinkUri?: string
  triggers: TriggerRoute[]
  index: TriggerIndex<TriggerRoute>
  status: ReadyStatus
}

export interface Topology {
  meshUrl: string
  brokers: Map<string, BrokerRoute>
  /** Triggers whose broker does not exist: kept so that status shows them as not Ready. */
  orphanTriggers: TriggerRoute[]
}

export interface TopologyOptions {
  meshUrl: string
  services?: ServiceMap
  /** Applied to a Broker without spec.delivery, like Knative's config-br-defaults (10 retries, exponential, PT0.2S). */
  brokerDelivery?: DeliverySpec
}

export const STOCK_BROKER_DELIVERY: DeliverySpec = {retry: 10, backoffPolicy: 'exponential', backoffDelay: 'PT0.2S'}

export function compileTopology(resources: readonly KneResource[], options: TopologyOptions): Topology {
  const brokers = resources.filter((r): r is Broker => r.kind === 'Broker')
  const triggers = resources.filter((r): r is Trigger => r.kind === 'Trigger')
  const ctx: ResolveContext = {
    meshUrl: options.meshUrl,
    brokers: new Set(brokers.map((b) => resourceKey(b.metadata.namespace, b.metadata.name))),
    services: options.services ?? {},
  }
  const routes = new Map<string, BrokerRoute>()
  for (const broker of brokers) {
    const route = compileBroker(broker, ctx, options.brokerDelivery ?? STOCK_BROKER_DELIVERY)
    routes.set(route.key, route)
  }
  const orphanTriggers: TriggerRoute[] = []
  for (const trigger of triggers) {
    const broker = routes.get(resourceKey(trigger.metadata.namespace, trigger.spec.broker))
    const route = compileTrigger(trigger, broker, ctx)
    if (broker) broker.triggers.push(route)
    else orphanTriggers.push(route)
  }
  for (const broker of routes.values()) {
    broker.index = new TriggerIndex(broker.triggers.map((t) => ({filter: t.filter, spec: t.trigger.spec, value: t})))
  }
  return {meshUrl: options.meshUrl, brokers: routes, orphanTriggers}
}

function compileBroker(broker: Broker, ctx: ResolveContext, defaults: DeliverySpec): BrokerRoute {
  const {namespace, name} = broker.metadata
  // Knative's webhook fills delivery only when the Broker sets none at all.
  const delivery = broker.spec.delivery ?? defaults
  const route: BrokerRoute = {
    key: resourceKey(namespace, name),
    broker,
    className: broker.metadata.annotations[BROKER_CLASS_ANNOTATION] ?? DEFAULT_BROKER_CLASS,
    address: brokerAddress(ctx.meshUrl, namespace, name),
    async: broker.metadata.annotations[ASYNC_HANDLER_ANNOTATION]?.toLowerCase() === 'true',
    delivery,
    triggers: [],
    index: new TriggerIndex<TriggerRoute>([]),
    status: {ready: true},
  }
  if (delivery.deadLetterSink) {
    const dls = resolveDestination(delivery.deadLetterSink, namespace, ctx)
    if (dls.ok) route.deadLetterSinkUri = dls.uri
    else route.status = {ready: false, reason: 'DeadLetterSinkResolveFailed', message: `Unable to resolve the dead letter sink: ${dls.message}`}
  }
  return route
}

function compileTrigger(trigger: Trigger, broker: BrokerRoute | undefined, ctx: ResolveContext): TriggerRoute {
  const {namespace} = trigger.metadata
  const route: TriggerRoute = {
    key: resourceKey(namespace, trigger.metadata.name),
    trigger,
    filter: compileTriggerFilter(trigger.spec),
    delivery: trigger.spec.delivery ?? broker?.delivery,
    status: {ready: true},
  }
  const subscriber = resolveDestination(trigger.spec.subscriber, namespace, ctx)
  if (subscriber.ok) route.subscriberUri = subscriber.uri
  if (trigger.spec.delivery?.deadLetterSink) {
    const dls = resolveDestination(trigger.spec.delivery.deadLetterSink, namespace, ctx)
    if (dls.ok) route.deadLetterSinkUri = dls.uri
    else route.status = {ready: false, reason: 'DeadLetterSinkResolveFailed', message: `Unable to resolve the dead letter sink: ${dls.message}`}
  } else if (route.delivery === broker?.delivery) {
    route.deadLetterSinkUri = broker?.deadLetterSinkUri
  }
  if (!broker) {
    route.status = {ready: false, reason: 'BrokerDoesNotExist', message: `Broker "${trigger.spec.broker}" does not exist`}
  } else if (!subscriber.ok) {
    route.status = {ready: false, reason: 'SubscriberResolveFailed', message: `Unable to get the Subscriber's URI: ${subscriber.message}`}
  }
  return route
}
