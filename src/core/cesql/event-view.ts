// How a CloudEvent looks to CESQL: attribute values as sdk-go's utils.GetAttribute / ContainsAttribute present them.
import {attributeValue, type CloudEvent} from '../cloudevent.js'
import {INT32_MAX, INT32_MIN, type CesqlValue} from './types.js'

const REQUIRED_ATTRIBUTES = new Set(['specversion', 'id', 'source', 'type'])

const RFC3339 = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})$/

/**
 * sdk-go holds `time` as a time.Time and shows it to CESQL formatted with RFC3339Nano: the fraction loses trailing
 * zeros (and digits past nanoseconds) and a zero offset prints as `Z`. Text that is not RFC 3339 is returned unchanged.
 */
export function formatTimeLikeSdkGo(time: string): string {
  const match = RFC3339.exec(time)
  if (match === null) return time
  const [, dateTime, fraction = '', offset] = match
  const nanos = fraction.slice(0, 9).replace(/0+$/, '')
  const zone = offset === '+00:00' || offset === '-00:00' ? 'Z' : offset
  return `${dateTime}${nanos === '' ? '' : `.${nanos}`}${zone}`
}

/** The value of an attribute or extension, or undefined when the event does not carry it (a missingAttribute error). */
export function readAttribute(event: CloudEvent, name: string): CesqlValue | undefined {
  const value = attributeValue(event, name)
  if (value === undefined || typeof value === 'boolean') return value
  if (typeof value === 'string') return name === 'time' ? formatTimeLikeSdkGo(value) : value
  // Integer extensions are Integers; a number that is not a 32-bit integer can only be shown as a String.
  return Number.isInteger(value) && value >= INT32_MIN && value <= INT32_MAX ? value | 0 : String(value)
}

/** EXISTS: always true for the required attributes (the event is assumed valid), otherwise whether it is set. */
export function hasAttribute(event: CloudEvent, name: string): boolean {
  return REQUIRED_ATTRIBUTES.has(name) || attributeValue(event, name) !== undefined
}
