// Kubernetes object names: what the API server requires of metadata.name, metadata.namespace and the
// names in references (RFC 1123 subdomains and labels).

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/

/**
 * Checks a Kubernetes object name (an RFC 1123 subdomain, or a label where Kubernetes asks for one);
 * returns the problem or undefined.
 */
export function kubernetesNameProblem(name: string, what = 'name', rule: 'subdomain' | 'label' = 'subdomain'): string | undefined {
  if (name.length === 0) return `${what} is required`
  if (rule === 'label') {
    if (name.length > 63 || !DNS1123_LABEL.test(name)) {
      return `${what} ${JSON.stringify(name)} is not a valid name: use at most 63 lower-case letters, digits and '-', starting and ending with a letter or digit`
    }
    return undefined
  }
  if (name.length > 253) return `${what} must be no more than 253 characters`
  if (!DNS1123_SUBDOMAIN.test(name)) {
    return `${what} ${JSON.stringify(name)} is not a valid Kubernetes name: use lower-case letters, digits, '-' and '.', starting and ending with a letter or digit`
  }
  return undefined
}

export function namespaceProblem(namespace: string): string | undefined {
  if (namespace.length > 63 || !DNS1123_LABEL.test(namespace)) {
    return `namespace ${JSON.stringify(namespace)} is not a valid Kubernetes namespace (lower-case letters, digits and '-', at most 63 characters)`
  }
  return undefined
}
