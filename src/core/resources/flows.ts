// Sequence and Parallel (flows.knative.dev/v1) with the checks and defaults of Knative's webhook
// (pkg/apis/flows/v1/*_validation.go, *_defaults.go; §4.3, §4.4).
import {readChannelTemplate, readDelivery, readDestination} from './duck.js'
import {readList, readObject, rejectUnknownFields, type KindContext} from './read.js'
import type {ParallelBranch, ParallelSpec, SequenceSpec, SequenceStep} from './types.js'

export function readSequence(ctx: KindContext): SequenceSpec {
  const {spec, errors, metadata} = ctx
  const list = readList(spec.steps, 'spec.steps', errors)
  if (!list || list.length === 0) {
    if (list || spec.steps === undefined || spec.steps === null)
      errors.push({field: 'spec.steps', message: 'missing field(s): a Sequence has at least one step'})
  }
  const steps: SequenceStep[] = []
  ;(list ?? []).forEach((item, i) => {
    const path = `spec.steps[${i}]`
    const obj = readObject(item, path, errors)
    if (!obj) return
    // a step is a Destination with its own delivery spec
    const {delivery: deliveryValue, ...destinationValue} = obj
    rejectUnknownFields(obj, ['ref', 'uri', 'CACerts', 'audience', 'delivery'], path, errors)
    const step: SequenceStep = readDestination(pickKnown(destinationValue), path, metadata.namespace, errors, true) ?? {}
    const delivery = readDelivery(deliveryValue, `${path}.delivery`, metadata.namespace, ctx)
    if (delivery) step.delivery = delivery
    steps.push(step)
  })
  const sequence: SequenceSpec = {steps, channelTemplate: readChannelTemplate(spec.channelTemplate, 'spec.channelTemplate', errors)}
  const reply = readDestination(spec.reply, 'spec.reply', metadata.namespace, errors, false)
  if (reply) sequence.reply = reply
  return sequence
}

/** The Destination part of a step (its unknown fields were reported with the step's own path). */
function pickKnown(value: Record<string, unknown>): Record<string, unknown> {
  const {ref, uri, CACerts, audience} = value
  return Object.fromEntries(Object.entries({ref, uri, CACerts, audience}).filter(([, v]) => v !== undefined))
}

export function readParallel(ctx: KindContext): ParallelSpec {
  const {spec, errors, metadata} = ctx
  const list = readList(spec.branches, 'spec.branches', errors)
  if (!list || list.length === 0) {
    if (list || spec.branches === undefined || spec.branches === null)
      errors.push({field: 'spec.branches', message: 'missing field(s): a Parallel has at least one branch'})
  }
  const branches: ParallelBranch[] = []
  ;(list ?? []).forEach((item, i) => {
    const path = `spec.branches[${i}]`
    const obj = readObject(item, path, errors)
    if (!obj) return
    // branches keep unknown fields (the CRD preserves them), so only the known ones are read
    const branch: ParallelBranch = {
      subscriber: readDestination(obj.subscriber, `${path}.subscriber`, metadata.namespace, errors, true) ?? {},
    }
    const filter = readDestination(obj.filter, `${path}.filter`, metadata.namespace, errors, false)
    if (filter) branch.filter = filter
    const reply = readDestination(obj.reply, `${path}.reply`, metadata.namespace, errors, false)
    if (reply) branch.reply = reply
    const delivery = readDelivery(obj.delivery, `${path}.delivery`, metadata.namespace, ctx)
    if (delivery) branch.delivery = delivery
    branches.push(branch)
  })
  const parallel: ParallelSpec = {branches, channelTemplate: readChannelTemplate(spec.channelTemplate, 'spec.channelTemplate', errors)}
  const reply = readDestination(spec.reply, 'spec.reply', metadata.namespace, errors, false)
  if (reply) parallel.reply = reply
  return parallel
}
