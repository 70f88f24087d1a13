// Turns a Trigger's filter spec into a compiled tree once; events are then evaluated many times with
// no parsing. Materialisation follows Knative's subscriptionsapi.MaterializeSubscriptionsAPIFilter:
// the first non-empty dialect wins (exact, prefix, suffix, all, any, not, cesql), and an element that
// is empty or whose constructor fails (empty attribute name or value, unparsable CESQL) is skipped.
import type {CloudEvent} from '../cloudevent.js'
import {compileCesql} from '../cesql/index.js'
import {BROKER_TTL_EXTENSION, attributeReader, eventForTriggerFilters} from './lookup.js'
import type {AttributeEntry, FilterNode, MatchDialect, MaterializedElement, SkippedElement} from './nodes.js'
import {AllNode, AnyNode, CesqlNode, LegacyAttributesNode, MatchNode, NotNode} from './nodes.js'
import type {
  AppliedFilter,
  FilterExplanation,
  FilterRequirements,
  FilterResult,
  SubscriptionsApiFilter,
  TriggerFilterSpec,
} from './types.js'

/** A trigger's filter, compiled once and evaluated per event. */
export interface CompiledTriggerFilter {
  /** Which part of the spec decides (see precedence in docs/filters.md). */
  readonly applied: AppliedFilter
  /** `type` / `source` values the filter requires exactly (for indexing); empty when it requires none. */
  readonly requires: FilterRequirements
  /**
   * The trigger-level decision, as Knative's broker-filter makes it: `knativebrokerttl` is removed
   * from the event first, so no filter can see it. The mesh calls this.
   */
  evaluate(event: CloudEvent): FilterResult
  /**
   * The filter-level decision on the event exactly as given (Knative's eventfilter package, without
   * broker-filter's TTL removal). For unit tests and tooling; the mesh uses `evaluate`.
   */
  evaluateVerbatim(event: CloudEvent): FilterResult
  /** Explains the trigger-level decision (same rules as `evaluate`). */
  explain(event: CloudEvent): FilterExplanation
}

/** Compiles a Trigger's filter. Never throws: inadmissible parts are skipped the way Knative skips them. */
export function compileTriggerFilter(spec: TriggerFilterSpec): CompiledTriggerFilter {
  const filters = Array.isArray(spec.filters) ? spec.filters : []
  if (filters.length > 0) {
    const root = new AllNode('spec.filters', materializeList(filters, 'spec.filters'))
    return new CompiledFilter(
      'filters',
      'spec.filters is a non-empty list: it alone decides (spec.filter is ignored)',
      root,
      filtersRequirements(root),
    )
  }
  if (spec.filter !== undefined && spec.filter !== null) {
    const attributes = isPlainObject(spec.filter) ? spec.filter.attributes : undefined
    if (attributes === undefined || attributes === null || !isPlainObject(attributes)) {
      return new CompiledFilter('filter', 'spec.filter is set without attributes: no filter', null, {})
    }
    const entries = Object.entries(attributes).map(([name, value]) => entry(name, stringValue(value)))
    const root = new LegacyAttributesNode('spec.filter.attributes', entries)
    const reason = Array.isArray(spec.filters)
      ? 'spec.filters is empty, so spec.filter.attributes applies'
      : 'spec.filter.attributes applies (no spec.filters)'
    return new CompiledFilter('filter', reason, root, legacyRequirements(entries))
  }
  return new CompiledFilter('none', 'no spec.filter and no non-empty spec.filters: every event passes', null, {})
}

/** Compiles and explains in one step (for `kne filter test`). */
export function explainTriggerFilter(spec: TriggerFilterSpec, event: CloudEvent): FilterExplanation {
  return compileTriggerFilter(spec).explain(event)
}

/** Only `fail` drops an event; `pass` and `nofilter` deliver it. */
export function filterDelivers(result: FilterResult): boolean {
  return result !== 'fail'
}

class CompiledFilter implements CompiledTriggerFilter {
  constructor(
    readonly applied: AppliedFilter,
    private readonly reason: string,
    private readonly root: FilterNode | null,
    readonly requires: FilterRequirements,
  ) {}

  evaluate(event: CloudEvent): FilterResult {
    return this.root === null ? 'nofilter' : this.root.evaluate(eventForTriggerFilters(event))
  }

  evaluateVerbatim(event: CloudEvent): FilterResult {
    return this.root === null ? 'nofilter' : this.root.evaluate(event)
  }

