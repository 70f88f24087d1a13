import type {KindAddress} from '../address.js'

export const FLOWS_GROUP = 'flows.knative.dev'
const API_VERSION = `${FLOWS_GROUP}/v1`

export const SEQUENCE_ADDRESS: KindAddress<'Sequence'> = {
  kind: 'Sequence',
  group: FLOWS_GROUP,
  plural: 'sequences',
  apiVersion: API_VERSION,
  ingressPath: 'sequences',
  sinkPrefix: 'sequence',
}

export const PARALLEL_ADDRESS: KindAddress<'Parallel'> = {
  kind: 'Parallel',
  group: FLOWS_GROUP,
  plural: 'parallels',
  apiVersion: API_VERSION,
  ingressPath: 'parallels',
  sinkPrefix: 'parallel',
}
