// Resolves a duck/v1 Destination to a URL the way Knative's addressable resolver does, with kne's local
// twist: Knative and Kubernetes Services are looked up in the service map instead of cluster DNS (refs, and
// URIs naming a Service's cluster DNS name), and brokers, channels, sequences and parallels resolve to the
// paths the mesh serves them at.
import {addressOf, brokerAddress, type AddressableKind} from '../../kinds/addresses.js'
import {modeledKindOf} from '../../kinds/descriptors.js'
import type {Destination, KReference} from './types.js'
import {resourceKey} from './types.js'

/** Local URLs for Services, keyed by `name` (any namespace) or `namespace/name`. */
export type ServiceMap = Record<string, string>

export interface ResolveContext {
  /** The mesh's base URL, e.g. `http://127.0.0.1:8080`. */
  meshUrl: string
  /** `namespace/name` of every broker the mesh serves. */
  brokers: ReadonlySet<string>
  /** `Kind namespace/name` of every resource the mesh serves at a path of its own besides brokers (see addressableKey). */
  addressables?: ReadonlySet<string>
  services: ServiceMap
}

export type Resolution = {ok: true; uri: string} | {ok: false; reason: string; message: string}

const SERVICE_API_VERSIONS = new Set(['serving.knative.dev/v1', 'v1'])

export {addressOf, brokerAddress, meshAddressOf, type AddressableKind} from '../../kinds/addresses.js'

export function addressableKey(kind: {kind: string}, namespace: string, name: string): string {
  return `${kind.kind} ${resourceKey(namespace, name)}`
}

/** Resolves a destination; `namespace` is the namespace of the resource that holds it. */
export function resolveDestination(destination: Destination, namespace: string, ctx: ResolveContext): Resolution {
  if (destination.ref === undefined) {
    if (!destination.uri) return {ok: false, reason: 'DestinationMissing', message: 'neither ref nor uri is set'}
    return {ok: true, uri: mappedServiceUri(destination.uri, ctx.services) ?? destination.uri}
  }
  const base = resolveRef(destination.ref, namespace, ctx)
  if (!base.ok || !destination.uri) return base
  // RFC 3986 reference resolution, as Go's URL.ResolveReference does: `x` replaces the last segment, `/x` the path.
  return {ok: true, uri: new URL(destination.uri, base.uri).toString()}
}

/** A Kubernetes Service's cluster DNS name: `NAME.NAMESPACE.svc`, optionally followed by `.cluster.local`. */
const SERVICE_HOST = /^([a-z0-9](?:[-a-z0-9]*[a-z0-9])?)\.([a-z0-9](?:[-a-z0-9]*[a-z0-9])?)\.svc(?:\.cluster\.local)?$/

/**
 * A URI whose host is a mapped Service's cluster DNS name, on the Service's local URL (path and query kept):
 * `http://display.default.svc.cluster.local/x` → `http://127.0.0.1:3000/x`. Undefined when it is not one.
 */
function mappedServiceUri(uri: string, services: ServiceMap): string | undefined {
  const url = URL.parse(uri)
  const host = url === null ? null : SERVICE_HOST.exec(url.hostname)
  if (url === null || host === null) return undefined
  const base = services[resourceKey(host[2]!, host[1]!)] ?? services[host[1]!]
  if (base === undefined) return undefined
  return `${base.replace(/\/+$/, '')}${url.pathname === '/' ? '' : url.pathname}${url.search}`
}

function resolveRef(ref: KReference, defaultNamespace: string, ctx: ResolveContext): Resolution {
  const namespace = ref.namespace ?? defaultNamespace
  const addressable = modeledKindOf(ref.apiVersion, ref.kind)
  if (addressable?.role === 'broker') {
    if (!ctx.brokers.has(resourceKey(namespace, ref.name))) {
      return {
        ok: false,
        reason: 'BrokerNotFound',
        message: `${addressable.plural}.${addressable.group} "${ref.name}" not found in namespace "${namespace}"`,
      }
    }
    return {ok: true, uri: brokerAddress(ctx.meshUrl, namespace, ref.name)}
  }
  if (addressable?.ingressPath !== undefined) {
    if (!ctx.addressables?.has(addressableKey(addressable, namespace, ref.name))) {
      return {
        ok: false,
        reason: 'NotFound',
        message: `${addressable.plural}.${addressable.group} "${ref.name}" not found in namespace "${namespace}"`,
      }
    }
    return {ok: true, uri: addressOf(addressable as AddressableKind, ctx.meshUrl, namespace, ref.name)}
  }
  if (ref.kind === 'Service' && SERVICE_API_VERSIONS.has(ref.apiVersion ?? '')) {
    const url = ctx.services[resourceKey(namespace, ref.name)] ?? ctx.services[ref.name]
    if (url === undefined) {
      const what = ref.apiVersion === 'v1' ? 'services' : 'services.serving.knative.dev'
      return {
        ok: false,
        reason: 'ServiceNotMapped',
        message: `${what} "${ref.name}" in namespace "${namespace}" has no local URL: map it in kne.yaml (services: {${ref.name}: http://127.0.0.1:PORT}, or {${ref.name}: {command: ...}} for kne to start it) or pass kne dev --service ${ref.name}=URL`,
      }
    }
    return {ok: true, uri: url}
  }
  return {
    ok: false,
    reason: 'UnsupportedReference',
    message: `kne cannot resolve a reference to ${ref.apiVersion ?? ''} ${ref.kind} "${ref.name}" yet`,
  }
}
