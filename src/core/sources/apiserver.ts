// ApiServerSource events (semantics §5.3; pkg/adapter/apiserver/events): what Knative's adapter sends
// when a watched object is added, updated or deleted. kne has no Kubernetes API server: the objects it
// watches are the resources of the manifests kne runs, and their changes are the edits hot reload sees.
import type {CloudEvent} from '../cloudevent.js'
import type {ApiServerSource, ObjectMeta} from '../resources/types.js'
import {applyCeOverrides, cloudEventTime} from './events.js'
import {goJson, goJsonStruct} from './go-json.js'
import {matchesLabelSelector} from './selector.js'

/** `source` of every event: kne stands in for the in-cluster API server address. */
export const API_SERVER_SOURCE_URL = 'https://kubernetes.default.svc'

export type ApiServerOperation = 'add' | 'update' | 'delete'

/** A resource as the watch sees it. */
export interface WatchedObject {
  apiVersion: string
  kind: string
  metadata: Pick<ObjectMeta, 'name' | 'namespace' | 'labels'>
  /** The document as written. */
  manifest: Record<string, unknown>
}

/** One change hot reload saw: added (no before), removed (no after), or changed. */
export interface ObjectChange {
  before?: WatchedObject
  after?: WatchedObject
}

export function apiServerEventType(mode: ApiServerSource['spec']['mode'], op: ApiServerOperation): string {
  return `dev.knative.apiserver.${mode === 'Resource' ? 'resource' : 'ref'}.${op}`
}

function groupOf(apiVersion: string): string {
  return apiVersion.includes('/') ? apiVersion.split('/')[0]! : ''
}

// Kubernetes labels every namespace with its own name; kne has no other namespace labels
const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name'

/** The spec.resources entry that watches the object (same API group and kind, selector matched), if any. */
export function watchingResource(source: ApiServerSource, object: WatchedObject): ApiServerSource['spec']['resources'][number] | undefined {
  const {spec, metadata} = source
  const namespace = object.metadata.namespace
  const inScope = spec.namespaceSelector
    ? matchesLabelSelector(spec.namespaceSelector, {[NAMESPACE_NAME_LABEL]: namespace})
    : namespace === metadata.namespace
  if (!inScope) return undefined
  if (spec.owner && !controlledBy(object, spec.owner)) return undefined
  return spec.resources.find(
    (r) =>
      r.kind === object.kind &&
      groupOf(r.apiVersion) === groupOf(object.apiVersion) &&
      (r.selector === undefined || matchesLabelSelector(r.selector, object.metadata.labels)),
  )
}

function controlledBy(object: WatchedObject, owner: {apiVersion: string; kind: string}): boolean {
  const refs = (object.manifest.metadata as {ownerReferences?: unknown} | undefined)?.ownerReferences
  return (
    Array.isArray(refs) &&
    refs.some((r) => {
      const ref = r as {apiVersion?: unknown; kind?: unknown; controller?: unknown}
      return ref.controller === true && ref.kind === owner.kind && ref.apiVersion === owner.apiVersion
    })
  )
}

/**
 * What the source's watch reports for a change. A watch with a label selector sees an object that starts
 * matching as added and one that stops matching as deleted.
 */
export function watchedOperations(
  source: ApiServerSource,
  change: ObjectChange,
): {op: ApiServerOperation; object: WatchedObject; apiVersion: string}[] {
  const before = change.before && watchingResource(source, change.before)
  const after = change.after && watchingResource(source, change.after)
  if (after && before) return [{op: 'update', object: change.after!, apiVersion: after.apiVersion}]
  if (after) return [{op: 'add', object: change.after!, apiVersion: after.apiVersion}]
  if (before) return [{op: 'delete', object: change.before!, apiVersion: before.apiVersion}]
  return []
}

/** `/apis/<apiVersion>/namespaces/<ns>/<kind>s/<name>`, with Knative's `/versionUnknown` for a bare group. */
export function selfLink(apiVersion: string, kind: string, namespace: string, name: string): string {
  const version = apiVersion.includes('.') && !apiVersion.includes('/') ? `${apiVersion}/versionUnknown` : apiVersion
  return `/apis/${version}/namespaces/${namespace}/${kind.toLowerCase()}s/${name}`
}

/**
 * The event for one operation. `apiVersion` is the version the source watches (the API server serves every
 * object at it). Resource mode carries the object, Reference mode its ObjectReference, both as Go marshals them.
 */
export function apiServerEvent(
  source: ApiServerSource,
  op: ApiServerOperation,
  object: WatchedObject,
  apiVersion: string,
  at: {id: string; timeMs: number},
): CloudEvent {
  const {kind} = object
  const {name, namespace} = object.metadata
  const data =
    source.spec.mode === 'Resource'
      ? goJson({
          ...object.manifest,
          apiVersion,
          metadata: {...(object.manifest.metadata as Record<string, unknown> | undefined), namespace},
        })
      : goJsonStruct([
          ['kind', kind],
          ['namespace', namespace],
          ['name', name],
          ['apiVersion', apiVersion],
        ])
  const event: CloudEvent = {
    specversion: '1.0',
    id: at.id,
    source: API_SERVER_SOURCE_URL,
    type: apiServerEventType(source.spec.mode, op),
    subject: selfLink(apiVersion, kind, namespace, name),
    time: cloudEventTime(at.timeMs),
    datacontenttype: 'application/json',
    // copied so that triggers can filter on them
    extensions: {kind, apiversion: apiVersion, name, namespace},
    data: Buffer.from(data, 'utf8'),
  }
  return applyCeOverrides(event, source.spec.ceOverrides)
}