  explain(event: CloudEvent): FilterExplanation {
    const ttlRemoved = Object.hasOwn(event.extensions, BROKER_TTL_EXTENSION)
    const root = this.root === null ? null : this.root.explain(eventForTriggerFilters(event))
    const result = root === null ? 'nofilter' : root.result
    return {applied: this.applied, reason: this.reason, result, delivers: filterDelivers(result), ttlRemoved, root}
  }
}

// ---------------------------------------------------------------------------------------------------
// Materialisation

function materializeList(list: readonly unknown[], path: string): MaterializedElement[] {
  return list.map((element, i) => materialize(element, `${path}[${i}]`))
}

function materialize(element: unknown, path: string): MaterializedElement {
  if (!isPlainObject(element)) return skip(path, 'empty filter element (no dialect set): Knative skips it')
  const filter = element as SubscriptionsApiFilter
  for (const dialect of ['exact', 'prefix', 'suffix'] as const) {
    const map = filter[dialect]
    if (isPlainObject(map) && Object.keys(map).length > 0) return matchNode(dialect, map, `${path}.${dialect}`)
  }
  if (Array.isArray(filter.all) && filter.all.length > 0) {
    return new AllNode(`${path}.all`, materializeList(filter.all, `${path}.all`))
  }
  if (Array.isArray(filter.any) && filter.any.length > 0) {
    return new AnyNode(`${path}.any`, materializeList(filter.any, `${path}.any`))
  }
  if (filter.not !== undefined && filter.not !== null) {
    return new NotNode(`${path}.not`, materialize(filter.not, `${path}.not`))
  }
  if (typeof filter.cesql === 'string' && filter.cesql !== '') {
    try {
      return new CesqlNode(`${path}.cesql`, compileCesql(filter.cesql))
    } catch (error) {
      return skip(`${path}.cesql`, `CESQL expression does not parse (${(error as Error).message}): Knative skips it`)
    }
  }
  const why =
    filter.cesql === ''
      ? 'empty cesql expression'
      : isEmptyList(filter.all) || isEmptyList(filter.any)
        ? 'empty all/any list'
        : 'empty filter element (no dialect set)'
  return skip(path, `${why}: Knative skips it`)
}

function matchNode(dialect: MatchDialect, map: Record<string, unknown>, path: string): MaterializedElement {
  const entries: AttributeEntry[] = []
  for (const [name, value] of Object.entries(map)) {
    if (typeof value !== 'string')
      return skip(path, `${dialect}: the value of ${JSON.stringify(name)} is not a string: Knative skips the element`)
    if (name === '' || value === '') {
      return skip(path, `${dialect}: an empty attribute name or value makes Knative skip the whole element, so it matches every event`)
    }
    entries.push(entry(name, value))
  }
  return new MatchNode(dialect, path, entries)
}

function entry(name: string, value: string): AttributeEntry {
  return {name, value, read: attributeReader(name)}
}

function skip(path: string, reason: string): SkippedElement {
  return {skipped: true, path, reason}
}

function stringValue(value: unknown): string {
  return typeof value === 'string' ? value : String(value)
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

function isEmptyList(value: unknown): boolean {
  return Array.isArray(value) && value.length === 0
}

// ---------------------------------------------------------------------------------------------------
// Requirements (what the TriggerIndex may rely on)

const INDEXED = ['type', 'source'] as const

function legacyRequirements(entries: readonly AttributeEntry[]): FilterRequirements {
  const requires: {type?: string; source?: string} = {}
  for (const e of entries) {
    // A legacy "" only requires presence; a non-empty value must equal the (always string) attribute.
    if ((e.name === 'type' || e.name === 'source') && e.value !== '') requires[e.name] ??= e.value
  }
  return requires
}

/**
 * A value is required when an `exact` element on it is ANDed at the top level: directly in `filters`
 * or inside (nested) `all` elements there. Anything under `any` or `not` is not a requirement.
 */
function filtersRequirements(root: AllNode): FilterRequirements {
  const requires: {type?: string; source?: string} = {}
  const visit = (node: FilterNode): void => {
    if (node instanceof AllNode) node.active.forEach(visit)
    else if (node instanceof MatchNode && node.dialect === 'exact') {
      for (const e of node.entries) {
        for (const name of INDEXED) if (e.name === name) requires[name] ??= e.value
      }
    }
  }
  visit(root)
  return requires
}
