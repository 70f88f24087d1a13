// kn's flag grammars for what goes into a manifest: `key=value` lists, `--ce-override`, SinkBinding's
// `--subject` and ApiServerSource's `--resource`. Problems are usage errors that name the flag.
import {EXIT, KneError} from '../errors.js'

export function usageError(message: string, suggestions: string[] = []): KneError {
  return new KneError(message, 'INVALID_FLAG', EXIT.usage, suggestions)
}

/**
 * Reads repeated `key=value` flags into a map. With `splitCommas` (kn's StringSlice flags such as
 * --filter) `a=1,b=2` is two pairs; a comma followed by text without `=` stays in the value (`source=a,b`).
 */
export function parseKeyValues(
  values: readonly string[] | undefined,
  flag: string,
  options: {splitCommas?: boolean} = {},
): Record<string, string> | undefined {
  if (!values || values.length === 0) return undefined
  const pairs = options.splitCommas ? values.flatMap(splitPairs) : [...values]
  const out: Record<string, string> = {}
  for (const pair of pairs) {
    const eq = pair.indexOf('=')
    if (eq <= 0) throw usageError(`${flag} ${pair}: expected KEY=VALUE`)
    const key = pair.slice(0, eq)
    const value = pair.slice(eq + 1)
    if (Object.hasOwn(out, key) && out[key] !== value)
      throw usageError(`${flag}: ${key} is given twice (${JSON.stringify(out[key])} and ${JSON.stringify(value)})`)
    out[key] = value
  }
  return out
}

function splitPairs(value: string): string[] {
  const pairs: string[] = []
  for (const part of value.split(',')) {
    if (pairs.length > 0 && !part.includes('=')) pairs[pairs.length - 1] += `,${part}`
    else pairs.push(part)
  }
  return pairs
}

/** `--ce-override key=value` (repeatable) → a source's `spec.ceOverrides`. */
export function parseCeOverrides(values: readonly string[] | undefined): {extensions: Record<string, string>} | undefined {
  const extensions = parseKeyValues(values, '--ce-override')
  return extensions ? {extensions} : undefined
}

export interface LabelSelector {
  matchLabels: Record<string, string>
}

/** SinkBinding `spec.subject`: `Kind:apiVersion:name` or `Kind:apiVersion:key=value[,key=value]` (a label selector). */
export interface BindingSubject {
  apiVersion: string
  kind: string
  name?: string
  selector?: LabelSelector
}

export function parseSubject(text: string): BindingSubject {
  const parts = text.split(':')
  if (parts.length !== 3 || parts.some((p) => p === '')) {
    throw usageError(`--subject ${text}: expected Kind:apiVersion:name or Kind:apiVersion:key=value[,key=value]`, [
      'e.g. --subject Deployment:apps/v1:myapp or --subject Job:batch/v1:app=heartbeat',
    ])
  }
  const [kind, apiVersion, target] = parts as [string, string, string]
  if (!target.includes('=')) return {apiVersion, kind, name: target}
  return {apiVersion, kind, selector: {matchLabels: parseKeyValues([target], '--subject', {splitCommas: true})!}}
}

/** One ApiServerSource `spec.resources[]` entry from `--resource Kind:apiVersion[:key=value[,key=value]]`. */
export interface ApiServerResource {
  apiVersion: string
  kind: string
  selector?: LabelSelector
}

export function parseApiServerResource(text: string): ApiServerResource {
  const parts = text.split(':')
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => p === '')) {
    throw usageError(`--resource ${text}: expected Kind:apiVersion or Kind:apiVersion:key=value[,key=value]`, [
      'e.g. --resource Event:v1 or --resource Deployment:apps/v1:app=myapp',
    ])
  }
  const [kind, apiVersion, selector] = parts as [string, string, string | undefined]
  const resource: ApiServerResource = {apiVersion, kind}
  if (selector !== undefined) resource.selector = {matchLabels: parseKeyValues([selector], '--resource', {splitCommas: true})!}
  return resource
}

/** `--env NAME=VALUE` (repeatable) → a container's env list, in the order given. */
export function parseEnv(values: readonly string[] | undefined): {name: string; value: string}[] | undefined {
  const env = parseKeyValues(values, '--env')
  return env ? Object.entries(env).map(([name, value]) => ({name, value})) : undefined
}
