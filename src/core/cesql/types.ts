// Values, types and errors of CloudEvents SQL (CESQL v1.0), shared by the parser, evaluator and functions.

/** A CESQL value: String, Integer (a signed 32-bit whole number held in a JS number) or Boolean. */
export type CesqlValue = string | number | boolean

/** The CESQL types; `Any` is only used for function parameters and return types that accept every value. */
export type CesqlType = 'String' | 'Integer' | 'Boolean' | 'Any'

export type CesqlErrorKind = 'parse' | 'math' | 'cast' | 'missingAttribute' | 'missingFunction' | 'functionEvaluation' | 'generic'

export interface CesqlError {
  kind: CesqlErrorKind
  message: string
}

/** The outcome of an evaluation: a value and the errors raised while computing it (sdk-go stops at the first one). */
export interface CesqlResult {
  value: CesqlValue
  errors: CesqlError[]
}

export const INT32_MIN = -2147483648
export const INT32_MAX = 2147483647

/** Thrown by compileCesql when the text is not a CESQL expression. */
export class CesqlParseError extends Error {
  override readonly name = 'CesqlParseError'
  /** 0-based index into the expression text (UTF-16 code units). */
  readonly offset: number
  /** 1-based line of `offset`. */
  readonly line: number
  /** 1-based column of `offset`. */
  readonly column: number
  /** What would have been accepted at `offset`, in words ("an expression", "')'", "end of input"). */
  readonly expected: string[]

  constructor(message: string, position: {offset: number; line: number; column: number}, expected: string[]) {
    super(message)
    this.offset = position.offset
    this.line = position.line
    this.column = position.column
    this.expected = expected
  }
}

/** Receives the first error of an evaluation; every operator returns its zero value once it is set (fail-fast, as sdk-go). */
export interface ErrorSink {
  error: CesqlError | undefined
}

export function typeOfValue(value: CesqlValue): Exclude<CesqlType, 'Any'> {
  if (typeof value === 'string') return 'String'
  if (typeof value === 'boolean') return 'Boolean'
  return 'Integer'
}

/** The value an operator or function yields when it fails. sdk-go uses `false` where the type is not known. */
export function zeroValue(type: CesqlType): CesqlValue {
  switch (type) {
    case 'String':
      return ''
    case 'Integer':
      return 0
    default:
      return false
  }
}

export function isCesqlValue(value: unknown): value is CesqlValue {
  if (typeof value === 'string' || typeof value === 'boolean') return true
  return typeof value === 'number' && Number.isInteger(value) && value >= INT32_MIN && value <= INT32_MAX
}
