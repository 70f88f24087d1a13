// Matchers for expect.extend (vitest, jest): each waits for the mesh (idle on the virtual clock, or up to
// `within`), checks with the same functions as kne test (core/flow-test) and fails with the same message
// and explanation lines: what was expected, each related event's path, the nearest candidates.
import {KneError} from '../core/errors.js'
import {checkExpectations, describeExpectation} from '../core/flow-test/check.js'
import {readDuration, readExpectValue, type Expectation, type ExpectationKind} from '../core/flow-test/format.js'
import {checkRouting, type RoutedEvent} from '../core/flow-test/routed.js'
import {KneTestMesh, registerAfterEach, setDefaultHooks, type TestHooks} from './use-mesh.js'

/** What a matcher takes: a kne test expectation's fields (core/flow-test/format.ts), and `within` (`2s`, `500ms`, `PT2S` or ms). */
export interface DeliveryExpectation extends Omit<Expectation, 'kind'> {
  /** Only what the mesh did within this long (mesh time) after the last send counts; without it, until the mesh is idle. */
  within?: string | number
}

/** toHaveRouted's second argument: the triggers every such event reached, no more and no fewer. */
export interface Routes {
  to: readonly string[]
  within?: string | number
}

/** The result expect.extend asks of a matcher. */
export interface MatcherResult {
  pass: boolean
  message: () => string
}

/** What vitest and jest give a matcher as `this`; only `isNot` is read. */
interface MatcherThis {
  isNot?: boolean
}

/** The outcome matchers' signatures (declared for vitest and jest by kne/testing/vitest and kne/testing/jest). */
export interface KneOutcomeMatchers<R = unknown> {
  /** The subscriber accepted the event (2xx), with or without a reply; `.not`: no such delivery. */
  toHaveDelivered(expected?: DeliveryExpectation): R
  /** The subscriber accepted the event and replied; attributes and data are the reply's. */
  toHaveReplied(expected?: DeliveryExpectation): R
  /** The attempts ran out and the dead-letter sink took the event. */
  toHaveDeadLettered(expected?: DeliveryExpectation): R
  /** The attempts ran out with no dead-letter sink (or it failed too). */
  toHaveFailed(expected?: DeliveryExpectation): R
}

/** A kne test `expect` step as a value: outcomes (each an expectation or a list), `within` and `inOrder`. */
export interface ExpectStepFields {
  delivered?: DeliveryFields | DeliveryFields[]
  replied?: DeliveryFields | DeliveryFields[]
  deadLettered?: DeliveryFields | DeliveryFields[]
  failed?: DeliveryFields | DeliveryFields[]
  notDelivered?: Omit<DeliveryFields, 'count' | 'deadLetterSink'> | Omit<DeliveryFields, 'count' | 'deadLetterSink'>[]
  within?: string | number
  inOrder?: boolean
}

/** An expectation's fields without `within` (a step has one for all). */
export type DeliveryFields = Omit<DeliveryExpectation, 'within'>

/** The routing matcher's and the expect-step matcher's signatures. */
export interface KneFlowMatchers<R = unknown> {
  /** Every event with these attributes that arrived at a broker reached exactly these triggers. */
  toHaveRouted(event: RoutedEvent, routes: Routes): R
  /** A kne test `expect` step, as written in a test file: several outcomes, `inOrder`, `within`. */
  toMeetExpectations(step: ExpectStepFields): R
}

/** Every kne matcher's signature. */
export interface KneMatchers<R = unknown> extends KneOutcomeMatchers<R>, KneFlowMatchers<R> {}

/** Matchers as `expect(value)` offers them: on the mesh useMesh returned (or an untyped value), never on anything else. */
export type OnMesh<Matchers, T, R> = {
  [K in keyof Matchers]: Matchers[K] extends (...args: infer A) => unknown ? (T extends KneTestMesh ? (...args: A) => R : never) : never
}

const MATCHER_KIND = {
  toHaveDelivered: 'delivered',
  toHaveReplied: 'replied',
  toHaveDeadLettered: 'deadLettered',
  toHaveFailed: 'failed',
} as const satisfies Record<string, Exclude<ExpectationKind, 'notDelivered'>>

function meshOf(received: unknown, matcher: string): KneTestMesh {
  if (received instanceof KneTestMesh) return received
  throw new KneError(`${matcher}: expect() takes the mesh useMesh returned, got ${describeValue(received)}`, 'INVALID_INPUT')
}

function describeValue(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? String(value)
  return value.constructor?.name ?? 'an object'
}

function withinOf(value: unknown, matcher: string): number | undefined {
  if (value === undefined) return undefined
  const ms = readDuration(value)
  if (ms === undefined)
    throw new KneError(`${matcher}: within: must be a duration such as 2s, 500ms or PT2S, got ${JSON.stringify(value)}`, 'INVALID_INPUT')
  return ms
}

function lines(message: string, details: readonly string[]): () => string {
  return () => [message, ...details].join('\n')
}

/**
 * One outcome matcher. `.not` asks that no delivery meets the expectation: for toHaveDelivered this is
 * kne test's notDelivered, for the others the same expectation with count 0; `.not` with a count asks for
 * any other number.
 */
