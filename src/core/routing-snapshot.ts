// Routing snapshots: for a set of events, which triggers of each broker (and which subscriptions of a
// channel) every event reaches, with the filter that decided, and which it does not reach and why; computed
// from the compiled topology and the filter engine, no event sent. Rendered as a YAML golden file, read back,
// and compared: a routing change becomes one sentence naming the event, the trigger and what changed.
import {Document, isMap, isScalar, parseDocument, visit} from 'yaml'
import {afterBinaryHop, type CloudEvent} from './cloudevent.js'
import {decodeJsonEvent} from './codec/json.js'
import {KneError} from './errors.js'
import {explainTriggers} from './explain.js'
import type {FilterExplanation, FilterExplanationNode} from './filters/index.js'
import {formatSink} from './manifests/format.js'
import {formatBytes} from './quantity.js'
import type {RegistryEntry} from './registry/index.js'
import {nearestNames} from './registry/patterns.js'
import {resourceKey, type Destination, type Trigger} from './resources/types.js'
import {roleOf} from '../kinds/descriptors.js'
import type {ChannelRoute, ReadyStatus, Topology, TriggerRoute} from './topology.js'

/** The filter that decides, as written in the Trigger: `none`, its `spec.filter.attributes`, or its `spec.filters`. */
export type SnapshotFilter = 'none' | {attributes: Record<string, string>} | {filters: unknown[]}

export interface ReachedTrigger {
  trigger: string
  filter: SnapshotFilter
  /** Where the trigger delivers, in kn's sink grammar (`ksvc:billing`, `sequence:pipeline`, a URL). */
  subscriber: string
  /** Where the event goes next when the subscriber is a broker, a channel or a flow the mesh runs. */
  then?: string[]
}

export interface MissedTrigger {
  trigger: string
  filter: SnapshotFilter
  /** The part of the filter that rejected the event, in a few words. */
  why: string
}

export interface SnapshotBroker {
  /** `name` in the default namespace, else `namespace/name`. */
  broker: string
  reaches: ReachedTrigger[]
  misses: MissedTrigger[]
}

export interface ReachedSubscription {
  subscription: string
  subscriber: string
  then?: string[]
}

export interface SnapshotChannel {
  channel: string
  reaches: ReachedSubscription[]
}

/** One event: the attributes filters read (not id or time), and where it goes. */
export interface SnapshotEvent {
  type: string
  source: string
  subject?: string
  datacontenttype?: string
  dataschema?: string
  extensions?: Record<string, string>
  brokers: SnapshotBroker[]
  channels?: SnapshotChannel[]
}

export interface RoutingSnapshot {
  events: SnapshotEvent[]
}

/**
 * An event to route, and where it enters the mesh: a broker or a channel (`namespace/name`), else every
 * broker of `namespace`, else every broker.
 */
export interface SnapshotInput {
  event: CloudEvent
  broker?: string
  channel?: string
  namespace?: string
}

/** A flow test's `snapshot:` step: the golden file and, optionally, an event file (both relative to the test file). */
export interface SnapshotStep {
  kind: 'snapshot'
  file: string
  events?: string
}

const SNAPSHOT_STEP_FIELDS = ['file', 'events']

/** The largest snapshot file read (it is parsed whole). */
export const MAX_SNAPSHOT_TEXT = 32 * 1024 * 1024

/** The most distinct events one snapshot routes. */
export const MAX_SNAPSHOT_EVENTS = 10_000

/** How far a chain of brokers and channels is followed from one trigger (a loop would never end). */
const MAX_FOLLOW_DEPTH = 8

