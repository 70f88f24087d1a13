// Start-up summary of what the mesh serves: each broker's, channel's, sequence's and parallel's URL, and
// each trigger's and subscription's subscriber and readiness, then the other kinds' resources (URL, sink, readiness) (a flow's own channels and subscriptions are
// summed up by the flow's line).
import type {ChalkInstance} from 'chalk'
import type {MeshStatus} from '../core/api.js'
import {formatMs} from './render.js'

export function renderTopology(status: MeshStatus, paths: readonly string[], c: ChalkInstance): string[] {
  const source = paths.length > 0 ? paths.join(', ') : 'built-in default broker'
  const channels = status.channels.filter((ch) => ch.owner === undefined)
  const subscriptions = status.subscriptions.filter((s) => s.owner === undefined)
  // a mesh from before the common list has none
  const resources = status.resources ?? []
  const kinds = [...new Set(resources.map((r) => r.kind))]
  const counts = [
    `${status.brokers.length} broker(s)`,
    `${status.triggers.length} trigger(s)`,
    ...[
      [channels.length, 'channel(s)'],
      [subscriptions.length, 'subscription(s)'],
      [status.sequences.length, 'sequence(s)'],
      [status.parallels.length, 'parallel(s)'],
    ]
      .filter(([n]) => n !== 0)
      .map(([n, what]) => `${n} ${what}`),
    ...kinds.map((kind) => `${resources.filter((r) => r.kind === kind).length} ${kind}(s)`),
  ]
  const lines = [`kne dev: ${counts.join(', ')} from ${source}`]
  type Readiness = {ready: boolean; reason?: string; message?: string}
  const state = (r: Readiness): string => (r.ready ? c.green('Ready') : c.red(`not Ready: ${r.reason}: ${r.message}`))
  // an address is Ready unless said otherwise
  const notReady = (r: Readiness): string => (r.ready ? '' : `  ${state(r)}`)
  for (const b of status.brokers) {
    const mode = b.async ? c.dim(' (async)') : ''
    lines.push(`  Broker  ${b.namespace}/${b.name}  ${c.cyan(b.url)}${mode}${notReady(b)}`)
  }
  for (const t of status.triggers) {
    lines.push(`  Trigger ${t.namespace}/${t.name}  → ${t.subscriberUri ?? '?'}  ${state(t)}`)
  }
  for (const ch of channels) {
    const mode = ch.async ? c.dim(' (async)') : ''
    lines.push(`  ${ch.kind} ${ch.namespace}/${ch.name}  ${c.cyan(ch.url)}${mode}${notReady(ch)}`)
  }
  for (const s of subscriptions) {
    const reply = s.replyUri ? `, reply → ${s.replyUri}` : ''
    lines.push(`  Subscription ${s.namespace}/${s.name}  ${s.channel} → ${s.subscriberUri ?? '?'}${reply}  ${state(s)}`)
  }
  for (const s of status.sequences) {
    lines.push(`  Sequence ${s.namespace}/${s.name}  ${c.cyan(s.url)}  ${s.steps} step(s)  ${state(s)}`)
  }
  for (const p of status.parallels) {
    lines.push(`  Parallel ${p.namespace}/${p.name}  ${c.cyan(p.url)}  ${p.branches.length} branch(es)  ${state(p)}`)
  }
  for (const r of resources) {
    const address = r.url === undefined ? '' : `  ${c.cyan(r.url)}`
    const sink = r.sinkUri === undefined ? '' : `  → ${r.sinkUri}`
    lines.push(`  ${r.kind} ${r.namespace}/${r.name}${address}${sink}  ${state(r)}`)
  }
  return lines
}

/** kne status: where the mesh runs, for how long, and what its resources have counted so far. */
export function renderMeshStatus(status: MeshStatus & {uptimeMs: number; logFile?: string}, c: ChalkInstance): string[] {
  const lines = [
    `${c.green('Running')} on ${c.cyan(status.url)}  pid ${status.pid}, up ${formatMs(status.uptimeMs)}${status.draining ? c.yellow(', draining') : ''}`,
  ]
  if (status.logFile) lines.push(`  Log       ${status.logFile}`)
  const sum = <K extends string>(items: readonly {counters: Record<K, number>}[], key: K): number =>
    items.reduce((total, item) => total + item.counters[key], 0)
  const ingress = [...status.brokers, ...status.channels]
  const deliveries = [...status.triggers, ...status.subscriptions]
  lines.push(
    `  Events    ${sum(ingress, 'accepted')} accepted, ${sum(ingress, 'rejected')} rejected, ${sum(ingress, 'pending')} pending`,
    `  Delivery  ${sum(deliveries, 'delivered')} delivered, ${sum(deliveries, 'replied')} replied, ${sum(deliveries, 'deadLettered')} dead-lettered, ${sum(deliveries, 'failed')} failed, ${status.inFlight.length} in flight`,
  )
  for (const b of status.brokers) {
    const n = b.counters
    lines.push(`  Broker  ${b.namespace}/${b.name}  ${n.accepted} accepted, ${n.rejected} rejected${b.ready ? '' : c.red('  not Ready')}`)
  }
  for (const t of status.triggers) {
    const n = t.counters
    lines.push(
      `  Trigger ${t.namespace}/${t.name}  ${n.matched} matched, ${n.delivered} delivered, ${n.deadLettered} dead-lettered, ${n.failed} failed, ${n.inFlight} in flight${t.ready ? '' : c.red('  not Ready')}`,
    )
  }
  const others = [
    [status.channels.filter((ch) => ch.owner === undefined).length, 'channel(s)'],
    [status.subscriptions.filter((s) => s.owner === undefined).length, 'subscription(s)'],
    [status.sequences.length, 'sequence(s)'],
    [status.parallels.length, 'parallel(s)'],
    [status.sources.length, 'source(s)'],
    [(status.resources ?? []).length, 'other resource(s)'],
  ].filter(([n]) => n !== 0)
  if (others.length > 0) lines.push(`  Also    ${others.map(([n, what]) => `${n} ${what}`).join(', ')}`)
  return lines
}
