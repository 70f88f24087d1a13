// Admission rules for a Trigger's filters: what Knative's webhook (trigger_validation.go) rejects,
// plus the shape checks the API server's CRD schema makes (a string where a map belongs, ...).
// Also non-fatal warnings for filters Knative admits but that silently match everything.
import {CesqlParseError, compileCesql} from '../cesql/index.js'
import type {FilterValidationError, TriggerFilterSpec} from './types.js'

const ATTRIBUTE_NAME = /^[a-z][a-z0-9]*$/
const ATTRIBUTE_NAME_RULE = 'attribute names must start with a lowercase letter and contain only lowercase letters and digits'
export const MULTIPLE_DIALECTS = 'multiple dialects found, filters can have only one dialect set'
const MAP_DIALECTS = ['exact', 'prefix', 'suffix'] as const

/** Returns every admission error of the filter part of a Trigger spec (empty when admitted). */
export function validateTriggerFilter(spec: TriggerFilterSpec): FilterValidationError[] {
  const errors: FilterValidationError[] = []
  const filter: unknown = spec.filter
  if (filter !== undefined && filter !== null) {
    if (!isPlainObject(filter)) {
      errors.push({path: 'spec.filter', message: 'filter must be an object with an attributes map'})
    } else {
      validateStringMap(filter.attributes, 'spec.filter.attributes', errors)
    }
  }
  const filters: unknown = spec.filters
  if (filters !== undefined && filters !== null) {
    if (!Array.isArray(filters)) errors.push({path: 'spec.filters', message: 'filters must be a list of filter objects'})
    else filters.forEach((element, i) => validateElement(element, `spec.filters[${i}]`, errors))
  }
  return errors
}

function validateElement(element: unknown, path: string, errors: FilterValidationError[]): void {
  if (element === undefined || element === null) return // an empty element: admitted, matches everything
  if (!isPlainObject(element)) {
    errors.push({path, message: 'a filter must be an object with one of exact, prefix, suffix, all, any, not, cesql'})
    return
  }
  const dialects = setDialects(element)
  if (dialects.length > 1) errors.push({path, message: `${MULTIPLE_DIALECTS} (found ${dialects.join(', ')})`})
  for (const dialect of MAP_DIALECTS) validateStringMap(element[dialect], `${path}.${dialect}`, errors)
  for (const dialect of ['all', 'any'] as const) {
    const list = element[dialect]
    if (list === undefined || list === null) continue
    if (!Array.isArray(list)) errors.push({path: `${path}.${dialect}`, message: `${dialect} must be a list of filter objects`})
    else list.forEach((child, i) => validateElement(child, `${path}.${dialect}[${i}]`, errors))
  }
  if (element.not !== undefined && element.not !== null) {
    if (!isPlainObject(element.not)) errors.push({path: `${path}.not`, message: 'not must be a filter object'})
    else validateElement(element.not, `${path}.not`, errors)
  }
  validateCesql(element.cesql, `${path}.cesql`, errors)
}

/** Knative's hasMultipleDialects: non-empty maps and lists, a non-nil not, a non-empty cesql. */
function setDialects(element: Record<string, unknown>): string[] {
  const found: string[] = []
  for (const dialect of MAP_DIALECTS) if (isPlainObject(element[dialect]) && Object.keys(element[dialect]).length > 0) found.push(dialect)
  for (const dialect of ['all', 'any'] as const) if (Array.isArray(element[dialect]) && element[dialect].length > 0) found.push(dialect)
  if (element.not !== undefined && element.not !== null) found.push('not')
  if (typeof element.cesql === 'string' && element.cesql !== '') found.push('cesql')
  return found
}

function validateStringMap(map: unknown, path: string, errors: FilterValidationError[]): void {
  if (map === undefined || map === null) return
  if (!isPlainObject(map)) {
    errors.push({path, message: 'must be a map of attribute names to string values'})
    return
  }
  for (const [name, value] of Object.entries(map)) {
    const keyPath = `${path}${keySegment(name)}`
    if (!ATTRIBUTE_NAME.test(name)) {
      errors.push({path: keyPath, message: `invalid attribute name ${JSON.stringify(name)}: ${ATTRIBUTE_NAME_RULE}`})
    }
    if (typeof value !== 'string') {
      errors.push({path: keyPath, message: `the value must be a string, got ${describeType(value)} (quote it in YAML)`})
    }
  }
}

function validateCesql(expression: unknown, path: string, errors: FilterValidationError[]): void {
  if (expression === undefined || expression === null || expression === '') return
  if (typeof expression !== 'string') {
    errors.push({path, message: `cesql must be a string, got ${describeType(expression)}`})
    return
  }
  try {
    compileCesql(expression)
  } catch (error) {
    errors.push({path, message: cesqlProblem(expression, error)})
  }
}

function cesqlProblem(expression: string, error: unknown): string {
  const head = `invalid CESQL expression ${JSON.stringify(expression)}`
  if (error instanceof CesqlParseError) {
    const position = `line ${error.line}, column ${error.column}`
    const expected = error.expected.length > 0 ? `; expected ${error.expected.join(', ')}` : ''
    return error.message.includes(position)
      ? `${head}: ${error.message}`
      : `${head}: parse error at ${position}: ${error.message}${expected}`
  }
  // Knative recovers from parser panics and reports the expression as invalid too.
  return `${head}: ${(error as Error).message}`
}

/** `.name` for plain keys, `["..."]` for keys a dot path could not show unambiguously. */
function keySegment(key: string): string {
  return /^[A-Za-z0-9_-]+$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`
}

function describeType(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'a list'
  return typeof value === 'object' ? 'a map' : `a ${typeof value}`
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

/**
 * Filters Knative admits but that probably do not do what the author meant (for `kne validate`
 * warnings): they are skipped at run time and so match every event.
 */
export function triggerFilterWarnings(spec: TriggerFilterSpec): FilterValidationError[] {
  const warnings: FilterValidationError[] = []
  const filters: unknown = spec.filters
  if (Array.isArray(filters)) {
    if (filters.length > 0 && isPlainObject(spec.filter) && spec.filter.attributes) {
      warnings.push({path: 'spec.filter', message: 'ignored: spec.filters is non-empty, so only spec.filters is evaluated'})
    }
    filters.forEach((element, i) => warnElement(element, `spec.filters[${i}]`, warnings))
  }
  return warnings
}

function warnElement(element: unknown, path: string, warnings: FilterValidationError[]): void {
  if (!isPlainObject(element) || setDialects(element).length === 0) {
    warnings.push({path, message: 'empty filter (no dialect, or an empty all/any list or cesql): it matches every event'})
    return
  }
  // Only the dialect Knative uses matters (first non-empty one).
  const [dialect] = setDialects(element)
  if (dialect === 'exact' || dialect === 'prefix' || dialect === 'suffix') {
    const map = element[dialect] as Record<string, unknown>
    for (const [name, value] of Object.entries(map)) {
      if (value === '') {
        warnings.push({
          path: `${path}.${dialect}${keySegment(name)}`,
          message: `an empty ${dialect} value makes Knative skip this whole filter: it matches every event`,
        })
      }
    }
  } else if (dialect === 'all' || dialect === 'any') {
    ;(element[dialect] as unknown[]).forEach((child, i) => warnElement(child, `${path}.${dialect}[${i}]`, warnings))
  } else if (dialect === 'not') {
    warnElement(element.not, `${path}.not`, warnings)
  }
}
