// eventing.knative.dev kinds: Broker and Trigger (v1), EventType (v1beta2 and v1beta3), with the
// checks of Knative's webhook (pkg/apis/eventing/…/*_validation.go) and its defaults.
import {validateTriggerFilter, type TriggerFilterSpec} from '../filters/index.js'
import {readDelivery, readDestination, readKReference} from './duck.js'
import {isAbsent, isObject, readBoolean, readList, readObject, readRequiredString, readString, type KindContext} from './read.js'
import type {BrokerSpec, EventTypeAttribute, EventTypeSpec, TriggerSpec} from './types.js'

export const TRIGGER_BROKER_LABEL = 'eventing.knative.dev/broker'
const DEPENDENCY_ANNOTATION = 'knative.dev/dependency'
const INJECTION_ANNOTATION = 'eventing.knative.dev/injection'

export function readBroker(ctx: KindContext): BrokerSpec {
  const {spec, errors, metadata} = ctx
  const broker: BrokerSpec = {}
  // Broker validation allows references into other namespaces (apis.AllowDifferentNamespace).
  const config = readKReference(spec.config, 'spec.config', errors)
  if (config) broker.config = config
  const delivery = readDelivery(spec.delivery, 'spec.delivery', metadata.namespace, ctx)
  if (delivery) broker.delivery = delivery
  return broker
}

export function readTrigger(ctx: KindContext): TriggerSpec {
  const {spec, errors, metadata} = ctx
  let broker = readString(spec, 'broker', 'spec', errors) ?? ''
  const brokerIsMistyped = !isAbsent(spec.broker) && typeof spec.broker !== 'string'
  if (!isAbsent(spec.brokerRef)) {
    const ref = readKReference(spec.brokerRef, 'spec.brokerRef', errors)
    if (broker) errors.push({field: 'spec.brokerRef', message: 'expected exactly one, got both: spec.broker and spec.brokerRef'})
    if (ref?.namespace && ref.namespace !== metadata.namespace) {
      errors.push({
        field: 'spec.brokerRef.namespace',
        message: 'a broker in another namespace needs the cross-namespace-event-links feature, which is off',
      })
    }
    broker = ref?.name ?? ''
  } else if (!broker && !brokerIsMistyped) {
    errors.push({field: 'spec.broker', message: 'missing field(s): the broker name is required'})
  }
  const filterSpec: TriggerFilterSpec = {}
  if (!isAbsent(spec.filter)) filterSpec.filter = spec.filter
  if (!isAbsent(spec.filters)) filterSpec.filters = spec.filters as TriggerFilterSpec['filters']
  if (isObject(spec.filter)) {
    // the CRD lists only `attributes` under filter: anything else (a mis-indented subscriber, …) is refused
    for (const key of Object.keys(spec.filter)) {
      if (key !== 'attributes' && !isAbsent(spec.filter[key])) {
        errors.push({
          field: `spec.filter.${key}`,
          message: `unknown field: spec.filter takes only attributes${key === 'subscriber' ? ' (is spec.subscriber indented too far?)' : ''}`,
        })
      }
    }
  }
  const subscriber = readDestination(spec.subscriber, 'spec.subscriber', metadata.namespace, errors, true)
  for (const e of validateTriggerFilter(filterSpec)) errors.push({field: e.path, message: e.message})
  const trigger: TriggerSpec = {broker, subscriber: subscriber ?? {}, ...filterSpec}
  const delivery = readDelivery(spec.delivery, 'spec.delivery', metadata.namespace, ctx, true)
  if (delivery) trigger.delivery = delivery
  validateTriggerAnnotations(ctx, broker)
  metadata.labels[TRIGGER_BROKER_LABEL] ??= broker // webhook default
  return trigger
}

