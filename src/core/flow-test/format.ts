// The event-flow test file (`*.kne.yaml`, docs/flow-tests.md): one test per YAML document, read and checked
// whole before anything runs, every problem located by document, step and field.
import {RESERVED_NAMES} from '../cloudevent.js'
import {parseHumanDuration, parseIsoDuration} from '../delivery/duration.js'
import {nearestNames} from '../registry/patterns.js'
import {parseYamlDocuments} from '../resources/yaml.js'
import {parseSnapshotStep, type SnapshotStep} from '../routing-snapshot.js'
import {checkSinkBehaviour, type SinkBehaviour} from '../sink-behaviour.js'

/** The outcomes an expectation can ask for, as the file spells them. */
export const EXPECTATION_KINDS = ['delivered', 'replied', 'deadLettered', 'failed', 'notDelivered'] as const
export type ExpectationKind = (typeof EXPECTATION_KINDS)[number]

/** Attributes and data an event must have: attributes exactly, data as a subset (toMatchObject). */
export interface EventMatch {
  type?: string
  source?: string
  id?: string
  subject?: string
  dataschema?: string
  datacontenttype?: string
  extensions?: Record<string, string>
  /** A subset of the JSON data (objects partially, arrays element by element), or the exact text. */
  data?: unknown
}

/**
 * One expected outcome of deliveries: which deliveries count (by subscriber, trigger or subscription, where
 * the event arrived, and the event's attributes and data) and how many of them there must be.
 */
export interface Expectation extends EventMatch {
  kind: ExpectationKind
  /** The subscriber delivered to: a stand-in's or a Service's name, or a URL. */
  to?: string
  /** `name` or `namespace/name`. */
  trigger?: string
  subscription?: string
  /** Where the event arrived: `name` or `namespace/name`. */
  broker?: string
  channel?: string
  /** deadLettered only: the dead-letter sink that took the event, by name or URL. */
  deadLetterSink?: string
  /** Exactly this many; without it at least one (notDelivered: none). */
  count?: number
}

export interface SendStep {
  kind: 'send'
  /** Where the event goes, in kne send's `--to` grammar: `broker:NAME`, `channel:NAME`, `sequence:NAME`, `parallel:NAME` or a URL. */
  to: string
  type: string
  source: string
  id?: string
  subject?: string
  dataschema?: string
  datacontenttype?: string
  /** The data as text: JSON for a mapping, a list, a number or a boolean. */
  data?: string
  extensions: Record<string, string>
}

export interface ExpectStep {
  kind: 'expect'
  expectations: Expectation[]
  /** Only what the mesh did within this long (mesh time) after the last send counts; without it, until the mesh is idle. */
  withinMs?: number
  /** The expectations are met by deliveries in the order they are listed. */
  inOrder: boolean
}

export interface WaitStep {
  kind: 'wait'
  /** Mesh time to let pass. */
  ms: number
}

/** A routing snapshot checked against the test's manifests (docs/flow-tests.md, Routing snapshots). */
export type {SnapshotStep} from '../routing-snapshot.js'

export type FlowStep = SendStep | ExpectStep | WaitStep | SnapshotStep

/** A stand-in subscriber: kne sink's behaviour (src/core/sink-behaviour.ts). */
export type StandIn = SinkBehaviour

export interface FlowTest {
  name: string
  /** 1-based YAML document of the file. */
  document: number
  /** Manifest files and folders as written (relative to the test file); undefined: the project's. */
  manifests?: string[]
  /** Stand-ins by Service name (`name` or `namespace/name`) or URL, in file order. */
  subscribers: Record<string, StandIn>
  steps: FlowStep[]
}

/** A problem with a test file: where (document, step, field) and what. */
export interface FlowTestProblem {
  file: string
  /** 1-based YAML document. */
  document: number
  /** The test's name, when the document has one. */
  name?: string
  /** 1-based step, when the problem is in one. */
  step?: number
  /** `steps[2].expect.delivered.to`, as the file nests it. */
  field?: string
  message: string
}

