// The compiled filter tree: one node class per Knative filter kind. Every node evaluates with the
// precomputed data it was built with (attribute readers, compiled CESQL) and can explain itself; the
// combination rules of all / any / not exist once (runAll, runAny, runNot) and serve both.
import type {CloudEvent} from '../cloudevent.js'
import type {CesqlExpression} from '../cesql/index.js'
import {cesqlMatches} from '../cesql/index.js'
import type {AttributeReader} from './lookup.js'
import {goValueString, isCoreLookupName} from './lookup.js'
import type {AttributeCheck, FilterExplanationNode, FilterResult, SeenValue} from './types.js'

export interface FilterNode {
  /** Where the node sits in the Trigger, e.g. `spec.filters[0].exact`. */
  readonly path: string
  evaluate(event: CloudEvent): FilterResult
  explain(event: CloudEvent): FilterExplanationNode
}

/** An element Knative drops while materialising (empty, or a constructor error): it is not evaluated. */
export interface SkippedElement {
  readonly skipped: true
  readonly path: string
  readonly reason: string
}

export type MaterializedElement = FilterNode | SkippedElement

export function isSkipped(element: MaterializedElement): element is SkippedElement {
  return 'skipped' in element
}

function explainSkipped(element: SkippedElement): FilterExplanationNode {
  return {path: element.path, dialect: 'skipped', reason: element.reason, result: 'nofilter'}
}

// ---------------------------------------------------------------------------------------------------
// Combination rules (Knative's AllFilter, AnyFilter, NotFilter)

/** AllFilter: the first `fail` decides; otherwise the last child's result; no children is `nofilter`. */
export function runAll(count: number, resultAt: (index: number) => FilterResult): FilterResult {
  let result: FilterResult = 'nofilter'
  for (let i = 0; i < count; i++) {
    result = resultAt(i)
    if (result === 'fail') return 'fail'
  }
  return result
}

/** AnyFilter: the first `pass` decides; otherwise the last child's result; no children is `nofilter`. */
export function runAny(count: number, resultAt: (index: number) => FilterResult): FilterResult {
  let result: FilterResult = 'nofilter'
  for (let i = 0; i < count; i++) {
    result = resultAt(i)
    if (result === 'pass') return 'pass'
  }
  return result
}

/** NotFilter: flips pass and fail; `nofilter` (and an empty inner filter) stays `nofilter`. */
export function runNot(inner: FilterResult | undefined): FilterResult {
  if (inner === 'pass') return 'fail'
  if (inner === 'fail') return 'pass'
  return 'nofilter'
}

// ---------------------------------------------------------------------------------------------------
// Leaves

export interface AttributeEntry {
  readonly name: string
  readonly value: string
  readonly read: AttributeReader
}

function seen(value: string | number | boolean | undefined): SeenValue {
  return value === undefined ? null : value
}

function lookupNote(entry: AttributeEntry, event: CloudEvent, actual: SeenValue): string | undefined {
  if (actual === null) return 'extension not present on the event'
  if (entry.name === 'time' && event.time === undefined) return "time is unset; Knative reads it as Go's zero time"
  if (actual === '' && isCoreLookupName(entry.name)) return `${entry.name} is unset; Knative reads unset core attributes as ""`
  return undefined
}

/**
 * The legacy `spec.filter.attributes` exact match (eventfilter/attributes): every key must be found;
 * "" requires a non-empty string; otherwise the value must equal the filter string, and a non-string
 * extension value never equals a string.
 */
export class LegacyAttributesNode implements FilterNode {
  constructor(
    readonly path: string,
    readonly entries: readonly AttributeEntry[],
  ) {}

  static matches(expected: string, actual: string | number | boolean | undefined): boolean {
    if (actual === undefined) return false
    if (expected === '') return actual !== ''
    return actual === expected
  }

  evaluate(event: CloudEvent): FilterResult {
    for (const entry of this.entries) {
      if (!LegacyAttributesNode.matches(entry.value, entry.read(event))) return 'fail'
    }
    return 'pass'
  }

  explain(event: CloudEvent): FilterExplanationNode {
    const checks = this.entries.map((entry): AttributeCheck => {
      const raw = entry.read(event)
      const actual = seen(raw)
      const check: AttributeCheck = {
        name: entry.name,
        expected: entry.value,
        actual,
        matched: LegacyAttributesNode.matches(entry.value, raw),
      }
      let note = lookupNote(entry, event, actual)
      if (entry.value === '') note = note ? `${note}; "" requires a non-empty value` : '"" matches any non-empty value'
      else if (raw !== undefined && typeof raw !== 'string')
        note = 'a non-string extension value never equals a string in the legacy filter'
      if (note) check.note = note
      return check
    })
    return {path: this.path, dialect: 'attributes', result: checks.every((c) => c.matched) ? 'pass' : 'fail', checks}
  }
}

export type MatchDialect = 'exact' | 'prefix' | 'suffix'

const COMPARATORS: Record<MatchDialect, (actual: string, expected: string) => boolean> = {
  exact: (actual, expected) => actual === expected,
  prefix: (actual, expected) => actual.startsWith(expected),
  suffix: (actual, expected) => actual.endsWith(expected),
}

/**
 * SubscriptionsAPI `exact` / `prefix` / `suffix`: every key is ANDed; a missing extension fails;
 * non-string values are compared through Go's %v.
 */
export class MatchNode implements FilterNode {
  private readonly compare: (actual: string, expected: string) => boolean

