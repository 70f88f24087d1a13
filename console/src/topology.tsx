// The Topology view: the mesh's resources as a graph laid out by dagre and drawn as SVG, each with its Ready
// state and counters; a resource that is not Ready is drawn in red and listed above the graph with its reason.
import dagre, {type GraphLabel} from '@dagrejs/dagre'
import {useMemo, useState} from 'preact/hooks'
import type {MeshResources, MeshStatus} from '../../src/core/api.js'

export interface GraphNode {
  id: string
  kind: string
  name: string
  ready?: boolean
  reason?: string
  message?: string
  counters: string
  /** Lines the side panel shows. */
  details: string[]
}

interface GraphEdge {
  from: string
  to: string
  label?: string
  dashed?: boolean
}

interface Point {
  x: number
  y: number
}

interface Box extends Partial<Point> {
  width: number
  height: number
}

const NODE_WIDTH = 210
const NODE_HEIGHT = 66

/** `matched 2 · dead-lettered 2`: the first counter always, the others when not 0, camelCase names in words. */
function counterText(counters: Record<string, number>, names: readonly string[]): string {
  return names
    .filter((name, i) => counters[name] !== undefined && (i === 0 || counters[name] !== 0))
    .map((name) => `${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} ${counters[name]}`)
    .join(' · ')
}

function trimUrl(url: string): string {
  return url.endsWith('/') ? url.slice(0, -1) : url
}

/** A trigger's filter in one line, from its manifest. */
function filterText(resources: MeshResources | undefined, namespace: string, name: string): string {
  const trigger = resources?.resources.find((r) => r.kind === 'Trigger' && r.metadata.name === name && r.metadata.namespace === namespace)
  const spec = (trigger?.spec ?? {}) as {filter?: {attributes?: Record<string, string>}; filters?: unknown[]}
  if (spec.filters && spec.filters.length > 0) return `filters: ${spec.filters.map(dialectText).join(', ')}`
  const attributes = Object.entries(spec.filter?.attributes ?? {})
  return attributes.length > 0 ? `filter: ${attributes.map(([k, v]) => `${k}=${v}`).join(', ')}` : 'no filter (every event)'
}

/** One SubscriptionsAPI filter in a few words: `prefix type=com.example.`, `cesql …`, `all(…)`. */
function dialectText(filter: unknown): string {
  const [dialect, value] = Object.entries((filter ?? {}) as Record<string, unknown>)[0] ?? ['?', undefined]
  if (dialect === 'cesql') return `cesql ${String(value)}`
  if (dialect === 'all' || dialect === 'any') return `${dialect}(${((value ?? []) as unknown[]).map(dialectText).join(', ')})`
  if (dialect === 'not') return `not(${dialectText(value)})`
  const pairs = Object.entries((value ?? {}) as Record<string, unknown>).map(([k, v]) => `${k}=${String(v)}`)
  return `${dialect} ${pairs.join(', ')}`
}