function validateTriggerAnnotations(ctx: KindContext, broker: string): void {
  const {annotations, namespace} = ctx.metadata
  const dependency = annotations[DEPENDENCY_ANNOTATION]
  if (dependency !== undefined) {
    const field = `metadata.annotations[${DEPENDENCY_ANNOTATION}]`
    let ref: unknown
    try {
      ref = JSON.parse(dependency)
    } catch {
      ref = undefined
    }
    if (!isObject(ref)) {
      ctx.errors.push({field, message: `The provided annotation was not a corev1.ObjectReference: ${JSON.stringify(dependency)}`})
    } else {
      for (const key of ['kind', 'name', 'apiVersion']) {
        if (typeof ref[key] !== 'string' || ref[key] === '') ctx.errors.push({field: `${field}.${key}`, message: 'missing field(s)'})
      }
      if (typeof ref.namespace === 'string' && ref.namespace !== '' && ref.namespace !== namespace) {
        ctx.errors.push({
          field: `${field}.namespace`,
          message: `Namespace must be empty or equal to the trigger namespace ${JSON.stringify(namespace)}`,
        })
      }
    }
  }
  const injection = annotations[INJECTION_ANNOTATION]
  if (injection !== undefined) {
    const field = `metadata.annotations[${INJECTION_ANNOTATION}]`
    if (injection !== 'enabled' && injection !== 'disabled') {
      ctx.errors.push({
        field,
        message: `The provided injection annotation value can only be "enabled" or "disabled", not ${JSON.stringify(injection)}`,
      })
    } else if (broker !== 'default') {
      ctx.errors.push({
        field,
        message: `The provided injection annotation is only used for default broker, but non-default broker specified here: ${JSON.stringify(broker)}`,
      })
    }
  }
}

const EVENT_TYPE_V1BETA2_FIELDS = ['type', 'source', 'schema', 'schemaData', 'broker', 'reference', 'description']
/** v1beta3 EventTypes must describe these attributes (eventtype_validation.go ValidateAttributes, §6.1). */
const EVENT_TYPE_REQUIRED_ATTRIBUTES = ['type', 'source', 'specversion', 'id']

export function readEventType(ctx: KindContext): EventTypeSpec {
  const {spec, errors, metadata} = ctx
  const eventType: EventTypeSpec = {}
  const reference = readKReference(spec.reference, 'spec.reference', errors, {
    extraFields: ['address'],
    defaultNamespace: metadata.namespace,
  })
  if (reference) eventType.reference = reference
  const description = readString(spec, 'description', 'spec', errors)
  if (description !== undefined) eventType.description = description
  if (ctx.apiVersion.endsWith('/v1beta2')) {
    for (const key of EVENT_TYPE_V1BETA2_FIELDS) {
      if (key === 'reference' || key === 'description') continue
      const value = key === 'type' ? readRequiredString(spec, key, 'spec', errors) : readString(spec, key, 'spec', errors)
      if (value) (eventType as Record<string, unknown>)[key] = value
    }
    return eventType
  }
  const list = readList(spec.attributes, 'spec.attributes', errors) ?? []
  const attributes: EventTypeAttribute[] = []
  list.forEach((item, i) => {
    const path = `spec.attributes[${i}]`
    const obj = readObject(item, path, errors)
    if (!obj) return
    const attribute: EventTypeAttribute = {name: readRequiredString(obj, 'name', path, errors)}
    const required = readBoolean(obj, 'required', path, errors)
    if (required !== undefined) attribute.required = required
    const value = readString(obj, 'value', path, errors)
    if (value !== undefined) attribute.value = value
    attributes.push(attribute)
  })
  const missing = EVENT_TYPE_REQUIRED_ATTRIBUTES.filter((name) => !attributes.some((a) => a.name === name))
  if (missing.length > 0) {
    errors.push({
      field: 'spec.attributes',
      message: `missing field(s): ${missing.map((m) => `spec.attributes.${m}`).join(', ')} (a v1beta3 EventType lists the attributes type, source, specversion and id)`,
    })
  }
  eventType.attributes = attributes
  return eventType
}

/** The spec fields each EventType version's CRD lists. */
export const EVENT_TYPE_SPEC_FIELDS: Record<string, readonly string[]> = {
  v1beta2: EVENT_TYPE_V1BETA2_FIELDS,
  v1beta3: ['reference', 'description', 'attributes'],
}
