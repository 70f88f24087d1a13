// Turns a parsed CESQL tree into a tree of closures, once, so evaluating an event never re-reads the text or the tree.
// Semantics are sdk-go's (sql/v2/expression/*.go): evaluation is fail-fast, so once a sub-expression records an error,
// every enclosing operator returns its zero value (false, 0 or '') and nothing else is evaluated.
import type {CloudEvent} from '../cloudevent.js'
import type {BinaryOperator, CesqlNode} from './ast.js'
import {castTo, castToBoolean, castToInteger, castToString} from './casting.js'
import {hasAttribute, readAttribute} from './event-view.js'
import {CesqlFunctionError, type CesqlFunctionRegistry} from './functions.js'
import {compileLikePattern, matchesLike} from './like.js'
import {isCesqlValue, typeOfValue, zeroValue, type CesqlValue, type ErrorSink} from './types.js'

export interface EvaluationState extends ErrorSink {
  readonly event: CloudEvent
}

export type CompiledNode = (state: EvaluationState) => CesqlValue

type IntegerOperation = (x: number, y: number, state: EvaluationState) => number | boolean

function divisionByZero(state: EvaluationState): number {
  state.error = {kind: 'math', message: 'division by zero'}
  return 0
}

// Integer results wrap around at 32 bits, as Go's int32 arithmetic does (no overflow error).
const INTEGER_OPERATIONS: Record<'+' | '-' | '*' | '/' | '%' | '<' | '<=' | '>' | '>=', IntegerOperation> = {
  '+': (x, y) => (x + y) | 0,
  '-': (x, y) => (x - y) | 0,
  '*': (x, y) => Math.imul(x, y),
  '/': (x, y, state) => (y === 0 ? divisionByZero(state) : Math.trunc(x / y) | 0),
  '%': (x, y, state) => (y === 0 ? divisionByZero(state) : (x % y) | 0),
  '<': (x, y) => x < y,
  '<=': (x, y) => x <= y,
  '>': (x, y) => x > y,
  '>=': (x, y) => x >= y,
}

function compileIntegerOperation(
  left: CompiledNode,
  right: CompiledNode,
  operation: IntegerOperation,
  zero: number | boolean,
): CompiledNode {
  return (state) => {
    // sdk-go evaluates both sides before casting either, which decides which error wins.
    const x = left(state)
    if (state.error) return zero
    const y = right(state)
    if (state.error) return zero
    const xi = castToInteger(x, state)
    if (state.error) return zero
    const yi = castToInteger(y, state)
    if (state.error) return zero
    const result = operation(xi, yi, state)
    return state.error ? zero : result
  }
}

/** `=`, `!=`, `<>`: the left value is cast to the right value's type (so `sequence = 5` compares Integers). */
function compileEquality(left: CompiledNode, right: CompiledNode, equal: boolean): CompiledNode {
  return (state) => {
    const x = left(state)
    if (state.error) return false
    const y = right(state)
    if (state.error) return false
    const xCast = typeof x === typeof y ? x : castTo(x, typeOfValue(y), state)
    if (state.error) return false
    return (xCast === y) === equal
  }
}

/** AND and OR short-circuit; XOR always evaluates both sides. */
function compileLogic(left: CompiledNode, right: CompiledNode, operator: 'AND' | 'OR' | 'XOR'): CompiledNode {
  return (state) => {
    const x = left(state)
    if (state.error) return false
    const xb = castToBoolean(x, state)
    if (state.error) return false
    if (operator === 'AND' && !xb) return false
    if (operator === 'OR' && xb) return true
    const y = right(state)
    if (state.error) return false
    const yb = castToBoolean(y, state)
    if (state.error) return false
    return operator === 'AND' ? xb && yb : operator === 'OR' ? xb || yb : xb !== yb
  }
}

