// The event types Knative's sources declare (semantics §5.2, §5.3, §5.5): names, sources and the
// descriptions of the source CRDs' `registry.knative.dev/eventTypes` annotations. Plain data, imported by
// the registry and by the sources that emit these events.

export const PING_SOURCE_TYPE = 'dev.knative.sources.ping'
export const PING_SOURCE_DESCRIPTION = 'CloudEvent type for fixed payloads on a specified cron schedule'

/** `/apis/v1/namespaces/<ns>/pingsources/<name>` (semantics §5.2). */
export function pingSourceSource(namespace: string, name: string): string {
  return `/apis/v1/namespaces/${namespace}/pingsources/${name}`
}

/** ApiServerSource's descriptions, by mode and operation. */
export function apiServerDescription(mode: 'Reference' | 'Resource', op: string): string {
  return `CloudEvent type used for ${op} operations when in ${mode} mode`
}

export const API_SERVER_OPERATIONS = ['add', 'update', 'delete'] as const