export interface FlowTestFile {
  file: string
  tests: FlowTest[]
  problems: FlowTestProblem[]
}

const TEST_FIELDS = ['name', 'manifests', 'subscribers', 'steps']
const STEP_FIELDS = ['send', 'expect', 'wait', 'snapshot']
const SEND_FIELDS = ['broker', 'channel', 'to', 'type', 'source', 'id', 'subject', 'dataschema', 'datacontenttype', 'data', 'extensions']
const EXPECT_FIELDS = [...EXPECTATION_KINDS, 'within', 'inOrder']
const MATCH_FIELDS = ['type', 'source', 'id', 'subject', 'dataschema', 'datacontenttype', 'extensions', 'data']
const EXPECTATION_FIELDS: Record<ExpectationKind, readonly string[]> = {
  delivered: ['to', 'trigger', 'subscription', 'broker', 'channel', 'count', ...MATCH_FIELDS],
  replied: ['to', 'trigger', 'subscription', 'broker', 'channel', 'count', ...MATCH_FIELDS],
  deadLettered: ['to', 'trigger', 'subscription', 'broker', 'channel', 'deadLetterSink', 'count', ...MATCH_FIELDS],
  failed: ['to', 'trigger', 'subscription', 'broker', 'channel', 'count', ...MATCH_FIELDS],
  notDelivered: ['to', 'trigger', 'subscription', 'broker', 'channel', ...MATCH_FIELDS],
}
const STAND_IN_FIELDS = ['status', 'failFirst', 'failRate', 'seed', 'delay', 'retryAfter', 'reply']
const REPLY_FIELDS = ['type', 'source', 'data']
/** kne sink's flags as checkSinkBehaviour names them, and the test file's field for each. */
const SINK_FLAG_FIELDS: [string, string][] = [
  ['--fail-first', 'failFirst'],
  ['--fail-rate', 'failRate'],
  ['--reply-type', 'reply.type'],
  ['--status', 'status'],
  ['--delay', 'delay'],
]

/** The default source of a sent event. */
export const DEFAULT_SEND_SOURCE = '/kne-test'

type Fail = (field: string, message: string, step?: number) => void

/** Reads every test of a file; `problems` lists what is wrong with it, and a file with any should not run. */
export function parseFlowTests(text: string, file: string): FlowTestFile {
  const tests: FlowTest[] = []
  const problems: FlowTestProblem[] = []
  const documents = parseYamlDocuments(text)
  documents.forEach((doc, index) => {
    const document = index + 1
    const name = doc.ok && isMapping(doc.value) && typeof doc.value.name === 'string' ? doc.value.name : undefined
    const fail: Fail = (field, message, step) =>
      problems.push({
        file,
        document,
        ...(name === undefined ? {} : {name}),
        ...(step === undefined ? {} : {step}),
        ...(field === '' ? {} : {field}),
        message,
      })
    if (!doc.ok) return fail('', doc.message)
    // an empty document (a trailing ---) holds no test
    if (doc.value === null || doc.value === undefined) return
    const test = readTest(doc.value, document, fail)
    if (test) tests.push(test)
  })
  if (tests.length === 0 && problems.length === 0)
    problems.push({file, document: 1, message: 'no test in the file: expected name and steps'})
  const names = new Map<string, number>()
  for (const test of tests) {
    const earlier = names.get(test.name)
    if (earlier !== undefined)
      problems.push({file, document: test.document, field: 'name', message: `"${test.name}" is the name of document ${earlier} too`})
    else names.set(test.name, test.document)
  }
  return {file, tests, problems}
}

