// eventing.knative.dev: Broker, Trigger, EventType.
import {triggerFilterWarnings} from '../../core/filters/index.js'
import {declaredContribution} from '../../core/registry/contributions.js'
import {readBroker, readEventType, readTrigger, EVENT_TYPE_SPEC_FIELDS} from '../../core/resources/eventing.js'
import type {Broker, EventType, Trigger} from '../../core/resources/types.js'
import {addressFields} from '../address.js'
import {defineKind, deliveryReferences, referenceList} from '../descriptor.js'
import {BROKER_ADDRESS, EVENTING_GROUP} from './address.js'

const GROUP = EVENTING_GROUP
const BROKER_API_VERSION = BROKER_ADDRESS.apiVersion

export const brokerKind = defineKind<Broker>({
  ...addressFields(BROKER_ADDRESS),
  role: 'broker',
  emulated: true,
  versions: [{apiVersion: BROKER_ADDRESS.apiVersion, specFields: ['config', 'delivery']}],
  read: readBroker,
  references: deliveryReferences,
  scaffold: {label: 'Broker', createdVerb: 'successfully created', deletedVerb: 'successfully deleted'},
})

export const triggerKind = defineKind<Trigger>({
  kind: 'Trigger',
  group: GROUP,
  plural: 'triggers',
  role: 'trigger',
  emulated: true,
  versions: [{apiVersion: `${GROUP}/v1`}],
  read: readTrigger,
  references(resource) {
    const refs = referenceList()
    refs.ref('spec.broker', {
      apiVersion: BROKER_API_VERSION,
      kind: 'Broker',
      name: resource.spec.broker,
      namespace: resource.metadata.namespace,
    })
    refs.destination('spec.subscriber', resource.spec.subscriber)
    refs.delivery('spec.delivery', resource.spec.delivery)
    return refs.out
  },
  advisories: (resource) => triggerFilterWarnings(resource.spec).map((w) => ({field: w.path, message: w.message})),
  scaffold: {label: 'Trigger', createdVerb: 'successfully created', deletedVerb: 'deleted'},
})

// EventType counts as emulated: it feeds the event registry (kne registry, GET /_kne/v1/registry).
export const eventTypeKind = defineKind<EventType>({
  kind: 'EventType',
  group: GROUP,
  plural: 'eventtypes',
  role: 'eventtype',
  emulated: true,
  versions: [
    {apiVersion: `${GROUP}/v1beta2`, specFields: EVENT_TYPE_SPEC_FIELDS.v1beta2},
    {apiVersion: `${GROUP}/v1beta3`, specFields: EVENT_TYPE_SPEC_FIELDS.v1beta3},
  ],
  deprecatedVersions: ['v1beta1'],
  read: readEventType,
  references(resource) {
    const refs = referenceList()
    refs.ref('spec.reference', resource.spec.reference, true)
    if (resource.spec.broker) refs.ref('spec.broker', {apiVersion: BROKER_API_VERSION, kind: 'Broker', name: resource.spec.broker}, true)
    return refs.out
  },
  registryEvents(resource, brokerOf) {
    const {contribution, problem} = declaredContribution(resource, brokerOf)
    return {contributions: contribution ? [contribution] : [], problems: problem ? [problem] : []}
  },
})

export const EVENTING_KINDS = [brokerKind, triggerKind, eventTypeKind]
