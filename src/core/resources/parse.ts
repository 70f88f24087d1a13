// Reads multi-document Knative YAML into typed resources, with the admission checks Knative's webhooks
// make for the fields kne acts on. Every problem names the file, the resource and the field.
import {parseAllDocuments} from 'yaml'
import {validateTriggerFilter} from '../filters/index.js'
import type {TriggerFilterSpec} from '../filters/index.js'
import {validateDeliverySpec, validateDestination, type FieldErrors} from './validate.js'
import {
  describeResource,
  type Broker, type DeliverySpec, type Destination, type KReference, type KneResource, type ManifestError,
  type ObjectMeta, type OtherResource, type ResourceOrigin, type Trigger,
} from './types.js'

export interface ParsedManifests {
  resources: KneResource[]
  /** Knative kinds kne recognises but does not run yet. */
  others: OtherResource[]
  errors: ManifestError[]
  warnings: ManifestError[]
}

/** Knative API groups kne knows; a kind from one of them that kne does not run is kept and reported as such. */
const KNATIVE_GROUPS = ['eventing.knative.dev', 'messaging.knative.dev', 'flows.knative.dev', 'sources.knative.dev', 'sinks.knative.dev']

// RFC 1123 subdomain: what Kubernetes requires of most object names.
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/

/** Checks a Kubernetes object name; returns the problem or undefined. */
export function kubernetesNameProblem(name: string, what = 'name'): string | undefined {
  if (name.length === 0) return `${what} is required`
  if (name.length > 253) return `${what} must be no more than 253 characters`
  if (!DNS1123_SUBDOMAIN.test(name)) {
    return `${what} ${JSON.stringify(name)} is not a valid Kubernetes name: use lower-case letters, digits, '-' and '.', starting and ending with a letter or digit`
  }
  return undefined
}

export function namespaceProblem(namespace: string): string | undefined {
  if (namespace.length > 63 || !DNS1123_LABEL.test(namespace)) {
    return `namespace ${JSON.stringify(namespace)} is not a valid Kubernetes namespace (lower-case letters, digits and '-', at most 63 characters)`
  }
  return undefined
}

/** Parses the text of one manifest file. `defaultNamespace` applies to resources without metadata.namespace. */
export function parseManifests(text: string, file: string, defaultNamespace = 'default'): ParsedManifests {
  const out: ParsedManifests = {resources: [], others: [], errors: [], warnings: []}
  const documents = parseAllDocuments(text, {prettyErrors: true})
  const list = Array.isArray(documents) ? documents : [documents]
  list.forEach((doc, index) => {
    if (doc.errors.length > 0) {
      const e = doc.errors[0]!
      const line = e.linePos?.[0]
      out.errors.push({file, document: index, message: `invalid YAML${line ? ` at line ${line.line}, column ${line.col}` : ''}: ${e.message.split('\n')[0]}`})
      return
    }
    const value: unknown = doc.toJS()
    if (value === null || value === undefined) return
    collect(value, {file, document: index}, defaultNamespace, out)
  })
  return out
}

function collect(value: unknown, origin: ResourceOrigin, defaultNamespace: string, out: ParsedManifests): void {
  if (!isObject(value)) {
    out.errors.push({file: origin.file, document: origin.document, message: 'a manifest document must be a mapping with apiVersion, kind and metadata'})
    return
  }
  if (value.kind === 'List' && Array.isArray(value.items)) {
    for (const item of value.items) collect(item, origin, defaultNamespace, out)
    return
  }
  const apiVersion = typeof value.apiVersion === 'string' ? value.apiVersion : ''
  const kind = typeof value.kind === 'string' ? value.kind : ''
  if (!apiVersion || !kind) {
    out.errors.push({file: origin.file, document: origin.document, field: apiVersion ? 'kind' : 'apiVersion', message: 'apiVersion and kind are required'})
    return
  }
  const errors: FieldErrors = []
  const metadata = readMetadata(value.metadata, defaultNamespace, errors)
  const resource = `${kind} ${metadata.namespace}/${metadata.name || '<unnamed>'}`
  const spec = isObject(value.spec) ? value.spec : {}
  const parsed = buildResource(apiVersion, kind, metadata, spec, origin, errors)
  for (const e of errors) out.errors.push({file: origin.file, document: origin.document, resource, field: e.field, message: e.message})
  if (errors.length > 0) return
  if (parsed === undefined) {
    const group = apiVersion.split('/')[0]!
    if (KNATIVE_GROUPS.includes(group)) {
      out.others.push({apiVersion, kind, metadata, spec, origin, supported: false})
      out.warnings.push({file: origin.file, document: origin.document, resource, message: `kne does not run ${kind} yet; it is kept but has no effect`})
    } else {
      out.warnings.push({file: origin.file, document: origin.document, resource, message: `ignored: ${apiVersion} ${kind} is not a Knative Eventing kind`})
    }
    return
  }
  out.resources.push(parsed)
}

