// Why an event did (or did not) reach each trigger of its broker: the explanation of every trigger's
// filter for a retained event, computed on request so the delivery path never pays for it.
import type {Activity} from '../core/activity.js'
import type {ArrivalExplanation} from '../core/api.js'
import {explainTriggers} from '../core/explain.js'
import type {Topology} from '../core/topology.js'
import type {Journal} from './journal.js'

/** Explains a retained arrival against the broker's current triggers; undefined when it is no longer retained. */
export function explainArrival(mesh: {journal: Journal; topology: Topology}, arrival: number): ArrivalExplanation | undefined {
  const record = mesh.journal.since().find((r) => r.kind === 'event' && r.arrival === arrival)
  return record === undefined ? undefined : explainEvent(mesh.topology, record)
}

/** Explains an event record against its broker's current triggers; undefined for a channel's, whose arrivals pass no filters. */
export function explainEvent(topology: Topology, record: Activity): ArrivalExplanation | undefined {
  if (record.kind !== 'event' || record.broker === undefined) return undefined
  return {
    arrival: record.arrival,
    broker: record.broker,
    id: record.id,
    type: record.type,
    triggers: explainTriggers(topology.brokers.get(record.broker), record.event),
  }
}
