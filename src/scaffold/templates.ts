// Reads the templates shipped in templates/ (beside dist/ and src/) and fills them in.
import {readFileSync} from 'node:fs'
import {fileURLToPath} from 'node:url'
import {parse, stringify} from 'yaml'
import {renderTemplate, type Manifest, type TemplateValues} from '../core/manifests/render.js'

export const TEMPLATES_DIR = fileURLToPath(new URL('../../templates/', import.meta.url))

const parsed = new Map<string, unknown>()

/** A resource manifest from templates/<template>.yaml and its values. */
export function renderManifest(template: string, values: TemplateValues): Manifest {
  let tree = parsed.get(template)
  if (tree === undefined) {
    tree = parse(readFileSync(`${TEMPLATES_DIR}${template}.yaml`, 'utf8')) as unknown
    parsed.set(template, tree)
  }
  return renderTemplate(tree, values)
}

/** A text template (templates/project/*) with `${key}` replaced; every key used must be given. */
export function renderText(path: string, values: Record<string, string | number>): string {
  return readFileSync(`${TEMPLATES_DIR}${path}`, 'utf8').replace(/\$\{([A-Za-z][A-Za-z0-9]*)\}/g, (_, key: string) => {
    if (!Object.hasOwn(values, key)) throw new Error(`template ${path}: \${${key}} has no value`)
    return String(values[key])
  })
}

/** The YAML kne writes: block style, no line folding (a CESQL expression stays on one line). */
export function toYaml(value: unknown): string {
  return stringify(value, {lineWidth: 0})
}
