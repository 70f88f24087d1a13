// Checks an expected outcome (delivered, replied, dead-lettered, failed, not delivered) against what the mesh
// recorded, and explains a miss: what was expected, each related event's path (which triggers matched and
// why, each attempt) and the nearest deliveries with the fields that differ. Knows nothing of test files, so
// `kne test` and a test suite's matchers give the same answers and the same explanations.
import type {Activity, Outcome} from '../activity.js'
import {attributeValue, isJsonMediaType, type CloudEvent} from '../cloudevent.js'
import type {EventMatch, Expectation} from './format.js'

/** What the mesh did: its records, and how to name the subscribers and explain the triggers' decisions. */
export interface FlowObservation {
  /** The mesh's activity records (its journal), oldest first. */
  records: readonly Activity[]
  /** The name a subscriber's URL stands for (a stand-in's or a Service's); undefined when it has none. */
  nameOf?: (url: string) => string | undefined
  /** Lines saying why each trigger of the arrival's broker matched it or not, indented to go under the arrival's line. */
  explain?: (arrival: number) => string[]
  /** Clock time (epoch ms): what the mesh did after it does not count. */
  until?: number
}

/** One trigger's or subscription's delivery of one arrival, as the records tell it. */
export interface DeliveryFact {
  arrival: number
  broker?: string
  channel?: string
  trigger?: string
  subscription?: string
  /** The event as it arrived (undefined when the history no longer keeps it). */
  event?: CloudEvent
  outcome: Outcome | 'pending'
  /**
   * Where the delivery stands in the order of things: the sequence number of the subscriber's last answer
   * (a Sequence's step answers before the outcome, which waits for the reply's own journey), else the outcome's.
   */
  seq: number
  /** Clock time of the outcome (of the last attempt while pending). */
  at: number
  attempts: {attempt: number; target: string; url: string; status?: number; error?: string; nextDelayMs?: number}[]
  subscriberUrl?: string
  deadLetterUrl?: string
  /** The subscriber's reply, for `replied`. */
  reply?: CloudEvent
  error?: string
}

export interface CheckResult {
  pass: boolean
  /** One line: what was expected, and what was found instead. */
  message: string
  /** Why, for a miss: the related events' paths and the nearest candidates. */
  details: string[]
  /** The deliveries that meet the expectation, in the order they ended. */
  matched: DeliveryFact[]
}

/** A criterion a delivery did not meet: the field, what was wanted and what the delivery had. */
export interface Difference {
  field: string
  want: string
  saw: string
}

const MAX_PATHS = 5
const MAX_CANDIDATES = 3
const MAX_ATTEMPT_LINES = 12

/** Every delivery the records tell of, in the order they ended (pending ones last). */
export function deliveryFacts(observation: FlowObservation): DeliveryFact[] {
  const until = observation.until ?? Number.POSITIVE_INFINITY
  const events = new Map<number, CloudEvent>()
  const facts = new Map<string, DeliveryFact>()
  const factOf = (record: Extract<Activity, {kind: 'attempt' | 'outcome'}>, at: number): DeliveryFact => {
    const key = `${record.arrival} ${record.trigger ?? ''} ${record.subscription ?? ''}`
    let fact = facts.get(key)
    if (fact === undefined) {
      fact = {
        arrival: record.arrival,
        ...(record.broker === undefined ? {} : {broker: record.broker}),
        ...(record.channel === undefined ? {} : {channel: record.channel}),
        ...(record.trigger === undefined ? {} : {trigger: record.trigger}),
        ...(record.subscription === undefined ? {} : {subscription: record.subscription}),
        event: events.get(record.arrival),
        outcome: 'pending',
        seq: record.seq,
        at,
        attempts: [],
      }
      facts.set(key, fact)
    }
    return fact
  }
  for (const record of observation.records) {
    const at = Date.parse(record.at)
    if (at > until) break
    if (record.kind === 'event') events.set(record.arrival, record.event)
    else if (record.kind === 'attempt') {
      const fact = factOf(record, at)
      fact.attempts.push({
        attempt: record.attempt,
        target: record.target,
        url: record.url,
        ...(record.status === undefined ? {} : {status: record.status}),
        ...(record.error === undefined ? {} : {error: record.error}),
        ...(record.nextDelayMs === undefined ? {} : {nextDelayMs: record.nextDelayMs}),
      })
      if (record.target === 'subscriber') Object.assign(fact, {subscriberUrl: record.url, seq: record.seq})
      if (record.target === 'dead-letter-sink') fact.deadLetterUrl = record.url
      if (fact.outcome === 'pending') fact.at = at
    } else if (record.kind === 'outcome') {
      const fact = factOf(record, at)
      Object.assign(fact, {outcome: record.outcome, at})
      if (fact.subscriberUrl === undefined) fact.seq = record.seq
      if (record.error !== undefined) fact.error = record.error
      if (record.replyArrival !== undefined) fact.reply = events.get(record.replyArrival) ?? fact.reply
    }
  }
  // a reply's event record comes after the outcome that names it
  for (const record of observation.records) {
    if (record.kind === 'outcome' && record.replyArrival !== undefined) {
      const fact = facts.get(`${record.arrival} ${record.trigger ?? ''} ${record.subscription ?? ''}`)
      if (fact && fact.reply === undefined) fact.reply = events.get(record.replyArrival)
    }
  }
  return [...facts.values()].sort((a, b) => Number(a.outcome === 'pending') - Number(b.outcome === 'pending') || a.seq - b.seq)
}

