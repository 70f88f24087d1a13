// Every kind kne models: its apiVersion, the spec fields its CRD lists, and its reader. A kind from a
// Knative API group that is not here is kept as an "other" resource; a known kind at an apiVersion
// Knative no longer serves is refused.
import {readBroker, readEventType, readTrigger, EVENT_TYPE_SPEC_FIELDS} from './eventing.js'
import {readParallel, readSequence} from './flows.js'
import {readChannel, readInMemoryChannel, readSubscription} from './messaging.js'
import {readPingSource} from './ping.js'
import type {KindContext} from './read.js'
import {readApiServerSource, readContainerSource, readSinkBinding} from './sources.js'
import type {KneKind, KneResource} from './types.js'

export interface KindDefinition {
  apiVersion: string
  kind: KneKind
  /** The spec fields the CRD lists; undefined where the CRD keeps unknown fields (x-kubernetes-preserve-unknown-fields). */
  specFields?: readonly string[]
  read(ctx: KindContext): KneResource['spec']
}

const SOURCE_FIELDS = ['sink', 'ceOverrides']

const DEFINITIONS: KindDefinition[] = [
  {apiVersion: 'eventing.knative.dev/v1', kind: 'Broker', specFields: ['config', 'delivery'], read: readBroker},
  {apiVersion: 'eventing.knative.dev/v1', kind: 'Trigger', read: readTrigger},
  {apiVersion: 'eventing.knative.dev/v1beta2', kind: 'EventType', specFields: EVENT_TYPE_SPEC_FIELDS.v1beta2, read: readEventType},
  {apiVersion: 'eventing.knative.dev/v1beta3', kind: 'EventType', specFields: EVENT_TYPE_SPEC_FIELDS.v1beta3, read: readEventType},
  {apiVersion: 'sources.knative.dev/v1', kind: 'PingSource', specFields: ['schedule', 'timezone', 'contentType', 'data', 'dataBase64', ...SOURCE_FIELDS], read: readPingSource},
  {apiVersion: 'sources.knative.dev/v1', kind: 'ContainerSource', specFields: ['template', ...SOURCE_FIELDS], read: readContainerSource},
  {apiVersion: 'sources.knative.dev/v1', kind: 'SinkBinding', specFields: ['subject', ...SOURCE_FIELDS], read: readSinkBinding},
  {apiVersion: 'sources.knative.dev/v1', kind: 'ApiServerSource', read: readApiServerSource},
  {apiVersion: 'messaging.knative.dev/v1', kind: 'Channel', specFields: ['channelTemplate', 'delivery', 'subscribers'], read: readChannel},
  {apiVersion: 'messaging.knative.dev/v1', kind: 'InMemoryChannel', specFields: ['delivery', 'subscribers'], read: readInMemoryChannel},
  {apiVersion: 'messaging.knative.dev/v1', kind: 'Subscription', specFields: ['channel', 'subscriber', 'reply', 'delivery'], read: readSubscription},
  {apiVersion: 'flows.knative.dev/v1', kind: 'Sequence', specFields: ['steps', 'channelTemplate', 'reply'], read: readSequence},
  {apiVersion: 'flows.knative.dev/v1', kind: 'Parallel', specFields: ['branches', 'channelTemplate', 'reply'], read: readParallel},
]

const BY_TYPE = new Map(DEFINITIONS.map((d) => [`${d.apiVersion} ${d.kind}`, d]))

/** Older versions Knative still serves (deprecated): kept as other resources with a hint, not refused. */
const DEPRECATED_VERSIONS: Record<string, string[]> = {
  'sources.knative.dev PingSource': ['v1beta2'],
  'eventing.knative.dev EventType': ['v1beta1'],
}

/** Knative API groups kne knows; a kind from one of them that kne does not model is kept and reported as such. */
export const KNATIVE_GROUPS = ['eventing.knative.dev', 'messaging.knative.dev', 'flows.knative.dev', 'sources.knative.dev', 'sinks.knative.dev']

export function kindDefinition(apiVersion: string, kind: string): KindDefinition | undefined {
  return BY_TYPE.get(`${apiVersion} ${kind}`)
}

export type VersionVerdict =
  | {known: true; definition: KindDefinition}
  | {known: false; group: string; knative: boolean; deprecated?: string; served?: string[]}

/** What kne makes of an apiVersion and kind: a modeled kind, a deprecated or unserved version of one, or another kind. */
export function classifyKind(apiVersion: string, kind: string): VersionVerdict {
  const definition = kindDefinition(apiVersion, kind)
  if (definition) return {known: true, definition}
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') as [string, string] : ['', apiVersion]
  const served = DEFINITIONS.filter((d) => d.kind === kind && d.apiVersion.startsWith(`${group}/`)).map((d) => d.apiVersion)
  const knative = KNATIVE_GROUPS.includes(group)
  if (served.length === 0) return {known: false, group, knative}
  const deprecated = DEPRECATED_VERSIONS[`${group} ${kind}`]?.includes(version) ? version : undefined
  return {known: false, group, knative, served, ...(deprecated ? {deprecated} : {})}
}

/** Every kind kne models, by apiVersion (for docs, scaffolding and tests). */
export function modeledKinds(): {apiVersion: string; kind: KneKind}[] {
  return DEFINITIONS.map(({apiVersion, kind}) => ({apiVersion, kind}))
}
