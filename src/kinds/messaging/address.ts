import type {KindAddress} from '../address.js'

export const MESSAGING_GROUP = 'messaging.knative.dev'
const API_VERSION = `${MESSAGING_GROUP}/v1`

export const CHANNEL_ADDRESS: KindAddress<'Channel'> = {
  kind: 'Channel',
  group: MESSAGING_GROUP,
  plural: 'channels',
  apiVersion: API_VERSION,
  ingressPath: 'channels',
  sinkPrefix: 'channel',
}

export const IN_MEMORY_CHANNEL_ADDRESS: KindAddress<'InMemoryChannel'> = {
  kind: 'InMemoryChannel',
  group: MESSAGING_GROUP,
  plural: 'inmemorychannels',
  apiVersion: API_VERSION,
  ingressPath: 'channels',
}
