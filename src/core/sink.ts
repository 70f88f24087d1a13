// kn's sink grammar (knative/client pkg/flags/sink): `broker:NAME`, `channel:NAME`, `ksvc:NAME`, `svc:NAME`,
// each with an optional `:NAMESPACE`, a bare NAME meaning a Knative Service, or an http(s) URL; kne adds
// `sequence:NAME` and `parallel:NAME`, which Knative Destinations may refer to as well. The kinds' prefixes
// are their addresses' `sinkPrefix` (src/kinds/addresses.ts).
import {ADDRESSES} from '../kinds/addresses.js'
import type {Destination, KReference} from './resources/types.js'

/** The Services kn's grammar names (they are not Knative Eventing kinds, so no descriptor has them). */
const SERVICE_SINK_PREFIXES: Record<string, {apiVersion: string; kind: string}> = {
  ksvc: {apiVersion: 'serving.knative.dev/v1', kind: 'Service'},
  kservice: {apiVersion: 'serving.knative.dev/v1', kind: 'Service'},
  svc: {apiVersion: 'v1', kind: 'Service'},
  service: {apiVersion: 'v1', kind: 'Service'},
}

const KIND_PREFIXES = ADDRESSES.flatMap((a) =>
  a.sinkPrefix === undefined ? [] : [[a.sinkPrefix, {apiVersion: a.apiVersion, kind: a.kind}] as const],
)
const PREFIXES: Record<string, {apiVersion: string; kind: string}> = {...Object.fromEntries(KIND_PREFIXES), ...SERVICE_SINK_PREFIXES}
const PREFIX_LIST = [...KIND_PREFIXES.map(([prefix]) => prefix), 'ksvc', 'svc'].join(', ')

export type SinkParse = {ok: true; destination: Destination} | {ok: false; error: string}

export function parseSink(text: string, namespace?: string): SinkParse {
  const parts = text.split(':')
  if (parts[0] === 'http' || parts[0] === 'https') {
    try {
      new URL(text)
      return {ok: true, destination: {uri: text}}
    } catch {
      return {ok: false, error: `${JSON.stringify(text)} is not a valid URL`}
    }
  }
  if (parts.length > 3 || parts.some((p) => p === ''))
    return {ok: false, error: `${JSON.stringify(text)}: expected PREFIX:NAME[:NAMESPACE] or an http(s) URL`}
  const [prefix, name, ns] = parts.length === 1 ? ['ksvc', parts[0]!, undefined] : [parts[0]!, parts[1]!, parts[2]]
  const target = PREFIXES[prefix]
  if (!target)
    return {ok: false, error: `${JSON.stringify(text)}: unknown prefix ${JSON.stringify(prefix)} (use ${PREFIX_LIST}, or an http(s) URL)`}
  const ref: KReference = {...target, name}
  const refNamespace = ns ?? namespace
  if (refNamespace) ref.namespace = refNamespace
  return {ok: true, destination: {ref}}
}