/** A `snapshot:` step as a flow-test file writes it (`{file, events?}`), or the field that is wrong and why. */
export function parseSnapshotStep(value: unknown, field: string): SnapshotStep | {error: {field: string; message: string}} {
  const error = (at: string, message: string) => ({error: {field: at, message}})
  if (typeof value === 'string') return value.trim() === '' ? error(field, 'expected a file name') : {kind: 'snapshot', file: value}
  if (!isObject(value)) return error(field, 'expected {file, events?} or a file name')
  const unknown = Object.keys(value).find((k) => !SNAPSHOT_STEP_FIELDS.includes(k))
  if (unknown !== undefined) {
    const [nearest] = nearestNames(unknown, SNAPSHOT_STEP_FIELDS, 1)
    return error(`${field}.${unknown}`, `unknown field${nearest ? ` (did you mean ${nearest}?)` : ''}: expected file, events`)
  }
  if (typeof value.file !== 'string' || value.file.trim() === '') return error(`${field}.file`, 'expected the snapshot file name')
  if (value.events !== undefined && (typeof value.events !== 'string' || value.events.trim() === ''))
    return error(`${field}.events`, 'expected an event file name')
  return {kind: 'snapshot', file: value.file, ...(value.events !== undefined ? {events: value.events} : {})}
}

// ---------------------------------------------------------------------------------------------- compute

/** Routes each event through the topology's filters; events with the same attributes are one entry. */
export function computeRoutingSnapshot(topology: Topology, inputs: readonly SnapshotInput[]): RoutingSnapshot {
  const events = new Map<string, SnapshotEvent>()
  for (const input of inputs) {
    const event = afterBinaryHop(input.event)
    const entry = eventAttributes(event)
    const key = eventKey(entry)
    if (events.has(key)) continue
    if (events.size >= MAX_SNAPSHOT_EVENTS)
      throw new KneError(`more than ${MAX_SNAPSHOT_EVENTS} distinct events for one routing snapshot`, 'EVENT_FILE')
    const brokers =
      input.broker !== undefined
        ? [input.broker]
        : input.channel !== undefined
          ? []
          : [...topology.brokers.keys()]
              .filter((b) => input.namespace === undefined || b.startsWith(`${input.namespace}/`))
              .sort((a, b) => a.localeCompare(b))
    entry.brokers = brokers.map((key) => routeThroughBroker(topology, key, event))
    if (input.channel !== undefined) {
      const channel = topology.channels.get(input.channel)
      entry.channels = [{channel: shortName(input.channel), reaches: channel ? routeThroughChannel(topology, channel, event, []) : []}]
    }
    events.set(key, entry)
  }
  return {events: [...events.values()].sort(compareEvents)}
}

/**
 * The events a snapshot routes when none are given: one per registry entry (its example, else a minimal event
 * of its type and source), where its EventType says it arrives; then one per type a trigger's filter requires
 * exactly that the registry does not know, at that trigger's broker, so that a project without EventTypes is
 * covered too.
 */
export function defaultSnapshotInputs(entries: readonly RegistryEntry[], topology: Topology): SnapshotInput[] {
  const inputs: SnapshotInput[] = entries.map((entry, i) => {
    const id = `snapshot-${i + 1}`
    const example = entry.example === undefined ? undefined : decodeJsonEvent({...entry.example, id})
    const event: CloudEvent = example?.ok ? example.event : minimalEvent(id, entry.type, entry.source ?? entry.sources[0])
    if (entry.broker !== undefined) return {event, broker: entry.broker}
    if (entry.reference !== undefined && roleOf(entry.reference.kind) === 'channel')
      return {event, channel: resourceKey(entry.reference.namespace, entry.reference.name)}
    return {event, namespace: entry.namespace}
  })
  const known = new Set(entries.map((e) => e.type))
  for (const broker of topology.brokers.values()) {
    for (const trigger of broker.triggers) {
      const {type, source} = trigger.filter.requires
      if (type === undefined || known.has(type)) continue
      known.add(type)
      inputs.push({event: minimalEvent(`snapshot-${inputs.length + 1}`, type, source), broker: broker.key})
    }
  }
  return inputs
}

function minimalEvent(id: string, type: string, source = 'kne'): CloudEvent {
  return {specversion: '1.0', id, type, source, extensions: {}}
}