function compileBinary(operator: BinaryOperator, left: CompiledNode, right: CompiledNode): CompiledNode {
  switch (operator) {
    case '+':
    case '-':
    case '*':
    case '/':
    case '%':
      return compileIntegerOperation(left, right, INTEGER_OPERATIONS[operator], 0)
    case '<':
    case '<=':
    case '>':
    case '>=':
      return compileIntegerOperation(left, right, INTEGER_OPERATIONS[operator], false)
    case '=':
      return compileEquality(left, right, true)
    case '!=':
    case '<>':
      return compileEquality(left, right, false)
    case 'AND':
    case 'OR':
    case 'XOR':
      return compileLogic(left, right, operator)
  }
}

function compileCall(name: string, args: CompiledNode[], functions: CesqlFunctionRegistry): CompiledNode {
  return (state) => {
    // Resolved per call, as sdk-go does, so a function added to the registry later is found.
    const fn = functions.resolve(name, args.length)
    if (fn === undefined) {
      state.error = {kind: 'missingFunction', message: `no function ${name} takes ${args.length} argument(s)`}
      return false
    }
    const fallback = zeroValue(fn.returnType)
    const values = new Array<CesqlValue>(args.length)
    for (let i = 0; i < args.length; i++) {
      const value = args[i]!(state)
      if (state.error) return fallback
      values[i] = castTo(value, fn.argTypes[i] ?? fn.variadicType ?? 'Any', state)
      if (state.error) return fallback
    }
    try {
      const result = fn.run(values, state.event)
      if (isCesqlValue(result)) return result
      state.error = {kind: 'functionEvaluation', message: `${name} returned ${String(result)}, which is not a CESQL value`}
      return fallback
    } catch (error) {
      if (error instanceof CesqlFunctionError) {
        state.error = {kind: error.kind, message: error.message}
        return error.value ?? fallback
      }
      state.error = {kind: 'functionEvaluation', message: `${name} failed: ${error instanceof Error ? error.message : String(error)}`}
      return fallback
    }
  }
}

export function compileNode(node: CesqlNode, functions: CesqlFunctionRegistry): CompiledNode {
  switch (node.kind) {
    case 'literal': {
      const value = node.value
      return () => value
    }
    case 'attribute': {
      const name = node.name
      return (state) => {
        const value = readAttribute(state.event, name)
        if (value !== undefined) return value
        state.error = {kind: 'missingAttribute', message: `missing attribute '${name}'`}
        return false
      }
    }
    case 'exists': {
      const name = node.name
      return (state) => hasAttribute(state.event, name)
    }
    case 'not': {
      const operand = compileNode(node.operand, functions)
      return (state) => {
        const value = operand(state)
        if (state.error) return false
        const b = castToBoolean(value, state) // so NOT 10 is false, sdk-go's reading (the spec TCK expects a cast error)
        return state.error ? false : !b
      }
    }
    case 'negate': {
      const operand = compileNode(node.operand, functions)
      return (state) => {
        const value = operand(state)
        if (state.error) return 0
        const n = castToInteger(value, state)
        return state.error ? 0 : -n | 0
      }
    }
    case 'binary':
      return compileBinary(node.operator, compileNode(node.left, functions), compileNode(node.right, functions))
    case 'like': {
      const operand = compileNode(node.operand, functions)
      const pattern = compileLikePattern(node.pattern)
      const negated = node.negated
      return (state) => {
        const value = operand(state)
        if (state.error) return false
        return matchesLike(castToString(value), pattern) !== negated
      }
    }
    case 'in': {
      const operand = compileNode(node.operand, functions)
      const set = node.set.map((element) => compileNode(element, functions))
      const negated = node.negated
      return (state) => {
        const value = operand(state)
        if (state.error) return false
        const type = typeOfValue(value)
        for (const element of set) {
          // Each element is cast to the left value's type, and the scan stops at the first match or error.
          const candidate = element(state)
          if (state.error) return false
          const cast = castTo(candidate, type, state)
          if (state.error) return false
          if (cast === value) return !negated
        }
        return negated
      }
    }
    case 'call':
      return compileCall(
        node.name,
        node.args.map((arg) => compileNode(arg, functions)),
        functions,
      )
  }
}