function buildResource(apiVersion: string, kind: string, metadata: ObjectMeta, spec: Record<string, unknown>,
  origin: ResourceOrigin, errors: FieldErrors): KneResource | undefined {
  if (apiVersion === 'eventing.knative.dev/v1' && kind === 'Broker') {
    const broker: Broker = {apiVersion, kind, metadata, origin, spec: {}}
    if (spec.config !== undefined) broker.spec.config = spec.config as KReference
    if (spec.delivery !== undefined) broker.spec.delivery = readDelivery(spec.delivery, 'spec.delivery', errors, false)
    return broker
  }
  if (apiVersion === 'eventing.knative.dev/v1' && kind === 'Trigger') return readTrigger(apiVersion, metadata, spec, origin, errors)
  if ((kind === 'Broker' || kind === 'Trigger') && apiVersion.startsWith('eventing.knative.dev/')) {
    errors.push({field: 'apiVersion', message: `${kind} is served as eventing.knative.dev/v1, not ${apiVersion}`})
  }
  return undefined
}

function readTrigger(apiVersion: string, metadata: ObjectMeta, spec: Record<string, unknown>, origin: ResourceOrigin, errors: FieldErrors): Trigger {
  let broker = typeof spec.broker === 'string' ? spec.broker : ''
  if (spec.brokerRef !== undefined) {
    const ref = isObject(spec.brokerRef) ? spec.brokerRef : {}
    if (broker) errors.push({field: 'spec.brokerRef', message: 'only one of spec.broker and spec.brokerRef may be set'})
    if (typeof ref.namespace === 'string' && ref.namespace !== metadata.namespace) {
      errors.push({field: 'spec.brokerRef.namespace', message: 'a broker in another namespace needs the cross-namespace-event-links feature, which is off'})
    }
    broker = typeof ref.name === 'string' ? ref.name : ''
  }
  if (!broker) errors.push({field: 'spec.broker', message: 'missing field(s): the broker name is required'})
  const subscriber = readDestination(spec.subscriber, 'spec.subscriber', metadata.namespace, errors, true)
  const filterSpec: TriggerFilterSpec = {}
  if (spec.filter !== undefined && spec.filter !== null) filterSpec.filter = spec.filter as TriggerFilterSpec['filter']
  if (spec.filters !== undefined && spec.filters !== null) {
    if (!Array.isArray(spec.filters)) errors.push({field: 'spec.filters', message: 'filters must be a list of filter objects'})
    else filterSpec.filters = spec.filters as TriggerFilterSpec['filters']
  }
  if (!errors.some((e) => e.field.startsWith('spec.filter'))) {
    for (const e of validateTriggerFilter(filterSpec)) errors.push({field: e.path, message: e.message})
  }
  const trigger: Trigger = {apiVersion, kind: 'Trigger', metadata, origin, spec: {broker, subscriber: subscriber ?? {}, ...filterSpec}}
  if (spec.delivery !== undefined) trigger.spec.delivery = readDelivery(spec.delivery, 'spec.delivery', errors, true)
  trigger.metadata.labels['eventing.knative.dev/broker'] ??= broker // webhook default
  return trigger
}

function readMetadata(value: unknown, defaultNamespace: string, errors: FieldErrors): ObjectMeta {
  const meta = isObject(value) ? value : {}
  const name = typeof meta.name === 'string' ? meta.name : ''
  const namespace = typeof meta.namespace === 'string' && meta.namespace !== '' ? meta.namespace : defaultNamespace
  const nameProblem = kubernetesNameProblem(name, 'metadata.name')
  if (nameProblem) errors.push({field: 'metadata.name', message: nameProblem})
  const nsProblem = namespaceProblem(namespace)
  if (nsProblem) errors.push({field: 'metadata.namespace', message: nsProblem})
  return {name, namespace, labels: stringMap(meta.labels), annotations: stringMap(meta.annotations)}
}

function readDestination(value: unknown, field: string, namespace: string, errors: FieldErrors, required: boolean): Destination | undefined {
  if (value === undefined || value === null) {
    if (required) errors.push({field, message: 'missing field(s): expected at least one, got neither ref nor uri'})
    return undefined
  }
  if (!isObject(value)) {
    errors.push({field, message: 'must be an object with ref and/or uri'})
    return undefined
  }
  const destination = value as unknown as Destination
  const problems = validateDestination(destination, field)
  errors.push(...problems)
  if (destination.ref && !destination.ref.namespace) destination.ref = {...destination.ref, namespace} // webhook default
  return destination
}

function readDelivery(value: unknown, field: string, errors: FieldErrors, allowFormat: boolean): DeliverySpec | undefined {
  if (!isObject(value)) {
    errors.push({field, message: 'must be an object'})
    return undefined
  }
  const delivery = value as unknown as DeliverySpec
  errors.push(...validateDeliverySpec(delivery, field, allowFormat))
  return delivery
}

function stringMap(value: unknown): Record<string, string> {
  if (!isObject(value)) return {}
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, String(v)]))
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

/** Reports resources defined twice (same kind, namespace and name) across the given set. */
export function findDuplicates(resources: readonly KneResource[]): ManifestError[] {
  const seen = new Map<string, KneResource>()
  const errors: ManifestError[] = []
  for (const r of resources) {
    const key = `${r.kind}/${r.metadata.namespace}/${r.metadata.name}`
    const first = seen.get(key)
    if (first) {
      errors.push({file: r.origin.file, document: r.origin.document, resource: describeResource(r), field: 'metadata.name',
        message: `defined twice: also in ${first.origin.file}`})
    } else {
      seen.set(key, r)
    }
  }
  return errors
}