function eventAttributes(event: CloudEvent): SnapshotEvent {
  const entry: SnapshotEvent = {type: event.type, source: event.source, brokers: []}
  if (event.subject !== undefined) entry.subject = event.subject
  if (event.datacontenttype !== undefined) entry.datacontenttype = event.datacontenttype
  if (event.dataschema !== undefined) entry.dataschema = event.dataschema
  const names = Object.keys(event.extensions).sort()
  if (names.length > 0) entry.extensions = Object.fromEntries(names.map((n) => [n, String(event.extensions[n])]))
  return entry
}

/** What identifies an event in a snapshot (events with the same key are routed alike, and recorded once). */
export function snapshotEventKey(event: CloudEvent): string {
  return eventKey(eventAttributes(afterBinaryHop(event)))
}

/** What identifies an event in a snapshot: every attribute it records. */
function eventKey(event: SnapshotEvent): string {
  return JSON.stringify([event.type, event.source, event.subject, event.datacontenttype, event.dataschema, event.extensions ?? {}])
}

function compareEvents(a: SnapshotEvent, b: SnapshotEvent): number {
  return a.type.localeCompare(b.type) || a.source.localeCompare(b.source) || eventKey(a).localeCompare(eventKey(b))
}

/** Every trigger of the broker reached or missed; `nested` for a broker reached from another, whose hops are not followed again. */
function routeThroughBroker(topology: Topology, key: string, event: CloudEvent, nested = false): SnapshotBroker {
  const broker = topology.brokers.get(key)
  const routes = new Map((broker?.triggers ?? []).map((t) => [t.key, t]))
  const out: SnapshotBroker = {broker: shortName(key), reaches: [], misses: []}
  const explained = explainTriggers(broker, event).sort((a, b) => a.trigger.localeCompare(b.trigger))
  for (const {trigger: triggerKey, explanation} of explained) {
    const route = routes.get(triggerKey)!
    const name = route.trigger.metadata.name
    const filter = snapshotFilter(route.trigger, explanation)
    if (explanation.delivers) {
      const reached: ReachedTrigger = {trigger: name, filter, subscriber: subscriberOf(route)}
      const then = nested ? [] : follow(topology, route.subscriberUri, event, [key])
      if (then.length > 0) reached.then = then
      out.reaches.push(reached)
    } else {
      out.misses.push({trigger: name, filter, why: missReason(explanation)})
    }
  }
  return out
}

function subscriberOf(route: TriggerRoute): string {
  return withReadiness(formatSink(route.trigger.spec.subscriber, route.namespace), route.status)
}

/** A subscriber as written, and why it is not Ready when it is not (then nothing is delivered to it). */
function withReadiness(sink: string, status: ReadyStatus): string {
  return status.ready ? sink : `${sink} (not Ready: ${status.reason ?? 'unknown'})`
}

/** The part of a Trigger's spec that decided, as written. */
function snapshotFilter(trigger: Trigger, explanation: FilterExplanation): SnapshotFilter {
  if (explanation.applied === 'filters') return {filters: trigger.spec.filters ?? []}
  const attributes = trigger.spec.filter?.attributes
  if (explanation.applied === 'filter' && attributes && typeof attributes === 'object')
    return {attributes: Object.fromEntries(Object.entries(attributes).map(([k, v]) => [k, String(v)]))}
  return 'none'
}

/**
 * Where an event delivered to `uri` goes next, when the mesh serves that address; one line per hop. `path` holds
 * the brokers and channels already passed, so that a loop is said once instead of followed.
 */
function follow(topology: Topology, uri: string | undefined, event: CloudEvent, path: readonly string[]): string[] {
  const target = uri === undefined ? undefined : topology.addresses.get(uri)
  if (target === undefined || path.length > MAX_FOLLOW_DEPTH) return []
  if (path.includes(target.route.key)) return [`${target.kind} ${shortName(target.route.key)} again: a loop, not followed`]
  if (target.kind === 'broker') {
    const routed = routeThroughBroker(topology, target.route.key, event, true)
    const names = routed.reaches.map((r) => r.trigger)
    return [`broker ${shortName(target.route.key)}: ${names.length > 0 ? `triggers ${names.join(', ')}` : 'no trigger'}`]
  }
  const channel = target.route
  return routeThroughChannel(topology, channel, event, path).flatMap((s) => [
    `${describeChannel(channel)}: ${channel.owner === undefined ? `subscription ${s.subscription} → ` : ''}${s.subscriber}`,
    ...(s.then ?? []),
  ])
}

