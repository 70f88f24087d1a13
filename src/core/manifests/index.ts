// Pure builders for the manifests kne scaffolds: flag values in, template values out (see templates/).
export {brokerValues, type BrokerOptions} from './broker.js'
export {triggerValues, type TriggerOptions} from './trigger.js'
export {
  API_SERVER_MODES,
  apiServerSourceValues,
  containerSourceValues,
  pingSourceValues,
  sinkBindingValues,
  type ApiServerSourceOptions,
  type ContainerSourceOptions,
  type PingSourceOptions,
  type SinkBindingOptions,
} from './sources.js'
export {deliveryFromOptions, isoDuration, sinkDestination, type DeliveryOptions} from './delivery.js'
export {parseApiServerResource, parseCeOverrides, parseEnv, parseKeyValues, parseSubject, usageError} from './flags.js'
export {flagForField, formatSink, humanAge} from './format.js'
export {isSourceKind, kindInfo, KINDS, manifestFileName, SOURCES_GROUP, type KindInfo, type ScaffoldKind} from './kinds.js'
export {compact, renderTemplate, type Manifest, type TemplateValues} from './render.js'
