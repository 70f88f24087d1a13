// Fills a resource template (templates/<kind>.yaml, parsed) with values. A scalar that is exactly
// `${key}` takes the value of `key`; an unset or empty value removes its key, and a mapping or list left
// empty by that goes too, so the output carries only what was asked for, in the template's key order.

/** Values for a template's placeholders; every placeholder must be a key here (undefined means "leave out"). */
export type TemplateValues = Record<string, unknown>

/** A Kubernetes object as kne writes it: plain data, keys in the order they are printed. */
export interface Manifest {
  apiVersion: string
  kind: string
  metadata: {name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string>}
  spec?: Record<string, unknown>
  [key: string]: unknown
}

const PLACEHOLDER = /^\$\{([A-Za-z][A-Za-z0-9]*)\}$/
const OMIT = Symbol('omit')

export function renderTemplate(template: unknown, values: TemplateValues): Manifest {
  const rendered = fill(template, values)
  if (rendered === OMIT || !isMapping(rendered) || typeof rendered.apiVersion !== 'string' || typeof rendered.kind !== 'string') {
    throw new Error('a resource template must be a mapping with apiVersion and kind')
  }
  return rendered as Manifest
}

function fill(node: unknown, values: TemplateValues): unknown {
  if (typeof node === 'string') {
    const match = PLACEHOLDER.exec(node)
    if (!match) return node
    const key = match[1]!
    // a placeholder without a value key is a bug in the template or its builder, not a user error
    if (!Object.hasOwn(values, key)) throw new Error(`template placeholder \${${key}} has no value`)
    return isEmpty(values[key]) ? OMIT : values[key]
  }
  if (Array.isArray(node)) {
    const items = node.map((item) => fill(item, values)).filter((item) => item !== OMIT)
    return items.length === 0 ? OMIT : items
  }
  if (isMapping(node)) {
    const out: Record<string, unknown> = {}
    for (const [key, value] of Object.entries(node)) {
      const filled = fill(value, values)
      if (filled !== OMIT) out[key] = filled
    }
    return Object.keys(out).length === 0 ? OMIT : out
  }
  return node
}

function isEmpty(value: unknown): boolean {
  if (value === undefined || value === null || value === '') return true
  if (Array.isArray(value)) return value.length === 0
  return isMapping(value) && Object.keys(value).length === 0
}

export function isMapping(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

/** Drops undefined fields (JSON and YAML output would otherwise differ on them). */
export function compact<T extends Record<string, unknown>>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T
}
