// eventing.knative.dev/v1alpha1 EventTransform: a JSONata expression that maps each event to a new one,
// served at /eventtransforms/<namespace>/<name>; its result goes to spec.sink, or back as the reply.
import {usageError} from '../../core/manifests/flags.js'
import type {ResourceBase} from '../../core/resources/types.js'
import type {BrokerOf, Contribution} from '../../core/registry/contributions.js'
import type {AttributeFact, RegistryReference} from '../../core/registry/types.js'
import {addressFields} from '../address.js'
import {defineKind, referenceList, type RegistryEvents} from '../descriptor.js'
import {EVENT_TRANSFORM_KIND_ADDRESS} from './address.js'
import {producedAttributes} from './jsonata.js'
import {EVENT_TRANSFORM_API_VERSION, EVENT_TRANSFORM_SPEC_FIELDS, readEventTransform, type EventTransformSpec} from './read.js'

export type EventTransform = ResourceBase<'EventTransform', EventTransformSpec>

export const eventTransformKind = defineKind<EventTransform>({
  ...addressFields(EVENT_TRANSFORM_KIND_ADDRESS),
  role: 'transform',
  emulated: true,
  versions: [{apiVersion: EVENT_TRANSFORM_API_VERSION, specFields: EVENT_TRANSFORM_SPEC_FIELDS}],
  read: readEventTransform,
  references(resource) {
    const refs = referenceList()
    refs.destination('spec.sink', resource.spec.sink)
    return refs.out
  },
  describeFields: [
    {label: 'JSONata', field: 'jsonata.expression'},
    {label: 'Reply JSONata', field: 'reply.jsonata.expression'},
    {label: 'Reply discard', field: 'reply.discard'},
  ],
  registryEvents: producedEvents,
  scaffold: {
    label: 'EventTransform',
    createdVerb: 'created',
    deletedVerb: 'deleted',
    asks: [
      {option: 'jsonata', flag: '--jsonata', message: 'JSONata expression (the new event, e.g. {"specversion": "1.0", "id": id, ...})'},
    ],
    values(options) {
      const text = (key: string): string | undefined => {
        const value = options[key]
        return typeof value === 'string' ? value : undefined
      }
      const expression = text('jsonata')
      if (expression === undefined || expression.trim() === '')
        throw usageError('--jsonata is required: the JSONata expression that maps each event to a new one', [
          `e.g. --jsonata '{"specversion": "1.0", "id": id, "source": source, "type": "order.transformed", "data": data}'`,
        ])
      const {sink} = options
      const replyExpression = text('replyJsonata')
      const replyDiscard = options.replyDiscard === true ? true : undefined
      if (sink === undefined && (replyExpression !== undefined || replyDiscard))
        throw usageError('--reply-jsonata and --reply-discard need --sink: without a sink the transformed event is the reply')
      if (replyExpression !== undefined && replyDiscard)
        throw usageError('--reply-jsonata and --reply-discard cannot be used together: a reply is transformed or discarded')
      return {
        name: options.name,
        namespace: options.namespace,
        sink,
        expression,
        replyExpression,
        replyDiscard,
      }
    },
  },
})

export const EVENT_TRANSFORM_KINDS = [eventTransformKind]

/**
 * The types its expression writes as literals (`"type": "order.renamed"`, in either branch of a condition), for
 * the registry: sent to its sink, or (without one) the reply to whoever sent the event, so with no reference.
 */
function producedEvents(resource: EventTransform, brokerOf: BrokerOf): RegistryEvents {
  const produced = producedAttributes(resource.spec.jsonata.expression)
  if (produced === undefined) return {contributions: [], problems: []}
  const {namespace, name} = resource.metadata
  const ref = resource.spec.sink?.ref
  const reference: RegistryReference | undefined = ref
    ? {apiVersion: ref.apiVersion ?? '', kind: ref.kind, name: ref.name, namespace: ref.namespace ?? namespace}
    : undefined
  const source = produced.source!
  const knownSource = !source.fromInput && !source.computed && source.values.length === 1 ? source.values[0] : undefined
  const contributions = produced.type!.values.map((type): Contribution => {
    const attributes: AttributeFact[] = [
      {name: 'specversion', required: true, value: '1.0'},
      {name: 'type', required: true, value: type},
      knownSource === undefined ? {name: 'source', required: true} : {name: 'source', required: true, value: knownSource},
    ]
    return {
      origin: 'source',
      type,
      namespace: reference?.namespace ?? namespace,
      ...(reference ? {reference} : {}),
      broker: brokerOf(reference),
      sources: source.fromInput || source.computed ? [] : source.values,
      ...(source.fromInput || source.computed ? {moreSources: true} : {}),
      attributes,
      description: `Produced by EventTransform ${namespace}/${name} (its JSONata expression)`,
      producers: [{kind: eventTransformKind.kind, name, namespace, via: 'manifest'}],
    }
  })
  return {contributions, problems: []}
}
