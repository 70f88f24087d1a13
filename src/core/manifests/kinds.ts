// The kinds kne scaffolds: API version, template, file name and kn's wording for each, from their descriptors.
import {DESCRIPTORS} from '../../kinds/descriptors.js'

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

// kn's messages differ a little from kind to kind: each descriptor's scaffold naming says how
export const KINDS = Object.fromEntries(
  DESCRIPTORS.flatMap((d): [string, KindInfo][] => {
    if (d.scaffold === undefined) return []
    const {label, createdVerb, deletedVerb} = d.scaffold
    const apiVersion = d.versions.at(-1)!.apiVersion
    return [
      [
        d.kind,
        {
          kind: d.kind,
          apiVersion,
          template: d.kind.toLowerCase(),
          resource: `${d.plural}.${d.group}`,
          created: (name, namespace) => `${label} '${name}' ${createdVerb} in namespace '${namespace}'.`,
          deleted: (name, namespace) => `${label} '${name}' ${deletedVerb} in namespace '${namespace}'.`,
        },
      ],
    ]
  }),
) as Record<ScaffoldKind, KindInfo>

/** What the scaffolding knows of a kind by its name (any kind with a descriptor's scaffold naming). */
export function kindInfo(kind: string): KindInfo | undefined {
  return (KINDS as Record<string, KindInfo | undefined>)[kind]
}

/** The file a new resource goes to: `<kind>-<name>.yaml`, with the namespace when it is not the project's. */
export function manifestFileName(kind: string, name: string, namespace?: string): string {
  return `${kind.toLowerCase()}-${name}${namespace ? `.${namespace}` : ''}.yaml`
}

export {isSourceKind, SOURCES_GROUP} from '../../kinds/descriptors.js'
