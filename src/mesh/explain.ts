// Why an event did (or did not) reach each trigger of its broker: the explanation of every trigger's
// filter for a retained event, computed on request so the delivery path never pays for it.
import type {ArrivalExplanation} from '../core/api.js'
import {explainTriggerFilter} from '../core/filters/index.js'
import type {MeshContext} from './context.js'

/** Explains a retained arrival against the broker's current triggers; undefined when it is no longer retained. */
export function explainArrival(mesh: MeshContext, arrival: number): ArrivalExplanation | undefined {
  const record = mesh.journal.since().find((r) => r.kind === 'event' && r.arrival === arrival)
  // a channel's arrivals pass no filters: there is nothing to explain
  if (record?.kind !== 'event' || record.broker === undefined) return undefined
  const broker = mesh.topology.brokers.get(record.broker)
  return {
    arrival,
    broker: record.broker,
    id: record.id,
    type: record.type,
    triggers: (broker?.triggers ?? []).map((t) => ({
      trigger: t.key,
      ready: t.status.ready,
      subscriberUri: t.subscriberUri,
      explanation: explainTriggerFilter(t.trigger.spec, record.event),
    })),
  }
}
