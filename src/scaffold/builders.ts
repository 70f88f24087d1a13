// One function per kind: kn-style options in, the manifest a Knative user would write out.
import {
  apiServerSourceValues,
  brokerValues,
  containerSourceValues,
  KINDS,
  pingSourceValues,
  sinkBindingValues,
  triggerValues,
  type ApiServerSourceOptions,
  type BrokerOptions,
  type ContainerSourceOptions,
  type Manifest,
  type PingSourceOptions,
  type ScaffoldKind,
  type SinkBindingOptions,
  type TemplateValues,
  type TriggerOptions,
} from '../core/manifests/index.js'
import {renderManifest} from './templates.js'

export interface KindOptions {
  Broker: BrokerOptions
  Trigger: TriggerOptions
  PingSource: PingSourceOptions
  ContainerSource: ContainerSourceOptions
  SinkBinding: SinkBindingOptions
  ApiServerSource: ApiServerSourceOptions
}

const VALUES: {[K in ScaffoldKind]: (options: KindOptions[K]) => TemplateValues} = {
  Broker: brokerValues,
  Trigger: triggerValues,
  PingSource: pingSourceValues,
  ContainerSource: containerSourceValues,
  SinkBinding: sinkBindingValues,
  ApiServerSource: apiServerSourceValues,
}

/** Builds a manifest of any scaffolded kind; throws a KneError (exit 2) for flag values that do not parse. */
export function buildManifest<K extends ScaffoldKind>(kind: K, options: KindOptions[K]): Manifest {
  return renderManifest(KINDS[kind].template, VALUES[kind](options))
}

export const buildBroker = (options: BrokerOptions): Manifest => buildManifest('Broker', options)
export const buildTrigger = (options: TriggerOptions): Manifest => buildManifest('Trigger', options)
export const buildPingSource = (options: PingSourceOptions): Manifest => buildManifest('PingSource', options)
export const buildContainerSource = (options: ContainerSourceOptions): Manifest => buildManifest('ContainerSource', options)
export const buildSinkBinding = (options: SinkBindingOptions): Manifest => buildManifest('SinkBinding', options)
export const buildApiServerSource = (options: ApiServerSourceOptions): Manifest => buildManifest('ApiServerSource', options)
