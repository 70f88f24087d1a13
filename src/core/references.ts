// Whether the references between manifests resolve: a Trigger's broker, and every Destination (sink,
// subscriber, reply, dead-letter sink, step, branch) and Subscription channel that names a Broker,
// Channel, InMemoryChannel, Sequence or Parallel. A Knative cluster admits such dangling references and
// reports them in status; `kne validate` reports them up front. Services resolve through the service map.
import {ADDRESSABLE_KINDS, resolveDestination, type ServiceMap} from './resources/destination.js'
import {parallelWiring, sequenceWiring} from './flows.js'
import {identity} from './resources/parse.js'
import {
  describeResource, resourceKey,
  type DeliverySpec, type Destination, type KneResource, type KReference, type ManifestError, type ManifestResource,
} from './resources/types.js'

export interface ReferenceReport {
  /** References to resources no manifest defines (they would leave the referrer not Ready). */
  errors: ManifestError[]
  /** References kne cannot check: Services missing from the service map, kinds it does not know. */
  warnings: ManifestError[]
}

/** Kinds whose existence kne checks by name: `group/Kind` → the resource name kubectl uses. */
const CHECKED_KINDS: Record<string, string> = {
  'eventing.knative.dev/Broker': 'brokers',
  ...Object.fromEntries(Object.entries(ADDRESSABLE_KINDS).map(([kind, {group, plural}]) => [`${group}/${kind}`, plural])),
}

interface Reference {
  field: string
  /** The Destination (a Trigger's broker and a Subscription's channel become refs). */
  destination: Destination
  /** Missing is only a warning (e.g. an EventType's reference, which does not route events). */
  advisory?: boolean
}

/** Checks every reference of `resources` against the resources themselves and the service map. */
export function checkReferences(resources: readonly ManifestResource[], options: {services?: ServiceMap} = {}): ReferenceReport {
  const defined = new Set([...resources.map(identity), ...impliedChannels(resources)])
  const brokers = new Set(resources.filter((r) => r.kind === 'Broker' && groupOf(r.apiVersion) === 'eventing.knative.dev')
    .map((r) => resourceKey(r.metadata.namespace, r.metadata.name)))
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
          const problem = {...at, field, message: `${plural}.${group} "${ref.name}" not found in namespace "${refNamespace}": no manifest defines ${ref.kind} ${refNamespace}/${ref.name}`}
          ;(advisory ? report.warnings : report.errors).push(problem)
        }
        continue
      }
      const resolved = resolveDestination(destination, namespace, ctx)
      if (resolved.ok) continue
      if (resolved.reason === 'UnsupportedReference' && defined.has(identity({apiVersion: ref.apiVersion ?? '', kind: ref.kind, metadata: {namespace: refNamespace, name: ref.name}}))) continue
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
  const imc = (namespace: string, name: string): string =>
    identity({apiVersion: 'messaging.knative.dev/v1', kind: 'InMemoryChannel', metadata: {namespace, name}})
  return resources.flatMap((r) => {
    if ('supported' in r) return []
    if (r.kind === 'Channel') return [imc(r.metadata.namespace, r.metadata.name)]
    if (r.kind === 'Sequence') return sequenceWiring(r).channels.map((c) => imc(c.namespace, c.name))
    if (r.kind === 'Parallel') {
      const wiring = parallelWiring(r)
      return [wiring.ingress, ...wiring.branches.map((b) => b.channel)].map((c) => imc(c.namespace, c.name))
    }
    return []
  })
}

/** Every reference a resource makes, with the field that makes it. */
export function referencesOf(resource: KneResource): Reference[] {
  const out: Reference[] = []
  const destination = (field: string, d: Destination | undefined): void => {
    if (d) out.push({field, destination: d})
  }
  const delivery = (field: string, d: DeliverySpec | undefined): void => destination(`${field}.deadLetterSink`, d?.deadLetterSink)
  const ref = (field: string, r: KReference | undefined, advisory = false): void => {
    if (r) out.push({field, destination: {ref: r}, advisory})
  }
  switch (resource.kind) {
    case 'Broker':
      delivery('spec.delivery', resource.spec.delivery)
      break
    case 'Trigger':
      ref('spec.broker', {apiVersion: 'eventing.knative.dev/v1', kind: 'Broker', name: resource.spec.broker, namespace: resource.metadata.namespace})
      destination('spec.subscriber', resource.spec.subscriber)
      delivery('spec.delivery', resource.spec.delivery)
      break
    case 'EventType':
      ref('spec.reference', resource.spec.reference, true)
      if (resource.spec.broker) ref('spec.broker', {apiVersion: 'eventing.knative.dev/v1', kind: 'Broker', name: resource.spec.broker}, true)
      break
    case 'PingSource':
    case 'ContainerSource':
    case 'SinkBinding':
    case 'ApiServerSource':
      destination('spec.sink', resource.spec.sink)
      break
    case 'Channel':
    case 'InMemoryChannel':
      delivery('spec.delivery', resource.spec.delivery)
      break
    case 'Subscription':
      ref('spec.channel', resource.spec.channel)
      destination('spec.subscriber', resource.spec.subscriber)
      destination('spec.reply', resource.spec.reply)
      delivery('spec.delivery', resource.spec.delivery)
      break
    case 'Sequence':
      resource.spec.steps.forEach((step, i) => {
        destination(`spec.steps[${i}]`, step)
        delivery(`spec.steps[${i}].delivery`, step.delivery)
      })
      destination('spec.reply', resource.spec.reply)
      break
    case 'Parallel':
      resource.spec.branches.forEach((branch, i) => {
        destination(`spec.branches[${i}].filter`, branch.filter)
        destination(`spec.branches[${i}].subscriber`, branch.subscriber)
        destination(`spec.branches[${i}].reply`, branch.reply)
        delivery(`spec.branches[${i}].delivery`, branch.delivery)
      })
      destination('spec.reply', resource.spec.reply)
      break
  }
  return out
}

function groupOf(apiVersion: string): string {
  return apiVersion.includes('/') ? apiVersion.split('/')[0]! : ''
}