function routeThroughChannel(topology: Topology, channel: ChannelRoute, event: CloudEvent, path: readonly string[]): ReachedSubscription[] {
  return [...channel.subscriptions]
    .sort((a, b) => a.key.localeCompare(b.key))
    .map((s) => {
      const reached: ReachedSubscription = {
        subscription: shortName(s.key),
        subscriber: flowSubscriber(topology, channel, s.key) ?? withReadiness(formatSink(s.subscriber, s.namespace), s.status),
      }
      const then = follow(topology, s.subscriberUri, event, [...path, channel.key])
      if (then.length > 0) reached.then = then
      return reached
    })
}

/** A Sequence's or Parallel's channel named as the flow's step or branch. */
function describeChannel(channel: ChannelRoute): string {
  if (channel.owner === undefined) return `${channel.kind} ${shortName(channel.key)}`
  const [kind, key] = channel.owner.split(' ') as [string, string]
  return `${kind} ${shortName(key)}`
}

/** The destination a flow's subscription delivers to, as its Sequence step or Parallel branch writes it. */
function flowSubscriber(topology: Topology, channel: ChannelRoute, subscription: string): string | undefined {
  if (channel.owner === undefined) return undefined
  const key = channel.owner.slice(channel.owner.indexOf(' ') + 1)
  const sink = (d: Destination | undefined, what: string): string | undefined =>
    d === undefined ? undefined : `${what} ${formatSink(d, channel.namespace)}`
  // the flow whose subscriptions include this one: a Sequence's step, else a Parallel's branch
  const sequence = topology.sequences.get(key)
  const step = sequence?.subscriptions.indexOf(subscription) ?? -1
  if (step >= 0) return sink(sequence!.sequence.spec.steps[step], `step ${step}`)
  const parallel = topology.parallels.get(key)
  const index = parallel?.branches.findIndex((b) => b.filterSubscription === subscription || b.subscription === subscription) ?? -1
  if (index < 0) return undefined
  const branch = parallel!.parallel.spec.branches[index]!
  if (parallel!.branches[index]!.subscription === subscription) return sink(branch.subscriber, `branch ${index}`)
  return branch.filter ? sink(branch.filter, `branch ${index} filter`) : `branch ${index} (no filter: every event)`
}

function shortName(key: string): string {
  return key.startsWith('default/') ? key.slice('default/'.length) : key
}

// ---------------------------------------------------------------------------------------------- why

/** The part of an explanation that rejected the event, briefly. */
export function missReason(explanation: FilterExplanation): string {
  return explanation.root === null ? 'no filter' : nodeReason(explanation.root)
}

function nodeReason(node: FilterExplanationNode): string {
  switch (node.dialect) {
    case 'skipped':
      return node.reason
    case 'attributes':
    case 'exact':
    case 'prefix':
    case 'suffix': {
      const check = node.checks.find((c) => !c.matched)
      if (check === undefined) return `${node.dialect} did not match`
      const saw = check.actual === null ? 'absent' : JSON.stringify(check.compared ?? check.actual)
      if (node.dialect === 'prefix') return `${check.name} ${saw} does not start with ${JSON.stringify(check.expected)}`
      if (node.dialect === 'suffix') return `${check.name} ${saw} does not end with ${JSON.stringify(check.expected)}`
      if (check.expected === '') return `${check.name} is absent`
      return `${check.name} is ${saw}, not ${JSON.stringify(check.expected)}`
    }
    case 'cesql':
      return node.errors.length > 0
        ? `cesql ${JSON.stringify(node.expression)} failed: ${node.errors[0]!.message}`
        : `cesql ${JSON.stringify(node.expression)} is ${JSON.stringify(node.value ?? false)}`
    case 'not':
      return `not: the inner filter matches`
    case 'all': {
      const failed = node.children.find((c) => c.result === 'fail' && !('shortCircuited' in c && c.shortCircuited))
      return failed ? nodeReason(failed) : 'all did not match'
    }
    case 'any':
      return `any: none matches (${node.children
        .slice(0, 3)
        .map((c) => nodeReason(c))
        .join('; ')}${node.children.length > 3 ? '; …' : ''})`
  }
}

