// CloudEvents SQL (CESQL v1.0) for kne: compile an expression once, evaluate it against many events.
// Behaviour follows cloudevents/sdk-go `sql/v2`, the engine Knative's `cesql` trigger filter runs (docs/cesql.md).
import type {CloudEvent} from '../cloudevent.js'
import {BUILTIN_FUNCTIONS} from './builtins.js'
import {compileNode} from './evaluator.js'
import {CesqlFunctionRegistry} from './functions.js'
import {parseCesql} from './parser.js'
import {CesqlParseError, type CesqlResult} from './types.js'

export {formatCesqlNode, type CesqlNode} from './ast.js'
export {CesqlFunctionError, CesqlFunctionRegistry, newFunction, type CesqlFunction, type CesqlFunctionBody} from './functions.js'
export {parseCesql} from './parser.js'
export {CesqlParseError, type CesqlError, type CesqlErrorKind, type CesqlResult, type CesqlType, type CesqlValue} from './types.js'

export interface CesqlExpression {
  readonly source: string
  evaluate(event: CloudEvent): CesqlResult
}

export interface CesqlCompileOptions {
  /** Functions calls resolve against; defaults to the built-ins. Build one with createFunctionRegistry(). */
  functions?: CesqlFunctionRegistry
}

const builtinRegistry = new CesqlFunctionRegistry(BUILTIN_FUNCTIONS).seal()

/** A registry holding the built-in functions, to which user-defined functions can be added with addFunction. */
export function createFunctionRegistry(): CesqlFunctionRegistry {
  return new CesqlFunctionRegistry(BUILTIN_FUNCTIONS)
}

/** Parses and prepares an expression; throws CesqlParseError. */
export function compileCesql(expression: string, options: CesqlCompileOptions = {}): CesqlExpression {
  const root = compileNode(parseCesql(expression), options.functions ?? builtinRegistry)
  return {
    source: expression,
    evaluate(event: CloudEvent): CesqlResult {
      const state = {event, error: undefined}
      const value = root(state)
      return {value, errors: state.error === undefined ? [] : [state.error]}
    },
  }
}

const MAX_CACHED_EXPRESSIONS = 256
const compiledCache = new Map<string, CesqlExpression | CesqlParseError>()

function cachedCompile(expression: string): CesqlExpression | CesqlParseError {
  let entry = compiledCache.get(expression)
  if (entry === undefined) {
    try {
      entry = compileCesql(expression)
    } catch (error) {
      if (!(error instanceof CesqlParseError)) throw error
      entry = error
    }
    if (compiledCache.size >= MAX_CACHED_EXPRESSIONS) compiledCache.delete(compiledCache.keys().next().value!)
    compiledCache.set(expression, entry)
  }
  return entry
}

/**
 * One-shot evaluation with the built-in functions. A parse failure comes back as `false` with a `parse` error instead of
 * throwing. Compiled expressions are cached, but code that holds on to an expression should use compileCesql.
 */
export function evaluateCesql(expression: string, event: CloudEvent): CesqlResult {
  const compiled = cachedCompile(expression)
  if (compiled instanceof CesqlParseError) return {value: false, errors: [{kind: 'parse', message: compiled.message}]}
  return compiled.evaluate(event)
}

/** The filter rule: passes only when the value is boolean true and there were no errors. */
export function cesqlMatches(result: CesqlResult): boolean {
  return result.value === true && result.errors.length === 0
}
