// Resolves a duck/v1 Destination to a URL the way Knative's addressable resolver does, with kne's local
// twist: Knative and Kubernetes Services are looked up in the service map instead of cluster DNS.
import type {Destination, KReference} from './types.js'
import {resourceKey} from './types.js'

/** Local URLs for Services, keyed by `name` (any namespace) or `namespace/name`. */
export type ServiceMap = Record<string, string>

export interface ResolveContext {
  /** The mesh's base URL, e.g. `http://127.0.0.1:8080`. */
  meshUrl: string
  /** `namespace/name` of every broker the mesh serves. */
  brokers: ReadonlySet<string>
  services: ServiceMap
}

export type Resolution = {ok: true; uri: string} | {ok: false; reason: string; message: string}

const SERVICE_API_VERSIONS = new Set(['serving.knative.dev/v1', 'v1'])

export function brokerAddress(meshUrl: string, namespace: string, name: string): string {
  return `${meshUrl}/${namespace}/${name}`
}

/** Resolves a destination; `namespace` is the namespace of the resource that holds it. */
export function resolveDestination(destination: Destination, namespace: string, ctx: ResolveContext): Resolution {
  if (destination.ref === undefined) {
    return destination.uri ? {ok: true, uri: destination.uri} : {ok: false, reason: 'DestinationMissing', message: 'neither ref nor uri is set'}
  }
  const base = resolveRef(destination.ref, namespace, ctx)
  if (!base.ok || !destination.uri) return base
  // RFC 3986 reference resolution, as Go's URL.ResolveReference does: `x` replaces the last segment, `/x` the path.
  return {ok: true, uri: new URL(destination.uri, base.uri).toString()}
}

function resolveRef(ref: KReference, defaultNamespace: string, ctx: ResolveContext): Resolution {
  const namespace = ref.namespace ?? defaultNamespace
  const group = (ref.apiVersion ?? '').split('/')[0]
  if (ref.kind === 'Broker' && group === 'eventing.knative.dev') {
    if (!ctx.brokers.has(resourceKey(namespace, ref.name))) {
      return {ok: false, reason: 'BrokerNotFound', message: `brokers.eventing.knative.dev "${ref.name}" not found in namespace "${namespace}"`}
    }
    return {ok: true, uri: brokerAddress(ctx.meshUrl, namespace, ref.name)}
  }
  if (ref.kind === 'Service' && SERVICE_API_VERSIONS.has(ref.apiVersion ?? '')) {
    const url = ctx.services[resourceKey(namespace, ref.name)] ?? ctx.services[ref.name]
    if (url === undefined) {
      const what = ref.apiVersion === 'v1' ? 'services' : 'services.serving.knative.dev'
      return {
        ok: false,
        reason: 'ServiceNotMapped',
        message: `${what} "${ref.name}" in namespace "${namespace}" has no local URL: map it in kne.yaml (services: {${ref.name}: http://127.0.0.1:PORT}) or pass --service ${ref.name}=URL`,
      }
    }
    return {ok: true, uri: url}
  }
  return {ok: false, reason: 'UnsupportedReference', message: `kne cannot resolve a reference to ${ref.apiVersion ?? ''} ${ref.kind} "${ref.name}" yet`}
}
