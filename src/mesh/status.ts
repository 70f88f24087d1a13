// The live status of every broker and trigger, in the terms `kubectl get` and `kn describe` use
// (Ready, reason, URL, subscriber URI, dead-letter sink URI), plus kne's delivery counters.
import type {DeliverySpec} from '../core/resources/types.js'
import type {TriggerRoute} from '../core/topology.js'
import type {BrokerCounters, FailedDelivery, InFlightDelivery, TriggerCounters} from './broker.js'
import type {Mesh} from './mesh.js'

export interface BrokerStatus {
  namespace: string
  name: string
  url: string
  className: string
  async: boolean
  ready: boolean
  reason?: string
  message?: string
  deadLetterSinkUri?: string
  /** The broker's delivery spec after defaulting (kne.yaml brokerDefaults, else 10 retries exponential PT0.2S). */
  delivery?: DeliverySpec
  counters: BrokerCounters
}

export interface TriggerStatus {
  namespace: string
  name: string
  broker: string
  subscriberUri?: string
  deadLetterSinkUri?: string
  ready: boolean
  reason?: string
  message?: string
  filter: 'filters' | 'filter' | 'none'
  /** The delivery spec that applies: the trigger's own, else its broker's (replaced whole, never merged). */
  delivery?: DeliverySpec
  counters: TriggerCounters
}

export interface MeshStatus {
  url: string
  startedAt: string
  pid: number
  draining: boolean
  brokers: BrokerStatus[]
  triggers: TriggerStatus[]
  /** Deliveries under way, by event. */
  inFlight: InFlightDelivery[]
  /** The most recent deliveries that ended failed (no dead-letter sink, or it failed too), oldest first. */
  failed: FailedDelivery[]
}

export function meshStatus(mesh: Mesh): MeshStatus {
  const {topology, runtime} = mesh
  const brokers: BrokerStatus[] = [...topology.brokers.values()].map((b) => ({
    namespace: b.broker.metadata.namespace,
    name: b.broker.metadata.name,
    url: b.address,
    className: b.className,
    async: b.async,
    ready: b.status.ready,
    reason: b.status.reason,
    message: b.status.message,
    deadLetterSinkUri: b.deadLetterSinkUri,
    delivery: b.delivery,
    counters: {...runtime.brokerCountersFor(b.key)},
  }))
  const triggerRoutes: TriggerRoute[] = [...[...topology.brokers.values()].flatMap((b) => b.triggers), ...topology.orphanTriggers]
  const triggers: TriggerStatus[] = triggerRoutes.map((t) => ({
    namespace: t.trigger.metadata.namespace,
    name: t.trigger.metadata.name,
    broker: t.trigger.spec.broker,
    subscriberUri: t.subscriberUri,
    deadLetterSinkUri: t.deadLetterSinkUri,
    ready: t.status.ready,
    reason: t.status.reason,
    message: t.status.message,
    filter: t.filter.applied,
    delivery: t.delivery,
    counters: {...runtime.triggerCountersFor(t.key)},
  }))
  return {
    url: mesh.url,
    startedAt: mesh.startedAt.toISOString(),
    pid: process.pid,
    draining: mesh.draining,
    brokers,
    triggers,
    inFlight: [...runtime.inFlight],
    failed: [...runtime.failures],
  }
}
