// kubectl-ready manifests: each resource as it was written, with its namespace filled in, without what
// the cluster owns (status, server-set metadata) or prunes (nulls), keys in a stable, conventional order.
// Knative's webhook defaults are not added: the cluster applies its own. Refs stay refs.
import {stringify} from 'yaml'
import {isObject, keySegment} from './read.js'
import type {ManifestResource} from './types.js'

/** Metadata the API server sets; a manifest that carries them is a dump, not something to apply. */
const SERVER_METADATA = [
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'managedFields',
  'selfLink',
]
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration'

const TOP_ORDER = ['apiVersion', 'kind', 'metadata', 'spec']
const METADATA_ORDER = ['name', 'generateName', 'namespace', 'labels', 'annotations']
/** How Knative's docs and kn write each kind's spec. */
const SPEC_ORDER: Record<string, readonly string[]> = {
  Broker: ['config', 'delivery'],
  Trigger: ['broker', 'brokerRef', 'filter', 'filters', 'subscriber', 'delivery'],
  EventType: ['type', 'source', 'schema', 'schemaData', 'attributes', 'broker', 'reference', 'description'],
  PingSource: ['schedule', 'timezone', 'contentType', 'data', 'dataBase64', 'sink', 'ceOverrides'],
  ContainerSource: ['template', 'sink', 'ceOverrides'],
  SinkBinding: ['subject', 'sink', 'ceOverrides'],
  ApiServerSource: ['mode', 'serviceAccountName', 'resources', 'owner', 'namespaceSelector', 'filters', 'sink', 'ceOverrides'],
  Channel: ['channelTemplate', 'delivery'],
  InMemoryChannel: ['delivery'],
  Subscription: ['channel', 'subscriber', 'reply', 'delivery'],
  Sequence: ['channelTemplate', 'steps', 'reply'],
  Parallel: ['channelTemplate', 'branches', 'reply'],
}
/** Inside a spec: references, destinations, delivery specs and branches read best in this order. */
const NESTED_ORDER = [
  'apiVersion',
  'kind',
  'name',
  'namespace',
  'address',
  'selector',
  'filter',
  'subscriber',
  'ref',
  'uri',
  'CACerts',
  'audience',
  'reply',
  'deadLetterSink',
  'retry',
  'backoffPolicy',
  'backoffDelay',
  'timeout',
  'retryAfterMax',
  'format',
  'delivery',
]
/** User data whose key order is the author's: maps of names, pod templates, filter dialects. */
const VERBATIM = new Set([
  'labels',
  'annotations',
  'attributes',
  'extensions',
  'matchLabels',
  'template',
  'exact',
  'prefix',
  'suffix',
  'spec',
])

/**
 * The manifest of one resource, ready for kubectl apply. A resource that set no namespace gets the one it
 * was read with (kubectl would otherwise use its context's).
 */
export function exportManifest(resource: ManifestResource): Record<string, unknown> {
  const document = withoutNulls(structuredClone(resource.manifest)) as Record<string, unknown>
  delete document.status
  const metadata = isObject(document.metadata) ? document.metadata : {}
  for (const key of SERVER_METADATA) delete metadata[key]
  if (isObject(metadata.annotations)) {
    delete metadata.annotations[LAST_APPLIED]
    if (Object.keys(metadata.annotations).length === 0) delete metadata.annotations
  }
  if (typeof metadata.namespace !== 'string' || metadata.namespace === '') {
    metadata.namespace = resource.metadata.namespace
  }
  document.metadata = metadata
  return orderDocument(document, resource.kind)
}

/** Many resources as one multi-document YAML stream, in the order given. */
export function exportManifests(resources: readonly ManifestResource[]): string {
  return exportYaml(resources.map(exportManifest))
}

/** Documents as one multi-document YAML stream, aliases written out (kubectl applies each document alone). */
export function exportYaml(documents: readonly Record<string, unknown>[]): string {
  return documents.map((d) => stringify(d, {lineWidth: 0, aliasDuplicateObjects: false})).join('---\n')
}

/** A URL whose host, inside a cluster, is the pod itself (or nothing): 127.0.0.0/8, localhost, ::1. */
export function isLoopbackUrl(uri: string): boolean {
  let host: string
  try {
    host = new URL(uri).hostname.toLowerCase()
  } catch {
    return false
  }
  return host === 'localhost' || host.endsWith('.localhost') || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host)
}

/** Every Destination `uri` below `spec` that a cluster could not reach, with its field path. */
export function loopbackUris(document: Record<string, unknown>): {field: string; uri: string}[] {
  const found: {field: string; uri: string}[] = []
  const visit = (value: unknown, path: string): void => {
    if (Array.isArray(value)) value.forEach((item, i) => visit(item, `${path}[${i}]`))
    else if (isObject(value)) {
      for (const [key, item] of Object.entries(value)) {
        if (key === 'uri' && typeof item === 'string' && isLoopbackUrl(item)) found.push({field: `${path}.uri`, uri: item})
        else visit(item, `${path}${keySegment(key)}`)
      }
    }
  }
  visit(document.spec, 'spec')
  return found
}

function orderDocument(document: Record<string, unknown>, kind: string): Record<string, unknown> {
  const ordered = orderKeys(document, TOP_ORDER)
  if (isObject(ordered.metadata)) ordered.metadata = orderKeys(ordered.metadata, METADATA_ORDER)
  // only the kinds kne models get their spec ordered; other kinds' specs stay as written
  const specOrder = SPEC_ORDER[kind]
  if (isObject(ordered.spec) && specOrder) {
    const spec = orderKeys(ordered.spec, specOrder)
    ordered.spec = Object.fromEntries(Object.entries(spec).map(([key, value]) => [key, VERBATIM.has(key) ? value : orderNested(value)]))
  }
  return ordered
}

function orderNested(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(orderNested)
  if (!isObject(value)) return value
  const ordered = orderKeys(value, NESTED_ORDER)
  return Object.fromEntries(Object.entries(ordered).map(([key, item]) => [key, VERBATIM.has(key) ? item : orderNested(item)]))
}

/** The keys in `order` first (in that order), then the others as they were. */
function orderKeys(obj: Record<string, unknown>, order: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const key of order) if (Object.hasOwn(obj, key)) out[key] = obj[key]
  for (const [key, value] of Object.entries(obj)) if (!Object.hasOwn(out, key)) out[key] = value
  return out
}

/** The API server prunes null values of fields that are not nullable; kubectl output should not carry them. */
function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.filter((v) => v !== null).map(withoutNulls)
  if (!isObject(value)) return value
  return Object.fromEntries(
    Object.entries(value)
      .filter(([, v]) => v !== null)
      .map(([k, v]) => [k, withoutNulls(v)]),
  )
}