async function outcomeMatcher(
  self: MatcherThis | undefined,
  matcher: keyof typeof MATCHER_KIND,
  received: unknown,
  expected: DeliveryExpectation = {},
): Promise<MatcherResult> {
  const mesh = meshOf(received, matcher)
  if (typeof expected !== 'object' || expected === null || Array.isArray(expected))
    throw new KneError(`${matcher}: takes one expectation such as {to: 'payments', type: 'com.example.x'}`, 'INVALID_INPUT')
  const {within, ...fields} = expected
  const kind = MATCHER_KIND[matcher]
  const negated = self?.isNot === true
  const none = negated && fields.count === undefined
  const asked = none && kind === 'delivered' ? 'notDelivered' : kind
  const read = readExpectValue({[asked]: none && kind !== 'delivered' ? {...fields, count: 0} : fields})
  if (read.value === undefined)
    throw new KneError(`${matcher}: ${read.problems.map((p) => p.replace(/^expect\.[A-Za-z]+\.?/, '')).join('; ')}`, 'INVALID_INPUT')
  const observation = await mesh.observe(withinOf(within, matcher))
  const result = checkExpectations(read.value.expectations, observation)
  // expect.extend inverts pass under .not: a "none" check that passes is a .not that holds
  if (none) return {pass: !result.pass, message: lines(result.message, result.details)}
  if (negated) {
    const described = describeExpectation(read.value.expectations[0]!)
    return {pass: result.pass, message: lines(`expected not ${described}, but the mesh made exactly ${fields.count}`, [])}
  }
  return {pass: result.pass, message: lines(result.message, result.details)}
}

async function routedMatcher(self: MatcherThis | undefined, received: unknown, event: RoutedEvent, routes: Routes): Promise<MatcherResult> {
  const mesh = meshOf(received, 'toHaveRouted')
  if (typeof event !== 'object' || event === null)
    throw new KneError("toHaveRouted: the first argument is the event's attributes, such as {type: 'com.example.x'}", 'INVALID_INPUT')
  if (typeof routes !== 'object' || routes === null || !Array.isArray(routes.to) || !routes.to.every((t) => typeof t === 'string'))
    throw new KneError(
      "toHaveRouted: the second argument names the triggers, such as {to: ['orders', 'vip']} ({to: []}: none)",
      'INVALID_INPUT',
    )
  const observation = await mesh.observe(withinOf(routes.within, 'toHaveRouted'))
  const result = checkRouting(event, routes.to, observation)
  const message = self?.isNot === true && result.pass ? `expected not ${result.message}, but every such event was` : result.message
  return {pass: result.pass, message: lines(message, result.details)}
}

async function stepMatcher(self: MatcherThis | undefined, received: unknown, fields: ExpectStepFields): Promise<MatcherResult> {
  const mesh = meshOf(received, 'toMeetExpectations')
  const read = readExpectValue(fields)
  if (read.value === undefined)
    throw new KneError(`toMeetExpectations: ${read.problems.map((p) => p.replace(/^expect\.?/, '')).join('; ')}`, 'INVALID_INPUT')
  const {expectations, withinMs, inOrder} = read.value
  const result = checkExpectations(expectations, await mesh.observe(withinMs), inOrder)
  const message = self?.isNot === true && result.pass ? `expected not ${result.message}, but the mesh did that` : result.message
  return {pass: result.pass, message: lines(message, result.details)}
}

/** The matchers, for `expect.extend(kneMatchers)` (vitest or jest); each is async: `await expect(mesh).toHaveDelivered({...})`. */
export const kneMatchers = {
  toHaveDelivered(this: MatcherThis | undefined, received: unknown, expected?: DeliveryExpectation) {
    return outcomeMatcher(this, 'toHaveDelivered', received, expected)
  },
  toHaveReplied(this: MatcherThis | undefined, received: unknown, expected?: DeliveryExpectation) {
    return outcomeMatcher(this, 'toHaveReplied', received, expected)
  },
  toHaveDeadLettered(this: MatcherThis | undefined, received: unknown, expected?: DeliveryExpectation) {
    return outcomeMatcher(this, 'toHaveDeadLettered', received, expected)
  },
  toHaveFailed(this: MatcherThis | undefined, received: unknown, expected?: DeliveryExpectation) {
    return outcomeMatcher(this, 'toHaveFailed', received, expected)
  },
  toHaveRouted(this: MatcherThis | undefined, received: unknown, event: RoutedEvent, routes: Routes) {
    return routedMatcher(this, received, event, routes)
  },
  toMeetExpectations(this: MatcherThis | undefined, received: unknown, step: ExpectStepFields) {
    return stepMatcher(this, received, step)
  },
}

/**
 * `setupKneMatchers(expect, hooks?)`: adds the matchers, and makes `hooks` useMesh's default: vitest's
 * `{onTestFinished}` when it runs without globals; `{afterEach}` registers the hook that closes each test's
 * meshes (call it before the tests run). With vitest's or jest's globals, `setupKneMatchers(expect)` is enough.
 */
export function setupKneMatchers(expect: {extend(matchers: typeof kneMatchers): void}, hooks: TestHooks = {}): void {
  expect.extend(kneMatchers)
  setDefaultHooks(hooks)
  if (hooks.afterEach !== undefined) registerAfterEach(hooks.afterEach)
}
