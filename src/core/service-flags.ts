// kne dev's --service NAME=URL flags; apart from the project loader so that parsing them loads no YAML parser.
import type {ServiceMap} from './resources/destination.js'
import {isAbsoluteUrl} from './resources/validate.js'

/** Parses `name=URL` service flags into a service map, or returns the problem. */
export function parseServiceFlags(values: readonly string[]): {services: ServiceMap; error?: string} {
  const services: ServiceMap = {}
  for (const value of values) {
    const eq = value.indexOf('=')
    const name = value.slice(0, eq)
    const url = value.slice(eq + 1)
    if (eq <= 0 || !isAbsoluteUrl(url))
      return {services, error: `--service ${value}: expected NAME=URL (or NAMESPACE/NAME=URL), e.g. orders=http://127.0.0.1:3000`}
    services[name] = url
  }
  return {services}
}
