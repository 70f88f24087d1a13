// Admission checks for the duck types shared by many kinds: Destination (knative.dev/pkg apis/duck/v1)
// and DeliverySpec (eventing pkg/apis/duck/v1).
import {parseIsoDuration} from '../delivery/duration.js'
import type {DeliverySpec, Destination} from './types.js'

export type FieldErrors = {field: string; message: string}[]

export function validateDestination(destination: Destination, field: string): FieldErrors {
  const errors: FieldErrors = []
  const {ref, uri} = destination
  if (ref === undefined && (uri === undefined || uri === '')) {
    errors.push({field, message: 'expected at least one, got none: set ref or uri'})
    return errors
  }
  if (ref !== undefined) {
    if (typeof ref !== 'object' || ref === null) {
      errors.push({field: `${field}.ref`, message: 'must be an object with apiVersion, kind and name'})
      return errors
    }
    for (const key of ['apiVersion', 'kind', 'name'] as const) {
      if (typeof ref[key] !== 'string' || ref[key] === '') errors.push({field: `${field}.ref.${key}`, message: 'missing field(s)'})
    }
  }
  if (uri !== undefined && uri !== '') {
    if (typeof uri !== 'string') {
      errors.push({field: `${field}.uri`, message: 'must be a string'})
    } else if (ref !== undefined && isAbsoluteUrl(uri)) {
      errors.push({field: `${field}.uri`, message: `Absolute URI is not allowed when Ref or [apiVersion, kind, name] is present: ${uri}`})
    } else if (ref === undefined && !isAbsoluteUrl(uri)) {
      errors.push({field: `${field}.uri`, message: `Relative URI is not allowed when Ref and [apiVersion, kind, name] is absent: ${uri}`})
    }
  }
  return errors
}

export function validateDeliverySpec(delivery: DeliverySpec, field: string, allowFormat: boolean): FieldErrors {
  const errors: FieldErrors = []
  if (delivery.deadLetterSink !== undefined) errors.push(...validateDestination(delivery.deadLetterSink, `${field}.deadLetterSink`))
  errors.push(...validateDeliveryFields(delivery, field, allowFormat))
  return errors
}

/**
 * Admitted, but a trap: with retries and no backoffDelay or backoffPolicy, Knative retries back to back,
 * with no wait at all (semantics §3.2), which a subscriber that is briefly down will not survive.
 */
export function deliveryWarnings(delivery: DeliverySpec, field: string): FieldErrors {
  if (!delivery.retry || (delivery.backoffDelay !== undefined && delivery.backoffPolicy !== undefined)) return []
  const missing = (['backoffDelay', 'backoffPolicy'] as const).filter((key) => delivery[key] === undefined)
  return [
    {
      field: `${field}.${missing[0]}`,
      message: `the ${delivery.retry} retries fire back to back: without ${missing.join(' and ')} Knative waits 0 between attempts; set backoffDelay (e.g. PT0.2S) and backoffPolicy (exponential or linear)`,
    },
  ]
}

/** The DeliverySpec rules other than the dead-letter sink's (a Destination, checked on its own). */
export function validateDeliveryFields(delivery: DeliverySpec, field: string, allowFormat: boolean): FieldErrors {
  const errors: FieldErrors = []
  // retry is an int32 in the CRD schema
  if (delivery.retry !== undefined && (!Number.isInteger(delivery.retry) || delivery.retry < 0 || delivery.retry > 2 ** 31 - 1)) {
    errors.push({field: `${field}.retry`, message: `invalid value: ${JSON.stringify(delivery.retry)} (must be a whole number >= 0)`})
  }
  if (delivery.backoffPolicy !== undefined && delivery.backoffPolicy !== 'linear' && delivery.backoffPolicy !== 'exponential') {
    errors.push({field: `${field}.backoffPolicy`, message: `invalid value: ${String(delivery.backoffPolicy)} (linear or exponential)`})
  }
  for (const key of ['backoffDelay', 'timeout', 'retryAfterMax'] as const) {
    const value = delivery[key]
    if (value === undefined) continue
    const ms = typeof value === 'string' ? parseIsoDuration(value) : undefined
    if (ms === undefined || ms < 0)
      errors.push({field: `${field}.${key}`, message: `invalid value: ${String(value)} (an ISO-8601 duration such as PT0.2S)`})
    else if (key === 'timeout' && ms === 0)
      errors.push({field: `${field}.timeout`, message: 'invalid value: the timeout must be greater than zero'})
  }
  if (delivery.format !== undefined) {
    if (!allowFormat) errors.push({field: `${field}.format`, message: 'format is only supported on a Trigger'})
    else if (delivery.format !== 'json' && delivery.format !== 'binary') {
      errors.push({field: `${field}.format`, message: `invalid value: ${String(delivery.format)} (json or binary)`})
    }
  }
  return errors
}

export function isAbsoluteUrl(uri: string): boolean {
  try {
    const url = new URL(uri)
    return url.protocol !== '' && url.host !== ''
  } catch {
    return false
  }
}
