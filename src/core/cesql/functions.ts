// CESQL functions and the registry that resolves a call by name and argument count, the way sdk-go's function table
// does: fixed-arity overloads first, then the variadic one if the call has at least its fixed arguments.
import type {CloudEvent} from '../cloudevent.js'
import {KEYWORD_NAMES} from './lexer.js'
import type {CesqlErrorKind, CesqlType, CesqlValue} from './types.js'

/**
 * A function body. Arguments arrive already cast to the declared types (an Integer is a 32-bit whole number).
 * Return a String, a 32-bit Integer or a Boolean. To fail, throw: a CesqlFunctionError picks the error kind and the value
 * the call still yields; any other exception becomes a functionEvaluation error with the return type's zero value.
 */
export type CesqlFunctionBody = (args: CesqlValue[], event: CloudEvent) => CesqlValue

export interface CesqlFunction {
  /** Upper-case name; calls match it case-insensitively. */
  readonly name: string
  /** Types of the fixed parameters. */
  readonly argTypes: readonly CesqlType[]
  /** Type of any further arguments; undefined when the function takes exactly argTypes.length arguments. */
  readonly variadicType: CesqlType | undefined
  /** Decides the value of a failed call (its zero value). */
  readonly returnType: CesqlType
  readonly run: CesqlFunctionBody
}

/** Thrown by a function body to fail with a given error kind while still yielding a value (e.g. LEFT with a negative length). */
export class CesqlFunctionError extends Error {
  override readonly name = 'CesqlFunctionError'
  readonly kind: CesqlErrorKind
  readonly value: CesqlValue | undefined

  constructor(message: string, options: {kind?: CesqlErrorKind; value?: CesqlValue} = {}) {
    super(message)
    this.kind = options.kind ?? 'functionEvaluation'
    this.value = options.value
  }
}

const CALLABLE_NAME = /^[A-Za-z][A-Za-z_]*$/

/**
 * Declares a function, like sdk-go's `function.NewFunction(name, argTypes, variadicType, fn)`.
 * Throws when no CESQL call could reach the name (it must be letters and '_', and not a keyword).
 */
export function newFunction(
  name: string,
  argTypes: readonly CesqlType[],
  variadicType: CesqlType | undefined,
  run: CesqlFunctionBody,
  returnType: CesqlType = 'Any',
): CesqlFunction {
  const upper = name.toUpperCase()
  if (!CALLABLE_NAME.test(name) || KEYWORD_NAMES.has(upper)) {
    throw new TypeError(`cannot define CESQL function '${name}': a name is a letter followed by letters or '_', and not a keyword`)
  }
  return Object.freeze({name: upper, argTypes: Object.freeze([...argTypes]), variadicType, returnType, run})
}

interface Overloads {
  fixed: Map<number, CesqlFunction>
  variadic: CesqlFunction | undefined
}

export class CesqlFunctionRegistry {
  private readonly table = new Map<string, Overloads>()
  private sealed = false

  constructor(functions: Iterable<CesqlFunction> = []) {
    for (const fn of functions) this.addFunction(fn)
  }

  /**
   * Adds a function. Throws, as sdk-go's AddFunction returns an error, when a function with the same name already has
   * that arity, when a second variadic overload is added, or when a variadic one would shadow a fixed one.
   */
  addFunction(fn: CesqlFunction): this {
    if (this.sealed) throw new Error('this CESQL function registry is read-only; use createFunctionRegistry() to get one you can extend')
    const overloads = this.table.get(fn.name) ?? {fixed: new Map(), variadic: undefined}
    const arity = fn.argTypes.length
    if (fn.variadicType === undefined) {
      if (overloads.fixed.has(arity)) throw new Error(`CESQL function ${fn.name} with ${arity} argument(s) is already defined`)
      overloads.fixed.set(arity, fn)
    } else {
      if (overloads.variadic !== undefined) throw new Error(`a variadic CESQL function ${fn.name} is already defined`)
      if ([...overloads.fixed.keys()].some((fixedArity) => fixedArity >= arity)) {
        throw new Error(`CESQL function ${fn.name} already has an overload with ${arity} or more arguments`)
      }
      overloads.variadic = fn
    }
    this.table.set(fn.name, overloads)
    return this
  }

  /** The function a call `name(...)` with `argumentCount` arguments runs, or undefined (a missingFunction error). */
  resolve(name: string, argumentCount: number): CesqlFunction | undefined {
    const overloads = this.table.get(name.toUpperCase())
    if (overloads === undefined) return undefined
    const fixed = overloads.fixed.get(argumentCount)
    if (fixed !== undefined) return fixed
    const variadic = overloads.variadic
    return variadic !== undefined && variadic.argTypes.length <= argumentCount ? variadic : undefined
  }

  /** Makes the registry read-only (used for the shared built-in registry). */
  seal(): this {
    this.sealed = true
    return this
  }
}
