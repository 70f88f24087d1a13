// The kinds the mesh serves at a path of their own, one line per kind family, and where a reference to one is
// served. Light on purpose (see address.ts); kinds.test.ts checks these against the descriptors.
import type {KReference} from '../core/resources/types.js'
import type {KindAddress} from './address.js'
import {BROKER_ADDRESS} from './eventing/address.js'
import {EVENT_TRANSFORM_KIND_ADDRESS} from './event-transform/address.js'
import {PARALLEL_ADDRESS, SEQUENCE_ADDRESS} from './flows/address.js'
import {JOB_SINK_KIND_ADDRESS} from './job-sink/address.js'
import {CHANNEL_ADDRESS, IN_MEMORY_CHANNEL_ADDRESS} from './messaging/address.js'

export const ADDRESSES: readonly KindAddress[] = [
  BROKER_ADDRESS,
  CHANNEL_ADDRESS,
  IN_MEMORY_CHANNEL_ADDRESS,
  SEQUENCE_ADDRESS,
  PARALLEL_ADDRESS,
  EVENT_TRANSFORM_KIND_ADDRESS,
  JOB_SINK_KIND_ADDRESS,
]

const BY_KIND = new Map(ADDRESSES.map((a) => [a.kind, a]))

/** A kind the mesh serves at a path of its own: `/<ingressPath>/<namespace>/<name>` (a broker's is `/<namespace>/<name>`). */
export interface AddressableKind {
  kind: string
  group: string
  plural: string
  ingressPath: string
}

export function brokerAddress(meshUrl: string, namespace: string, name: string): string {
  return `${meshUrl}/${namespace}/${name}`
}

/**
 * Where the mesh serves a resource of an addressable kind. Broker paths have exactly two segments (Knative's
 * broker-ingress answers 400 to any other shape), so the three-segment paths of the others are never taken for one.
 */
export function addressOf(kind: AddressableKind, meshUrl: string, namespace: string, name: string): string {
  return kind.ingressPath === '' ? brokerAddress(meshUrl, namespace, name) : `${meshUrl}/${kind.ingressPath}/${namespace}/${name}`
}

/** Where the mesh serves the resource a reference names, or undefined when it is not of a kind the mesh serves. */
export function meshAddressOf(ref: KReference, meshUrl: string, defaultNamespace: string): string | undefined {
  const kind = BY_KIND.get(ref.kind)
  return kind === undefined ? undefined : addressOf(kind, meshUrl, ref.namespace ?? defaultNamespace, ref.name)
}
