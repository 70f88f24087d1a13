// The kne library: everything a Node test suite needs to run Knative brokers and triggers in-process.
//
//   const {resources} = loadManifests(['knative/'])
//   const mesh = await createMesh({resources})
//   … POST CloudEvents to `${mesh.url}/default/default` …
//   await mesh.close()
export {createMesh, Mesh, type CloseReport, type MeshOptions} from './mesh/mesh.js'
export {loadManifests, loadProjectConfig} from './mesh/manifests.js'
export {realClock, VirtualClock, type Clock} from './mesh/clock.js'
export {startSink, Sink, type SinkOptions, type SinkBehaviour, type SinkRequest, type SinkAnswer} from './mesh/sink.js'
export {retryPolicy, plannedWaits, isRetryable, deadLetterExtensions, parseRetryAfter, FANOUT_TIMEOUT_MS, type RetryPolicy} from './core/delivery/policy.js'
export type {InFlightDelivery, FailedDelivery, BrokerCounters, TriggerCounters} from './mesh/broker.js'
export type {MeshStatus, BrokerStatus, TriggerStatus} from './mesh/status.js'
export {parseManifests} from './core/resources/parse.js'
export type {Broker, Trigger, KneResource, ManifestError, Destination, DeliverySpec} from './core/resources/types.js'
export {formatManifestError} from './core/resources/types.js'
export {compileTopology} from './core/topology.js'
export type {CloudEvent, ExtensionValue} from './core/cloudevent.js'
export {decodeHttpMessage, encodeBinary, encodeStructured} from './core/codec/http.js'
export {decodeJsonEvent, encodeJsonEvent} from './core/codec/json.js'
export {buildEvent} from './core/event-builder.js'
export {compileTriggerFilter, explainTriggerFilter, validateTriggerFilter} from './core/filters/index.js'
export {compileCesql, evaluateCesql} from './core/cesql/index.js'
export type {Activity, ActivityJson} from './core/activity.js'
