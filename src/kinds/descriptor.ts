// What kne knows about one Knative kind, in one place: its API versions and spec fields, its reader
// (parsing, validation, defaults), the references it holds, whether and where the mesh serves it, whether
// the mesh runs it, and how the scaffolding names it. Pure: descriptors sit in the core layer.
import type {BrokerOf, Contribution} from '../core/registry/contributions.js'
import type {TemplateValues} from '../core/manifests/render.js'
import type {KindContext} from '../core/resources/read.js'
import type {DeliverySpec, Destination, KReference, ResourceBase} from '../core/resources/types.js'

/** What a kind is to the mesh; the one place that says whether a kind is a source, a channel, a broker. */
export type KindRole = 'broker' | 'trigger' | 'eventtype' | 'source' | 'channel' | 'subscription' | 'flow' | 'sink' | 'transform'

export interface KindVersion {
  apiVersion: string
  /** The spec fields the CRD lists; undefined where the CRD keeps unknown fields (x-kubernetes-preserve-unknown-fields). */
  specFields?: readonly string[]
}

/** One reference a resource makes (a Destination, or a ref written as one), with the field that makes it. */
export interface Reference {
  field: string
  destination: Destination
  /** Missing is only a warning (e.g. an EventType's reference, which does not route events). */
  advisory?: boolean
}

/** A channel that exists without a manifest of its own, as Knative's reconcilers create it. */
export interface ImpliedChannel {
  namespace: string
  name: string
}

/** How the scaffolding and kn's messages name a kind (knative/client pkg/kn/commands/<kind>/create.go, delete.go). */
export interface ScaffoldNaming {
  /** kn's label in messages: `Ping source 'x' created in namespace 'y'.` */
  label: string
  createdVerb: string
  deletedVerb: string
  /**
   * The values its template is rendered with, from kn-style options (name and namespace included, --sink as a
   * Destination); a kind added as one module brings them here, and `scaffoldKind` creates it (the first kinds
   * have their builders).
   */
  values?: (options: {name: string; namespace?: string; sink?: Destination} & Record<string, unknown>) => TemplateValues
  /** Options create asks for in a terminal when their flag is missing (without one it exits 2 naming the flag). */
  asks?: readonly {option: string; flag: string; message: string}[]
}

/** Any kind's resource: the kinds of KneResource, and a new kind's type defined in its own module. */
export type AnyResource = ResourceBase<string, object>

export interface KindDescriptor<R extends AnyResource = AnyResource> {
  kind: R['kind']
  /** The API group, e.g. `sources.knative.dev`. */
  group: string
  /** kubectl's resource name in the group, e.g. `pingsources`. */
  plural: string
  /** The versions kne reads, newest last. */
  versions: readonly KindVersion[]
  /** Older versions Knative still serves (deprecated): kept as other resources with a hint, not refused. */
  deprecatedVersions?: readonly string[]
  role: KindRole
  /** Whether `kne dev` runs it (the others load, validate and export, and are reported as not emulated). */
  emulated: boolean
  /** Reads and checks the spec, with Knative's webhook defaults applied. */
  read: (ctx: KindContext) => R['spec']
  /** Every reference the resource holds. */
  references(resource: R): Reference[]
  /**
   * The first path segment the mesh serves it under (`/<ingressPath>/<namespace>/<name>`); `''` for a broker
   * (`/<namespace>/<name>`, Knative's broker-ingress path); undefined when it is not addressable.
   */
  ingressPath?: string
  /** Its prefix in kn's sink grammar (`broker:NAME`), when a --sink or --to may name it. */
  sinkPrefix?: string
  /** The channels it makes exist (a Channel's backing InMemoryChannel, a flow's channels). */
  impliedChannels?(resource: R): ImpliedChannel[]
  /** Present for the kinds kne scaffolds (templates/<kind lowercased>.yaml). */
  scaffold?: ScaffoldNaming
  /** Problems worth a warning that do not make the resource invalid (kne validate's and create's warnings). */
  advisories?(resource: R): {field: string; message: string}[]
  /** Spec fields `describe` shows as `Label: value`, by dotted path (beyond the name, sink and status every kind shows). */
  describeFields?: readonly {label: string; field: string}[]
  /** The event types it declares or produces, for the event registry. */
  registryEvents?(resource: R, brokerOf: BrokerOf): RegistryEvents
}

/** What a resource adds to the event registry, and the problems that kept it from adding more. */
export interface RegistryEvents {
  contributions: Contribution[]
  problems: string[]
}

/** Collects references: the helpers every descriptor uses to list the ones it holds. */
/** The references of a kind whose only reference is its spec.delivery (its dead-letter sink). */
export function deliveryReferences(resource: {spec: {delivery?: DeliverySpec}}): Reference[] {
  const refs = referenceList()
  refs.delivery('spec.delivery', resource.spec.delivery)
  return refs.out
}

export function referenceList(): {
  out: Reference[]
  destination(field: string, d: Destination | undefined): void
  delivery(field: string, d: DeliverySpec | undefined): void
  ref(field: string, r: KReference | undefined, advisory?: boolean): void
} {
  const out: Reference[] = []
  const destination = (field: string, d: Destination | undefined): void => {
    if (d) out.push({field, destination: d})
  }
  return {
    out,
    destination,
    delivery: (field, d) => destination(`${field}.deadLetterSink`, d?.deadLetterSink),
    ref: (field, r, advisory = false) => {
      if (r) out.push({field, destination: {ref: r}, advisory})
    },
  }
}

/** Types a descriptor of one kind for the list of all kinds. */
export function defineKind<R extends AnyResource>(descriptor: KindDescriptor<R>): KindDescriptor & {readonly kind: R['kind']} {
  return descriptor
}
