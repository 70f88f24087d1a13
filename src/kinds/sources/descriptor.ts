// sources.knative.dev: PingSource, ContainerSource, SinkBinding, ApiServerSource; each sends to spec.sink.
import {readPingSource} from '../../core/resources/ping.js'
import {readApiServerSource, readContainerSource, readSinkBinding} from '../../core/resources/sources.js'
import type {ApiServerSource, ContainerSource, PingSource, SinkBinding} from '../../core/resources/types.js'
import {defineKind, referenceList, type KindDescriptor, type ScaffoldNaming} from '../descriptor.js'

export const SOURCES_GROUP = 'sources.knative.dev'
const API_VERSION = `${SOURCES_GROUP}/v1`
const SOURCE_FIELDS = ['sink', 'ceOverrides']

type Source = PingSource | ContainerSource | SinkBinding | ApiServerSource

/** What every source kind shares: the group, the role, and its one reference, spec.sink. */
function source<R extends Source>(kind: R['kind'], read: KindDescriptor<R>['read'], specFields: string[] | undefined, scaffold: ScaffoldNaming, deprecatedVersions?: string[]): KindDescriptor & {readonly kind: R['kind']} {
  return defineKind<R>({
    kind, group: SOURCES_GROUP, plural: `${kind.toLowerCase()}s`, role: 'source', emulated: true,
    versions: [{apiVersion: API_VERSION, ...(specFields ? {specFields: [...specFields, ...SOURCE_FIELDS]} : {})}],
    ...(deprecatedVersions ? {deprecatedVersions} : {}),
    read,
    references(resource) {
      const refs = referenceList()
      refs.destination('spec.sink', resource.spec.sink)
      return refs.out
    },
    scaffold,
  })
}

export const pingSource = source<PingSource>('PingSource', readPingSource, ['schedule', 'timezone', 'contentType', 'data', 'dataBase64'],
  {label: 'Ping source', createdVerb: 'created', deletedVerb: 'deleted'}, ['v1beta2'])
export const containerSource = source<ContainerSource>('ContainerSource', readContainerSource, ['template'],
  {label: 'ContainerSource', createdVerb: 'created', deletedVerb: 'deleted'})
export const sinkBinding = source<SinkBinding>('SinkBinding', readSinkBinding, ['subject'],
  {label: 'Sink binding', createdVerb: 'created', deletedVerb: 'deleted'})
export const apiServerSource = source<ApiServerSource>('ApiServerSource', readApiServerSource, undefined,
  {label: 'ApiServerSource', createdVerb: 'successfully created', deletedVerb: 'deleted'})

export const SOURCE_KINDS = [pingSource, containerSource, sinkBinding, apiServerSource]
