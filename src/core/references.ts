// Whether the references between manifests resolve: a Trigger's broker, and every Destination (sink,
// subscriber, reply, dead-letter sink, step, branch) and Subscription channel that names a Broker,
// Channel, InMemoryChannel, Sequence or Parallel. A Knative cluster admits such dangling references and
// reports them in status; `kne validate` reports them up front. Services resolve through the service map.
import type {Reference} from '../kinds/descriptor.js'
import {BACKING_CHANNEL} from '../kinds/messaging/descriptor.js'
import {DESCRIPTORS, descriptorFor, hasRole, referencesOf} from '../kinds/descriptors.js'
import {resolveDestination, type ServiceMap} from './resources/destination.js'
import {identity} from './resources/parse.js'
import {describeResource, resourceKey, type ManifestError, type ManifestResource} from './resources/types.js'

export {referencesOf, type Reference}

export interface ReferenceReport {
  /** References to resources no manifest defines (they would leave the referrer not Ready). */
  errors: ManifestError[]
  /** References kne cannot check: Services missing from the service map, kinds it does not know. */
  warnings: ManifestError[]
}

/** Kinds whose existence kne checks by name (every kind the mesh serves): `group/Kind` → the resource name kubectl uses. */
const CHECKED_KINDS: Record<string, string> = Object.fromEntries(
  DESCRIPTORS.filter((d) => d.ingressPath !== undefined).map((d) => [`${d.group}/${d.kind}`, d.plural]),
)

/** Checks every reference of `resources` against the resources themselves and the service map. */
export function checkReferences(resources: readonly ManifestResource[], options: {services?: ServiceMap} = {}): ReferenceReport {
  const defined = new Set([...resources.map(identity), ...impliedChannels(resources)])
  const brokers = new Set(resources.filter((r) => hasRole(r, 'broker')).map((r) => resourceKey(r.metadata.namespace, r.metadata.name)))
  const ctx = {meshUrl: 'http://kne.invalid', brokers, services: options.services ?? {}}
  const report: ReferenceReport = {errors: [], warnings: []}
  for (const resource of resources) {
    if ('supported' in resource) continue
    const {namespace} = resource.metadata
    const at = {file: resource.origin.file, document: resource.origin.document, resource: describeResource(resource)}
    for (const {field, destination, advisory} of referencesOf(resource)) {
      const ref = destination.ref
      if (ref === undefined) continue // a URI: nothing to look up
      const refNamespace = ref.namespace || namespace
      const group = groupOf(ref.apiVersion ?? '')
      const plural = CHECKED_KINDS[`${group}/${ref.kind}`]
      if (plural !== undefined) {
        const target = {apiVersion: ref.apiVersion ?? '', kind: ref.kind, metadata: {namespace: refNamespace, name: ref.name}}
        if (!defined.has(identity(target))) {
          const problem = {
            ...at,
            field,
            message: `${plural}.${group} "${ref.name}" not found in namespace "${refNamespace}": no manifest defines ${ref.kind} ${refNamespace}/${ref.name}`,
          }
          ;(advisory ? report.warnings : report.errors).push(problem)
        }
        continue
      }
      const resolved = resolveDestination(destination, namespace, ctx)
      if (resolved.ok) continue
      if (
        resolved.reason === 'UnsupportedReference' &&
        defined.has(identity({apiVersion: ref.apiVersion ?? '', kind: ref.kind, metadata: {namespace: refNamespace, name: ref.name}}))
      )
        continue
      report.warnings.push({...at, field, message: resolved.message})
    }
  }
  return report
}

/**
 * Identities of the channels that exist without a manifest of their own, as Knative's reconcilers create
 * them: a Channel's backing InMemoryChannel of the same name, and the channels of every Sequence and Parallel.
 */
function impliedChannels(resources: readonly ManifestResource[]): string[] {
  const apiVersion = BACKING_CHANNEL.versions.at(-1)!.apiVersion
  return resources.flatMap((r) => {
    if ('supported' in r) return []
    return (descriptorFor(r).impliedChannels?.(r) ?? []).map(({namespace, name}) =>
      identity({apiVersion, kind: BACKING_CHANNEL.kind, metadata: {namespace, name}}),
    )
  })
}

function groupOf(apiVersion: string): string {
  return apiVersion.includes('/') ? apiVersion.split('/')[0]! : ''
}
