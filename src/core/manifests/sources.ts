// `kne source … create`: PingSource, ContainerSource, SinkBinding and ApiServerSource with kn's flag
// names (semantics §8.4), writing only what Knative's webhooks would not default (semantics §5).
import {sinkDestination} from './delivery.js'
import {parseApiServerResource, parseCeOverrides, parseEnv, parseSubject, usageError} from './flags.js'
import {compact, type TemplateValues} from './render.js'

interface SourceOptions {
  name: string
  namespace?: string
  sink: string
  /** `key=value` extensions added to every event (spec.ceOverrides.extensions). */
  ceOverride?: readonly string[]
}

export interface PingSourceOptions extends SourceOptions {
  schedule: string
  data?: string
  dataBase64?: string
  /** kn's -e/--encoding: `base64` stores --data as spec.dataBase64. */
  encoding?: string
  contentType?: string
  timezone?: string
}

export function pingSourceValues(options: PingSourceOptions): TemplateValues {
  if (options.data !== undefined && options.dataBase64 !== undefined) {
    throw usageError('--data and --data-base64 cannot be used together: a PingSource has data or dataBase64, not both')
  }
  const base64 = options.dataBase64 ?? (options.encoding === 'base64' ? options.data : undefined)
  return {
    ...common(options),
    schedule: options.schedule,
    timezone: options.timezone,
    contentType: options.contentType,
    data: base64 === undefined ? options.data : undefined,
    dataBase64: base64,
  }
}

export interface ContainerSourceOptions extends SourceOptions {
  image: string
  cmd?: readonly string[]
  args?: readonly string[]
  env?: readonly string[]
  serviceAccount?: string
}

export function containerSourceValues(options: ContainerSourceOptions): TemplateValues {
  // no container name: Knative's webhook names it <source>-<index>
  const container = compact({
    image: options.image,
    command: options.cmd && options.cmd.length > 0 ? [...options.cmd] : undefined,
    args: options.args && options.args.length > 0 ? [...options.args] : undefined,
    env: parseEnv(options.env),
  })
  return {...common(options), serviceAccountName: options.serviceAccount, containers: [container]}
}

export interface SinkBindingOptions extends SourceOptions {
  subject: string
}

export function sinkBindingValues(options: SinkBindingOptions): TemplateValues {
  // subject.namespace is left out: Knative defaults it to the SinkBinding's namespace
  return {...common(options), subject: parseSubject(options.subject)}
}

export const API_SERVER_MODES = ['Reference', 'Resource'] as const

export interface ApiServerSourceOptions extends SourceOptions {
  resource: readonly string[]
  mode?: string
  serviceAccount?: string
}

export function apiServerSourceValues(options: ApiServerSourceOptions): TemplateValues {
  if (options.resource.length === 0) throw usageError('--resource is required: at least one Kind:apiVersion to watch')
  return {
    ...common(options),
    // Knative defaults mode to Reference and serviceAccountName to default; written only when given
    serviceAccountName: options.serviceAccount,
    mode: options.mode,
    resources: options.resource.map(parseApiServerResource),
  }
}

function common(options: SourceOptions): TemplateValues {
  return {
    name: options.name,
    namespace: options.namespace,
    sink: sinkDestination(options.sink),
    ceOverrides: parseCeOverrides(options.ceOverride),
  }
}
