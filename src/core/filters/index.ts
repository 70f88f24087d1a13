// Knative trigger filtering: legacy `spec.filter.attributes`, the SubscriptionsAPI dialects of
// `spec.filters` (exact, prefix, suffix, all, any, not, cesql), their precedence, admission
// validation, explanations and an index that narrows a broker's triggers per event.
export type {
  AppliedFilter,
  AttributeCheck,
  AttributesExplanation,
  AttributesFilterSpec,
  CesqlExplanation,
  CompositeExplanation,
  FilterExplanation,
  FilterExplanationNode,
  FilterRequirements,
  FilterResult,
  FilterValidationError,
  NotExplanation,
  SeenValue,
  SkippedExplanation,
  SubscriptionsApiFilter,
  TriggerFilterSpec,
} from './types.js'
export type {CompiledTriggerFilter} from './compile.js'
export {compileTriggerFilter, explainTriggerFilter, filterDelivers} from './compile.js'
export {MULTIPLE_DIALECTS, triggerFilterWarnings, validateTriggerFilter} from './validate.js'
export type {TriggerIndexEntry, TriggerMatch} from './trigger-index.js'
export {TriggerIndex} from './trigger-index.js'
export {BROKER_TTL_EXTENSION, GO_ZERO_TIME, eventForTriggerFilters} from './lookup.js'
