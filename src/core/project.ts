// kne.yaml: the project file. It names the default namespace, the manifests folder, the port, the local
// URLs of Services that subscribers refer to, and the delivery Brokers get when they set none.
import {parse} from 'yaml'
import type {ServiceMap} from './resources/destination.js'
import type {DeliverySpec, ManifestError} from './resources/types.js'
import {isAbsoluteUrl, validateDeliverySpec} from './resources/validate.js'

export const PROJECT_FILE = 'kne.yaml'

export interface ProjectConfig {
  namespace: string
  /** Folder of manifests, relative to kne.yaml. */
  manifests: string
  port: number
  services: ServiceMap
  /** Like Knative's config-br-defaults: what a Broker without spec.delivery gets. */
  brokerDelivery?: DeliverySpec
}

export const DEFAULT_PORT = 8080

export function defaultProjectConfig(): ProjectConfig {
  return {namespace: 'default', manifests: 'knative', port: DEFAULT_PORT, services: {}}
}

export function parseProjectConfig(text: string, file: string): {config: ProjectConfig; errors: ManifestError[]} {
  const config = defaultProjectConfig()
  const errors: ManifestError[] = []
  let raw: unknown
  try {
    raw = parse(text)
  } catch (error) {
    return {config, errors: [{file, message: `invalid YAML: ${(error as Error).message.split('\n')[0]}`}]}
  }
  if (raw === null || raw === undefined) return {config, errors}
  if (typeof raw !== 'object' || Array.isArray(raw)) return {config, errors: [{file, message: 'kne.yaml must be a mapping'}]}
  const doc = raw as Record<string, unknown>
  const fail = (field: string, message: string): void => {
    errors.push({file, field, message})
  }
  if (doc.namespace !== undefined) {
    if (typeof doc.namespace === 'string' && doc.namespace !== '') config.namespace = doc.namespace
    else fail('namespace', 'must be a namespace name')
  }
  if (doc.manifests !== undefined) {
    if (typeof doc.manifests === 'string' && doc.manifests !== '') config.manifests = doc.manifests
    else fail('manifests', 'must be a folder path')
  }
  if (doc.port !== undefined) {
    if (Number.isInteger(doc.port) && (doc.port as number) >= 0 && (doc.port as number) < 65536) config.port = doc.port as number
    else fail('port', 'must be a port number (0-65535)')
  }
  if (doc.services !== undefined) {
    if (typeof doc.services !== 'object' || doc.services === null || Array.isArray(doc.services)) {
      fail('services', 'must map service names to URLs')
    } else {
      for (const [name, url] of Object.entries(doc.services)) {
        if (typeof url === 'string' && isAbsoluteUrl(url)) config.services[name] = url
        else fail(`services.${name}`, `must be an absolute URL such as http://127.0.0.1:3000, got ${JSON.stringify(url)}`)
      }
    }
  }
  const defaults = doc.brokerDefaults as Record<string, unknown> | undefined
  if (defaults !== undefined) {
    const delivery = defaults?.delivery
    if (typeof delivery !== 'object' || delivery === null) {
      fail('brokerDefaults.delivery', 'must be a DeliverySpec (retry, backoffPolicy, backoffDelay, deadLetterSink, timeout)')
    } else {
      const problems = validateDeliverySpec(delivery as DeliverySpec, 'brokerDefaults.delivery', false)
      for (const p of problems) fail(p.field, p.message)
      if (problems.length === 0) config.brokerDelivery = delivery as DeliverySpec
    }
  }
  return {config, errors}
}

/** Parses `name=URL` service flags into a service map, or returns the problem. */
export function parseServiceFlags(values: readonly string[]): {services: ServiceMap; error?: string} {
  const services: ServiceMap = {}
  for (const value of values) {
    const eq = value.indexOf('=')
    const name = value.slice(0, eq)
    const url = value.slice(eq + 1)
    if (eq <= 0 || !isAbsoluteUrl(url)) return {services, error: `--service ${value}: expected NAME=URL (or NAMESPACE/NAME=URL), e.g. orders=http://127.0.0.1:3000`}
    services[name] = url
  }
  return {services}
}
