// Readers for the duck types many kinds share: Destination, KReference, DeliverySpec, CloudEventOverrides,
// ChannelTemplateSpec and LabelSelector. Each returns a fresh typed value with Knative's defaults
// (a ref's namespace is the parent's) and never touches the document it reads.
import {
  isAbsent,
  join,
  keySegment,
  readList,
  readObject,
  readRequiredString,
  readString,
  readStringMap,
  rejectUnknownFields,
  type KindContext,
} from './read.js'
import {
  DEFAULT_CHANNEL_TEMPLATE,
  type ChannelTemplate,
  type CloudEventOverrides,
  type DeliverySpec,
  type Destination,
  type KReference,
  type LabelSelector,
} from './types.js'
import {deliveryWarnings, validateDeliveryFields, validateDestination, type FieldErrors} from './validate.js'

const DESTINATION_FIELDS = ['ref', 'uri', 'CACerts', 'audience']
const REF_FIELDS = ['apiVersion', 'kind', 'name', 'namespace']

/**
 * Reads a duck/v1 Destination (sink, subscriber, reply, deadLetterSink, …). A required one that is absent
 * gets Knative's "expected at least one, got none".
 */
export function readDestination(
  value: unknown,
  field: string,
  namespace: string,
  errors: FieldErrors,
  required: boolean,
): Destination | undefined {
  if (isAbsent(value)) {
    if (required) errors.push({field, message: 'expected at least one, got none: set ref or uri'})
    return undefined
  }
  const obj = readObject(value, field, errors)
  if (obj === undefined) return undefined
  rejectUnknownFields(obj, DESTINATION_FIELDS, field, errors)
  const before = errors.length
  const destination: Destination = {}
  if (!isAbsent(obj.ref)) {
    const ref = readObject(obj.ref, `${field}.ref`, errors)
    if (ref === undefined) return undefined
    const typed = errors.length
    rejectUnknownFields(ref, REF_FIELDS, `${field}.ref`, errors)
    if (errors.length > typed) return undefined
    destination.ref = {
      apiVersion: readString(ref, 'apiVersion', `${field}.ref`, errors) ?? '',
      kind: readString(ref, 'kind', `${field}.ref`, errors) ?? '',
      name: readString(ref, 'name', `${field}.ref`, errors) ?? '',
      // Destination.SetDefaults: the ref's namespace is the parent's (§5.6)
      namespace: readString(ref, 'namespace', `${field}.ref`, errors) || namespace,
    }
  }
  for (const key of ['uri', 'CACerts', 'audience'] as const) {
    const text = readString(obj, key, field, errors)
    if (text !== undefined) destination[key] = text
  }
  if (errors.length === before) errors.push(...validateDestination(destination, field))
  return destination
}

export interface KReferenceRules {
  /** Extra fields the CRD lists beside apiVersion, kind, name and namespace (EventType's `address`). */
  extraFields?: readonly string[]
  /** Namespace to fill in when the reference sets none. */
  defaultNamespace?: string
}

/** Reads a KReference (Broker config, Subscription channel, EventType reference): apiVersion, kind and name are required. */
export function readKReference(value: unknown, field: string, errors: FieldErrors, rules: KReferenceRules = {}): KReference | undefined {
  const obj = readObject(value, field, errors)
  if (obj === undefined) return undefined
  rejectUnknownFields(obj, [...REF_FIELDS, ...(rules.extraFields ?? [])], field, errors)
  const ref: KReference = {
    apiVersion: readRequiredString(obj, 'apiVersion', field, errors),
    kind: readRequiredString(obj, 'kind', field, errors),
    name: readRequiredString(obj, 'name', field, errors),
  }
  const namespace = readString(obj, 'namespace', field, errors) || rules.defaultNamespace
  if (namespace) ref.namespace = namespace
  const address = rules.extraFields?.includes('address') ? readString(obj, 'address', field, errors) : undefined
  if (address) ref.address = address
  return ref
}

