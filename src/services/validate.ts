// What `kne validate` reports about a project's manifests: Knative's admission rules, duplicates, references
// that do not resolve, and warnings (Services missing from the service map, filters that match everything).
import {referenceableServices} from '../core/project.js'
import {checkReferences} from '../core/references.js'
import {describeResource, type ManifestError} from '../core/resources/types.js'
import {descriptorFor, isEmulated} from '../kinds/descriptors.js'
import {inFileOrder, requireManifests, type ProjectManifestOptions} from '../project/manifests.js'

export interface ValidatedResource {
  apiVersion: string
  kind: string
  namespace: string
  name: string
  file: string
  document: number
  /** Whether `kne dev` runs it (the others are checked and exported, not emulated). */
  emulated: boolean
}

export interface ValidationReport {
  valid: boolean
  /** kne.yaml, when one was read. */
  config?: string
  paths: string[]
  resources: ValidatedResource[]
  errors: ManifestError[]
  warnings: ManifestError[]
}

/**
 * Everything `kne validate` checks: YAML, Knative's admission rules, duplicates, references that do not
 * resolve (errors) and Services missing from the service map or filters that match everything (warnings).
 */
export function validateProject(options: ProjectManifestOptions): ValidationReport {
  const loaded = requireManifests(options)
  const {manifests} = loaded
  const all = [...manifests.resources, ...manifests.others]
  const references = checkReferences(all, {services: referenceableServices(loaded.project.config)})
  const advisories: ManifestError[] = manifests.resources.flatMap((r) =>
    (descriptorFor(r).advisories?.(r) ?? []).map((w) => ({
      file: r.origin.file,
      document: r.origin.document,
      resource: describeResource(r),
      field: w.field,
      message: w.message,
    })),
  )
  const errors = [...manifests.errors, ...references.errors]
  return {
    valid: errors.length === 0,
    ...(loaded.project.file ? {config: loaded.project.file} : {}),
    paths: loaded.paths,
    resources: inFileOrder(all, manifests.files).map((r) => ({
      apiVersion: r.apiVersion,
      kind: r.kind,
      namespace: r.metadata.namespace,
      name: r.metadata.name,
      file: r.origin.file,
      document: r.origin.document,
      emulated: isEmulated(r),
    })),
    errors,
    warnings: [...manifests.warnings, ...references.warnings, ...advisories],
  }
}
