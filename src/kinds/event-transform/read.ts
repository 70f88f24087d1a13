// EventTransform (eventing.knative.dev/v1alpha1) with the checks of Knative's webhook
// (pkg/apis/eventing/v1alpha1/eventtransform_validation.go) and one more: Knative only finds an expression
// JSONata cannot compile when the transformer starts (its pod fails), kne refuses it here, naming the field.
import {readDestination} from '../../core/resources/duck.js'
import {isAbsent, readBoolean, readObject, readString, rejectUnknownFields, type KindContext} from '../../core/resources/read.js'
import type {Destination} from '../../core/resources/types.js'
import type {FieldErrors} from '../../core/resources/validate.js'
import {EVENT_TRANSFORM_KIND_ADDRESS} from './address.js'
import {compileTransform, describeJsonataFailure} from './jsonata.js'

export {EVENT_TRANSFORM_API_VERSION} from './address.js'
/** Where the mesh serves it (`/<path>/<namespace>/<name>`) and its name in not-found messages. */
export const EVENT_TRANSFORM_ADDRESS = {
  group: EVENT_TRANSFORM_KIND_ADDRESS.group,
  plural: EVENT_TRANSFORM_KIND_ADDRESS.plural,
  path: EVENT_TRANSFORM_KIND_ADDRESS.ingressPath,
} as const
/** The spec fields the CRD lists (config/core/resources/eventtransform.yaml). */
export const EVENT_TRANSFORM_SPEC_FIELDS = ['jsonata', 'sink', 'reply'] as const

export interface JsonataTransformation {
  expression: string
}

export interface EventTransformReply {
  jsonata?: JsonataTransformation
  /** Answer with the sink's status and an empty body. */
  discard?: boolean
}

export interface EventTransformSpec {
  jsonata: JsonataTransformation
  /** Where the transformed event goes; without it the transformed event is the response (a Trigger's reply). */
  sink?: Destination
  /** What to do with the sink's response; only with a sink. */
  reply?: EventTransformReply
}

export function readEventTransform(ctx: KindContext): EventTransformSpec {
  const {spec, errors, metadata} = ctx
  // eventtransform_validation.go: exactly one transformation type, and jsonata is the only one
  const jsonata = readJsonata(spec.jsonata, 'spec.jsonata', errors)
  if (jsonata === undefined && isAbsent(spec.jsonata))
    errors.push({field: 'spec.jsonata', message: 'expected exactly one, got neither: spec.jsonata'})
  const transform: EventTransformSpec = {jsonata: jsonata ?? {expression: ''}}
  const sink = readDestination(spec.sink, 'spec.sink', metadata.namespace, errors, false)
  if (sink) {
    transform.sink = sink
    if (sink.CACerts !== undefined) {
      errors.push({
        field: 'spec.sink.CACerts',
        message:
          'CACerts for the sink is not supported for JSONata transformations, to propagate CA trust bundles use labeled ConfigMaps: https://knative.dev/docs/eventing/features/transport-encryption/#configure-additional-ca-trust-bundles',
      })
    }
  }
  const reply = readReply(spec.reply, sink !== undefined, errors)
  if (reply) transform.reply = reply
  return transform
}

function readReply(value: unknown, hasSink: boolean, errors: FieldErrors): EventTransformReply | undefined {
  const field = 'spec.reply'
  const obj = readObject(value, field, errors)
  if (obj === undefined) return undefined
  if (!hasSink) {
    errors.push({field, message: 'reply is set without spec.sink'})
    return undefined
  }
  rejectUnknownFields(obj, ['jsonata', 'discard'], field, errors)
  const reply: EventTransformReply = {}
  const jsonata = readJsonata(obj.jsonata, `${field}.jsonata`, errors)
  if (jsonata) reply.jsonata = jsonata
  const discard = readBoolean(obj, 'discard', field, errors)
  if (discard !== undefined) reply.discard = discard
  if (jsonata && discard) errors.push({field, message: 'expected exactly one, got both: spec.reply.jsonata, spec.reply.discard'})
  return reply
}

/** `{expression}`; an expression that does not compile is an error at `<field>.expression` with JSONata's message. */
function readJsonata(value: unknown, field: string, errors: FieldErrors): JsonataTransformation | undefined {
  const obj = readObject(value, field, errors)
  if (obj === undefined) return undefined
  rejectUnknownFields(obj, ['expression'], field, errors)
  const expression = readString(obj, 'expression', field, errors)
  if (expression === undefined && !isAbsent(obj.expression)) return {expression: ''} // a type error was reported
  const compiled = compileTransform(expression ?? '')
  if (!compiled.ok) {
    const hint = (expression ?? '').trim() === '' ? 'the expression is empty' : describeJsonataFailure(compiled.failure)
    const comment = /^\s*#/m.test(expression ?? '') ? ' (JSONata comments are /* ... */, not #)' : ''
    errors.push({field: `${field}.expression`, message: `invalid value: JSONata cannot compile it: ${hint}${comment}`})
  }
  return {expression: expression ?? ''}
}