/** Nodes and edges from the status the control API reports. */
export function buildGraph(
  status: MeshStatus,
  resources: MeshResources | undefined,
  showFlowChannels: boolean,
): {nodes: GraphNode[]; edges: GraphEdge[]} {
  const nodes = new Map<string, GraphNode>()
  const edges: GraphEdge[] = []
  const byUrl = new Map<string, string>()
  const add = (node: GraphNode, url?: string): void => {
    nodes.set(node.id, node)
    if (url !== undefined && !byUrl.has(trimUrl(url))) byUrl.set(trimUrl(url), node.id)
  }
  const targets: [string, string | undefined, string | undefined, boolean][] = []
  const link = (from: string, uri: string | undefined, label?: string, dashed = false): void => {
    targets.push([from, uri, label, dashed])
  }
  for (const s of status.sequences) {
    add(
      {
        id: `Sequence:${s.namespace}/${s.name}`,
        kind: 'Sequence',
        name: `${s.namespace}/${s.name}`,
        ready: s.ready,
        reason: s.reason,
        message: s.message,
        counters: `${s.steps} steps`,
        details: [s.url],
      },
      s.url,
    )
    edges.push({from: `Sequence:${s.namespace}/${s.name}`, to: `Channel:${s.channels[0]}`})
  }
  for (const p of status.parallels) {
    add(
      {
        id: `Parallel:${p.namespace}/${p.name}`,
        kind: 'Parallel',
        name: `${p.namespace}/${p.name}`,
        ready: p.ready,
        reason: p.reason,
        message: p.message,
        counters: `${p.branches.length} branches`,
        details: [p.url],
      },
      p.url,
    )
    edges.push({from: `Parallel:${p.namespace}/${p.name}`, to: `Channel:${p.ingressChannel}`})
  }
  for (const b of status.brokers) {
    const id = `Broker:${b.namespace}/${b.name}`
    add(
      {
        id,
        kind: 'Broker',
        name: `${b.namespace}/${b.name}`,
        ready: b.ready,
        reason: b.reason,
        message: b.message,
        counters: counterText(b.counters as unknown as Record<string, number>, ['accepted', 'rejected', 'pending']),
        details: [b.url, `class ${b.className}${b.async ? ' (asynchronous)' : ''}`],
      },
      b.url,
    )
    if (b.deadLetterSinkUri) link(id, b.deadLetterSinkUri, 'dead letter', true)
  }
  for (const t of status.triggers) {
    const id = `Trigger:${t.namespace}/${t.name}`
    const filter = filterText(resources, t.namespace, t.name)
    add({
      id,
      kind: 'Trigger',
      name: `${t.namespace}/${t.name}`,
      ready: t.ready,
      reason: t.reason,
      message: t.message,
      counters: counterText(t.counters as unknown as Record<string, number>, ['matched', 'delivered', 'deadLettered', 'failed']),
      details: [filter, `subscriber ${t.subscriberUri ?? '(does not resolve)'}`],
    })
    // spec.broker names a broker of the trigger's own namespace; a missing one leaves the trigger not Ready, which it says
    edges.push({from: `Broker:${t.namespace}/${t.broker}`, to: id, label: clip(filter, 34)})
    link(id, t.subscriberUri)
    if (t.deadLetterSinkUri) link(id, t.deadLetterSinkUri, 'dead letter', true)
  }
  for (const c of status.channels) {
    if (c.owner && !showFlowChannels) continue
    const id = `Channel:${c.namespace}/${c.name}`
    add(
      {
        id,
        kind: c.kind,
        name: `${c.namespace}/${c.name}`,
        ready: c.ready,
        reason: c.reason,
        message: c.message,
        counters: counterText(c.counters as unknown as Record<string, number>, ['accepted', 'rejected', 'pending']),
        details: [c.url, ...(c.owner ? [`made by ${c.owner}`] : [])],
      },
      c.url,
    )
    if (c.deadLetterSinkUri) link(id, c.deadLetterSinkUri, 'dead letter', true)
  }
  for (const s of status.subscriptions) {
    if (s.owner && !showFlowChannels) continue
    const id = `Subscription:${s.namespace}/${s.name}`
    add({
      id,
      kind: 'Subscription',
      name: `${s.namespace}/${s.name}`,
      ready: s.ready,
      reason: s.reason,
      message: s.message,
      counters: counterText(s.counters as unknown as Record<string, number>, ['matched', 'delivered', 'deadLettered', 'failed']),
      details: [`subscriber ${s.subscriberUri ?? '-'}`, ...(s.replyUri ? [`reply ${s.replyUri}`] : [])],
    })
    edges.push({from: `Channel:${s.channel}`, to: id})
    link(id, s.subscriberUri)
    if (s.replyUri) link(id, s.replyUri, 'reply', true)
    if (s.deadLetterSinkUri) link(id, s.deadLetterSinkUri, 'dead letter', true)
  }
  for (const s of status.sources) {
    const id = `${s.kind}:${s.namespace}/${s.name}`
    add({
      id,
      kind: s.kind,
      name: `${s.namespace}/${s.name}`,
      ready: s.ready,
      reason: s.reason,
      message: s.message,
      counters: counterText(s.counters, Object.keys(s.counters)),
      details: [`sink ${s.sinkUri ?? '(does not resolve)'}`],
    })
    link(id, s.sinkUri)
  }
  for (const r of status.resources) {
    const id = `${r.kind}:${r.namespace}/${r.name}`
    add(
      {
        id,
        kind: r.kind,
        name: `${r.namespace}/${r.name}`,
        ready: r.ready,
        reason: r.reason,
        message: r.message,
        counters: counterText(r.counters, Object.keys(r.counters)),
        details: [...(r.url ? [r.url] : []), ...(r.sinkUri ? [`sink ${r.sinkUri}`] : [])],
      },
      r.url,
    )
    link(id, r.sinkUri)
  }
  const manifests = new Map((resources?.resources ?? []).map((r) => [`${r.kind}:${r.metadata.namespace}/${r.metadata.name}`, r]))
  for (const [from, uri, label, dashed] of targets) {
    if (uri === undefined) continue
    let to = byUrl.get(trimUrl(uri))
    if (to === undefined) {
      to = `Sink:${uri}`
      const ref = destinationRef(manifests.get(from)?.spec, label)
      if (!nodes.has(to))
        nodes.set(to, {
          id: to,
          kind: ref?.kind ?? 'Subscriber',
          name: ref?.name ?? uri.replace(/^https?:\/\//, ''),
          counters: '',
          details: [uri],
        })
    }
    edges.push({from, to, label, dashed})
  }
  return {nodes: [...nodes.values()], edges: edges.filter((e) => nodes.has(e.from) && nodes.has(e.to))}
}

interface DestinationSpec {
  ref?: {kind: string; name: string}
}

/** The reference a resource's manifest gives for the destination an edge goes to (its subscriber, sink, reply or dead-letter sink). */
function destinationRef(spec: unknown, label: string | undefined): {kind: string; name: string} | undefined {
  const fields = (spec ?? {}) as {
    subscriber?: DestinationSpec
    sink?: DestinationSpec
    reply?: DestinationSpec
    delivery?: {deadLetterSink?: DestinationSpec}
  }
  const destination =
    label === 'dead letter' ? fields.delivery?.deadLetterSink : label === 'reply' ? fields.reply : (fields.subscriber ?? fields.sink)
  return destination?.ref
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text
}

export function Topology({status, resources}: {status: MeshStatus | undefined; resources: MeshResources | undefined}) {
  const [selected, setSelected] = useState<string | undefined>()
  const [showFlowChannels, setShowFlowChannels] = useState(false)
  const layout = useMemo(() => {
    if (!status) return undefined
    const {nodes, edges} = buildGraph(status, resources, showFlowChannels)
    const g = new dagre.graphlib.Graph<GraphLabel, Box, {points?: Point[]; x?: number; y?: number; width?: number; height?: number}>({
      multigraph: true,
    })
    g.setGraph({rankdir: 'LR', nodesep: 18, ranksep: 36, marginx: 10, marginy: 10})
    g.setDefaultEdgeLabel(() => ({}))
    for (const node of nodes) g.setNode(node.id, {width: NODE_WIDTH, height: NODE_HEIGHT})
    // a labelled edge gets room for its label between the ranks
    edges.forEach((edge, i) => g.setEdge(edge.from, edge.to, edge.label ? {width: edge.label.length * 5.2, height: 14} : {}, String(i)))
    dagre.layout(g)
    const graph = g.graph()
    return {
      nodes: nodes.map((n) => ({...n, x: g.node(n.id).x ?? 0, y: g.node(n.id).y ?? 0})),
      edges: edges.map((e, i) => {
        const placed = g.edge({v: e.from, w: e.to, name: String(i)})
        return {
          ...e,
          points: placed.points ?? [],
          labelAt: placed.x === undefined || placed.y === undefined ? undefined : {x: placed.x, y: placed.y},
        }
      }),
      width: graph.width ?? 0,
      height: graph.height ?? 0,
    }
  }, [status, resources, showFlowChannels])
  if (!layout) return <p class="muted">Waiting for the mesh…</p>
  const notReady = layout.nodes.filter((n) => n.ready === false)
  const chosen = layout.nodes.find((n) => n.id === selected)
  return (
    <div class="topology">
      {notReady.length > 0 && (
        <section class="problems" aria-label="Resources not Ready">
          <h2>Not Ready</h2>
          <ul>
            {notReady.map((n) => (
              <li key={n.id}>
                <strong>
                  {n.kind} {n.name}
                </strong>
                : {n.reason ?? 'NotReady'}
                {n.message ? ` — ${n.message}` : ''}
              </li>
            ))}
          </ul>
        </section>
      )}
      <label class="graph-options">
        <input
          type="checkbox"
          checked={showFlowChannels}
          onChange={(event) => setShowFlowChannels((event.target as HTMLInputElement).checked)}
        />{' '}
        Show the channels and subscriptions Sequences and Parallels make
      </label>
      {layout.nodes.length === 0 && <p class="muted">The mesh runs no resources yet: add manifests to the project.</p>}
      <div class="graph-and-panel">
        <div class="graph">
          <svg
            width={layout.width}
            height={layout.height}
            viewBox={`0 0 ${layout.width} ${layout.height}`}
            role="group"
            aria-label="Topology"
          >
            <defs>
              <marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
                <path d="M 0 0 L 10 5 L 0 10 z" class="arrowhead" />
              </marker>
            </defs>
            {layout.edges.map((e, i) => {
              const d = e.points.map((p, j) => `${j === 0 ? 'M' : 'L'} ${p.x} ${p.y}`).join(' ')
              const middle = e.labelAt ?? e.points[Math.floor(e.points.length / 2)]
              return (
                <g key={i} class={`edge${e.dashed ? ' dashed' : ''}`}>
                  <path d={d} marker-end="url(#arrow)" />
                  {e.label && middle && (
                    <text x={middle.x} y={middle.y + 4} text-anchor="middle" class="edge-label">
                      {e.label}
                    </text>
                  )}
                </g>
              )
            })}
            {layout.nodes.map((n) => (
              <g
                key={n.id}
                class={`node kind-${n.kind.toLowerCase()}${n.ready === false ? ' not-ready' : ''}${n.id === selected ? ' selected' : ''}`}
                transform={`translate(${n.x - NODE_WIDTH / 2} ${n.y - NODE_HEIGHT / 2})`}
                tabindex={0}
                role="button"
                aria-label={`${n.kind} ${n.name}${n.ready === false ? `, not Ready: ${n.reason ?? ''}` : ''}`}
                data-node={n.id}
                onClick={() => setSelected(n.id)}
                onKeyDown={(event) => {
                  if (event.key === 'Enter' || event.key === ' ') {
                    event.preventDefault()
                    setSelected(n.id)
                  }
                }}
              >
                <title>{[`${n.kind} ${n.name}`, n.message ?? '', ...n.details].filter(Boolean).join('\n')}</title>
                <rect width={NODE_WIDTH} height={NODE_HEIGHT} rx="6" />
                <text x="10" y="16" class="node-kind">
                  {n.kind}
                </text>
                <text x="10" y="33" class="node-name">
                  {clip(n.name, 30)}
                </text>
                <text x="10" y="49" class="node-state">
                  {n.ready === undefined ? '' : n.ready ? 'Ready' : clip(`Not Ready: ${n.reason ?? ''}`, 32)}
                </text>
                <text x="10" y="62" class="node-counters">
                  {clip(n.counters, 36)}
                </text>
              </g>
            ))}
          </svg>
        </div>
        <aside class="panel" aria-live="polite">
          {chosen ? (
            <>
              <h2>
                {chosen.kind} {chosen.name}
              </h2>
              {chosen.ready !== undefined && (
                <p class={chosen.ready ? 'ok' : 'bad'}>
                  {chosen.ready ? 'Ready' : `Not Ready: ${chosen.reason ?? ''}`}
                  {chosen.message ? ` — ${chosen.message}` : ''}
                </p>
              )}
              {chosen.counters && <p>{chosen.counters}</p>}
              <ul>
                {chosen.details.map((line) => (
                  <li key={line}>
                    <code>{line}</code>
                  </li>
                ))}
              </ul>
            </>
          ) : (
            <p class="muted">Select a resource (click, or Tab and Enter) to see its details.</p>
          )}
        </aside>
      </div>
    </div>
  )
}