/** Reads a DeliverySpec (§3.1); `format` is allowed on Triggers only. Unknown fields are kept by the CRD. */
export function readDelivery(
  value: unknown,
  field: string,
  namespace: string,
  ctx: Pick<KindContext, 'errors' | 'warnings'>,
  allowFormat = false,
): DeliverySpec | undefined {
  const {errors} = ctx
  const obj = readObject(value, field, errors)
  if (obj === undefined) return undefined
  const delivery: DeliverySpec = {}
  const deadLetterSink = readDestination(obj.deadLetterSink, `${field}.deadLetterSink`, namespace, errors, false)
  if (deadLetterSink) delivery.deadLetterSink = deadLetterSink
  if (!isAbsent(obj.retry)) delivery.retry = obj.retry as number
  for (const key of ['backoffPolicy', 'backoffDelay', 'timeout', 'retryAfterMax', 'format'] as const) {
    if (!isAbsent(obj[key])) (delivery as Record<string, unknown>)[key] = obj[key]
  }
  errors.push(...validateDeliveryFields(delivery, field, allowFormat))
  ctx.warnings.push(...deliveryWarnings(delivery, field))
  return delivery
}

// CloudEvents extension names as Knative's SourceSpec validation checks them (ASCII letters and digits).
const EXTENSION_NAME = /^[A-Za-z0-9]+$/

/** Reads a source's `ceOverrides`: extension names Knative accepts, string values. */
export function readCeOverrides(value: unknown, field: string, errors: FieldErrors): CloudEventOverrides | undefined {
  const obj = readObject(value, field, errors)
  if (obj === undefined) return undefined
  rejectUnknownFields(obj, ['extensions'], field, errors)
  const extensions = readStringMap(obj.extensions, `${field}.extensions`, errors) ?? {}
  for (const name of Object.keys(extensions)) {
    if (!EXTENSION_NAME.test(name)) {
      errors.push({
        field: `${field}.extensions${keySegment(name)}`,
        message: `invalid key name ${JSON.stringify(name)}: CloudEvents attribute names MUST consist of letters ('a' to 'z', 'A' to 'Z') or digits ('0' to '9') from the ASCII character set`,
      })
    }
  }
  return {extensions}
}

/** Reads a channelTemplate; an absent one gets the cluster default (InMemoryChannel), as default-ch-webhook does. */
export function readChannelTemplate(value: unknown, field: string, errors: FieldErrors): ChannelTemplate {
  if (isAbsent(value)) return {...DEFAULT_CHANNEL_TEMPLATE}
  const obj = readObject(value, field, errors)
  if (obj === undefined) return {...DEFAULT_CHANNEL_TEMPLATE}
  rejectUnknownFields(obj, ['apiVersion', 'kind', 'spec'], field, errors)
  const template: ChannelTemplate = {
    apiVersion: readRequiredString(obj, 'apiVersion', field, errors),
    kind: readRequiredString(obj, 'kind', field, errors),
  }
  const spec = readObject(obj.spec, `${field}.spec`, errors)
  if (spec) template.spec = spec
  return template
}

/** Reads a metav1.LabelSelector as the CRDs list it (matchLabels, matchExpressions). */
export function readLabelSelector(value: unknown, field: string, errors: FieldErrors): LabelSelector | undefined {
  const obj = readObject(value, field, errors)
  if (obj === undefined) return undefined
  rejectUnknownFields(obj, ['matchLabels', 'matchExpressions'], field, errors)
  const selector: LabelSelector = {}
  const matchLabels = readStringMap(obj.matchLabels, `${field}.matchLabels`, errors)
  if (matchLabels) selector.matchLabels = matchLabels
  const expressions = readList(obj.matchExpressions, `${field}.matchExpressions`, errors)
  if (expressions) {
    selector.matchExpressions = []
    expressions.forEach((item, i) => {
      const path = `${field}.matchExpressions[${i}]`
      const expression = readObject(item, path, errors)
      if (!expression) return
      rejectUnknownFields(expression, ['key', 'operator', 'values'], path, errors)
      const values = readList(expression.values, join(path, 'values'), errors)
      selector.matchExpressions!.push({
        key: readRequiredString(expression, 'key', path, errors),
        operator: readRequiredString(expression, 'operator', path, errors),
        ...(values ? {values: values.map(String)} : {}),
      })
    })
  }
  return selector
}
