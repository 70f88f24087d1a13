// Which triggers consume a type: the trigger's own compiled filter (src/core/filters, every dialect) is
// evaluated on a synthetic event carrying what the registry knows of the type. When the filter reads an
// attribute the registry does not know (a subject, an extension, a source that varies), the answer is
// "may match" unless it is settled either way whatever that attribute holds: the filter is then evaluated
// once with every unknown comparison assumed to favour the event and once assumed to go against it.
import type {CloudEvent} from '../cloudevent.js'
import {CONTEXT_ATTRIBUTES} from '../cloudevent.js'
import {formatCesqlNode, parseCesql, type CesqlNode} from '../cesql/index.js'
import {compileTriggerFilter, type CompiledTriggerFilter} from '../filters/index.js'
import type {FilterExplanationNode, SubscriptionsApiFilter, TriggerFilterSpec} from '../filters/index.js'
import {matchesTemplate} from './patterns.js'
import type {ConsumerMatch} from './types.js'

/** What the registry knows of a type's attributes: a value, `null` (known to be unset), or nothing (unknown). */
export interface TypeFacts {
  type: string
  /** Known values by attribute name; `null` means the attribute is known to be unset. */
  known: ReadonlyMap<string, string | null>
  /** Templates of attributes that vary in a known way (e.g. `source`). */
  templates?: ReadonlyMap<string, string>
}

/** Attribute names the filters read under another name (Knative's lookup aliases). */
const ALIASES: Record<string, string> = {schemaurl: 'dataschema', datamediatype: 'datacontenttype'}

/** Decides whether a trigger's filter accepts events of a type, as far as the registry knows. */
export function matchTrigger(filter: CompiledTriggerFilter, facts: TypeFacts): ConsumerMatch {
  const requirement = requirementMismatch(filter, facts)
  if (requirement) return {verdict: 'no-match', reason: requirement, unknownAttributes: []}
  const event = syntheticEvent(facts)
  const explanation = filter.explain(event)
  if (explanation.root === null) return {verdict: 'matches', reason: explanation.reason, unknownAttributes: []}
  const read = new Set<string>()
  collectReads(explanation.root, read)
  const unknown = [...read].filter((name) => !facts.known.has(canonical(name))).sort()
  if (unknown.length === 0) {
    return explanation.delivers
      ? {verdict: 'matches', reason: 'the filter accepts what the registry knows of every event of this type', unknownAttributes: []}
      : {
          verdict: 'no-match',
          reason: `the filter rejects this type (${failedChecks(explanation.root).join('; ') || 'see kne filter test'})`,
          unknownAttributes: [],
        }
  }
  const unknownSet = new Set(unknown)
  const list = unknown.join(', ')
  if (hasUnsettledNofilter(explanation.root)) {
    return {verdict: 'may-match', reason: `depends on ${list}, which the registry does not know`, unknownAttributes: unknown}
  }
  const best = assume(explanation.applied, explanation.root, unknownSet, true)
  if (!deliversOn(best, event)) {
    return {verdict: 'no-match', reason: `the filter rejects this type whatever ${list} hold`, unknownAttributes: unknown}
  }
  const worst = assume(explanation.applied, explanation.root, unknownSet, false)
  if (deliversOn(worst, event)) {
    return {verdict: 'matches', reason: `the filter accepts this type whatever ${list} hold`, unknownAttributes: unknown}
  }
  return {verdict: 'may-match', reason: `depends on ${list}, which the registry does not know`, unknownAttributes: unknown}
}

/** A filter's exact requirements on `type` and `source` (the TriggerIndex's) against known values. */
function requirementMismatch(filter: CompiledTriggerFilter, facts: TypeFacts): string | undefined {
  for (const name of ['type', 'source'] as const) {
    const required = filter.requires[name]
    if (required === undefined) continue
    if (facts.known.has(name)) {
      if (facts.known.get(name) !== required) return `the filter requires ${name} ${required}`
      continue
    }
    const template = facts.templates?.get(name)
    if (template !== undefined && !matchesTemplate(template, required))
      return `the filter requires ${name} ${required}, which does not fit ${template}`
  }
  return undefined
}

