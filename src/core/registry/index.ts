// The event registry (pure): declared, source-provided and observed event types merged into one model,
// JSON Schema inference from event data, consumer matching with the trigger filters, lint checks,
// EventType export and ready-to-paste command lines.
export type {
  AttributeFact,
  Consumer,
  ConsumerMatch,
  DataCounts,
  DeclaredBy,
  MatchVerdict,
  ObservedAttribute,
  ObservedRegistry,
  ObservedStats,
  ObservedType,
  Origin,
  Producer,
  RegistryEntry,
  RegistryReference,
} from './types.js'
export {ORIGINS} from './types.js'
export {
  DEFAULT_INFERENCE_LIMITS,
  inferSchema,
  JSON_SCHEMA_DIALECT,
  SchemaInference,
  STRING_FORMATS,
  stringFormats,
  type InferenceLimits,
  type JsonSchema,
  type StringFormat,
} from './schema.js'
export {diffRegistries, type ChangedType, type RegistryDiff, type TypeChange, type TypeSummary} from './diff.js'
export {pascalCase, schemaType, typescriptTypes, type GeneratedType, type TypeScriptCode} from './codegen.js'
export {declaredExample, exampleFromSchema, MAX_EXAMPLE_DEPTH} from './example.js'
export {
  compileEventSchemas,
  declaredSchemas,
  describeViolations,
  EventSchemas,
  formatViolation,
  localSchemaPath,
  MAX_REPORTED_VIOLATIONS,
  VALIDATION_MODES,
  violationsOf,
  withLocalSchemas,
  type DataCheck,
  type DataViolation,
  type DeclaredSchema,
  type ReadSchemaFile,
  type ValidationMode,
} from './validation.js'
export {DEFAULT_OBSERVATION_LIMITS, ObservedTypes, type ObservationContext, type ObservationLimits} from './observe.js'
export {matchTrigger, type TypeFacts} from './consumers.js'
export {API_SERVER_OPERATIONS, apiServerDescription, PING_SOURCE_DESCRIPTION, PING_SOURCE_TYPE, pingSourceSource} from './source-types.js'
export {
  buildRegistry,
  candidateTriggers,
  formatReference,
  referenceKey,
  typeFacts,
  type Registry,
  type RegistryInput,
  type TriggerVerdict,
} from './registry.js'
export {lintRegistry, type LintCheck, type LintInput, type LintProblem, type LintReport, type LintSeverity} from './lint.js'
export {
  EVENT_TYPE_VERSIONS,
  eventTypeNames,
  exportEventTypes,
  toKubernetesName,
  type EventTypeManifest,
  type EventTypeVersion,
  type ExportedEventType,
  type ExportOptions,
} from './export.js'
export {sendLine, shellQuote, triggerCreateLine, triggerNameFor, type SnippetOptions} from './snippets.js'
export {editDistance, isTemplate, matchesTemplate, nearestNames, sourcePattern} from './patterns.js'
export {documentGroups, type DocumentGroup, type DocumentInput} from './documents.js'
export {ASYNCAPI_VERSION, toAsyncApi} from './asyncapi.js'
export {
  CLOUDEVENTS_ENVELOPE,
  jsonSchemaFormat,
  toXRegistry,
  XREGISTRY_LABELS,
  XREGISTRY_MODEL,
  XREGISTRY_SPEC_VERSION,
  xregistryPath,
  type XRegistryObject,
  type XRegistryOptions,
} from './xregistry.js'
export {
  eventTypesFromDocument,
  type DocumentEventTypes,
  type DocumentFormat,
  type DocumentProblem,
  type ImportedEventType,
  type ImportOptions,
} from './import.js'
