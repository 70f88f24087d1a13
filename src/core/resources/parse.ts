// Reads multi-document Knative YAML into typed resources, with the checks the API server and Knative's
// webhooks make for the fields kne acts on. Every problem names the file, the resource and the field.
import {classifyKind} from '../../kinds/descriptors.js'
import {kubernetesNameProblem, namespaceProblem} from './names.js'
import {isAbsent, isObject, keySegment, rejectUnknownFields, type KindContext} from './read.js'
import {
  describeResource,
  type KneResource,
  type ManifestError,
  type ManifestResource,
  type NonEventingDocument,
  type ObjectMeta,
  type OtherResource,
  type ResourceOrigin,
} from './types.js'
import type {FieldErrors} from './validate.js'
import {MAX_ANNOTATIONS_BYTES, parseYamlDocuments} from './yaml.js'

export {kubernetesNameProblem, namespaceProblem} from './names.js'

export interface ParsedManifests {
  /** Every resource of a kind kne models (the mesh acts on the kinds it runs and reports the rest). */
  resources: KneResource[]
  /** Knative kinds kne recognises but does not model (KafkaSource, GitHubSource, …): kept as written. */
  others: OtherResource[]
  /** Documents of other APIs: the mesh ignores them, kne export passes them through. */
  nonEventing: NonEventingDocument[]
  errors: ManifestError[]
  warnings: ManifestError[]
}

export function emptyManifests(): ParsedManifests {
  return {resources: [], others: [], nonEventing: [], errors: [], warnings: []}
}

/** Parses the text of one manifest file. `defaultNamespace` applies to resources without metadata.namespace. */
export function parseManifests(text: string, file: string, defaultNamespace = 'default'): ParsedManifests {
  const out = emptyManifests()
  parseYamlDocuments(text).forEach((doc, index) => {
    if (!doc.ok) {
      out.errors.push({file, document: index, message: doc.message})
      return
    }
    if (doc.value === null || doc.value === undefined) return
    try {
      collect(doc.value, {file, document: index}, defaultNamespace, out)
    } catch (error) {
      // no document may stop the others from loading, nor the process
      out.errors.push({file, document: index, message: `cannot be read: ${(error as Error).message}`})
    }
  })
  return out
}

/** Reads one document given as data (e.g. a manifest kne is about to write), exactly as parseManifests would. */
export function readManifest(document: unknown, origin: ResourceOrigin, defaultNamespace = 'default'): ParsedManifests {
  const out = emptyManifests()
  collect(document, origin, defaultNamespace, out)
  return out
}

const TOP_LEVEL_FIELDS = ['apiVersion', 'kind', 'metadata', 'spec', 'status']

function collect(value: unknown, origin: ResourceOrigin, defaultNamespace: string, out: ParsedManifests): void {
  const at = {file: origin.file, document: origin.document}
  if (!isObject(value)) {
    out.errors.push({...at, message: 'a manifest document must be a mapping with apiVersion, kind and metadata'})
    return
  }
  if (value.kind === 'List' && Array.isArray(value.items)) {
    for (const item of value.items) collect(item, origin, defaultNamespace, out)
    return
  }
  const apiVersion = typeof value.apiVersion === 'string' ? value.apiVersion : ''
  const kind = typeof value.kind === 'string' ? value.kind : ''
  if (!apiVersion || !kind) {
    out.errors.push({...at, field: apiVersion ? 'kind' : 'apiVersion', message: 'apiVersion and kind are required'})
    return
  }
  const verdict = classifyKind(apiVersion, kind)
  const label = (meta: ObjectMeta): string => `${kind} ${meta.namespace}/${meta.name || '<unnamed>'}`
  if (!verdict.known && !verdict.knative && !verdict.served) {
    const name = isObject(value.metadata) && typeof value.metadata.name === 'string' ? value.metadata.name : '<unnamed>'
    out.nonEventing.push({apiVersion, kind, label: `${kind} ${name}`, origin, manifest: structuredClone(value)})
    out.warnings.push({
      ...at,
      resource: `${kind} ${name}`,
      message: `ignored: ${apiVersion} ${kind} is not a Knative Eventing kind (kne export passes it through as written)`,
    })
    return
  }
  const errors: FieldErrors = []
  const warnings: FieldErrors = []
  const metadata = readMetadata(value.metadata, defaultNamespace, errors)
  const report = (list: ManifestError[], problems: FieldErrors): void => {
    for (const e of problems) list.push({...at, resource: label(metadata), ...(e.field ? {field: e.field} : {}), message: e.message})
  }
  if (!verdict.known && verdict.served && !verdict.deprecated) {
    report(out.errors, [{field: 'apiVersion', message: `${kind} is served as ${verdict.served.join(' or ')}, not ${apiVersion}`}])
    return
  }
  const manifest = structuredClone(value)
  if (!isAbsent(value.spec) && !isObject(value.spec)) errors.push({field: 'spec', message: 'must be a mapping'})
  const spec = isObject(value.spec) ? structuredClone(value.spec) : {}
  if (!verdict.known) {
    if (errors.length === 0) {
      out.others.push({apiVersion, kind, metadata, spec, origin, manifest, supported: false})
      warnings.push(
        verdict.deprecated
          ? {
              field: 'apiVersion',
              message: `${apiVersion} is deprecated: kne reads ${kind} as ${verdict.served!.join(' or ')}, so this one is kept as written but not checked, and has no effect`,
            }
          : {field: '', message: `kne does not run ${kind} yet; it is kept (and exported) but has no effect`},
      )
    }
    report(out.errors, errors)
    report(out.warnings, warnings)
    return
  }
  const {definition} = verdict
  rejectUnknownFields(value, TOP_LEVEL_FIELDS, '', errors)
  if (definition.specFields) rejectUnknownFields(spec, definition.specFields, 'spec', errors)
  const ctx: KindContext = {apiVersion, kind, metadata, spec, errors, warnings}
  const typedSpec = definition.read(ctx)
  report(out.errors, errors)
  report(out.warnings, warnings)
  if (errors.length === 0) out.resources.push({apiVersion, kind, metadata, spec: typedSpec, origin, manifest} as KneResource)
}

