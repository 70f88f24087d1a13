// flows.knative.dev: Sequence and Parallel, served by the channels they make.
import {parallelWiring, sequenceWiring} from '../../core/flows.js'
import {readParallel, readSequence} from '../../core/resources/flows.js'
import type {Parallel, Sequence} from '../../core/resources/types.js'
import {addressFields} from '../address.js'
import {defineKind, referenceList} from '../descriptor.js'
import {PARALLEL_ADDRESS, SEQUENCE_ADDRESS} from './address.js'

const API_VERSION = SEQUENCE_ADDRESS.apiVersion

export const sequenceKind = defineKind<Sequence>({
  ...addressFields(SEQUENCE_ADDRESS),
  role: 'flow',
  emulated: true,
  versions: [{apiVersion: API_VERSION, specFields: ['steps', 'channelTemplate', 'reply']}],
  read: readSequence,
  references(resource) {
    const refs = referenceList()
    resource.spec.steps.forEach((step, i) => {
      refs.destination(`spec.steps[${i}]`, step)
      refs.delivery(`spec.steps[${i}].delivery`, step.delivery)
    })
    refs.destination('spec.reply', resource.spec.reply)
    return refs.out
  },
  impliedChannels: (resource) => sequenceWiring(resource).channels,
})

export const parallelKind = defineKind<Parallel>({
  ...addressFields(PARALLEL_ADDRESS),
  role: 'flow',
  emulated: true,
  versions: [{apiVersion: API_VERSION, specFields: ['branches', 'channelTemplate', 'reply']}],
  read: readParallel,
  references(resource) {
    const refs = referenceList()
    resource.spec.branches.forEach((branch, i) => {
      refs.destination(`spec.branches[${i}].filter`, branch.filter)
      refs.destination(`spec.branches[${i}].subscriber`, branch.subscriber)
      refs.destination(`spec.branches[${i}].reply`, branch.reply)
      refs.delivery(`spec.branches[${i}].delivery`, branch.delivery)
    })
    refs.destination('spec.reply', resource.spec.reply)
    return refs.out
  },
  impliedChannels: (resource) => {
    const wiring = parallelWiring(resource)
    return [wiring.ingress, ...wiring.branches.map((b) => b.channel)]
  },
})

export const FLOW_KINDS = [sequenceKind, parallelKind]