/** Whether a delivery's outcome is the kind asked for (`delivered` takes in `replied`, as Knative counts a reply a delivery). */
function outcomeFits(kind: Expectation['kind'], outcome: DeliveryFact['outcome']): boolean {
  switch (kind) {
    case 'delivered':
    case 'notDelivered':
      return outcome === 'delivered' || outcome === 'replied'
    case 'replied':
      return outcome === 'replied'
    case 'deadLettered':
      return outcome === 'dead-lettered'
    case 'failed':
      return outcome === 'failed'
  }
}

const OUTCOME_WORD: Record<Expectation['kind'], string> = {
  delivered: 'delivered',
  replied: 'replied',
  deadLettered: 'dead-lettered',
  failed: 'failed',
  notDelivered: 'delivered',
}

/** `name` matches `namespace/name` keys; `namespace/name` only itself. */
export function keyMatches(wanted: string, key: string | undefined): boolean {
  if (key === undefined) return false
  return wanted.includes('/') ? key === wanted : key.slice(key.indexOf('/') + 1) === wanted
}

/** A subscriber by name (a stand-in's or Service's) or by URL (the URL given, or one below it). */
function subscriberMatches(wanted: string, url: string | undefined, nameOf: FlowObservation['nameOf']): boolean {
  if (url === undefined) return false
  if (nameOf?.(url) === wanted) return true
  const bare = wanted.replace(/\/+$/, '')
  return url === wanted || url === bare || url.startsWith(`${bare}/`)
}

function subscriberName(url: string | undefined, nameOf: FlowObservation['nameOf']): string {
  if (url === undefined) return '(none)'
  if (url === '') return '(not resolved)'
  return nameOf?.(url) ?? url
}

/** The event's data as the subset check sees it: parsed JSON when it is JSON, else its text. */
export function dataValue(event: CloudEvent): unknown {
  if (event.data === undefined) return undefined
  const text = Buffer.from(event.data).toString('utf8')
  if (event.datacontenttype === undefined || isJsonMediaType(event.datacontenttype)) {
    try {
      return JSON.parse(text)
    } catch {
      return text
    }
  }
  return text
}

/**
 * Where `actual` differs from the subset `expected` (toMatchObject): a mapping's keys are checked and others
 * ignored, a list must have the same length and each item match, anything else must be equal.
 */
export function subsetDifferences(expected: unknown, actual: unknown, path = 'data'): Difference[] {
  if (typeof expected === 'object' && expected !== null && !Array.isArray(expected)) {
    if (typeof actual !== 'object' || actual === null || Array.isArray(actual))
      return [{field: path, want: show(expected), saw: show(actual)}]
    return Object.entries(expected).flatMap(([key, value]) => {
      const field = `${path}.${key}`
      if (!(key in actual)) return [{field, want: show(value), saw: '(absent)'}]
      return subsetDifferences(value, (actual as Record<string, unknown>)[key], field)
    })
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual) || actual.length !== expected.length) return [{field: path, want: show(expected), saw: show(actual)}]
    return expected.flatMap((value, i) => subsetDifferences(value, actual[i], `${path}[${i}]`))
  }
  // a number given in the file matches the same number sent as text, as a YAML author would expect of an id
  if (
    expected === actual ||
    (typeof actual === 'string' && (typeof expected === 'number' || typeof expected === 'boolean') && String(expected) === actual)
  )
    return []
  return [{field: path, want: show(expected), saw: show(actual)}]
}

function show(value: unknown): string {
  if (value === undefined) return '(absent)'
  const text = JSON.stringify(value)
  return text.length > 120 ? `${text.slice(0, 117)}...` : text
}

