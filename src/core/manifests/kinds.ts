// The kinds kne scaffolds: API version, template, file name and kn's wording for each.

export type ScaffoldKind = 'Broker' | 'Trigger' | 'PingSource' | 'ContainerSource' | 'SinkBinding' | 'ApiServerSource'

export interface KindInfo {
  /** The Kubernetes kind (any kind written the scaffolding's way, not only the ones in KINDS). */
  kind: string
  apiVersion: string
  /** templates/<template>.yaml */
  template: string
  /** kubectl's resource name, e.g. `pingsources.sources.knative.dev` (kn source list's RESOURCE column). */
  resource: string
  /** How kn names it in messages: `Ping source 'x' created in namespace 'y'.` */
  created: (name: string, namespace: string) => string
  deleted: (name: string, namespace: string) => string
}

const info = (kind: ScaffoldKind, apiVersion: string, label: string, createdVerb: string, deletedVerb: string): KindInfo => ({
  kind,
  apiVersion,
  template: kind.toLowerCase(),
  resource: `${kind.toLowerCase()}s.${apiVersion.split('/')[0]}`,
  created: (name, namespace) => `${label} '${name}' ${createdVerb} in namespace '${namespace}'.`,
  deleted: (name, namespace) => `${label} '${name}' ${deletedVerb} in namespace '${namespace}'.`,
})

// kn's messages differ a little from kind to kind (knative/client pkg/kn/commands/*/create.go, delete.go)
export const KINDS: Record<ScaffoldKind, KindInfo> = {
  Broker: info('Broker', 'eventing.knative.dev/v1', 'Broker', 'successfully created', 'successfully deleted'),
  Trigger: info('Trigger', 'eventing.knative.dev/v1', 'Trigger', 'successfully created', 'deleted'),
  PingSource: info('PingSource', 'sources.knative.dev/v1', 'Ping source', 'created', 'deleted'),
  ContainerSource: info('ContainerSource', 'sources.knative.dev/v1', 'ContainerSource', 'created', 'deleted'),
  SinkBinding: info('SinkBinding', 'sources.knative.dev/v1', 'Sink binding', 'created', 'deleted'),
  ApiServerSource: info('ApiServerSource', 'sources.knative.dev/v1', 'ApiServerSource', 'successfully created', 'deleted'),
}

/** The file a new resource goes to: `<kind>-<name>.yaml`, with the namespace when it is not the project's. */
export function manifestFileName(kind: string, name: string, namespace?: string): string {
  return `${kind.toLowerCase()}-${name}${namespace ? `.${namespace}` : ''}.yaml`
}

/** Knative's source kinds live in this API group (kn source list shows every kind in it). */
export const SOURCES_GROUP = 'sources.knative.dev'

export function isSourceKind(apiVersion: string): boolean {
  return apiVersion.split('/')[0] === SOURCES_GROUP
}
