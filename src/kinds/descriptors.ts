// Every kind kne models, one line per kind family, and the questions the rest of kne asks about a kind.
// A Knative kind that is not here is kept as an "other" resource; a known kind at an apiVersion Knative no
// longer serves is refused.
import type {KindContext} from '../core/resources/read.js'
import type {KneKind, KneResource, ManifestError, ManifestResource} from '../core/resources/types.js'
import {describeResource} from '../core/resources/types.js'
import type {KindDescriptor, KindRole, Reference} from './descriptor.js'
import {EVENTING_KINDS} from './eventing/descriptor.js'
import {EVENT_TRANSFORM_KINDS} from './event-transform/descriptor.js'
import {FLOW_KINDS} from './flows/descriptor.js'
import {JOB_SINK_KINDS} from './job-sink/descriptor.js'
import {MESSAGING_KINDS} from './messaging/descriptor.js'
import {SOURCE_KINDS, SOURCES_GROUP} from './sources/descriptor.js'

export const DESCRIPTORS: readonly KindDescriptor[] = [
  ...EVENTING_KINDS,
  ...SOURCE_KINDS,
  ...MESSAGING_KINDS,
  ...FLOW_KINDS,
  ...JOB_SINK_KINDS,
  ...EVENT_TRANSFORM_KINDS,
]

const BY_KIND = new Map<string, KindDescriptor>(DESCRIPTORS.map((d) => [d.kind, d]))

/** Knative API groups kne knows; a kind from one of them that kne does not model is kept and reported as such. */
export const KNATIVE_GROUPS = [
  'eventing.knative.dev',
  'messaging.knative.dev',
  'flows.knative.dev',
  'sources.knative.dev',
  'sinks.knative.dev',
]

/** The descriptor of a kind kne models (any version), or undefined. */
export function descriptorOf(kind: string): KindDescriptor | undefined {
  return BY_KIND.get(kind)
}

/** The descriptor of a kind kne models, for a resource already read. */
export function descriptorFor<R extends KneResource>(resource: R): KindDescriptor<R> {
  return BY_KIND.get(resource.kind) as unknown as KindDescriptor<R>
}

/** What the parser needs of a modeled kind at one apiVersion. */
export interface KindDefinition {
  apiVersion: string
  kind: string
  specFields?: readonly string[]
  read(ctx: KindContext): object
}

const BY_TYPE = new Map<string, KindDefinition>(
  DESCRIPTORS.flatMap((d) =>
    d.versions.map(
      (v) =>
        [
          `${v.apiVersion} ${d.kind}`,
          {apiVersion: v.apiVersion, kind: d.kind, ...(v.specFields ? {specFields: v.specFields} : {}), read: d.read},
        ] as const,
    ),
  ),
)

function kindDefinition(apiVersion: string, kind: string): KindDefinition | undefined {
  return BY_TYPE.get(`${apiVersion} ${kind}`)
}

export type VersionVerdict =
  {known: true; definition: KindDefinition} | {known: false; group: string; knative: boolean; deprecated?: string; served?: string[]}

/** What kne makes of an apiVersion and kind: a modeled kind, a deprecated or unserved version of one, or another kind. */
export function classifyKind(apiVersion: string, kind: string): VersionVerdict {
  const definition = kindDefinition(apiVersion, kind)
  if (definition) return {known: true, definition}
  const [group, version] = apiVersion.includes('/') ? (apiVersion.split('/') as [string, string]) : ['', apiVersion]
  const knative = KNATIVE_GROUPS.includes(group)
  const descriptor = BY_KIND.get(kind)
  if (descriptor === undefined || descriptor.group !== group) return {known: false, group, knative}
  const served = descriptor.versions.map((v) => v.apiVersion)
  const deprecated = descriptor.deprecatedVersions?.includes(version) ? version : undefined
  return {known: false, group, knative, served, ...(deprecated ? {deprecated} : {})}
}

/** Every kind kne models, by apiVersion (for docs, scaffolding and tests). */
export function modeledKinds(): {apiVersion: string; kind: string}[] {
  return DESCRIPTORS.flatMap((d) => d.versions.map(({apiVersion}) => ({apiVersion, kind: d.kind})))
}

function groupOf(apiVersion: string): string {
  return apiVersion.includes('/') ? apiVersion.split('/')[0]! : ''
}

/** The descriptor of the kind a reference or a written resource names, when its API group is the kind's. */
export function modeledKindOf(apiVersion: string | undefined, kind: string): KindDescriptor | undefined {
  const descriptor = BY_KIND.get(kind)
  return descriptor !== undefined && descriptor.group === groupOf(apiVersion ?? '') ? descriptor : undefined
}

export {SOURCES_GROUP}

/** The one "is this a source" test: a kind in the sources group (kn source list shows every kind in it), modeled or not. */
export function isSourceKind(apiVersion: string, kind?: string): boolean {
  const group = groupOf(apiVersion)
  if (group !== '') return group === SOURCES_GROUP
  return kind !== undefined && (BY_KIND.get(kind)?.role === 'source' || /Source$/.test(kind))
}

/** What a kind is to the mesh, by its name; undefined for a kind kne does not model. */
export function roleOf(kind: string): KindRole | undefined {
  return BY_KIND.get(kind)?.role
}

/** The resources of one kind, typed: `resourcesOf(resources, triggerKind)`. */
export function resourcesOf<K extends KneKind>(
  resources: readonly ManifestResource[],
  {kind}: {kind: K},
): Extract<KneResource, {kind: K}>[] {
  return resources.filter((r): r is Extract<KneResource, {kind: K}> => !('supported' in r) && r.kind === kind)
}

/** Whether a resource's kind plays `role` (the mesh compiles resources by role, never by kind name). */
export function hasRole(resource: {apiVersion: string; kind: string}, role: KindRole): boolean {
  return modeledKindOf(resource.apiVersion, resource.kind)?.role === role
}

/** Every reference a resource holds, with the field that holds it. */
export function referencesOf(resource: KneResource): Reference[] {
  return descriptorFor(resource).references(resource)
}

/** The kinds `kne dev` runs; the others load, validate and export, and are reported as not emulated. */
export const EMULATED_KINDS: ReadonlySet<string> = new Set(DESCRIPTORS.filter((d) => d.emulated).map((d) => d.kind))

export function isEmulated(resource: ManifestResource): boolean {
  return !('supported' in resource) && EMULATED_KINDS.has(resource.kind)
}

/** Resources that load but that the mesh does not run. */
export function notEmulated(manifests: {resources: readonly ManifestResource[]; others: readonly ManifestResource[]}): ManifestResource[] {
  return [...manifests.resources, ...manifests.others].filter((r) => !isEmulated(r))
}

/** A warning per typed resource the mesh does not run (other Knative kinds were warned about when they loaded). */
export function notEmulatedWarnings(manifests: {resources: readonly KneResource[]}): ManifestError[] {
  return manifests.resources
    .filter((r) => !isEmulated(r))
    .map((r) => ({
      file: r.origin.file,
      document: r.origin.document,
      resource: describeResource(r),
      message: `not emulated: kne dev runs ${[...EMULATED_KINDS].join(', ')} for now; this ${r.kind} is checked and exported but has no effect`,
    }))
}
