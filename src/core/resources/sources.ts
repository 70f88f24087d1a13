// ContainerSource, SinkBinding and ApiServerSource (sources.knative.dev/v1) with the checks and defaults
// of Knative's webhook (pkg/apis/sources/v1/*_validation.go, *_defaults.go; §5.3, §5.4). PingSource has
// its own file.
import {readCeOverrides, readDestination, readLabelSelector} from './duck.js'
import {kubernetesNameProblem} from './names.js'
import {isAbsent, readList, readObject, readRequiredString, readString, rejectUnknownFields, type KindContext} from './read.js'
import type {ApiServerResource, ApiServerSourceSpec, ContainerSourceSpec, SinkBindingSpec, SinkBindingSubject} from './types.js'
import type {FieldErrors} from './validate.js'

export function readContainerSource(ctx: KindContext): ContainerSourceSpec {
  const {spec, errors, metadata} = ctx
  const sink = readDestination(spec.sink, 'spec.sink', metadata.namespace, errors, true) ?? {}
  const template = readObject(spec.template, 'spec.template', errors) ?? {}
  const podSpec = readObject(template.spec, 'spec.template.spec', errors) ?? {}
  const containers = readList(podSpec.containers, 'spec.template.spec.containers', errors)
  if ((containers === undefined && isAbsent(podSpec.containers)) || containers?.length === 0) {
    errors.push({field: 'spec.template.spec.containers', message: 'missing field(s): a ContainerSource runs at least one container'})
  }
  const defaulted = (containers ?? []).map((item, i) => {
    const path = `spec.template.spec.containers[${i}]`
    const container = readObject(item, path, errors)
    if (!container) return {}
    readRequiredString(container, 'image', path, errors)
    // container_defaults.go: a container without a name is called <source>-<index>
    return {...container, name: readString(container, 'name', path, errors) || `${metadata.name}-${i}`}
  })
  const source: ContainerSourceSpec = {sink, template: {...template, spec: {...podSpec, containers: defaulted}}}
  const ceOverrides = readCeOverrides(spec.ceOverrides, 'spec.ceOverrides', errors)
  if (ceOverrides) source.ceOverrides = ceOverrides
  return source
}

export function readSinkBinding(ctx: KindContext): SinkBindingSpec {
  const {spec, errors, metadata} = ctx
  const sink = readDestination(spec.sink, 'spec.sink', metadata.namespace, errors, true) ?? {}
  const binding: SinkBindingSpec = {subject: readSubject(spec.subject, metadata.namespace, errors), sink}
  const ceOverrides = readCeOverrides(spec.ceOverrides, 'spec.ceOverrides', errors)
  if (ceOverrides) binding.ceOverrides = ceOverrides
  return binding
}

/** tracker.Reference: apiVersion and kind, and exactly one of name and selector; the namespace is the binding's. */
function readSubject(value: unknown, namespace: string, errors: FieldErrors): SinkBindingSubject {
  const field = 'spec.subject'
  const obj = readObject(value, field, errors)
  if (obj === undefined) {
    if (isAbsent(value)) errors.push({field, message: 'missing field(s): the subject (apiVersion, kind, and name or selector) is required'})
    return {apiVersion: '', kind: '', namespace}
  }
  rejectUnknownFields(obj, ['apiVersion', 'kind', 'name', 'namespace', 'selector'], field, errors)
  const subject: SinkBindingSubject = {
    apiVersion: readRequiredString(obj, 'apiVersion', field, errors),
    kind: readRequiredString(obj, 'kind', field, errors),
    // sinkbinding_defaults.go fills the binding's namespace; another one is refused
    namespace: readString(obj, 'namespace', field, errors) || namespace,
  }
  if (subject.namespace !== namespace)
    errors.push({
      field: `${field}.namespace`,
      message: `invalid value: ${subject.namespace} (a SinkBinding binds subjects in its own namespace, ${namespace})`,
    })
  const name = readString(obj, 'name', field, errors)
  const selector = readLabelSelector(obj.selector, `${field}.selector`, errors)
  if (name && selector) errors.push({field, message: 'expected exactly one, got both: spec.subject.name, spec.subject.selector'})
  else if (!name && !selector) errors.push({field, message: 'expected exactly one, got neither: spec.subject.name, spec.subject.selector'})
  if (name) {
    const problem = kubernetesNameProblem(name, 'name', 'label')
    if (problem) errors.push({field: `${field}.name`, message: `invalid value: ${problem}`})
    subject.name = name
  }
  if (selector) subject.selector = selector
  return subject
}

