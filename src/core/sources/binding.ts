// The SinkBinding contract (semantics §5.4): what a bound workload finds in its environment, formatted
// exactly as Knative's webhook writes it, and which workloads a SinkBinding's subject names.
import type {CloudEventOverrides, SinkBindingSubject} from '../resources/types.js'
import {goJson} from './go-json.js'
import {matchesLabelSelector} from './selector.js'

export const K_SINK = 'K_SINK'
export const K_CE_OVERRIDES = 'K_CE_OVERRIDES'
export const K_CA_CERTS = 'K_CA_CERTS'

/**
 * K_CE_OVERRIDES: Go's json.Marshal of the whole ceOverrides object (keys sorted, `extensions` left out
 * when empty, so `{}`), or the empty string when the resource sets no ceOverrides.
 */
export function formatCeOverrides(ceOverrides: CloudEventOverrides | undefined): string {
  if (ceOverrides === undefined) return ''
  const extensions = Object.keys(ceOverrides.extensions).length > 0 ? ceOverrides.extensions : undefined
  return goJson({extensions})
}

/** The variables SinkBinding injects: K_SINK and K_CE_OVERRIDES always, K_CA_CERTS only when the sink has CA certs. */
export function bindingEnvironment(
  sinkUri: string,
  ceOverrides: CloudEventOverrides | undefined,
  caCerts?: string,
): Record<string, string> {
  const env: Record<string, string> = {[K_SINK]: sinkUri, [K_CE_OVERRIDES]: formatCeOverrides(ceOverrides)}
  if (caCerts) env[K_CA_CERTS] = caCerts
  return env
}

/** A workload kne runs (a local service from kne.yaml): what a SinkBinding subject is matched against. */
export interface Workload {
  name: string
  /** Undefined: the workload answers in every namespace (a kne.yaml entry keyed by name alone). */
  namespace?: string
  labels: Readonly<Record<string, string>>
}

/**
 * Whether a subject names the workload: by name, or by label selector, in the binding's namespace. kne's
 * workloads stand in for Deployments, Jobs and Knative Services alike, so the subject's kind is not checked.
 */
export function subjectSelects(subject: SinkBindingSubject, workload: Workload): boolean {
  if (workload.namespace !== undefined && workload.namespace !== subject.namespace) return false
  if (subject.name !== undefined) return subject.name === workload.name
  return subject.selector !== undefined && matchesLabelSelector(subject.selector, workload.labels)
}
