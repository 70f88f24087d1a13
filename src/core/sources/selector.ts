// Kubernetes label selectors (metav1.LabelSelector) evaluated against a set of labels, as
// LabelSelectorAsSelector does: every matchLabels pair and every matchExpression must hold.
import type {LabelSelector} from '../resources/types.js'

export function matchesLabelSelector(selector: LabelSelector, labels: Readonly<Record<string, string>>): boolean {
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (labels[key] !== value) return false
  }
  for (const {key, operator, values = []} of selector.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, key)
    switch (operator) {
      case 'In':
        if (!has || !values.includes(labels[key]!)) return false
        break
      case 'NotIn':
        if (has && values.includes(labels[key]!)) return false
        break
      case 'Exists':
        if (!has) return false
        break
      case 'DoesNotExist':
        if (has) return false
        break
      // an operator Kubernetes does not know selects nothing (the API server would have refused it)
      default:
        return false
    }
  }
  return true
}

/** `key=value,key in (a,b)`: a selector as kubectl prints it, for messages. */
export function formatLabelSelector(selector: LabelSelector): string {
  const parts = Object.entries(selector.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`)
  for (const e of selector.matchExpressions ?? []) {
    if (e.operator === 'Exists') parts.push(e.key)
    else if (e.operator === 'DoesNotExist') parts.push(`!${e.key}`)
    else parts.push(`${e.key} ${e.operator === 'In' ? 'in' : 'notin'} (${(e.values ?? []).join(',')})`)
  }
  return parts.join(',') || '<everything>'
}