function canonical(name: string): string {
  return ALIASES[name] ?? name
}

const CORE = new Set(CONTEXT_ATTRIBUTES['1.0'])

/** An event with the known attribute values; unknown ones are left unset (they are never relied on). */
function syntheticEvent(facts: TypeFacts): CloudEvent {
  const value = (name: string): string | undefined => facts.known.get(name) ?? undefined
  const event: CloudEvent = {
    specversion: value('specversion') === '0.3' ? '0.3' : '1.0',
    id: value('id') ?? 'kne-registry-probe',
    source: value('source') ?? facts.templates?.get('source') ?? 'kne-registry-probe',
    type: facts.type,
    extensions: {},
  }
  for (const [name, v] of facts.known) {
    if (v === null || CORE.has(name)) continue
    event.extensions[name] = v
  }
  const optional = ['datacontenttype', 'dataschema', 'subject', 'time'] as const
  for (const name of optional) {
    const v = value(name)
    if (v !== undefined) event[name] = v
  }
  return event
}

/** Every attribute name a filter tree reads (attribute checks and CESQL identifiers). */
function collectReads(node: FilterExplanationNode, out: Set<string>): void {
  switch (node.dialect) {
    case 'attributes':
    case 'exact':
    case 'prefix':
    case 'suffix':
      for (const check of node.checks) out.add(check.name)
      return
    case 'all':
    case 'any':
      for (const child of node.children) collectReads(child, out)
      return
    case 'not':
      collectReads(node.child, out)
      return
    case 'cesql':
      for (const name of cesqlReads(node.expression)) out.add(name)
      return
    case 'skipped':
      return
  }
}

function cesqlReads(expression: string): Set<string> {
  try {
    return cesqlReadsOf(parseCesql(expression))
  } catch {
    // a node only becomes cesql when its expression compiled; nothing to read otherwise
    return new Set()
  }
}

function cesqlReadsOf(root: CesqlNode): Set<string> {
  const out = new Set<string>()
  const visit = (n: CesqlNode): void => {
    switch (n.kind) {
      case 'attribute':
      case 'exists':
        out.add(n.name)
        return
      case 'not':
      case 'negate':
        visit(n.operand)
        return
      case 'binary':
        visit(n.left)
        visit(n.right)
        return
      case 'like':
        visit(n.operand)
        return
      case 'in':
        visit(n.operand)
        n.set.forEach(visit)
        return
      case 'call':
        n.args.forEach(visit)
        return
      case 'literal':
        return
    }
  }
  visit(root)
  return out
}

/**
 * `nofilter` inside a tree (a `not` over an empty filter) makes all/any/not combine in ways where
 * assuming the best for a comparison is not the best for the whole; such trees are left at "may match".
 */
function hasUnsettledNofilter(node: FilterExplanationNode): boolean {
  if (node.dialect === 'skipped') return false
  if (node.result === 'nofilter') return true
  if (node.dialect === 'all' || node.dialect === 'any') return node.children.some(hasUnsettledNofilter)
  if (node.dialect === 'not') return hasUnsettledNofilter(node.child)
  return false
}

const ALWAYS: SubscriptionsApiFilter = {cesql: 'TRUE'}
const NEVER: SubscriptionsApiFilter = {cesql: 'FALSE'}

/**
 * The same filter with every comparison on an unknown attribute replaced by a constant: `favour` true makes
 * each one help the event pass (under a `not`, by failing), false makes each one work against it.
 */