function readMetadata(value: unknown, defaultNamespace: string, errors: FieldErrors): ObjectMeta {
  if (!isObject(value)) {
    errors.push({
      field: 'metadata',
      message: isAbsent(value) ? 'missing field(s): metadata.name is required' : 'must be a mapping with name (and namespace)',
    })
    return {name: '', namespace: defaultNamespace, labels: {}, annotations: {}}
  }
  const name = typeof value.name === 'string' ? value.name : ''
  const namespace = typeof value.namespace === 'string' && value.namespace !== '' ? value.namespace : defaultNamespace
  const nameProblem = kubernetesNameProblem(name, 'metadata.name')
  if (nameProblem) errors.push({field: 'metadata.name', message: nameProblem})
  const nsProblem = namespaceProblem(namespace)
  if (nsProblem) errors.push({field: 'metadata.namespace', message: nsProblem})
  const annotations = stringMap(value.annotations, 'metadata.annotations', errors)
  const annotationBytes = Object.entries(annotations).reduce(
    (sum, [key, text]) => sum + Buffer.byteLength(key) + Buffer.byteLength(text),
    0,
  )
  if (annotationBytes > MAX_ANNOTATIONS_BYTES) {
    errors.push({
      field: 'metadata.annotations',
      message: `Too long: must have at most ${MAX_ANNOTATIONS_BYTES} bytes (the API server's limit on all annotations together; these have ${annotationBytes})`,
    })
  }
  return {name, namespace, labels: stringMap(value.labels, 'metadata.labels', errors), annotations}
}

/** Labels and annotations: strings only (the API server refuses `enabled: true` unquoted). */
function stringMap(value: unknown, field: string, errors: FieldErrors): Record<string, string> {
  if (isAbsent(value)) return {}
  if (!isObject(value)) {
    errors.push({field, message: 'must be a mapping of strings'})
    return {}
  }
  const out: Record<string, string> = {}
  for (const [key, item] of Object.entries(value)) {
    if (typeof item === 'string') out[key] = item
    else errors.push({field: `${field}${keySegment(key)}`, message: `must be a string, got ${JSON.stringify(item)}: quote it in YAML`})
  }
  return out
}

/** Reports resources defined twice (same group, kind, namespace and name) across the given set. */
export function findDuplicates(resources: readonly ManifestResource[]): ManifestError[] {
  const seen = new Map<string, ManifestResource>()
  const errors: ManifestError[] = []
  for (const r of resources) {
    const key = identity(r)
    const first = seen.get(key)
    if (first) {
      errors.push({
        file: r.origin.file,
        document: r.origin.document,
        resource: describeResource(r),
        field: 'metadata.name',
        message: `defined twice: also in ${first.origin.file}${first.origin.file === r.origin.file ? ` (document ${first.origin.document + 1})` : ''}`,
      })
    } else {
      seen.set(key, r)
    }
  }
  return errors
}

/** What makes two manifests the same Kubernetes object: API group, kind, namespace and name (not the version). */
export function identity(r: {apiVersion: string; kind: string; metadata: {namespace: string; name: string}}): string {
  const group = r.apiVersion.includes('/') ? r.apiVersion.split('/')[0] : ''
  return `${group}/${r.kind}/${r.metadata.namespace}/${r.metadata.name}`
}
