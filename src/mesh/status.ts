// The live status of every broker and trigger, in the terms `kubectl get` and `kn describe` use
// (Ready, reason, URL, subscriber URI, dead-letter sink URI), plus kne's delivery counters.
import type {TriggerRoute} from '../core/topology.js'
import type {BrokerCounters, TriggerCounters} from './broker.js'
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
  counters: TriggerCounters
}

export interface MeshStatus {
  url: string
  startedAt: string
  pid: number
  draining: boolean
  brokers: BrokerStatus[]
  triggers: TriggerStatus[]
  inFlight: {arrival: number; id: string; broker: string; trigger: string}[]
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
  }
}
