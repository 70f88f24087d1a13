// GET /_kne/v1/metrics: the mesh's counters in Prometheus's text exposition format (version 0.0.4), read from
// the counters the runtime keeps for status, plus a delivery latency histogram per trigger and subscription.
import type {DeliveryCounters, IngressCounters} from '../core/api.js'
import {keyParts} from '../core/resources/types.js'
import type {MeshContext} from './context.js'
import {LATENCY_BUCKETS_S, latencyOf} from './latency.js'

export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8'

type Labels = Record<string, string>

/** One metric family: its HELP and TYPE lines, then its samples. */
class Family {
  private readonly lines: string[] = []

  constructor(
    readonly name: string,
    readonly type: 'counter' | 'gauge' | 'histogram',
    readonly help: string,
  ) {}

  sample(labels: Labels, value: number, suffix = '', extra?: Labels): void {
    this.lines.push(`${this.name}${suffix}${labelText(extra ? {...labels, ...extra} : labels)} ${formatValue(value)}`)
  }

  text(): string {
    return `# HELP ${this.name} ${this.help}\n# TYPE ${this.name} ${this.type}\n${this.lines.map((l) => `${l}\n`).join('')}`
  }
}

/** The exposition text of a running mesh. */
export function renderMetrics(mesh: MeshContext): string {
  const {runtime, topology, journal} = mesh
  const families: Family[] = []
  const family = (name: string, type: Family['type'], help: string): Family => {
    const f = new Family(name, type, help)
    families.push(f)
    return f
  }

  const ingress = (kind: 'broker' | 'channel', counters: Map<string, IngressCounters>): void => {
    const accepted = family(`kne_${kind}_events_accepted_total`, 'counter', `Events the ${kind}'s ingress accepted.`)
    const rejected = family(
      `kne_${kind}_events_rejected_total`,
      'counter',
      `Events the ${kind}'s ingress refused (invalid, at capacity, a loop).`,
    )
    const pending = family(`kne_${kind}_events_pending`, 'gauge', `Events accepted by the ${kind} whose deliveries have not all ended.`)
    const pendingBytes = family(`kne_${kind}_events_pending_bytes`, 'gauge', `Bytes of the ${kind}'s pending events.`)
    for (const [key, c] of sorted(counters)) {
      const {namespace, name} = keyParts(key)
      const labels = {namespace, [kind]: name}
      accepted.sample(labels, c.accepted)
      rejected.sample(labels, c.rejected)
      pending.sample(labels, c.pending)
      pendingBytes.sample(labels, c.pendingBytes)
    }
  }
  ingress('broker', runtime.brokerCounters)
  ingress('channel', runtime.channelCounters)

  // a trigger's broker, as the topology has it now (a trigger deleted since keeps its counters, without its broker)
  const brokerOfTrigger = new Map<string, string>()
  for (const broker of topology.brokers.values()) for (const t of broker.triggers) brokerOfTrigger.set(t.key, broker.broker.metadata.name)
  for (const t of topology.orphanTriggers) brokerOfTrigger.set(t.key, t.trigger.spec.broker)
  const channelOfSubscription = new Map<string, string>()
  for (const channel of topology.channels.values()) for (const s of channel.subscriptions) channelOfSubscription.set(s.key, channel.name)

  const deliveries = (kind: 'trigger' | 'subscription', counters: Map<string, DeliveryCounters>, parentOf: Map<string, string>): void => {
    const parent = kind === 'trigger' ? 'broker' : 'channel'
    const what = kind === 'trigger' ? `trigger's filter passed` : 'subscription received'
    const matched = family(`kne_${kind}_events_matched_total`, 'counter', `Events the ${what}: deliveries started.`)
    const outcomes = [
      ['delivered', 'delivered', 'Deliveries the subscriber accepted (2xx) without a reply.'],
      ['replied', 'replied', 'Deliveries whose subscriber replied with an event that was sent on.'],
      ['deadLettered', 'dead_lettered', 'Deliveries that ended at the dead-letter sink.'],
      ['failed', 'failed', 'Deliveries that failed: attempts ran out with no dead-letter sink, or it refused too.'],
    ] as const
    const outcomeFamilies = outcomes.map(
      ([field, name, help]) => [field, family(`kne_${kind}_events_${name}_total`, 'counter', help)] as const,
    )
    const inFlight = family(`kne_${kind}_deliveries_in_flight`, 'gauge', 'Deliveries under way (attempts, retry waits, replies).')
    const latency = family(
      `kne_${kind}_delivery_duration_seconds`,
      'histogram',
      "Time from a delivery's first attempt to its outcome, retry waits included (on the mesh's clock).",
    )
    for (const [key, c] of sorted(counters)) {
      const {namespace, name} = keyParts(key)
      const labels: Labels = {namespace, [parent]: parentOf.get(key) ?? '', [kind]: name}
      matched.sample(labels, c.matched)
      for (const [field, f] of outcomeFamilies) f.sample(labels, c[field])
      inFlight.sample(labels, c.inFlight)
      const histogram = latencyOf(c)
      let cumulative = 0
      for (let i = 0; i < LATENCY_BUCKETS_S.length; i++) {
        cumulative += histogram.counts[i]!
        latency.sample(labels, cumulative, '_bucket', {le: String(LATENCY_BUCKETS_S[i])})
      }
      latency.sample(labels, histogram.count, '_bucket', {le: '+Inf'})
      latency.sample(labels, histogram.sumSeconds, '_sum')
      latency.sample(labels, histogram.count, '_count')
    }
  }
  deliveries('trigger', runtime.triggerCounters, brokerOfTrigger)
  deliveries('subscription', runtime.subscriptionCounters, channelOfSubscription)

  family('kne_deliveries_pending', 'gauge', 'Deliveries under way in the whole mesh.').sample({}, runtime.inFlightCount)
  family('kne_history_records', 'gauge', 'Activity records the history keeps (kne tail --history, kne events).').sample(
    {},
    journal.next - journal.first,
  )
  family('kne_history_bytes', 'gauge', 'Bytes of the activity records the history keeps.').sample({}, journal.bytes)
  return families.map((f) => f.text()).join('')
}

function sorted<V>(map: Map<string, V>): [string, V][] {
  return [...map].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
}

function labelText(labels: Labels): string {
  const entries = Object.entries(labels)
  if (entries.length === 0) return ''
  return `{${entries.map(([name, value]) => `${name}="${escapeLabel(value)}"`).join(',')}}`
}

/** Label values escape backslash, double quote and line feed (the format's only escapes). */
function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN'
  if (value === Number.POSITIVE_INFINITY) return '+Inf'
  if (value === Number.NEGATIVE_INFINITY) return '-Inf'
  return String(value)
}
