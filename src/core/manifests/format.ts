// How resources read in tables and messages: sinks in kn's grammar, ages the way kubectl prints them,
// and which flag wrote a manifest field (so a validation error can point back at it).
import {DESCRIPTORS} from '../../kinds/descriptors.js'
import type {Destination} from '../resources/types.js'

const SINK_PREFIXES: Record<string, string> = {
  'serving.knative.dev/Service': 'ksvc',
  'v1/Service': 'svc',
  ...Object.fromEntries(DESCRIPTORS.flatMap((d) => (d.sinkPrefix === undefined ? [] : [[`${d.group}/${d.kind}`, d.sinkPrefix]]))),
}

/**
 * A Destination in kn's sink grammar (kn's SinkToString): `ksvc:NAME`, `broker:NAME`, … with `:NAMESPACE`
 * when it points outside `namespace`, the URI for a URI-only destination, and `kind:NAME` for other refs.
 */
export function formatSink(destination: Destination | undefined, namespace?: string): string {
  if (!destination) return ''
  const {ref, uri} = destination
  if (!ref) return uri ?? ''
  const group = ref.apiVersion?.includes('/') ? ref.apiVersion.split('/')[0]! : (ref.apiVersion ?? '')
  const prefix = SINK_PREFIXES[`${group}/${ref.kind}`] ?? ref.kind.toLowerCase()
  const ns = ref.namespace && ref.namespace !== namespace ? `:${ref.namespace}` : ''
  return `${prefix}:${ref.name}${ns}${uri ? ` (${uri})` : ''}`
}

/** kubectl's AGE column (k8s.io/apimachinery duration.HumanDuration). */
export function humanAge(ms: number): string {
  const seconds = Math.floor(ms / 1000)
  if (seconds < -1) return '<invalid>'
  if (seconds < 0) return '0s'
  if (seconds < 120) return `${seconds}s`
  const minutes = Math.floor(seconds / 60)
  if (minutes < 10) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${seconds % 60}s`
  if (minutes < 180) return `${minutes}m`
  const hours = Math.floor(minutes / 60)
  if (hours < 8) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`
  if (hours < 48) return `${hours}h`
  if (hours < 24 * 8) return hours % 24 === 0 ? `${Math.floor(hours / 24)}d` : `${Math.floor(hours / 24)}d${hours % 24}h`
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24)}d`
  if (hours < 24 * 365 * 8) {
    const days = Math.floor(hours / 24) % 365
    return days === 0 ? `${Math.floor(hours / 24 / 365)}y` : `${Math.floor(hours / 24 / 365)}y${days}d`
  }
  return `${Math.floor(hours / 24 / 365)}y`
}

const FIELD_FLAGS: [RegExp, string][] = [
  [/^metadata\.name/, 'NAME'],
  [/^metadata\.namespace/, '--namespace'],
  [/^metadata\.annotations/, '--class'],
  [/^spec\.broker\b/, '--broker'],
  [/^spec\.(subscriber|sink)\b/, '--sink'],
  [/^spec\.delivery\.deadLetterSink\b/, '--dl-sink'],
  [/^spec\.delivery\.retryAfterMax\b/, '--retry-after-max'],
  [/^spec\.delivery\.retry\b/, '--retry'],
  [/^spec\.delivery\.backoffPolicy\b/, '--backoff-policy'],
  [/^spec\.delivery\.backoffDelay\b/, '--backoff-delay'],
  [/^spec\.delivery\.timeout\b/, '--timeout'],
  [/^spec\.delivery\.format\b/, '--format'],
  [/^spec\.filter\b/, '--filter'],
  [/^spec\.filters\[\d+\]\.(exact|prefix|suffix|cesql)\b/, '--$1'],
  [/^spec\.filters\b/, '--exact/--prefix/--suffix/--cesql'],
  [/^spec\.schedule\b/, '--schedule'],
  [/^spec\.timezone\b/, '--timezone'],
  [/^spec\.contentType\b/, '--content-type'],
  [/^spec\.dataBase64\b/, '--data-base64'],
  [/^spec\.data\b/, '--data'],
  [/^spec\.ceOverrides\b/, '--ce-override'],
  [/^spec\.subject\b/, '--subject'],
  [/^spec\.resources\b/, '--resource'],
  [/^spec\.mode\b/, '--mode'],
  [/^spec\.serviceAccountName\b/, '--service-account'],
  [/^spec\.template\.spec\.serviceAccountName\b/, '--service-account'],
  [/^spec\.template\b/, '--image/--cmd/--arg/--env'],
]

/** The create flag that wrote a manifest field, e.g. `spec.filters[1].cesql` → `--cesql`. */
export function flagForField(field: string | undefined): string | undefined {
  if (!field) return undefined
  for (const [pattern, flag] of FIELD_FLAGS) {
    const match = pattern.exec(field)
    if (match) return flag.replace('$1', match[1] ?? '')
  }
  return undefined
}
