// Types of Knative trigger filtering: the Trigger's `spec.filter` / `spec.filters` as written in YAML,
// the three-valued filter result, and the plain-data explanation `kne filter test` prints.

/**
 * Knative's FilterResult. Only `fail` drops the event: `nofilter` ("this filter constrains nothing")
 * is delivered exactly like `pass`.
 */
export type FilterResult = 'pass' | 'fail' | 'nofilter'

/** `spec.filter`: the legacy exact-match filter. */
export interface AttributesFilterSpec {
  attributes?: Record<string, string> | null
}

/**
 * One element of `spec.filters` (a CloudEvents SubscriptionsAPI filter). Knative admits exactly one
 * dialect per element; when several are set anyway the first non-empty one in the order
 * exact, prefix, suffix, all, any, not, cesql is used.
 */
export interface SubscriptionsApiFilter {
  exact?: Record<string, string> | null
  prefix?: Record<string, string> | null
  suffix?: Record<string, string> | null
  all?: SubscriptionsApiFilter[] | null
  any?: SubscriptionsApiFilter[] | null
  not?: SubscriptionsApiFilter | null
  cesql?: string | null
}

/** The filtering part of a Trigger spec. */
export interface TriggerFilterSpec {
  filter?: AttributesFilterSpec | null
  filters?: SubscriptionsApiFilter[] | null
}

/** Which part of the spec decides: a non-empty `filters` wins over `filter`; neither means no filter. */
export type AppliedFilter = 'filters' | 'filter' | 'none'

/**
 * Attribute values a compiled filter requires exactly: an event whose `type` (or `source`) differs
 * from a value given here is certain to get `fail`. Used by the TriggerIndex.
 */
export interface FilterRequirements {
  readonly type?: string
  readonly source?: string
}

/** An admission error, with the field path Knative's webhook would report (e.g. `spec.filters[1].exact.Type`). */
export interface FilterValidationError {
  path: string
  message: string
}

// ---------------------------------------------------------------------------------------------------
// Explanation (plain data, JSON-serialisable)

/** A value as a filter saw it: `null` means the attribute is absent (a missing extension). */
export type SeenValue = string | number | boolean | null

/** One attribute comparison inside a legacy `attributes`, `exact`, `prefix` or `suffix` node. */
export interface AttributeCheck {
  name: string
  /** The value from the filter ("" in a legacy filter means "any non-empty value"). */
  expected: string
  /** The value looked up on the event, after Knative's lookup rules (unset core attributes read as ""). */
  actual: SeenValue
  /** The string the filter compared against, when it differs from `actual` (a non-string value via Go's %v). */
  compared?: string
  matched: boolean
  /** Why the value looks the way it does, when a Knative quirk is involved. */
  note?: string
}

interface ExplainBase {
  /** Where the node sits in the Trigger, e.g. `spec.filters[0].all[1]`. */
  path: string
  result: FilterResult
  /**
   * True when the node was evaluated only for this explanation: Knative stopped at an earlier sibling
   * (all: first fail; any: first pass), so this node did not influence the result.
   */
  shortCircuited?: boolean
}

export interface AttributesExplanation extends ExplainBase {
  dialect: 'attributes' | 'exact' | 'prefix' | 'suffix'
  checks: AttributeCheck[]
}

export interface CompositeExplanation extends ExplainBase {
  dialect: 'all' | 'any'
  children: FilterExplanationNode[]
}

export interface NotExplanation extends ExplainBase {
  dialect: 'not'
  /** The inner filter; a `skipped` node when it is empty (then `not` is `nofilter`). */
  child: FilterExplanationNode
}

export interface CesqlExplanation extends ExplainBase {
  dialect: 'cesql'
  expression: string
  /** The value the expression produced (absent when evaluation threw). */
  value?: string | number | boolean
  /** Evaluation errors; any error makes the filter fail. */
  errors: {kind: string; message: string}[]
}

/** An element Knative drops when materialising the filter: it takes no part in the result. */
export interface SkippedExplanation {
  path: string
  dialect: 'skipped'
  reason: string
  result: 'nofilter'
}

export type FilterExplanationNode = AttributesExplanation | CompositeExplanation | NotExplanation | CesqlExplanation | SkippedExplanation

export interface FilterExplanation {
  applied: AppliedFilter
  /** Why `applied` was chosen, in words. */
  reason: string
  result: FilterResult
  /** result !== 'fail' */
  delivers: boolean
  /** True when the event carried `knativebrokerttl`, which Knative removes before filtering. */
  ttlRemoved: boolean
  /** The evaluated tree; null when no filter applies (or `filter` has no `attributes`). */
  root: FilterExplanationNode | null
}
