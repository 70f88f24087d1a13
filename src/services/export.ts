// What `kne export` prints: the project's Knative resources made kubectl-ready, other documents passed through.
import {EXIT, KneError} from '../core/errors.js'
import {exportManifest, exportYaml, loopbackUris} from '../core/resources/export.js'
import {describeResource, manifestErrorFormatter, type ManifestError, type ManifestResource} from '../core/resources/types.js'
import {inFileOrder, problemsIn, requireManifests, type ProjectManifestOptions} from '../project/manifests.js'

export interface ExportResult {
  /** Multi-document YAML for `kubectl apply -f -`. */
  yaml: string
  /** The documents printed, in file order. */
  documents: Record<string, unknown>[]
  resources: ManifestResource[]
  warnings: ManifestError[]
}

export interface ExportOptions extends ProjectManifestOptions {
  /** Leave out documents that are not Knative Eventing kinds (Deployments, Knative Services, ConfigMaps). */
  eventingOnly?: boolean
}

/**
 * What `kne export` prints: every Knative resource made kubectl-ready and, unless `eventingOnly`, every other
 * Kubernetes document as written; warns about URIs a cluster cannot reach. Refuses (exit 3) manifests a
 * cluster would refuse.
 */
export function exportProject(options: ExportOptions): ExportResult {
  const {manifests, project} = requireManifests(options)
  if (manifests.errors.length > 0) {
    throw new KneError(
      `${manifests.errors.length} problem(s) in ${problemsIn(manifests.errors, project.file, 'the manifests', options.cwd)}; nothing was exported`,
      'INVALID_MANIFEST',
      EXIT.invalid,
    ).withDetails(manifests.errors.map(manifestErrorFormatter(options.cwd ?? process.cwd())))
  }
  const resources = [...manifests.resources, ...manifests.others].map((r) => ({
    origin: r.origin,
    document: exportManifest(r),
    label: describeResource(r),
    resource: r,
  }))
  const passed = options.eventingOnly
    ? []
    : manifests.nonEventing.map((d) => ({origin: d.origin, document: d.manifest, label: d.label, resource: undefined}))
  const entries = inFileOrder([...resources, ...passed], manifests.files)
  // the loader's "ignored" warning is replaced by what export does with the document
  const isNonEventing = (w: ManifestError): boolean =>
    manifests.nonEventing.some((d) => d.origin.file === w.file && d.origin.document === w.document && d.label === w.resource)
  const leftOut: ManifestError[] = options.eventingOnly
    ? manifests.nonEventing.map((d) => ({
        file: d.origin.file,
        document: d.origin.document,
        resource: d.label,
        message: `left out: ${d.apiVersion} ${d.kind} is not a Knative Eventing kind`,
      }))
    : []
  const unreachable: ManifestError[] = entries.flatMap(({origin, document, label}) =>
    loopbackUris(document).map(({field, uri}) => ({
      file: origin.file,
      document: origin.document,
      resource: label,
      field,
      message: `${uri} is a loopback address: inside a cluster it reaches the pod itself, not this machine; use a ref or a URL the cluster can reach`,
    })),
  )
  return {
    yaml: exportYaml(entries.map((e) => e.document)),
    documents: entries.map((e) => e.document),
    resources: entries.flatMap((e) => (e.resource ? [e.resource] : [])),
    warnings: [...manifests.warnings.filter((w) => !isNonEventing(w)), ...leftOut, ...unreachable],
  }
}
