// sources.knative.dev: PingSource, ContainerSource, SinkBinding, ApiServerSource; each sends to spec.sink.
import {apiServerSourceContributions, pingSourceContribution} from '../../core/registry/contributions.js'
import {readPingSource} from '../../core/resources/ping.js'
import {readApiServerSource, readContainerSource, readSinkBinding} from '../../core/resources/sources.js'
import type {ApiServerSource, ContainerSource, PingSource, SinkBinding} from '../../core/resources/types.js'
import {defineKind, referenceList, type KindDescriptor, type ScaffoldNaming} from '../descriptor.js'

export const SOURCES_GROUP = 'sources.knative.dev'
const API_VERSION = `${SOURCES_GROUP}/v1`
const SOURCE_FIELDS = ['sink', 'ceOverrides']

type Source = PingSource | ContainerSource | SinkBinding | ApiServerSource

/** What every source kind shares: the group, the role, and its one reference, spec.sink. */
function source<R extends Source>(
  kind: R['kind'],
  read: KindDescriptor<R>['read'],
  specFields: string[] | undefined,
  scaffold: ScaffoldNaming,
  more: Pick<KindDescriptor<R>, 'deprecatedVersions' | 'describeFields' | 'registryEvents'> = {},
): KindDescriptor & {readonly kind: R['kind']} {
  return defineKind<R>({
    kind,
    group: SOURCES_GROUP,
    plural: `${kind.toLowerCase()}s`,
    role: 'source',
    emulated: true,
    versions: [{apiVersion: API_VERSION, ...(specFields ? {specFields: [...specFields, ...SOURCE_FIELDS]} : {})}],
    ...more,
    read,
    references(resource) {
      const refs = referenceList()
      refs.destination('spec.sink', resource.spec.sink)
      return refs.out
    },
    scaffold,
  })
}

export const pingSourceKind = source<PingSource>(
  'PingSource',
  readPingSource,
  ['schedule', 'timezone', 'contentType', 'data', 'dataBase64'],
  {label: 'Ping source', createdVerb: 'created', deletedVerb: 'deleted'},
  {
    deprecatedVersions: ['v1beta2'],
    describeFields: [
      {label: 'Schedule', field: 'schedule'},
      {label: 'Timezone', field: 'timezone'},
      {label: 'Content type', field: 'contentType'},
      {label: 'Data', field: 'data'},
      {label: 'Data (base64)', field: 'dataBase64'},
    ],
    registryEvents: (resource, brokerOf) => ({contributions: [pingSourceContribution(resource, brokerOf)], problems: []}),
  },
)
export const containerSourceKind = source<ContainerSource>('ContainerSource', readContainerSource, ['template'], {
  label: 'ContainerSource',
  createdVerb: 'created',
  deletedVerb: 'deleted',
})
export const sinkBindingKind = source<SinkBinding>('SinkBinding', readSinkBinding, ['subject'], {
  label: 'Sink binding',
  createdVerb: 'created',
  deletedVerb: 'deleted',
})
export const apiServerSourceKind = source<ApiServerSource>(
  'ApiServerSource',
  readApiServerSource,
  undefined,
  {label: 'ApiServerSource', createdVerb: 'successfully created', deletedVerb: 'deleted'},
  {
    registryEvents: (resource, brokerOf) => ({contributions: apiServerSourceContributions(resource, brokerOf), problems: []}),
  },
)

export const SOURCE_KINDS = [pingSourceKind, containerSourceKind, sinkBindingKind, apiServerSourceKind]
