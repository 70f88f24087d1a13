// The flows' runtime: a Sequence or a Parallel is served by the first channel it makes (the channels'
// receiver answers at /sequences/… and /parallels/…), and the status of both.
import type {ParallelStatus, SequenceStatus} from '../../core/api.js'
import type {MeshPlugin} from '../../mesh/plugin.js'
import {channelIngress} from '../messaging/plugin.js'
import {parallelKind, sequenceKind} from './descriptor.js'

export const flowsPlugin: MeshPlugin = {
  name: 'flows',
  routes: [
    {prefix: `/${sequenceKind.ingressPath}/`, handle: channelIngress('sequence')},
    {prefix: `/${parallelKind.ingressPath}/`, handle: channelIngress('parallel')},
  ],
  status({topology}) {
    const sequences: SequenceStatus[] = [...topology.sequences.values()].map((s) => ({
      namespace: s.sequence.metadata.namespace,
      name: s.sequence.metadata.name,
      url: s.address,
      ...s.status,
      steps: s.sequence.spec.steps.length,
      channels: s.channels,
      subscriptions: s.subscriptions,
    }))
    const parallels: ParallelStatus[] = [...topology.parallels.values()].map((p) => ({
      namespace: p.parallel.metadata.namespace,
      name: p.parallel.metadata.name,
      url: p.address,
      ...p.status,
      ingressChannel: p.ingressChannel,
      branches: p.branches,
    }))
    return {sequences, parallels}
  },
}