const ATTRIBUTES = ['type', 'source', 'id', 'subject', 'dataschema', 'datacontenttype'] as const

/** Where an event differs from the attributes (exactly) and data (as a subset) asked for. */
export function eventDifferences(match: EventMatch, event: CloudEvent | undefined): Difference[] {
  const differences: Difference[] = []
  for (const name of ATTRIBUTES) {
    const wanted = match[name]
    if (wanted === undefined) continue
    const seen = event === undefined ? undefined : attributeValue(event, name)
    if (seen === undefined || String(seen) !== wanted)
      differences.push({field: name, want: wanted, saw: seen === undefined ? '(absent)' : String(seen)})
  }
  for (const [name, wanted] of Object.entries(match.extensions ?? {})) {
    const seen = event === undefined ? undefined : attributeValue(event, name)
    if (seen === undefined || String(seen) !== wanted)
      differences.push({field: `extensions.${name}`, want: wanted, saw: seen === undefined ? '(absent)' : String(seen)})
  }
  if (match.data !== undefined) {
    if (event === undefined) differences.push({field: 'data', want: show(match.data), saw: '(the history no longer keeps the event)'})
    else differences.push(...subsetDifferences(match.data, dataValue(event)))
  }
  return differences
}

/** Where a delivery differs from an expectation; none when it meets it. */
export function deliveryDifferences(expectation: Expectation, fact: DeliveryFact, nameOf?: FlowObservation['nameOf']): Difference[] {
  const differences: Difference[] = []
  if (!outcomeFits(expectation.kind, fact.outcome))
    differences.push({
      field: 'outcome',
      want: expectation.kind === 'replied' ? 'replied' : OUTCOME_WORD[expectation.kind],
      saw: fact.outcome,
    })
  if (expectation.to !== undefined && !subscriberMatches(expectation.to, fact.subscriberUrl, nameOf))
    differences.push({field: 'to', want: expectation.to, saw: subscriberName(fact.subscriberUrl, nameOf)})
  if (expectation.deadLetterSink !== undefined && !subscriberMatches(expectation.deadLetterSink, fact.deadLetterUrl, nameOf))
    differences.push({field: 'deadLetterSink', want: expectation.deadLetterSink, saw: subscriberName(fact.deadLetterUrl, nameOf)})
  const keys = [
    ['trigger', fact.trigger],
    ['subscription', fact.subscription],
    ['broker', fact.broker],
    ['channel', fact.channel],
  ] as const
  for (const [field, key] of keys) {
    const wanted = expectation[field]
    if (wanted !== undefined && !keyMatches(wanted, key)) differences.push({field, want: wanted, saw: key ?? '(none)'})
  }
  // a reply's expectation is about the reply: its type, source and data
  if (expectation.kind !== 'replied') differences.push(...eventDifferences(expectation, fact.event))
  else if (fact.reply === undefined) differences.push({field: 'reply', want: 'a reply', saw: 'none'})
  else differences.push(...eventDifferences(expectation, fact.reply).map((d) => ({...d, field: `reply.${d.field}`})))
  return differences
}

/** One line for an expectation, as a step's summary: `delivered to order-processor: com.example.order.created`. */
export function describeExpectation(e: Expectation): string {
  const who = [
    e.to === undefined ? '' : ` to ${e.to}`,
    e.trigger === undefined ? '' : ` by trigger ${e.trigger}`,
    e.subscription === undefined ? '' : ` by subscription ${e.subscription}`,
    e.broker === undefined ? '' : ` at broker ${e.broker}`,
    e.channel === undefined ? '' : ` at channel ${e.channel}`,
    e.deadLetterSink === undefined ? '' : ` to dead-letter sink ${e.deadLetterSink}`,
  ].join('')
  const what = [
    e.type ?? '',
    ...ATTRIBUTES.filter((a) => a !== 'type' && e[a] !== undefined).map((a) => `${a}=${e[a]}`),
    ...Object.entries(e.extensions ?? {}).map(([k, v]) => `${k}=${v}`),
    e.data === undefined ? '' : `data ${show(e.data)}`,
  ].filter((part) => part !== '')
  const head = e.kind === 'notDelivered' ? 'not delivered' : e.kind === 'replied' ? 'replied' : OUTCOME_WORD[e.kind]
  const count = e.count === undefined ? '' : ` ×${e.count}`
  return `${head}${who}${what.length ? `: ${e.kind === 'replied' ? 'reply ' : ''}${what.join(' ')}` : ''}${count}`
}