// ---------------------------------------------------------------------------------------------- render

const HEADER = [
  '# kne routing snapshot: for each event, the triggers it reaches (with the filter that decided) and the',
  '# ones it does not (and why). Written by kne test --update-snapshots; review its changes like code.',
]

/** The snapshot as YAML: filters in the Trigger's own syntax on one line, everything in a stable order. */
export function renderRoutingSnapshot(snapshot: RoutingSnapshot): string {
  const doc = new Document(snapshot, {aliasDuplicateObjects: false})
  visit(doc, {
    Pair(_, pair) {
      if (isScalar(pair.key) && pair.key.value === 'filter' && isMap(pair.value)) pair.value.flow = true
      if (isScalar(pair.key) && pair.key.value === 'extensions' && isMap(pair.value)) pair.value.flow = true
    },
  })
  return `${HEADER.join('\n')}\n${doc.toString({lineWidth: 0, flowCollectionPadding: false})}`
}

// ---------------------------------------------------------------------------------------------- parse

/** Reads a snapshot file back; throws a KneError naming the file and the field when it is not one. */
export function parseRoutingSnapshot(text: string, file: string): RoutingSnapshot {
  const fail = (where: string, message: string): KneError =>
    new KneError(
      `${file}: ${where ? `${where}: ` : ''}${message} (not a routing snapshot kne wrote? delete it, or run with --update-snapshots)`,
      'SNAPSHOT_FILE',
    )
  if (text.length > MAX_SNAPSHOT_TEXT) throw fail('', `larger than ${formatBytes(MAX_SNAPSHOT_TEXT)}`)
  // not a manifest, so not held to a Kubernetes object's size; kne writes no anchors or aliases, so none are read
  let top: unknown
  try {
    const doc = parseDocument(text, {uniqueKeys: false})
    const error = doc.errors[0]
    if (error !== undefined) throw fail('', `invalid YAML: ${error.message.split('\n')[0]!}`)
    top = doc.toJS({maxAliasCount: 0})
  } catch (error) {
    throw error instanceof KneError ? error : fail('', `invalid YAML: ${(error as Error).message.split('\n')[0]!}`)
  }
  if (!isObject(top) || !Array.isArray(top.events)) throw fail('', 'expected a mapping with an events list')
  const events = top.events.map((raw, i) => {
    const where = `events[${i}]`
    if (!isObject(raw)) throw fail(where, 'expected a mapping')
    for (const name of ['type', 'source']) if (typeof raw[name] !== 'string') throw fail(`${where}.${name}`, 'expected a text value')
    if (!Array.isArray(raw.brokers)) throw fail(`${where}.brokers`, 'expected a list')
    raw.brokers.forEach((b, j) => {
      const at = `${where}.brokers[${j}]`
      if (!isObject(b) || typeof b.broker !== 'string') throw fail(at, 'expected a mapping with a broker name')
      checkList(b.reaches, `${at}.reaches`, 'trigger', ['subscriber'], fail)
      checkList(b.misses, `${at}.misses`, 'trigger', ['why'], fail)
    })
    if (raw.channels !== undefined) {
      if (!Array.isArray(raw.channels)) throw fail(`${where}.channels`, 'expected a list')
      raw.channels.forEach((c, j) => {
        const at = `${where}.channels[${j}]`
        if (!isObject(c) || typeof c.channel !== 'string') throw fail(at, 'expected a mapping with a channel name')
        checkList(c.reaches, `${at}.reaches`, 'subscription', ['subscriber'], fail)
      })
    }
    return raw as unknown as SnapshotEvent
  })
  return {events}
}

