// What the AsyncAPI and xRegistry documents share: the registry's entries grouped by the broker or channel
// their events come through, each with the address producers send to, and the names both formats give them.
import type {ManifestResource, Subscription, Trigger} from '../resources/types.js'
import {eventTypeNames} from './export.js'
import type {RegistryEntry, RegistryReference} from './types.js'
import {meshAddressOf} from '../../kinds/addresses.js'
import {hasRole, resourcesOf} from '../../kinds/descriptors.js'
import {triggerKind} from '../../kinds/eventing/descriptor.js'
import {subscriptionKind} from '../../kinds/messaging/descriptor.js'

export interface DocumentInput {
  entries: readonly RegistryEntry[]
  /** Every resource the registry was built from (brokers, channels and triggers are read). */
  resources: readonly ManifestResource[]
  /** Where the mesh listens (`http://127.0.0.1:8080`): the running mesh's URL, else kne.yaml's port. */
  meshUrl: string
  /** Only this broker (`namespace/name`): its ingress, the types flowing into it, its triggers. */
  broker?: string
}

/** A broker or channel producers send to, and the types known to come through it. */
export interface DocumentGroup {
  /** `<namespace>.<kind>.<name>` (lower case), or `<namespace>` for types without a reference. */
  id: string
  namespace: string
  reference?: RegistryReference
  /** Its HTTP ingress, when the mesh serves it. */
  url?: string
  entries: {entry: RegistryEntry; name: string; id: string}[]
}

/** The registry's entries by broker or channel (those without entries too); the EventType names each would be exported with. */
export function documentGroups(input: DocumentInput): DocumentGroup[] {
  const groups = new Map<string, DocumentGroup>()
  const groupOf = (namespace: string, reference: RegistryReference | undefined): DocumentGroup => {
    const id = reference ? xid(`${reference.namespace}.${reference.kind.toLowerCase()}.${reference.name}`) : xid(namespace)
    let group = groups.get(id)
    if (!group) {
      group = {id, namespace: reference?.namespace ?? namespace, entries: []}
      if (reference) {
        group.reference = reference
        const url = meshAddressOf(reference, input.meshUrl, reference.namespace)
        if (url) group.url = url
      }
      groups.set(id, group)
    }
    return group
  }
  for (const r of input.resources) {
    if ('supported' in r || !(hasRole(r, 'broker') || hasRole(r, 'channel'))) continue
    const reference = {apiVersion: r.apiVersion, kind: r.kind, name: r.metadata.name, namespace: r.metadata.namespace}
    if (input.broker === undefined || (hasRole(r, 'broker') && `${reference.namespace}/${reference.name}` === input.broker))
      groupOf(reference.namespace, reference)
  }
  const entries = input.entries.filter((e) => input.broker === undefined || e.broker === input.broker)
  const names = eventTypeNames(entries)
  for (const entry of entries) {
    const group = groupOf(entry.namespace, entry.reference)
    const taken = new Set(group.entries.map((e) => e.id))
    let id = xid(entry.type)
    for (let n = 2; taken.has(id); n++) id = xid(`${entry.type}-${n}`)
    group.entries.push({entry, name: names.get(entry)!, id})
  }
  return [...groups.values()].sort((a, b) => a.id.localeCompare(b.id))
}

/** The subscriptions to a channel of the document (none when it is limited to one broker). */
export function documentSubscriptions(input: DocumentInput): Subscription[] {
  return input.broker === undefined ? resourcesOf(input.resources, subscriptionKind) : []
}

/** The triggers of the document: every trigger, or the one broker's. */
export function documentTriggers(input: DocumentInput): Trigger[] {
  return resourcesOf(input.resources, triggerKind).filter(
    (t) => input.broker === undefined || `${t.metadata.namespace}/${t.spec.broker}` === input.broker,
  )
}

/** An id both formats accept (xRegistry: `[a-zA-Z0-9_][a-zA-Z0-9_.\-~:@]{0,127}`; AsyncAPI's component keys are narrower). */
export function xid(text: string): string {
  const id = text.replace(/[^A-Za-z0-9_.-]+/g, '_').replace(/^[.-]+/, '_')
  return (id || '_').slice(0, 128)
}

/** `Broker default/orders`, or `namespace default` for types without a reference: for titles and descriptions. */
export function describeGroup(group: DocumentGroup): string {
  return group.reference ? `${group.reference.kind} ${group.reference.namespace}/${group.reference.name}` : `namespace ${group.namespace}`
}
