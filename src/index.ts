// The kne library: everything a Node test suite needs to run Knative brokers, triggers, channels and flows in-process.
//
//   const {resources} = loadManifests(['knative/'])
//   const mesh = await createMesh({resources})
//   … POST CloudEvents to `${mesh.url}/default/default` …
//   await mesh.close()
export {createMesh, Mesh, type ApplyOptions, type CloseReport, type MeshOptions} from './mesh/mesh.js'
export type {RestoreReport} from './mesh/event-log/restore.js'
export {DEFAULT_CONNECTION_LIMITS, type ConnectionLimits} from './mesh/server.js'
export {loadManifests, loadProjectConfig} from './project/manifests.js'
export {realClock, VirtualClock, type Clock} from './mesh/clock.js'
export {startSink, Sink, type SinkOptions, type SinkBehaviour, type SinkRequest, type SinkAnswer} from './mesh/sink.js'
export {
  retryPolicy,
  plannedWaits,
  isRetryable,
  deadLetterExtensions,
  parseRetryAfter,
  FANOUT_TIMEOUT_MS,
  type RetryPolicy,
} from './core/delivery/policy.js'
export type {InFlightDelivery, FailedDelivery, BrokerCounters, TriggerCounters, ChannelCounters, SubscriptionCounters} from './core/api.js'
export type {
  MeshStatus,
  BrokerStatus,
  TriggerStatus,
  ChannelStatus,
  SubscriptionStatus,
  SequenceStatus,
  ParallelStatus,
} from './core/api.js'
export {parseManifests} from './core/resources/parse.js'
export type {
  Broker,
  Trigger,
  Channel,
  InMemoryChannel,
  Subscription,
  Sequence,
  Parallel,
  KneResource,
  ManifestError,
  Destination,
  DeliverySpec,
} from './core/resources/types.js'
export {formatManifestError} from './core/resources/types.js'
export {compileTopology} from './core/topology.js'
export type {CloudEvent, ExtensionValue} from './core/cloudevent.js'
export {decodeHttpMessage, encodeBinary, encodeStructured} from './core/codec/http.js'
export {decodeJsonEvent, encodeJsonEvent} from './core/codec/json.js'
export {buildEvent} from './core/event-builder.js'
export {compileTriggerFilter, explainTriggerFilter, validateTriggerFilter} from './core/filters/index.js'
export {compileCesql, evaluateCesql} from './core/cesql/index.js'
export type {Activity, ActivityJson} from './core/activity.js'
export {EventFinder, MeshEvents, journalSource, type ActivitySource} from './mesh/events.js'
export type {EventQuery, EventSummary, EventDelivery, DeliveryState, QueryOutcome} from './core/event-log/index.js'
export type {EventsAnswer, EventShowAnswer, EventDetail, RedeliverRequest, RedeliverAnswer, Redelivery} from './core/api.js'
export {
  buildRegistry,
  exportEventTypes,
  inferSchema,
  lintRegistry,
  matchTrigger,
  ObservedTypes,
  SchemaInference,
} from './core/registry/index.js'
export type {ObservedRegistry, ObservedType, Registry, RegistryEntry, LintReport, JsonSchema} from './core/registry/index.js'
export {EventTypeObserver} from './mesh/registry.js'
export type {SourceOptions, LocalServiceStatus, FireResult} from './kinds/sources/runtime/runtime.js'
export type {ResourceStatus, SourceStatus} from './core/api.js'
export {bindingEnvironment, formatCeOverrides} from './core/sources/binding.js'
export {pingEvent} from './core/sources/ping.js'
export {compileSchedule, type PingSchedule} from './core/sources/cron.js'
// event-flow tests (kne test): the file format, the expectation checks and their explanations, the runner
export {
  checkExpectation,
  checkExpectations,
  deliveryFacts,
  describeExpectation,
  subsetDifferences,
  type CheckResult,
  type DeliveryFact,
  type Difference,
  type FlowObservation,
} from './core/flow-test/check.js'
export {parseFlowTests, type EventMatch, type Expectation, type ExpectationKind, type FlowTest} from './core/flow-test/format.js'
export type {FlowStepResult, FlowTestFailure, FlowTestResult, FlowTestRun} from './core/flow-test/report.js'
export {observeMesh, runFlowTests, type FlowTestOptions} from './services/flow-test.js'