function assume(
  applied: 'filters' | 'filter' | 'none',
  root: FilterExplanationNode,
  unknown: ReadonlySet<string>,
  favour: boolean,
): TriggerFilterSpec {
  if (applied === 'filter' && root.dialect === 'attributes') {
    const known = Object.fromEntries(root.checks.filter((c) => !unknown.has(c.name)).map((c) => [c.name, c.expected]))
    const hasUnknown = root.checks.some((c) => unknown.has(c.name))
    // the legacy filter ANDs its attributes: an unknown one can only pass (favour) or fail (against)
    return hasUnknown && !favour ? {filters: [NEVER]} : {filter: {attributes: known}}
  }
  if (root.dialect !== 'all') return {filters: [rebuild(root, unknown, favour)]}
  return {filters: root.children.map((child) => rebuild(child, unknown, favour))}
}

function rebuild(node: FilterExplanationNode, unknown: ReadonlySet<string>, favour: boolean): SubscriptionsApiFilter {
  const constant = favour ? ALWAYS : NEVER
  switch (node.dialect) {
    case 'attributes':
      // the legacy filter is only ever the root, which assume() handles
      return constant
    case 'exact':
    case 'prefix':
    case 'suffix': {
      const dialect = node.dialect
      const known = node.checks.filter((c) => !unknown.has(c.name))
      if (known.length === node.checks.length) return {[dialect]: Object.fromEntries(known.map((c) => [c.name, c.expected]))}
      if (known.length === 0) return constant
      return {all: [{[dialect]: Object.fromEntries(known.map((c) => [c.name, c.expected]))}, constant]}
    }
    case 'cesql':
      return [...cesqlReads(node.expression)].some((name) => unknown.has(name))
        ? {cesql: assumeInCesql(node.expression, unknown, favour)}
        : {cesql: node.expression}
    case 'all':
      return {all: node.children.map((child) => rebuild(child, unknown, favour))}
    case 'any':
      return {any: node.children.map((child) => rebuild(child, unknown, favour))}
    case 'not':
      return {not: rebuild(node.child, unknown, !favour)}
    case 'skipped':
      return {}
  }
}

/** An attribute no event has: reading it is a CESQL evaluation error, which fails the filter. */
const FAILING_READ: CesqlNode = {kind: 'attribute', name: 'kneregistryneverset'}

/**
 * The expression with each comparison on an unknown attribute replaced. In favour: by TRUE (FALSE under a
 * NOT), the best it can do. Against: by a read that errors, the worst it can do wherever it is evaluated
 * (any evaluation error fails the filter, and AND/OR short-circuit exactly as for the real comparison).
 */
function assumeInCesql(expression: string, unknown: ReadonlySet<string>, favour: boolean): string {
  const reads = (node: CesqlNode): boolean => [...cesqlReadsOf(node)].some((name) => unknown.has(name))
  const visit = (node: CesqlNode, positive: boolean): CesqlNode => {
    if (node.kind === 'binary' && (node.operator === 'AND' || node.operator === 'OR')) {
      return {...node, left: visit(node.left, positive), right: visit(node.right, positive)}
    }
    if (node.kind === 'not') return {...node, operand: visit(node.operand, !positive)}
    if (!reads(node)) return node
    return favour ? {kind: 'literal', value: positive} : FAILING_READ
  }
  return formatCesqlNode(visit(parseCesql(expression), true))
}

function deliversOn(spec: TriggerFilterSpec, event: CloudEvent): boolean {
  return compileTriggerFilter(spec).evaluate(event) !== 'fail'
}

/** The failed comparisons of a tree, for the reason text. */
function failedChecks(node: FilterExplanationNode): string[] {
  switch (node.dialect) {
    case 'attributes':
    case 'exact':
    case 'prefix':
    case 'suffix':
      return node.checks.filter((c) => !c.matched).map((c) => `${node.dialect} ${c.name}=${JSON.stringify(c.expected)}`)
    case 'all':
    case 'any':
      return node.result === 'fail' ? node.children.flatMap(failedChecks) : []
    case 'not':
      return node.result === 'fail' ? [`not (${node.child.dialect})`] : []
    case 'cesql':
      return node.result === 'fail' ? [`cesql ${node.expression}`] : []
    case 'skipped':
      return []
  }
}