export interface CheckOptions {
  /** Only deliveries that ended after this sequence number count (inOrder). */
  afterSeq?: number
}

/** Checks one expectation against what the mesh did. */
export function checkExpectation(expectation: Expectation, observation: FlowObservation, options: CheckOptions = {}): CheckResult {
  const facts = deliveryFacts(observation)
  return checkFacts(expectation, facts, observation, options)
}

/**
 * Checks expectations together: each on its own, or (`inOrder`) each met by deliveries that ended after the
 * ones that met the expectation before it. Returns the first miss, or a pass with every match.
 */
export function checkExpectations(expectations: readonly Expectation[], observation: FlowObservation, inOrder = false): CheckResult {
  const facts = deliveryFacts(observation)
  const matched: DeliveryFact[] = []
  let afterSeq: number | undefined
  for (const [i, expectation] of expectations.entries()) {
    const result = checkFacts(expectation, facts, observation, {afterSeq})
    if (!result.pass) {
      if (inOrder && i > 0 && afterSeq !== undefined) {
        const anyOrder = checkFacts(expectation, facts, observation, {})
        if (anyOrder.pass) {
          return {
            ...result,
            message: `expected in order: ${describeExpectation(expectation)} after ${describeExpectation(expectations[i - 1]!)}, but it happened before`,
            details: anyOrder.matched.map((f) => `  ${describeFact(f, observation.nameOf)}`),
          }
        }
      }
      return result
    }
    matched.push(...result.matched)
    if (inOrder && result.matched.length > 0) afterSeq = result.matched[result.matched.length - 1]!.seq
  }
  return {pass: true, message: expectations.map(describeExpectation).join('; '), details: [], matched}
}