/** A list of mappings, each naming its `name` field and the text fields given, with `then` a list of lines when present. */
function checkList(
  list: unknown,
  at: string,
  name: string,
  texts: readonly string[],
  fail: (where: string, message: string) => KneError,
): void {
  if (!Array.isArray(list)) throw fail(at, `expected a list of ${name}s`)
  list.forEach((item, i) => {
    const here = `${at}[${i}]`
    if (!isObject(item)) throw fail(here, 'expected a mapping')
    for (const field of [name, ...texts]) if (typeof item[field] !== 'string') throw fail(`${here}.${field}`, 'expected a text value')
    if (item.then !== undefined && !(Array.isArray(item.then) && item.then.every((line) => typeof line === 'string')))
      throw fail(`${here}.then`, 'expected a list of text lines')
    if (name === 'trigger' && item.filter !== 'none' && !isObject(item.filter)) throw fail(`${here}.filter`, 'expected none or a filter')
  })
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

// ---------------------------------------------------------------------------------------------- diff

export interface SnapshotDiff {
  /** Routing changes: an event reaches a trigger or subscription it did not, or no longer one it did, or by another filter or subscriber. */
  changes: string[]
  /** Differences that leave routing as it was: triggers an event misses that were added, removed or refiltered. */
  notes: string[]
}

/** Compares a recorded snapshot with the current one, in sentences that name the event and the trigger. */
export function diffRoutingSnapshots(before: RoutingSnapshot, after: RoutingSnapshot): SnapshotDiff {
  const changes: string[] = []
  const notes: string[] = []
  const typeCount = new Map<string, number>()
  for (const e of new Map([...before.events, ...after.events].map((e) => [eventKey(e), e])).values())
    typeCount.set(e.type, (typeCount.get(e.type) ?? 0) + 1)
  const label = (e: SnapshotEvent): string => ((typeCount.get(e.type) ?? 0) > 1 ? `${e.type} (source ${e.source})` : e.type)
  const afterByKey = new Map(after.events.map((e) => [eventKey(e), e]))
  const beforeByKey = new Map(before.events.map((e) => [eventKey(e), e]))

  for (const was of before.events) {
    const now = afterByKey.get(eventKey(was))
    if (now === undefined) {
      changes.push(`${label(was)} is no longer among the snapshot's events (it reached ${reachedList(was)})`)
      continue
    }
    const ev = label(was)
    const reachedBefore = reachedCount(was)
    for (const change of diffBrokers(ev, was, now)) (change.routing ? changes : notes).push(change.text)
    for (const text of diffChannels(ev, was, now)) changes.push(text)
    if (reachedBefore > 0 && reachedCount(now) === 0) changes.push(`${ev} now reaches nothing at all`)
  }
  for (const now of after.events) {
    if (!beforeByKey.has(eventKey(now))) changes.push(`${label(now)} is a new event in the snapshot: it reaches ${reachedList(now)}`)
  }
  return {changes, notes}
}

function reachedCount(event: SnapshotEvent): number {
  return event.brokers.reduce((n, b) => n + b.reaches.length, 0) + (event.channels ?? []).reduce((n, c) => n + c.reaches.length, 0)
}

function reachedList(event: SnapshotEvent): string {
  const names = [
    ...event.brokers.flatMap((b) => b.reaches.map((r) => triggerLabel(r.trigger, b.broker))),
    ...(event.channels ?? []).flatMap((c) => c.reaches.map((r) => `subscription ${r.subscription}`)),
  ]
  return names.length > 0 ? names.join(', ') : 'nothing'
}

function triggerLabel(trigger: string, broker: string): string {
  return broker === 'default' ? `trigger ${trigger}` : `trigger ${trigger} of broker ${broker}`
}

function diffBrokers(ev: string, was: SnapshotEvent, now: SnapshotEvent): {text: string; routing: boolean}[] {
  const out: {text: string; routing: boolean}[] = []
  const nowBrokers = new Map(now.brokers.map((b) => [b.broker, b]))
  const wasBrokers = new Map(was.brokers.map((b) => [b.broker, b]))
  for (const before of was.brokers) {
    const after = nowBrokers.get(before.broker)
    if (after === undefined) {
      for (const r of before.reaches) {
        const moved = now.brokers.find((b) => !wasBrokers.has(b.broker) && b.reaches.some((t) => t.trigger === r.trigger))
        const where = moved ? `; trigger ${r.trigger} is now on broker ${moved.broker}` : ''
        out.push({
          text: `${ev} no longer reaches ${triggerLabel(r.trigger, before.broker)}: broker ${before.broker} is gone${where}`,
          routing: true,
        })
      }
      continue
    }
    const missesAfter = new Map(after.misses.map((m) => [m.trigger, m]))
    const reachesAfter = new Map(after.reaches.map((r) => [r.trigger, r]))
    const missesBefore = new Map(before.misses.map((m) => [m.trigger, m]))
    const reachesBefore = new Map(before.reaches.map((r) => [r.trigger, r]))
    const t = (name: string): string => triggerLabel(name, before.broker)
    for (const r of before.reaches) {
      const stillReached = reachesAfter.get(r.trigger)
      const missed = missesAfter.get(r.trigger)
      if (missed) {
        const filter = filterChange(r.filter, missed.filter)
        out.push({text: `${ev} no longer reaches ${t(r.trigger)} (${filter ?? `filter unchanged: ${missed.why}`})`, routing: true})
      } else if (!stillReached) {
        out.push({text: `${ev} no longer reaches ${t(r.trigger)}: the trigger is gone`, routing: true})
      } else {
        const filter = filterChange(r.filter, stillReached.filter)
        if (filter) out.push({text: `${ev} still reaches ${t(r.trigger)}, by a changed filter (${filter})`, routing: true})
        if (r.subscriber !== stillReached.subscriber)
          out.push({
            text: `${ev} reaches ${t(r.trigger)}, which now delivers to ${stillReached.subscriber} (was ${r.subscriber})`,
            routing: true,
          })
        for (const text of diffThen(`${ev} via ${t(r.trigger)}`, r.then, stillReached.then)) out.push({text, routing: true})
      }
    }
    for (const r of after.reaches) {
      if (reachesBefore.has(r.trigger)) continue
      const missed = missesBefore.get(r.trigger)
      const why = missed
        ? (filterChange(missed.filter, r.filter) ?? 'filter unchanged')
        : r.filter === 'none'
          ? 'a new trigger without a filter'
          : `a new trigger, filter ${filterText(r.filter)}`
      out.push({text: `${ev} now reaches ${t(r.trigger)} (${why})`, routing: true})
    }
    for (const m of before.misses) {
      if (reachesAfter.has(m.trigger)) continue
      const after = missesAfter.get(m.trigger)
      if (after === undefined) out.push({text: `${ev}: ${t(m.trigger)}, which it did not reach, is gone`, routing: false})
      else {
        const filter = filterChange(m.filter, after.filter)
        if (filter) out.push({text: `${ev} still does not reach ${t(m.trigger)} (${filter})`, routing: false})
      }
    }
    for (const m of after.misses) {
      if (!missesBefore.has(m.trigger) && !reachesBefore.has(m.trigger))
        out.push({text: `${ev} does not reach ${t(m.trigger)}, a new trigger (${m.why})`, routing: false})
    }
  }
  for (const after of now.brokers) {
    if (wasBrokers.has(after.broker)) continue
    for (const r of after.reaches) {
      const moved = was.brokers.find((b) => !nowBrokers.has(b.broker) && b.reaches.some((x) => x.trigger === r.trigger))
      if (moved) continue // said above, from the broker it left
      out.push({text: `${ev} now reaches ${triggerLabel(r.trigger, after.broker)} (broker ${after.broker} is new)`, routing: true})
    }
  }
  return out
}

function diffChannels(ev: string, was: SnapshotEvent, now: SnapshotEvent): string[] {
  const out: string[] = []
  const nowChannels = new Map((now.channels ?? []).map((c) => [c.channel, c]))
  for (const before of was.channels ?? []) {
    const after = nowChannels.get(before.channel)?.reaches ?? []
    const afterBy = new Map(after.map((s) => [s.subscription, s]))
    for (const s of before.reaches) {
      const a = afterBy.get(s.subscription)
      if (a === undefined) out.push(`${ev} no longer reaches subscription ${s.subscription} of channel ${before.channel}`)
      else {
        if (a.subscriber !== s.subscriber)
          out.push(`${ev} reaches subscription ${s.subscription}, which now delivers to ${a.subscriber} (was ${s.subscriber})`)
        out.push(...diffThen(`${ev} via subscription ${s.subscription}`, s.then, a.then))
      }
    }
    const beforeNames = new Set(before.reaches.map((s) => s.subscription))
    for (const s of after)
      if (!beforeNames.has(s.subscription)) out.push(`${ev} now reaches subscription ${s.subscription} of channel ${before.channel}`)
  }
  return out
}

function diffThen(prefix: string, was: readonly string[] = [], now: readonly string[] = []): string[] {
  return [
    ...was.filter((line) => !now.includes(line)).map((line) => `${prefix} no longer reaches ${line}`),
    ...now.filter((line) => !was.includes(line)).map((line) => `${prefix} now reaches ${line}`),
  ]
}

/** What changed between two filters, leaf by leaf (`filter type changed: was a, now b`); undefined when they are equal. */
export function filterChange(was: SnapshotFilter, now: SnapshotFilter): string | undefined {
  const before = filterLeaves(was)
  const after = filterLeaves(now)
  const parts: string[] = []
  for (const [path, value] of before) {
    const next = after.get(path)
    if (next === undefined) parts.push(`filter ${leafLabel(path)} removed (was ${value})`)
    else if (next !== value) parts.push(`filter ${leafLabel(path)} changed: was ${value}, now ${next}`)
  }
  for (const [path, value] of after) if (!before.has(path)) parts.push(`filter ${leafLabel(path)} added: ${value}`)
  if (parts.length === 0) return undefined
  if (before.size === 0) return `filter was none, now ${filterText(now)}`
  if (after.size === 0) return `filter was ${filterText(was)}, now none`
  return parts.join('; ')
}

/** Every value of a filter by its path: `attributes.type`, `filters[0].exact.type`, `filters[1].cesql`. */
function filterLeaves(filter: SnapshotFilter): Map<string, string> {
  const leaves = new Map<string, string>()
  const walk = (value: unknown, path: string): void => {
    if (Array.isArray(value)) value.forEach((v, i) => walk(v, `${path}[${i}]`))
    else if (isObject(value)) for (const [k, v] of Object.entries(value)) walk(v, path === '' ? k : `${path}.${k}`)
    else leaves.set(path, String(value))
  }
  if (filter !== 'none') walk(filter, '')
  return leaves
}

/** `type` for an attribute of `attributes` or of a top-level `exact`; the dialects otherwise (`prefix type`, `any[1] exact source`, `cesql`). */
function leafLabel(path: string): string {
  const words = path
    .replace(/^attributes\./, '')
    .replace(/^filters\[\d+\]\./, '')
    .replace(/^exact\./, '')
    .split('.')
  return words.join(' ')
}

/** A filter on one line, in the Trigger's own syntax. */
export function filterText(filter: SnapshotFilter): string {
  if (filter === 'none') return 'none'
  return new Document(filter, {aliasDuplicateObjects: false})
    .toString({lineWidth: 0, collectionStyle: 'flow', flowCollectionPadding: false})
    .trim()
}
