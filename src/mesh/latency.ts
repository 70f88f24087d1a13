// How long each trigger's or subscription's deliveries take, as a histogram kept beside its counters (the
// runtime observes, GET /_kne/v1/metrics reads).
import type {DeliveryCounters} from '../core/api.js'
import {perObject} from '../core/memo.js'

/** Upper bounds of the latency buckets, in seconds (Prometheus's defaults, and minutes for retried deliveries). */
export const LATENCY_BUCKETS_S = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900] as const

/** How long deliveries took, from the first attempt to their outcome (retry waits included): counts per bucket. */
export class LatencyHistogram {
  /** Count per bucket (not cumulative); the last is +Inf. */
  readonly counts = new Float64Array(LATENCY_BUCKETS_S.length + 1)
  sumSeconds = 0
  count = 0

  observe(ms: number): void {
    const seconds = ms / 1000
    let i = 0
    while (i < LATENCY_BUCKETS_S.length && seconds > LATENCY_BUCKETS_S[i]!) i++
    this.counts[i]!++
    this.sumSeconds += seconds
    this.count++
  }
}

/** Each trigger's or subscription's latency histogram, kept beside its counters (one object per key). */
export const latencyOf = perObject((_counters: DeliveryCounters) => new LatencyHistogram())