function checkFacts(
  expectation: Expectation,
  all: readonly DeliveryFact[],
  observation: FlowObservation,
  options: CheckOptions,
): CheckResult {
  const facts = options.afterSeq === undefined ? all : all.filter((f) => f.seq > options.afterSeq!)
  const {nameOf} = observation
  const matching = facts.filter((f) => deliveryDifferences(expectation, f, nameOf).length === 0)
  const described = describeExpectation(expectation)
  const wanted = expectation.kind === 'notDelivered' ? 0 : expectation.count
  const pass = wanted === undefined ? matching.length > 0 : matching.length === wanted
  // with a count, only as many as wanted are the match (inOrder goes on after the last of them)
  const matched = wanted === undefined ? matching : matching.slice(0, wanted)
  if (pass) return {pass, message: described, details: [], matched}
  const message =
    expectation.kind === 'notDelivered'
      ? `expected ${described}, but the mesh delivered ${plural(matching.length, 'such event')}`
      : wanted === undefined
        ? `expected ${described}, but the mesh made no such delivery`
        : `expected ${described}, but the mesh made ${matching.length} such ${matching.length === 1 ? 'delivery' : 'deliveries'}`
  const details = expectation.kind === 'notDelivered' ? offending(matching, observation) : explainMiss(expectation, facts, observation)
  return {pass, message, details, matched}
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`
}

function offending(matching: readonly DeliveryFact[], observation: FlowObservation): string[] {
  return [
    'what the mesh did:',
    ...[...new Set(matching.map((f) => f.arrival))].slice(0, MAX_PATHS).flatMap((a) => arrivalPath(a, observation)),
  ]
}

/** The paths of the events the expectation is about, then the deliveries nearest to what it asked for. */
function explainMiss(expectation: Expectation, facts: readonly DeliveryFact[], observation: FlowObservation): string[] {
  const {nameOf} = observation
  const arrivals = relatedArrivals(expectation, observation)
  const lines: string[] = []
  if (arrivals.length === 0) {
    // none has the attributes: the events sent in from outside show where things went instead
    const until = observation.until ?? Number.POSITIVE_INFINITY
    const sent = observation.records.filter(
      (r) => r.kind === 'event' && r.via === 'ingress' && r.from === undefined && r.redelivers === undefined && Date.parse(r.at) <= until,
    )
    lines.push(
      sent.length === 0
        ? 'what the mesh did: no event arrived'
        : 'no event arrived that has the attributes asked for; what the mesh did with the events sent:',
    )
    for (const record of sent.slice(0, MAX_PATHS)) if (record.kind === 'event') lines.push(...arrivalPath(record.arrival, observation))
  } else {
    lines.push(
      arrivals.length === 1
        ? 'what the mesh did with the event:'
        : `what the mesh did with the ${arrivals.length} events that have the attributes asked for:`,
    )
    for (const arrival of arrivals.slice(0, MAX_PATHS)) lines.push(...arrivalPath(arrival, observation))
    if (arrivals.length > MAX_PATHS) lines.push(`  … and ${arrivals.length - MAX_PATHS} more`)
  }
  const candidates = facts
    .map((fact) => ({fact, differences: deliveryDifferences(expectation, fact, nameOf)}))
    .filter((c) => c.differences.length > 0)
    .sort((a, b) => a.differences.length - b.differences.length || a.fact.seq - b.fact.seq)
    .slice(0, MAX_CANDIDATES)
  if (candidates.length > 0) {
    lines.push('nearest candidates:')
    for (const {fact, differences} of candidates) {
      lines.push(`  ${describeFact(fact, nameOf)}`)
      for (const d of differences) lines.push(`    ${d.field}: want ${d.want}, saw ${d.saw}`)
    }
  } else lines.push('nearest candidates: none (the mesh made no delivery at all)')
  return lines
}

/** Arrivals whose event has the attributes the expectation names (its data aside); every arrival when it names none. */
function relatedArrivals(expectation: Expectation, observation: FlowObservation): number[] {
  const until = observation.until ?? Number.POSITIVE_INFINITY
  const attributes: EventMatch = expectation.kind === 'replied' ? {} : {...expectation, data: undefined}
  const out: number[] = []
  for (const record of observation.records) {
    if (Date.parse(record.at) > until) break
    if (record.kind !== 'event') continue
    if (eventDifferences(attributes, record.event).length === 0) out.push(record.arrival)
  }
  // the events sent from outside come first: a flow's inner hops follow from them
  return out
}

/** One line for a delivery: `dead-lettered to payments (trigger default/vip, arrival 1, com.example.order.created, 11 attempts)`. */
function describeFact(fact: DeliveryFact, nameOf: FlowObservation['nameOf']): string {
  const by = fact.trigger !== undefined ? `trigger ${fact.trigger}` : `subscription ${fact.subscription}`
  const attempts = fact.attempts.filter((a) => a.target === 'subscriber').length
  const type = fact.event?.type ?? ''
  return `${fact.outcome} to ${subscriberName(fact.subscriberUrl, nameOf)} (${by}, arrival ${fact.arrival}${type ? `, ${type}` : ''}, ${plural(attempts, 'attempt')})`
}

/** The path of one arrival: where it arrived, each trigger's decision, each delivery's attempts and outcome. */
export function arrivalPath(arrival: number, observation: FlowObservation): string[] {
  const until = observation.until ?? Number.POSITIVE_INFINITY
  const records = observation.records.filter((r) => 'arrival' in r && r.arrival === arrival && Date.parse(r.at) <= until)
  const lines: string[] = []
  const start = records.find((r) => r.kind === 'event')
  if (start?.kind === 'event') {
    const where = start.broker !== undefined ? `broker ${start.broker}` : `channel ${start.channel}`
    const origin = start.via === 'reply' ? ' (a reply)' : start.from ? ` (from ${start.from.trigger ?? start.from.subscription})` : ''
    const data = start.event.data === undefined ? '' : ` data ${show(dataValue(start.event))}`
    lines.push(`  arrival ${arrival}: ${start.type} id=${start.id} at ${where}${origin}${data}`)
    if (start.matched !== undefined && start.matched.length === 0 && (start.notMatched ?? []).length === 0)
      lines.push(`    broker ${start.broker} has no triggers: the event went nowhere`)
    lines.push(...(observation.explain?.(arrival) ?? []))
  }
  for (const record of records) {
    if (record.kind === 'attempt') {
      const result =
        record.url === '' ? 'not Ready' : record.status !== undefined ? `HTTP ${record.status}` : (record.error ?? 'no response')
      const target = record.target === 'subscriber' ? '' : ` (${record.target})`
      const next = record.nextDelayMs === undefined ? '' : `, retry in ${record.nextDelayMs} ms`
      const who = record.trigger ?? record.subscription
      if (lines.filter((l) => l.includes(`→ ${who}`)).length < MAX_ATTEMPT_LINES)
        lines.push(`    → ${who} → ${subscriberName(record.url, observation.nameOf)}${target} attempt ${record.attempt}: ${result}${next}`)
    } else if (record.kind === 'outcome') {
      const why = record.error === undefined ? '' : `: ${record.error}`
      lines.push(`    ${record.trigger ?? record.subscription}: ${record.outcome}${why}`)
    }
  }
  if (!records.some((r) => r.kind === 'settled') && records.some((r) => r.kind === 'event'))
    lines.push('    (not settled yet: deliveries still under way)')
  return lines
}
