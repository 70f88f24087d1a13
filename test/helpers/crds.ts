// Knative's CRD schemas, for tests only: validates a manifest against the openAPIV3Schema of the version
// its apiVersion names, the way the API server does with kubectl's strict field validation (fields the
// schema does not list are refused unless it keeps unknown fields; null values are pruned first).
// The CRDs are read from KNE_CRDS_DIR or ../shared/knative/crds; without them the tests that need them
// are skipped with a message, unless KNE_REQUIRE_CONFORMANCE=1 (CI), where a skip would hide a failure.
import {existsSync, readdirSync, readFileSync} from 'node:fs'
import {dirname, join, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'
import {Ajv, type ValidateFunction} from 'ajv'
import {parse} from 'yaml'

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')

function findCrdsDir(): string | undefined {
  const candidates = [process.env.KNE_CRDS_DIR, join(repoRoot, '..', 'shared', 'knative', 'crds')]
  return candidates.find((dir): dir is string => dir !== undefined && dir !== '' && existsSync(dir))
}

export const crdsDir = findCrdsDir()

if (crdsDir === undefined) {
  const message = 'Knative CRDs not found (set KNE_CRDS_DIR or place them at ../shared/knative/crds)'
  if (process.env.KNE_REQUIRE_CONFORMANCE === '1') throw new Error(message)
  console.warn(`[kne tests] skipping CRD schema tests: ${message}`)
}

/** True when the CRD schema tests can run; use with describe.skipIf(!hasCrds). */
export const hasCrds = crdsDir !== undefined

export type Schema = Record<string, unknown>

export interface CrdValidator {
  /** The `apiVersion Kind` pairs a served CRD version exists for. */
  readonly types: string[]
  /** Problems of one manifest against its CRD (empty when it validates); undefined when no CRD covers it. */
  validate(manifest: Record<string, unknown>): string[] | undefined
}

let cached: CrdValidator | undefined

export function crdValidator(): CrdValidator {
  if (crdsDir === undefined) throw new Error('Knative CRDs not available')
  if (cached) return cached
  const ajv = new Ajv({allErrors: true, strict: false})
  ajv.addFormat('int32', {type: 'number', validate: (n: number) => Number.isInteger(n) && n >= -(2 ** 31) && n < 2 ** 31})
  ajv.addFormat('int64', {type: 'number', validate: (n: number) => Number.isInteger(n)})
  const validators = new Map<string, ValidateFunction>()
  // the kinds kne added after ../shared/knative/crds was taken keep their CRDs in test/fixtures/crds
  const files = [crdsDir, join(repoRoot, 'test', 'fixtures', 'crds')].flatMap((dir) =>
    readdirSync(dir)
      .filter((f) => /\.ya?ml$/.test(f))
      .sort()
      .map((f) => join(dir, f)),
  )
  for (const file of files) {
    const crd = parse(readFileSync(file, 'utf8')) as {
      spec: {group: string; names: {kind: string}; versions: {name: string; served: boolean; schema: {openAPIV3Schema: Schema}}[]}
    }
    for (const version of crd.spec.versions.filter((v) => v.served)) {
      const apiVersion = `${crd.spec.group}/${version.name}`
      validators.set(
        `${apiVersion} ${crd.spec.names.kind}`,
        ajv.compile(rootSchema(version.schema.openAPIV3Schema, apiVersion, crd.spec.names.kind)),
      )
    }
  }
  cached = {
    types: [...validators.keys()],
    validate(manifest) {
      const validate = validators.get(`${String(manifest.apiVersion)} ${String(manifest.kind)}`)
      if (!validate) return undefined
      if (validate(withoutNulls(manifest))) return []
      return (validate.errors ?? []).map(
        (e) =>
          `${e.instancePath || '/'} ${e.message ?? ''}${e.params && 'additionalProperty' in e.params ? `: ${String(e.params.additionalProperty)}` : ''}`,
      )
    },
  }
  return cached
}

/** The CRD's schema plus what every object has (apiVersion, kind, metadata), strict about unknown fields. */
export function rootSchema(schema: Schema, apiVersion: string, kind: string): Schema {
  const strict = strictSchema(schema)
  const labels = {type: 'object', additionalProperties: {type: 'string'}}
  return {
    ...strict,
    required: ['apiVersion', 'kind', 'metadata'],
    properties: {
      ...(strict.properties as Schema),
      apiVersion: {const: apiVersion},
      kind: {const: kind},
      metadata: {
        type: 'object',
        required: ['name'],
        properties: {name: {type: 'string', minLength: 1}, namespace: {type: 'string'}, labels, annotations: labels},
      },
    },
    additionalProperties: false,
  }
}

/** additionalProperties: false wherever the schema lists the properties and does not keep unknown fields. */
function strictSchema(schema: Schema): Schema {
  const out: Schema = {...schema}
  if (out.properties) {
    out.properties = Object.fromEntries(Object.entries(out.properties as Record<string, Schema>).map(([k, v]) => [k, strictSchema(v)]))
    if (out['x-kubernetes-preserve-unknown-fields'] !== true && out.additionalProperties === undefined) out.additionalProperties = false
  }
  if (out.items && typeof out.items === 'object') out.items = strictSchema(out.items as Schema)
  if (out.additionalProperties && typeof out.additionalProperties === 'object')
    out.additionalProperties = strictSchema(out.additionalProperties as Schema)
  return out
}

function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.filter((v) => v !== null).map(withoutNulls)
  if (value === null || typeof value !== 'object') return value
  return Object.fromEntries(
    Object.entries(value)
      .filter(([, v]) => v !== null)
      .map(([k, v]) => [k, withoutNulls(v)]),
  )
}