  constructor(
    readonly dialect: MatchDialect,
    readonly path: string,
    readonly entries: readonly AttributeEntry[],
  ) {
    this.compare = COMPARATORS[dialect]
  }

  evaluate(event: CloudEvent): FilterResult {
    for (const entry of this.entries) {
      const value = entry.read(event)
      if (value === undefined) return 'fail'
      if (!this.compare(typeof value === 'string' ? value : goValueString(value), entry.value)) return 'fail'
    }
    return 'pass'
  }

  explain(event: CloudEvent): FilterExplanationNode {
    const checks = this.entries.map((entry): AttributeCheck => {
      const raw = entry.read(event)
      const actual = seen(raw)
      const compared = raw === undefined ? undefined : goValueString(raw)
      const check: AttributeCheck = {
        name: entry.name,
        expected: entry.value,
        actual,
        matched: compared !== undefined && this.compare(compared, entry.value),
      }
      if (raw !== undefined && typeof raw !== 'string') check.compared = compared!
      const note = lookupNote(entry, event, actual)
      if (note) check.note = note
      return check
    })
    return {path: this.path, dialect: this.dialect, result: checks.every((c) => c.matched) ? 'pass' : 'fail', checks}
  }
}

/** SubscriptionsAPI `cesql`: pass only when the expression yields true without errors; anything else fails. */
export class CesqlNode implements FilterNode {
  constructor(
    readonly path: string,
    readonly expression: CesqlExpression,
  ) {}

  evaluate(event: CloudEvent): FilterResult {
    try {
      return cesqlMatches(this.expression.evaluate(event)) ? 'pass' : 'fail'
    } catch {
      return 'fail' // an engine failure is an evaluation error, which Knative treats as FailFilter
    }
  }

  explain(event: CloudEvent): FilterExplanationNode {
    const base = {path: this.path, dialect: 'cesql' as const, expression: this.expression.source}
    try {
      const outcome = this.expression.evaluate(event)
      const errors = outcome.errors.map((e) => ({kind: e.kind, message: e.message}))
      if (errors.length === 0 && typeof outcome.value !== 'boolean') {
        errors.push({kind: 'generic', message: `the expression produced ${JSON.stringify(outcome.value)}, not a boolean`})
      }
      return {...base, result: cesqlMatches(outcome) ? 'pass' : 'fail', value: outcome.value, errors}
    } catch (error) {
      return {...base, result: 'fail', errors: [{kind: 'generic', message: (error as Error).message}]}
    }
  }
}

// ---------------------------------------------------------------------------------------------------
// Composites

function explainChildren(
  elements: readonly MaterializedElement[],
  active: readonly FilterNode[],
  event: CloudEvent,
  run: (count: number, resultAt: (index: number) => FilterResult) => FilterResult,
): {result: FilterResult; children: FilterExplanationNode[]} {
  const explained = new Map<FilterNode, FilterExplanationNode>()
  const result = run(active.length, (i) => {
    const node = active[i]!
    const explanation = node.explain(event)
    explained.set(node, explanation)
    return explanation.result
  })
  const children = elements.map((element) => {
    if (isSkipped(element)) return explainSkipped(element)
    const explanation = explained.get(element)
    if (explanation !== undefined) return explanation
    // Not consulted by Knative: evaluated here only to show what it would have said.
    return {...element.explain(event), shortCircuited: true}
  })
  return {result, children}
}

/** `all: [...]` (and the top-level `filters` list, which Knative ANDs the same way). */
export class AllNode implements FilterNode {
  readonly active: readonly FilterNode[]

  constructor(
    readonly path: string,
    readonly elements: readonly MaterializedElement[],
  ) {
    this.active = elements.filter((e): e is FilterNode => !isSkipped(e))
  }

  evaluate(event: CloudEvent): FilterResult {
    const active = this.active
    return runAll(active.length, (i) => active[i]!.evaluate(event))
  }

  explain(event: CloudEvent): FilterExplanationNode {
    const {result, children} = explainChildren(this.elements, this.active, event, runAll)
    return {path: this.path, dialect: 'all', result, children}
  }
}

/** `any: [...]`. */
export class AnyNode implements FilterNode {
  readonly active: readonly FilterNode[]

  constructor(
    readonly path: string,
    readonly elements: readonly MaterializedElement[],
  ) {
    this.active = elements.filter((e): e is FilterNode => !isSkipped(e))
  }

  evaluate(event: CloudEvent): FilterResult {
    const active = this.active
    return runAny(active.length, (i) => active[i]!.evaluate(event))
  }

  explain(event: CloudEvent): FilterExplanationNode {
    const {result, children} = explainChildren(this.elements, this.active, event, runAny)
    return {path: this.path, dialect: 'any', result, children}
  }
}

/** `not: {...}`. */
export class NotNode implements FilterNode {
  constructor(
    readonly path: string,
    readonly inner: MaterializedElement,
  ) {}

  evaluate(event: CloudEvent): FilterResult {
    return runNot(isSkipped(this.inner) ? undefined : this.inner.evaluate(event))
  }

  explain(event: CloudEvent): FilterExplanationNode {
    if (isSkipped(this.inner)) return {path: this.path, dialect: 'not', result: runNot(undefined), child: explainSkipped(this.inner)}
    const child = this.inner.explain(event)
    return {path: this.path, dialect: 'not', result: runNot(child.result), child}
  }
}
