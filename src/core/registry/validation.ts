// Schema enforcement (kne.yaml `registry.validate`, `kne dev --validate-events`): the JSON Schemas EventTypes
// declare for their data (spec.schemaData, or a schema URI that names a local file), compiled once per
// schema with ajv, and an event's data checked against its type's schema. A schema that does not compile
// is a manifest problem and its type is not checked; kne never fetches a schema over the network.
import {isAbsolute, dirname, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'
import {createRequire} from 'node:module'
import type {Ajv, ErrorObject, Options, ValidateFunction} from 'ajv'
import {isJsonMediaType, type CloudEvent} from '../cloudevent.js'
import type {DataCheck, DataViolation} from './violations.js'
import type {EventType, ManifestError, ManifestResource} from '../resources/types.js'
import {describeResource} from '../resources/types.js'
import {declaredContribution} from './contributions.js'
import {referenceKey} from './registry.js'
import {hasFormat, STRING_FORMATS, type JsonSchema} from './schema.js'
import {resourcesOf} from '../../kinds/descriptors.js'
import {eventTypeKind} from '../../kinds/eventing/descriptor.js'

export {
  describeViolations,
  formatViolation,
  VALIDATION_MODES,
  type DataCheck,
  type DataViolation,
  type ValidationMode,
} from './violations.js'

export const MAX_REPORTED_VIOLATIONS = 10
/** The largest schema file kne reads. */
export const MAX_SCHEMA_FILE_BYTES = 1024 * 1024

/** A declared schema: the type it is for, where events of it arrive, and where in which manifest it was written. */
export interface DeclaredSchema {
  namespace: string
  type: string
  /** `Kind/name` of the EventType's reference, or `-` for every broker and channel of the namespace. */
  reference: string
  schema: JsonSchema
  where: Omit<ManifestError, 'message'>
}

/** Reads a schema file named by an EventType (the caller does the I/O); throws when it cannot. */
export type ReadSchemaFile = (path: string) => string

/**
 * The local file a schema URI names, relative to the manifest that names it: a path or a file: URL.
 * Undefined for anything with another scheme (https:, urn:, …): kne does not fetch schemas.
 */
export function localSchemaPath(uri: string, manifestFile: string): string | undefined {
  if (uri.startsWith('file:')) {
    try {
      return fileURLToPath(uri)
    } catch {
      return undefined
    }
  }
  if (/^[A-Za-z][A-Za-z0-9+.-]*:/.test(uri) && !/^[A-Za-z]:[\\/]/.test(uri)) return undefined
  return isAbsolute(uri) ? uri : resolve(dirname(manifestFile), uri)
}

/** The JSON Schemas the EventTypes declare for their data, and the problems of the ones that cannot be read. */
export function declaredSchemas(
  resources: readonly ManifestResource[],
  readFile: ReadSchemaFile | undefined,
): {schemas: DeclaredSchema[]; problems: ManifestError[]} {
  const schemas: DeclaredSchema[] = []
  const problems: ManifestError[] = []
  for (const eventType of resourcesOf(resources, eventTypeKind)) {
    const {contribution} = declaredContribution(eventType, () => undefined)
    if (!contribution) continue
    const base = {namespace: contribution.namespace, type: contribution.type, reference: referenceKey(contribution.reference)}
    const at = (field: string): Omit<ManifestError, 'message'> => ({
      file: eventType.origin.file,
      document: eventType.origin.document,
      resource: describeResource(eventType),
      field,
    })
    if (contribution.schema) {
      schemas.push({...base, schema: contribution.schema, where: at('spec.schemaData')})
      continue
    }
    if (contribution.schemaText !== undefined) {
      // text that is meant as JSON but is not is a mistake; other text (Avro, a description) is not a JSON Schema
      if (/^\s*\{/.test(contribution.schemaText))
        problems.push({
          ...at('spec.schemaData'),
          message: `not valid JSON: ${jsonError(contribution.schemaText)}; its events are not checked`,
        })
      continue
    }
    if (contribution.schemaUrl === undefined || readFile === undefined) continue
    const field = schemaUriField(eventType)
    const path = localSchemaPath(contribution.schemaUrl, eventType.origin.file)
    if (path === undefined) continue
    const read = readLocalSchema(path, readFile)
    if ('problem' in read) problems.push({...at(field), message: `${read.problem}; its events are not checked`})
    else schemas.push({...base, schema: read.schema, where: at(field)})
  }
  return {schemas, problems}
}

/** A local schema file read and parsed, or why it cannot be: unreadable, not JSON, or not a JSON object. */
function readLocalSchema(path: string, readFile: ReadSchemaFile): {schema: JsonSchema; text: string} | {problem: string} {
  let text: string
  try {
    text = readFile(path)
  } catch (error) {
    return {problem: `cannot read the schema file ${path}: ${(error as Error).message}`}
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (error) {
    return {problem: `${path} is not JSON: ${(error as Error).message}`}
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
    return {problem: `${path} is not a JSON Schema (a JSON object)`}
  return {schema: parsed as JsonSchema, text}
}

/**
 * The resources with each EventType whose schema URI names a readable local JSON Schema given it as
 * schemaData (a copy; the rest as they are): what the registry describes, exports and makes examples and
 * types from. Problems are left to declaredSchemas.
 */
export function withLocalSchemas(resources: readonly ManifestResource[], readFile: ReadSchemaFile): ManifestResource[] {
  const eventTypes = new Set<ManifestResource>(resourcesOf(resources, eventTypeKind))
  return resources.map((r) => {
    if (!eventTypes.has(r)) return r
    const eventType = r as EventType
    if (eventType.spec.schemaData !== undefined) return r
    const {contribution} = declaredContribution(eventType, () => undefined)
    const path = contribution?.schemaUrl === undefined ? undefined : localSchemaPath(contribution.schemaUrl, eventType.origin.file)
    const read = path === undefined ? undefined : readLocalSchema(path, readFile)
    return read === undefined || 'problem' in read ? r : {...eventType, spec: {...eventType.spec, schemaData: read.text}}
  })
}

function schemaUriField(eventType: EventType): string {
  const index = eventType.spec.attributes?.findIndex((a) => a.name === 'schemadata') ?? -1
  return index >= 0 && !eventType.apiVersion.endsWith('/v1beta2') ? `spec.attributes[${index}].value` : 'spec.schema'
}

function jsonError(text: string): string {
  try {
    JSON.parse(text)
    return 'not an object'
  } catch (error) {
    return (error as Error).message
  }
}

/** The declared schemas compiled: check an event's data against its type's. */
export class EventSchemas {
  constructor(private readonly validators: ReadonlyMap<string, Validator>) {}

  get size(): number {
    return this.validators.size
  }

  /** Whether events of the type arriving through the reference (`Kind/name`) are checked. */
  has(namespace: string, reference: string, type: string): boolean {
    return this.validatorFor(namespace, reference, type) !== undefined
  }

  /** The violations of an event's data, or undefined when it is valid or its type has no schema. */
  check(namespace: string, reference: string, event: CloudEvent): DataCheck | undefined {
    const validator = this.validatorFor(namespace, reference, event.type)
    if (validator === undefined) return undefined
    const data = eventData(event)
    if ('problem' in data) return {type: event.type, violations: [{path: '', message: data.problem}], total: 1}
    // large data could break a schema in millions of places: past the bound, the first one is enough
    return checked(event.data!.byteLength > MAX_ALL_ERRORS_BYTES ? validator.firstError() : validator.validate, event.type, data.value)
  }

  /** The same check on data already parsed (an event in the JSON format). */
  checkData(namespace: string, reference: string, type: string, data: unknown): DataCheck | undefined {
    const validator = this.validatorFor(namespace, reference, type)
    return validator === undefined ? undefined : checked(validator.validate, type, data)
  }

  private validatorFor(namespace: string, reference: string, type: string): Validator | undefined {
    return this.validators.get(`${namespace}/${type}/${reference}`) ?? this.validators.get(`${namespace}/${type}/-`)
  }
}

/** Compiles the declared schemas (a schema compiled before is reused); one that does not compile is a problem and its type is not checked. */
export function compileEventSchemas(declared: readonly DeclaredSchema[]): {schemas: EventSchemas; problems: ManifestError[]} {
  const validators = new Map<string, Validator>()
  const problems: ManifestError[] = []
  for (const d of declared) {
    const key = `${d.namespace}/${d.type}/${d.reference}`
    if (validators.has(key)) continue
    const compiled = compileSchema(d.schema)
    if ('error' in compiled)
      problems.push({...d.where, message: `the JSON Schema does not compile: ${compiled.error}; its events are not checked`})
    else validators.set(key, compiled)
  }
  return {schemas: new EventSchemas(validators), problems}
}

/** Checks one value against a schema (kne registry lint, the tests); undefined when the schema does not compile. */
export function violationsOf(schema: JsonSchema, value: unknown): DataViolation[] | {error: string} {
  const compiled = compileSchema(schema)
  if ('error' in compiled) return compiled
  return compiled.validate(value) ? [] : (compiled.validate.errors ?? []).map(toViolation)
}

function checked(validate: ValidateFunction, type: string, data: unknown): DataCheck | undefined {
  if (validate(data)) return undefined
  const violations = (validate.errors ?? []).map(toViolation)
  return {type, violations: violations.slice(0, MAX_REPORTED_VIOLATIONS), total: violations.length}
}

function eventData(event: CloudEvent): {value: unknown} | {problem: string} {
  if (event.data === undefined) return {problem: 'the event has no data'}
  if (!isJsonMediaType(event.datacontenttype)) return {problem: `the data is ${event.datacontenttype}, not JSON`}
  try {
    return {value: JSON.parse(new TextDecoder('utf-8', {fatal: true}).decode(event.data))}
  } catch (error) {
    return {problem: `the data is not valid JSON: ${(error as Error).message}`}
  }
}

function toViolation(error: ErrorObject): DataViolation {
  if (error.keyword === 'required')
    return {path: `${error.instancePath}/${pointerToken(String(error.params.missingProperty))}`, message: 'is required'}
  if (error.keyword === 'additionalProperties')
    return {path: `${error.instancePath}/${pointerToken(String(error.params.additionalProperty))}`, message: 'is not allowed'}
  return {path: error.instancePath, message: error.message ?? error.keyword}
}

function pointerToken(name: string): string {
  return name.replace(/~/g, '~0').replace(/\//g, '~1')
}

// One validator per dialect; formats are the ones kne's schema inference knows (others are not checked).
// ajv is loaded on the first schema compiled: commands that never check data do not pay for it.
const require = createRequire(import.meta.url)
type AjvClass = new (options: Options) => Ajv
const AJV_MODULES: Record<string, string> = {'07': 'ajv', '2019': 'ajv/dist/2019.js', '2020': 'ajv/dist/2020.js'}
const ajvs = new Map<string, Ajv>()
const DIALECTS: Record<string, string> = {
  'https://json-schema.org/draft/2020-12/schema': '2020',
  'https://json-schema.org/draft/2019-09/schema': '2019',
  'http://json-schema.org/draft-07/schema': '07',
}

function ajvFor(dialect: string, allErrors: boolean): Ajv {
  let ajv = ajvs.get(`${dialect}/${allErrors}`)
  if (ajv === undefined) {
    const AjvOfDialect = (require(AJV_MODULES[dialect]!) as {default: AjvClass}).default
    ajv = new AjvOfDialect({strict: false, allErrors, logger: false})
    for (const format of STRING_FORMATS) ajv.addFormat(format, (value: string) => hasFormat(format, value))
    ajvs.set(`${dialect}/${allErrors}`, ajv)
  }
  return ajv
}

/** A compiled schema: every violation, or (compiled when first needed) only the first. */
interface Validator {
  validate: ValidateFunction
  firstError(): ValidateFunction
}

/** Data larger than this is checked up to its first violation (ajv's allErrors keeps every one in memory). */
export const MAX_ALL_ERRORS_BYTES = 256 * 1024

/** ajv compiles a copy: it keeps the schema object it compiled, removed again so that reloads do not pile up. */
function compileWith(ajv: Ajv, text: string): ValidateFunction {
  const own = JSON.parse(text) as JsonSchema
  try {
    return ajv.compile(own)
  } finally {
    ajv.removeSchema(own)
  }
}

// compiled validators by schema text: a reload compiles only what changed (bounded: cleared when full)
const compiledCache = new Map<string, Validator | {error: string}>()
const MAX_CACHED_SCHEMAS = 512

function compileSchema(schema: JsonSchema): Validator | {error: string} {
  const text = JSON.stringify(schema)
  const cached = compiledCache.get(text)
  if (cached) return cached
  const declaredDialect = typeof schema.$schema === 'string' ? schema.$schema.replace(/#$/, '') : undefined
  const dialect = declaredDialect === undefined ? '2020' : DIALECTS[declaredDialect]
  let result: Validator | {error: string}
  if (dialect === undefined) {
    result = {error: `$schema ${declaredDialect}: kne checks JSON Schema 2020-12, 2019-09 and draft-07`}
  } else {
    try {
      let first: ValidateFunction | undefined
      result = {validate: compileWith(ajvFor(dialect, true), text), firstError: () => (first ??= compileWith(ajvFor(dialect, false), text))}
    } catch (error) {
      result = {error: (error as Error).message}
    }
  }
  if (compiledCache.size >= MAX_CACHED_SCHEMAS) compiledCache.clear()
  compiledCache.set(text, result)
  return result
}
