// How Knative wires a Sequence and a Parallel (flows.knative.dev/v1) out of channels and subscriptions,
// with the names its reconcilers give them (semantics §4.3, §4.4). The topology compiles these like any
// channel and subscription, so a flow behaves exactly as the channels Knative would have created.
import {BACKING_CHANNEL} from '../kinds/messaging/descriptor.js'
import type {DeliverySpec, Destination, Parallel, Sequence} from './resources/types.js'

/** A channel a flow creates; kne backs it in memory, whatever the channelTemplate names. */
export interface FlowChannel {
  namespace: string
  name: string
}

/** A subscription a flow creates: the same fields a Subscription manifest has. */
export interface FlowSubscription {
  namespace: string
  name: string
  /** The name of the channel it subscribes to (in the same namespace). */
  channel: string
  subscriber: Destination
  reply?: Destination
  delivery?: DeliverySpec
}

export interface SequenceWiring {
  /** `<sequence>-kn-sequence-<i>`, one per step; the first one's address is the Sequence's. */
  channels: FlowChannel[]
  /** `<sequence>-kn-sequence-<i>`: channel i to step i, replying to channel i+1 (the last to spec.reply). */
  subscriptions: FlowSubscription[]
}

export interface ParallelBranchWiring {
  /** `<parallel>-kn-parallel-filter-<i>` on the ingress channel: the filter replying to the branch channel, or the branch channel itself. */
  filter: FlowSubscription
  /** `<parallel>-kn-parallel-<i>`. */
  channel: FlowChannel
  /** `<parallel>-kn-parallel-<i>` on the branch channel: the subscriber, replying to the branch's reply, else spec.reply. */
  subscriber: FlowSubscription
}

export interface ParallelWiring {
  /** `<parallel>-kn-parallel`: its address is the Parallel's. */
  ingress: FlowChannel
  branches: ParallelBranchWiring[]
}

/** Knative's reconcilers create the flow's channels as this kind (from the default channelTemplate). */
const CHANNEL_API_VERSION = BACKING_CHANNEL.versions.at(-1)!.apiVersion
const CHANNEL_KIND = BACKING_CHANNEL.kind

function channelRef(channel: FlowChannel): Destination {
  return {ref: {apiVersion: CHANNEL_API_VERSION, kind: CHANNEL_KIND, name: channel.name, namespace: channel.namespace}}
}

export function sequenceWiring(sequence: Sequence): SequenceWiring {
  const {namespace, name} = sequence.metadata
  const channels = sequence.spec.steps.map((_, i) => ({namespace, name: `${name}-kn-sequence-${i}`}))
  const subscriptions = sequence.spec.steps.map((step, i): FlowSubscription => {
    const {delivery, ...subscriber} = step
    const reply = i + 1 < channels.length ? channelRef(channels[i + 1]!) : sequence.spec.reply
    return {
      namespace,
      name: channels[i]!.name,
      channel: channels[i]!.name,
      subscriber,
      ...(reply ? {reply} : {}),
      ...(delivery ? {delivery} : {}),
    }
  })
  return {channels, subscriptions}
}

export function parallelWiring(parallel: Parallel): ParallelWiring {
  const {namespace, name} = parallel.metadata
  const ingress = {namespace, name: `${name}-kn-parallel`}
  const branches = parallel.spec.branches.map((branch, i): ParallelBranchWiring => {
    const channel = {namespace, name: `${name}-kn-parallel-${i}`}
    // the filter subscription has no delivery spec: one attempt, no dead-letter sink (semantics §4.4)
    const filter: FlowSubscription = branch.filter
      ? {namespace, name: `${name}-kn-parallel-filter-${i}`, channel: ingress.name, subscriber: branch.filter, reply: channelRef(channel)}
      : {namespace, name: `${name}-kn-parallel-filter-${i}`, channel: ingress.name, subscriber: channelRef(channel)}
    const reply = branch.reply ?? parallel.spec.reply
    const subscriber: FlowSubscription = {
      namespace,
      name: channel.name,
      channel: channel.name,
      subscriber: branch.subscriber,
      ...(reply ? {reply} : {}),
      ...(branch.delivery ? {delivery: branch.delivery} : {}),
    }
    return {filter, channel, subscriber}
  })
  return {ingress, branches}
}
