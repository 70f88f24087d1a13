// Why an event reaches, or does not reach, each trigger of a broker: every trigger's filter explained for
// the event as broker-filter sees it. The mesh explains retained arrivals with it; routing snapshots, events
// that were never sent.
import type {ArrivalExplanation} from './api.js'
import type {CloudEvent} from './cloudevent.js'
import type {BrokerRoute} from './topology.js'

export type TriggerExplanation = ArrivalExplanation['triggers'][number]

/** One explanation per trigger of the broker, in its triggers' order; none for a broker that does not exist. */
export function explainTriggers(broker: BrokerRoute | undefined, event: CloudEvent): TriggerExplanation[] {
  return (broker?.triggers ?? []).map((t) => ({
    trigger: t.key,
    ready: t.status.ready,
    subscriberUri: t.subscriberUri,
    explanation: t.filter.explain(event),
  }))
}
