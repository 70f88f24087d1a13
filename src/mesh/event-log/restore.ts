// A mesh that starts from the records a previous run appended to the event log goes on where that run
// stopped: first (before it listens) its history, sequence numbers, arrival numbers, counters, failures and
// registry observations, as the previous run left them; then (once its resources are applied) every
// delivery that had not reached an outcome, on the current topology, from its next attempt.
import type {Activity, Subscriber} from '../../core/activity.js'
import {reachedOutcome, PendingDeliveries, resumeStep, type PendingArrival, type PendingDelivery} from '../../core/event-log/pending.js'
import type {MeshAddressable, SubscriptionRoute, Topology, TriggerRoute} from '../../core/topology.js'
import type {Journal} from '../journal.js'
import type {EventTypeObserver} from '../registry.js'
import type {MeshRuntime, ResumedArrival} from '../runtime.js'

/** What a restart found in the records, and what it took up again. */
export interface RestoreReport {
  /** Records read. */
  records: number
  /** Records that could not be taken back (each one logged): left out, as a damaged record is. */
  skipped: number
  /** Sequence number after the last record read (the journal goes on from it). */
  next: number
  /** Arrivals whose fan-out had not settled, each resumed. */
  arrivals: number
  /** Deliveries taken up: resumed, ended failed (their trigger or subscription is gone), or ended by a hop the log shows. */
  deliveries: number
}

/** The parts of a mesh a restore fills in. */
export interface RestoreTarget {
  journal: Journal
  runtime: MeshRuntime
  eventTypes: EventTypeObserver | undefined
  log(line: string): void
}

/** The records read, and the deliveries they leave to resume. */
export interface Restored {
  report: RestoreReport
  pending: PendingDeliveries
}

/**
 * Reads the previous run's records, oldest first, once: each goes into the history (not to the journal's
 * subscribers: the log has it already), the counters and the registry's observations; the unsettled
 * arrivals are kept for `resumeDeliveries`. Call before the mesh appends a record of its own.
 */
export function restoreRecords(mesh: RestoreTarget, records: Iterable<Activity>): Restored {
  const pending = new PendingDeliveries()
  let count = 0
  let skipped = 0
  for (const record of records) {
    count++
    // a record the log kept whole but wrong is left out, as a damaged one is: it must not keep kne from starting
    try {
      mesh.journal.restore(record)
      mesh.runtime.restoreCounts(record)
      mesh.eventTypes?.observe(record)
      pending.add(record)
    } catch (error) {
      skipped++
      mesh.log(`event log record ${String(record.seq)} could not be restored and is left out: ${(error as Error).message}`)
    }
  }
  return {report: {records: count, skipped, next: mesh.journal.next, arrivals: 0, deliveries: 0}, pending}
}

/**
 * Resumes every delivery the previous run left without an outcome, on the topology now applied: the same
 * arrival, from its next attempt after what is left of the retry's wait, within what is left of its fan-out
 * window. A trigger or subscription that is no longer there ends the delivery failed, with the reason.
 */
export function resumeDeliveries(
  mesh: {runtime: MeshRuntime; topology: Topology; clock: {now(): number}; log(line: string): void},
  restored: Restored,
): RestoreReport {
  const {pending, report} = restored
  const now = mesh.clock.now()
  for (const arrival of pending.arrivals()) {
    // one record the log kept wrong must not keep the mesh from starting, nor the other events from resuming
    try {
      const resumed = resumedArrival(mesh.topology, arrival, pending.windowLeftMs(arrival), now)
      mesh.runtime.resume(resumed)
      report.arrivals++
      report.deliveries += resumed.deliveries.length + resumed.ended.length
    } catch (error) {
      mesh.log(`could not resume arrival ${arrival.event.arrival} (event ${arrival.event.id}): ${(error as Error).message}`)
    }
  }
  return report
}

function resumedArrival(topology: Topology, arrival: PendingArrival, windowLeftMs: number, now: number): ResumedArrival {
  const {event: record} = arrival
  const ref = {
    broker: record.broker,
    channel: record.channel,
    arrival: record.arrival,
    id: record.id,
    type: record.type,
    source: record.source,
    seq: record.seq,
  }
  const target = targetOf(topology, record)
  const routes: readonly (TriggerRoute | SubscriptionRoute)[] =
    target === undefined ? [] : target.kind === 'broker' ? target.route.triggers : target.route.subscriptions
  const deliveries: ResumedArrival['deliveries'] = []
  const ended: ResumedArrival['ended'] = []
  const pendingDeliveries: PendingDelivery[] = [...arrival.deliveries]
  // a channel's records do not name the subscriptions of its fan-out: those without any record are its subscriptions now
  if (!arrival.routesKnown) {
    for (const route of routes) {
      if (!(route.key in arrival.outcomes) && !pendingDeliveries.some((d) => keyOf(d.who) === route.key))
        pendingDeliveries.push({who: {subscription: route.key}})
    }
  }
  for (const delivery of pendingDeliveries) {
    const reached = reachedOutcome(delivery)
    if (reached !== undefined) {
      ended.push({who: delivery.who, result: reached})
      continue
    }
    const step = resumeStep(delivery, now)
    const key = keyOf(delivery.who)
    const route = routes.find((r) => r.key === key)
    if (route !== undefined && target !== undefined) deliveries.push({route, step})
    else ended.push({who: delivery.who, result: {outcome: 'failed', error: goneReason(record, delivery.who, target)}, step})
  }
  return {ref, target, event: record.event, windowLeftMs, outcomes: arrival.outcomes, deliveries, ended}
}

function targetOf(topology: Topology, record: PendingArrival['event']): MeshAddressable | undefined {
  if (record.broker !== undefined) {
    const route = topology.brokers.get(record.broker)
    return route && {kind: 'broker', route}
  }
  const route = record.channel === undefined ? undefined : topology.channels.get(record.channel)
  return route && {kind: 'channel', route}
}

function goneReason(record: PendingArrival['event'], who: Subscriber, target: MeshAddressable | undefined): string {
  if (target === undefined)
    return record.broker !== undefined ? `broker ${record.broker} no longer exists` : `channel ${record.channel} no longer exists`
  return who.trigger !== undefined ? `trigger ${who.trigger} no longer exists` : `subscription ${who.subscription} no longer exists`
}

function keyOf(who: Subscriber): string {
  return who.trigger ?? who.subscription
}
