// The built-in CESQL functions, with sdk-go's edge cases (sql/v2/function/*.go). Lengths and positions count Unicode
// code points as the spec says; sdk-go counts UTF-8 bytes, which only differs for non-ASCII text.
import {castTo} from './casting.js'
import {CesqlFunctionError, newFunction, type CesqlFunction} from './functions.js'
import {INT32_MAX, INT32_MIN, type CesqlType, type CesqlValue, type ErrorSink} from './types.js'

// Go's strings.TrimSpace removes what unicode.IsSpace accepts; JS trim() differs on U+0085 and U+FEFF.
const GO_SPACE = '[\\t\\n\\v\\f\\r \\u0085\\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000]'
const EDGE_SPACE = new RegExp(`^${GO_SPACE}+|${GO_SPACE}+$`, 'g')

function chars(text: string): string[] {
  return Array.from(text)
}

function str(value: CesqlValue | undefined): string {
  return value as string
}

function int(value: CesqlValue | undefined): number {
  return value as number
}

/** INT, BOOL and STRING: a failed cast still yields the cast's fallback value, with a cast error. */
function castFunction(name: string, target: CesqlType): CesqlFunction {
  return newFunction(
    name,
    ['Any'],
    undefined,
    ([value]) => {
      const sink: ErrorSink = {error: undefined}
      const result = castTo(value!, target, sink)
      if (sink.error !== undefined) throw new CesqlFunctionError(sink.error.message, {kind: 'cast', value: result})
      return result
    },
    target,
  )
}

function canCastFunction(name: string, target: CesqlType): CesqlFunction {
  return newFunction(
    name,
    ['Any'],
    undefined,
    ([value]) => {
      const sink: ErrorSink = {error: undefined}
      castTo(value!, target, sink)
      return sink.error === undefined
    },
    'Boolean',
  )
}

/** SUBSTRING's start: 1-based, negative counts from the end; undefined means "out of range". */
function substringStart(length: number, position: number): number | undefined {
  if (position < -length || position > length) return undefined
  return position < 0 ? length + position : position - 1
}

export const BUILTIN_FUNCTIONS: readonly CesqlFunction[] = [
  newFunction('LENGTH', ['String'], undefined, ([x]) => chars(str(x)).length, 'Integer'),
  newFunction('CONCAT', [], 'String', (args) => args.join(''), 'String'),
  newFunction('CONCAT_WS', ['String'], 'String', ([separator, ...parts]) => parts.join(str(separator)), 'String'),
  newFunction('LOWER', ['String'], undefined, ([x]) => str(x).toLowerCase(), 'String'),
  newFunction('UPPER', ['String'], undefined, ([x]) => str(x).toUpperCase(), 'String'),
  newFunction('TRIM', ['String'], undefined, ([x]) => str(x).replace(EDGE_SPACE, ''), 'String'),
  newFunction(
    'LEFT',
    ['String', 'Integer'],
    undefined,
    ([x, n]) => {
      const text = chars(str(x))
      if (int(n) < 0) throw new CesqlFunctionError(`LEFT: the length is negative (${int(n)})`, {value: str(x)})
      return text.slice(0, int(n)).join('')
    },
    'String',
  ),
  newFunction(
    'RIGHT',
    ['String', 'Integer'],
    undefined,
    ([x, n]) => {
      const text = chars(str(x))
      if (int(n) < 0) throw new CesqlFunctionError(`RIGHT: the length is negative (${int(n)})`, {value: str(x)})
      return int(n) >= text.length ? str(x) : text.slice(text.length - int(n)).join('')
    },
    'String',
  ),
  newFunction(
    'SUBSTRING',
    ['String', 'Integer'],
    undefined,
    ([x, position]) => {
      const text = chars(str(x))
      if (int(position) === 0) return ''
      const start = substringStart(text.length, int(position))
      if (start === undefined) throw new CesqlFunctionError(`SUBSTRING: position ${int(position)} is out of range`, {value: ''})
      return text.slice(start).join('')
    },
    'String',
  ),
  newFunction(
    'SUBSTRING',
    ['String', 'Integer', 'Integer'],
    undefined,
    ([x, position, length]) => {
      const text = chars(str(x))
      if (int(position) === 0) return ''
      const start = substringStart(text.length, int(position))
      if (start === undefined) throw new CesqlFunctionError(`SUBSTRING: position ${int(position)} is out of range`, {value: ''})
      if (int(length) < 0) throw new CesqlFunctionError(`SUBSTRING: the length is negative (${int(length)})`, {value: ''})
      return text.slice(start, start + int(length)).join('')
    },
    'String',
  ),
  newFunction(
    'ABS',
    ['Integer'],
    undefined,
    ([x]) => {
      if (int(x) === INT32_MIN) throw new CesqlFunctionError('ABS: integer overflow', {kind: 'math', value: INT32_MAX})
      return Math.abs(int(x))
    },
    'Integer',
  ),
  castFunction('INT', 'Integer'),
  castFunction('BOOL', 'Boolean'),
  castFunction('STRING', 'String'),
  // IS_INT and IS_BOOL are sdk-go extras (not in the v1.0 spec): true when the cast would succeed.
  canCastFunction('IS_INT', 'Integer'),
  canCastFunction('IS_BOOL', 'Boolean'),
]