const API_SERVER_MODES = ['Reference', 'Resource'] as const

export function readApiServerSource(ctx: KindContext): ApiServerSourceSpec {
  const {spec, errors, metadata} = ctx
  const sink = readDestination(spec.sink, 'spec.sink', metadata.namespace, errors, true) ?? {}
  // apiserver_defaults.go: mode Reference, service account "default"
  const mode = readString(spec, 'mode', 'spec', errors) || 'Reference'
  if (!(API_SERVER_MODES as readonly string[]).includes(mode)) {
    errors.push({field: 'spec.mode', message: `invalid value: ${mode} (Reference or Resource)`})
  }
  const source: ApiServerSourceSpec = {
    sink,
    mode: mode as ApiServerSourceSpec['mode'],
    serviceAccountName: readString(spec, 'serviceAccountName', 'spec', errors) || 'default',
    resources: readApiServerResources(spec.resources, errors),
  }
  const owner = readObject(spec.owner, 'spec.owner', errors)
  if (owner) {
    rejectUnknownFields(owner, ['apiVersion', 'kind'], 'spec.owner', errors)
    const apiVersion = readString(owner, 'apiVersion', 'spec.owner', errors) ?? ''
    checkGroupVersion(apiVersion, 'spec.owner.apiVersion', errors)
    source.owner = {apiVersion, kind: readRequiredString(owner, 'kind', 'spec.owner', errors).trim()}
  }
  const namespaceSelector = readLabelSelector(spec.namespaceSelector, 'spec.namespaceSelector', errors)
  if (namespaceSelector) source.namespaceSelector = namespaceSelector
  const filters = readList(spec.filters, 'spec.filters', errors)
  if (filters && filters.length > 0) {
    errors.push({field: 'spec.filters', message: 'Filters is not empty but the NewAPIServerFilters feature is disabled.'})
  }
  const ceOverrides = readCeOverrides(spec.ceOverrides, 'spec.ceOverrides', errors)
  if (ceOverrides) source.ceOverrides = ceOverrides
  return source
}

function readApiServerResources(value: unknown, errors: FieldErrors): ApiServerResource[] {
  const list = readList(value, 'spec.resources', errors)
  if (list === undefined || list.length === 0) {
    if (list !== undefined || isAbsent(value))
      errors.push({field: 'spec.resources', message: 'missing field(s): list at least one resource kind to watch'})
    return []
  }
  const resources: ApiServerResource[] = []
  list.forEach((item, i) => {
    const path = `spec.resources[${i}]`
    const obj = readObject(item, path, errors)
    if (!obj) return
    rejectUnknownFields(obj, ['apiVersion', 'kind', 'selector'], path, errors)
    const apiVersion = readString(obj, 'apiVersion', path, errors) ?? ''
    checkGroupVersion(apiVersion, `${path}.apiVersion`, errors)
    const resource: ApiServerResource = {apiVersion, kind: readRequiredString(obj, 'kind', path, errors).trim()}
    const selector = readLabelSelector(obj.selector, `${path}.selector`, errors)
    if (selector) resource.selector = selector
    resources.push(resource)
  })
  return resources
}

/** schema.ParseGroupVersion: `v1` or `group/version`; more than one slash is refused. */
function checkGroupVersion(apiVersion: string, field: string, errors: FieldErrors): void {
  if (apiVersion.split('/').length > 2) errors.push({field, message: `invalid value: ${apiVersion} (unexpected GroupVersion string)`})
}
