// CESQL casts, as sdk-go's utils.Cast does them. A failed cast records a cast error in the sink and yields a fallback.
import {INT32_MAX, INT32_MIN, type CesqlType, type CesqlValue, type ErrorSink} from './types.js'

/** Go's strconv.ParseInt(text, 10, 32): optional sign, ASCII digits only; out of range clamps and fails. */
export function parseInt32(text: string): {value: number; ok: boolean} {
  if (!/^[+-]?\d+$/.test(text)) return {value: 0, ok: false}
  const negative = text.startsWith('-')
  const digits = text.replace(/^[+-]/, '').replace(/^0+(?=\d)/, '')
  const magnitude = digits.length > 10 ? Number.POSITIVE_INFINITY : Number(digits)
  const value = negative ? -magnitude : magnitude
  if (value > INT32_MAX) return {value: INT32_MAX, ok: false}
  if (value < INT32_MIN) return {value: INT32_MIN, ok: false}
  return {value: value | 0, ok: true}
}

function castFailed(sink: ErrorSink, message: string): void {
  sink.error ??= {kind: 'cast', message}
}

export function castToString(value: CesqlValue): string {
  return typeof value === 'string' ? value : String(value)
}

export function castToInteger(value: CesqlValue, sink: ErrorSink): number {
  if (typeof value === 'number') return value
  if (typeof value === 'boolean') return value ? 1 : 0
  const parsed = parseInt32(value)
  if (!parsed.ok) castFailed(sink, `cannot cast String ${JSON.stringify(value)} to Integer`)
  return parsed.value
}

export function castToBoolean(value: CesqlValue, sink: ErrorSink): boolean {
  if (typeof value === 'boolean') return value
  if (typeof value === 'number') return value !== 0
  const lower = value.toLowerCase()
  if (lower === 'true') return true
  if (lower !== 'false') castFailed(sink, `cannot cast String ${JSON.stringify(value)} to Boolean`)
  return false
}

export function castTo(value: CesqlValue, target: CesqlType, sink: ErrorSink): CesqlValue {
  switch (target) {
    case 'String':
      return castToString(value)
    case 'Integer':
      return castToInteger(value, sink)
    case 'Boolean':
      return castToBoolean(value, sink)
    case 'Any':
      return value
  }
}