/** One line for a problem: `file (document 2), step 3, steps[2].expect.delivered.to: message`. */
export function describeProblem(problem: FlowTestProblem, documents = 1): string {
  const where = [
    documents > 1 || problem.document > 1 ? `${problem.file} (document ${problem.document})` : problem.file,
    ...(problem.step === undefined ? [] : [`step ${problem.step}`]),
    ...(problem.field === undefined ? [] : [problem.field]),
  ]
  return `${where.join(', ')}: ${problem.message}`
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function unknownFields(value: Record<string, unknown>, known: readonly string[], at: string, fail: Fail, step?: number): void {
  for (const key of Object.keys(value)) {
    if (known.includes(key)) continue
    const [nearest] = nearestNames(key, known, 1)
    fail(join(at, key), `unknown field${nearest ? ` (did you mean ${nearest}?)` : ''}: expected ${known.join(', ')}`, step)
  }
}

function join(at: string, key: string | number): string {
  if (typeof key === 'number') return `${at}[${key}]`
  return at === '' ? key : `${at}.${key}`
}

function readTest(value: unknown, document: number, fail: Fail): FlowTest | undefined {
  if (!isMapping(value)) {
    fail('', 'a test must be a mapping with name and steps')
    return undefined
  }
  unknownFields(value, TEST_FIELDS, '', fail)
  let name = `test ${document}`
  if (value.name === undefined) fail('name', 'missing: every test has a name')
  else if (typeof value.name !== 'string' || value.name.trim() === '') fail('name', 'must be a non-empty string')
  else name = value.name
  const manifests = readManifests(value.manifests, fail)
  const subscribers = readSubscribers(value.subscribers, fail)
  const steps: FlowStep[] = []
  if (value.steps === undefined) fail('steps', 'missing: a test needs at least one step')
  else if (!Array.isArray(value.steps) || value.steps.length === 0) fail('steps', 'must be a list of steps (send, expect, wait)')
  else
    value.steps.forEach((raw, i) => {
      const step = readStep(raw, i, fail)
      if (step) steps.push(step)
    })
  return {name, document, ...(manifests === undefined ? {} : {manifests}), subscribers, steps}
}

function readManifests(value: unknown, fail: Fail): string[] | undefined {
  if (value === undefined) return undefined
  const list = typeof value === 'string' ? [value] : value
  if (!Array.isArray(list) || list.length === 0 || !list.every((p) => typeof p === 'string' && p !== '')) {
    fail('manifests', 'must be a path or a list of paths (files or folders, relative to the test file)')
    return undefined
  }
  return list as string[]
}

function readSubscribers(value: unknown, fail: Fail): Record<string, StandIn> {
  const subscribers: Record<string, StandIn> = {}
  if (value === undefined || value === null) return subscribers
  if (!isMapping(value)) {
    fail('subscribers', 'must map Service names or URLs to stand-in behaviours, such as {order-processor: {status: 200}}')
    return subscribers
  }
  for (const [name, raw] of Object.entries(value)) {
    const at = `subscribers.${name}`
    const behaviour = readStandIn(raw ?? {}, at, fail)
    if (behaviour) subscribers[name] = behaviour
  }
  return subscribers
}

function readStandIn(raw: unknown, at: string, fail: Fail): StandIn | undefined {
  if (!isMapping(raw)) {
    fail(at, `must be a mapping of ${STAND_IN_FIELDS.join(', ')} ({} accepts everything)`)
    return undefined
  }
  unknownFields(raw, STAND_IN_FIELDS, at, fail)
  const behaviour: StandIn = {}
  const numbers = ['status', 'failFirst', 'failRate', 'seed'] as const
  for (const key of numbers) {
    if (raw[key] === undefined) continue
    if (typeof raw[key] !== 'number') fail(join(at, key), `must be a number, got ${JSON.stringify(raw[key])}`)
    else behaviour[key] = raw[key]
  }
  if (raw.delay !== undefined) {
    const ms = readDuration(raw.delay)
    if (ms === undefined) fail(join(at, 'delay'), `must be a duration such as 2s, 500ms or PT2S, got ${JSON.stringify(raw.delay)}`)
    else behaviour.delayMs = ms
  }
  if (raw.retryAfter !== undefined) {
    if (typeof raw.retryAfter === 'number' || typeof raw.retryAfter === 'string') behaviour.retryAfter = String(raw.retryAfter)
    else fail(join(at, 'retryAfter'), 'must be delay-seconds or an HTTP-date')
  }
  if (raw.reply !== undefined) {
    const reply = raw.reply
    if (!isMapping(reply) || typeof reply.type !== 'string') {
      fail(join(at, 'reply'), 'must be a mapping with the reply event’s type, and optionally source and data')
    } else {
      unknownFields(reply, REPLY_FIELDS, join(at, 'reply'), fail)
      behaviour.reply = {
        type: reply.type,
        ...(typeof reply.source === 'string' ? {source: reply.source} : {}),
        ...(reply.data === undefined ? {} : {data: dataText(reply.data)}),
      }
    }
  }
  const problem = checkSinkBehaviour(behaviour)
  if (problem) {
    // the message names kne sink's flags: say the file's fields instead
    const flag = SINK_FLAG_FIELDS.find(([f]) => problem.startsWith(f))
    const message = SINK_FLAG_FIELDS.reduce(
      (text, [f, name]) => text.replaceAll(f, name),
      flag ? problem.slice(flag[0].length).replace(/^( \S*)?: /, '') : problem,
    )
    fail(flag ? join(at, flag[1]) : at, message)
    return undefined
  }
  return behaviour
}

/** A duration as a test file writes it: `2s`, `500ms`, `PT2S`, or a number of milliseconds. */
export function readDuration(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value : undefined
  if (typeof value !== 'string') return undefined
  return parseHumanDuration(value) ?? parseIsoDuration(value)
}

/** Data as the event carries it: a string as is, anything else as JSON. */
export function dataText(data: unknown): string {
  return typeof data === 'string' ? data : JSON.stringify(data)
}

function readStep(raw: unknown, index: number, fail: Fail): FlowStep | undefined {
  const step = index + 1
  const at = `steps[${index}]`
  if (!isMapping(raw)) {
    fail(at, 'a step is a mapping with one of send, expect, wait or snapshot', step)
    return undefined
  }
  unknownFields(raw, STEP_FIELDS, at, fail, step)
  const kinds = STEP_FIELDS.filter((k) => raw[k] !== undefined)
  if (kinds.length !== 1) {
    fail(
      at,
      kinds.length === 0 ? 'a step needs one of send, expect, wait or snapshot' : `a step has one of ${kinds.join(', ')}, not several`,
      step,
    )
    return undefined
  }
  if (raw.send !== undefined) return readSend(raw.send, `${at}.send`, step, fail)
  if (raw.expect !== undefined) return readExpect(raw.expect, `${at}.expect`, step, fail)
  if (raw.snapshot !== undefined) {
    const snapshot = parseSnapshotStep(raw.snapshot, `${at}.snapshot`)
    if ('error' in snapshot) fail(snapshot.error.field, snapshot.error.message, step)
    return 'error' in snapshot ? undefined : snapshot
  }
  const ms = readDuration(raw.wait)
  if (ms === undefined) {
    fail(`${at}.wait`, `must be a duration such as 5s or PT5S, got ${JSON.stringify(raw.wait)}`, step)
    return undefined
  }
  return {kind: 'wait', ms}
}

function readSend(raw: unknown, at: string, step: number, fail: Fail): SendStep | undefined {
  if (!isMapping(raw)) {
    fail(at, 'must be a mapping: {broker: default, type: com.example.x, data: {...}}', step)
    return undefined
  }
  unknownFields(raw, SEND_FIELDS, at, fail, step)
  let ok = true
  const bad = (field: string, message: string): void => {
    ok = false
    fail(join(at, field), message, step)
  }
  const targets = (['broker', 'channel', 'to'] as const).filter((k) => raw[k] !== undefined)
  if (targets.length > 1) bad(targets[1]!, `give one of broker, channel or to, not ${targets.join(' and ')}`)
  for (const key of targets) if (typeof raw[key] !== 'string' || raw[key] === '') bad(key, 'must be a name')
  const name = (key: 'broker' | 'channel' | 'to'): string => (typeof raw[key] === 'string' ? raw[key] : '')
  const to =
    raw.to !== undefined ? name('to') : raw.channel !== undefined ? `channel:${name('channel')}` : `broker:${name('broker') || 'default'}`
  if (typeof raw.type !== 'string' || raw.type === '')
    bad('type', raw.type === undefined ? 'missing: the event needs a type' : 'must be a non-empty string')
  const strings = ['source', 'id', 'subject', 'dataschema', 'datacontenttype'] as const
  for (const key of strings)
    if (raw[key] !== undefined && (typeof raw[key] !== 'string' || raw[key] === '')) bad(key, 'must be a non-empty string')
  const extensions = readExtensions(raw.extensions, join(at, 'extensions'), (field, message) => bad(field.slice(at.length + 1), message))
  if (!ok) return undefined
  return {
    kind: 'send',
    to,
    type: raw.type as string,
    source: (raw.source as string | undefined) ?? DEFAULT_SEND_SOURCE,
    ...(raw.id === undefined ? {} : {id: raw.id as string}),
    ...(raw.subject === undefined ? {} : {subject: raw.subject as string}),
    ...(raw.dataschema === undefined ? {} : {dataschema: raw.dataschema as string}),
    ...(raw.datacontenttype === undefined ? {} : {datacontenttype: raw.datacontenttype as string}),
    ...(raw.data === undefined ? {} : {data: dataText(raw.data)}),
    extensions: extensions ?? {},
  }
}

function readExtensions(raw: unknown, at: string, fail: (field: string, message: string) => void): Record<string, string> | undefined {
  if (raw === undefined) return undefined
  if (!isMapping(raw)) {
    fail(at, 'must map extension names to values')
    return undefined
  }
  const out: Record<string, string> = {}
  for (const [name, value] of Object.entries(raw)) {
    if (RESERVED_NAMES.has(name)) fail(join(at, name), `${name} is a CloudEvents attribute: give it as a field of its own`)
    else if (!/^[a-z0-9]+$/.test(name)) fail(join(at, name), 'an extension name has only lowercase letters and digits')
    else if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') out[name] = String(value)
    else fail(join(at, name), 'must be a string, a number or a boolean')
  }
  return out
}

function readExpect(raw: unknown, at: string, step: number, fail: Fail): ExpectStep | undefined {
  if (!isMapping(raw)) {
    fail(at, `must be a mapping with one or more of ${EXPECTATION_KINDS.join(', ')}`, step)
    return undefined
  }
  unknownFields(raw, EXPECT_FIELDS, at, fail, step)
  let ok = true
  const expectations: Expectation[] = []
  const kinds = Object.keys(raw).filter((k): k is ExpectationKind => (EXPECTATION_KINDS as readonly string[]).includes(k))
  if (kinds.length === 0) {
    ok = false
    fail(at, `needs one or more of ${EXPECTATION_KINDS.join(', ')}`, step)
  }
  for (const kind of kinds) {
    const value = raw[kind]
    const list = Array.isArray(value) ? value : [value]
    if (list.length === 0) {
      ok = false
      fail(join(at, kind), 'must not be an empty list', step)
    }
    list.forEach((item, i) => {
      const field = Array.isArray(value) ? join(join(at, kind), i) : join(at, kind)
      const expectation = readExpectation(kind, item ?? {}, field, step, fail)
      if (expectation) expectations.push(expectation)
      else ok = false
    })
  }
  let withinMs: number | undefined
  if (raw.within !== undefined) {
    withinMs = readDuration(raw.within)
    if (withinMs === undefined) {
      ok = false
      fail(join(at, 'within'), `must be a duration such as 2s, 500ms or PT2S, got ${JSON.stringify(raw.within)}`, step)
    }
  }
  if (raw.inOrder !== undefined && typeof raw.inOrder !== 'boolean') {
    ok = false
    fail(join(at, 'inOrder'), 'must be true or false', step)
  }
  if (!ok) return undefined
  return {kind: 'expect', expectations, ...(withinMs === undefined ? {} : {withinMs}), inOrder: raw.inOrder === true}
}

function readExpectation(kind: ExpectationKind, raw: unknown, at: string, step: number, fail: Fail): Expectation | undefined {
  if (!isMapping(raw)) {
    fail(at, 'must be a mapping such as {to: order-processor, type: com.example.order.created}', step)
    return undefined
  }
  const known = EXPECTATION_FIELDS[kind]
  let ok = true
  for (const key of Object.keys(raw)) {
    if (known.includes(key)) continue
    ok = false
    const [nearest] = nearestNames(key, known, 1)
    const note = key === 'count' && kind === 'notDelivered' ? ': notDelivered means none' : ''
    fail(
      join(at, key),
      `unknown field${nearest && !note ? ` (did you mean ${nearest}?)` : ''}${note || `: expected ${known.join(', ')}`}`,
      step,
    )
  }
  const expectation: Expectation = {kind}
  const strings = [
    'to',
    'trigger',
    'subscription',
    'broker',
    'channel',
    'deadLetterSink',
    'type',
    'source',
    'id',
    'subject',
    'dataschema',
    'datacontenttype',
  ] as const
  for (const key of strings) {
    const value = raw[key]
    if (value === undefined || !known.includes(key)) continue
    if (typeof value !== 'string' || value === '') {
      ok = false
      fail(join(at, key), 'must be a non-empty string', step)
    } else expectation[key] = value
  }
  if (raw.count !== undefined && known.includes('count')) {
    if (!Number.isInteger(raw.count) || (raw.count as number) < 0) {
      ok = false
      fail(join(at, 'count'), `must be a whole number >= 0, got ${JSON.stringify(raw.count)}`, step)
    } else expectation.count = raw.count as number
  }
  const extensions = readExtensions(raw.extensions, join(at, 'extensions'), (field, message) => {
    ok = false
    fail(field, message, step)
  })
  if (extensions) expectation.extensions = extensions
  if (raw.data !== undefined) expectation.data = raw.data
  return ok ? expectation : undefined
}

/** Runs a reader on a value a test suite passes (kne/testing) and collects its problems as `field: message` lines. */
function readValue<T>(read: (fail: Fail) => T | undefined): {value?: T; problems: string[]} {
  const problems: string[] = []
  const value = read((field, message) => problems.push(field === '' ? message : `${field}: ${message}`))
  return problems.length > 0 || value === undefined ? {problems} : {value, problems}
}

/** A send step given as a value (`{broker, type, data, ...}`), read by the test file's rules; problems name `send.FIELD`. */
export function readSendValue(raw: unknown): {value?: SendStep; problems: string[]} {
  return readValue((fail) => readSend(raw, 'send', 1, fail))
}

/** An expect step given as a value (`{delivered: {...}, within: '2s'}`), read by the test file's rules; problems name `expect.KIND.FIELD`. */
export function readExpectValue(raw: unknown): {value?: ExpectStep; problems: string[]} {
  return readValue((fail) => readExpect(raw, 'expect', 1, fail))
}

/** Stand-in subscribers given as a value (`{payments: {failFirst: 2}}`), read by the test file's rules; problems name `subscribers.NAME.FIELD`. */
export function readStandInsValue(raw: unknown): {value?: Record<string, StandIn>; problems: string[]} {
  return readValue((fail) => readSubscribers(raw, fail))
}
