// messaging.knative.dev: Channel and InMemoryChannel (served at /channels/<namespace>/<name>), Subscription.
import {readChannel, readInMemoryChannel, readSubscription} from '../../core/resources/messaging.js'
import type {Channel, InMemoryChannel, Subscription} from '../../core/resources/types.js'
import {defineKind, deliveryReferences, referenceList} from '../descriptor.js'

export const MESSAGING_GROUP = 'messaging.knative.dev'
const API_VERSION = `${MESSAGING_GROUP}/v1`

export const channelKind = defineKind<Channel>({
  kind: 'Channel',
  group: MESSAGING_GROUP,
  plural: 'channels',
  role: 'channel',
  emulated: true,
  versions: [{apiVersion: API_VERSION, specFields: ['channelTemplate', 'delivery', 'subscribers']}],
  read: readChannel,
  references: deliveryReferences,
  ingressPath: 'channels',
  sinkPrefix: 'channel',
  // a Channel is backed by a channel of its template's kind and name (kne backs every one in memory)
  impliedChannels: (resource) => [{namespace: resource.metadata.namespace, name: resource.metadata.name}],
})

export const inMemoryChannelKind = defineKind<InMemoryChannel>({
  kind: 'InMemoryChannel',
  group: MESSAGING_GROUP,
  plural: 'inmemorychannels',
  role: 'channel',
  emulated: true,
  versions: [{apiVersion: API_VERSION, specFields: ['delivery', 'subscribers']}],
  read: readInMemoryChannel,
  references: deliveryReferences,
  ingressPath: 'channels',
})

export const subscriptionKind = defineKind<Subscription>({
  kind: 'Subscription',
  group: MESSAGING_GROUP,
  plural: 'subscriptions',
  role: 'subscription',
  emulated: true,
  versions: [{apiVersion: API_VERSION, specFields: ['channel', 'subscriber', 'reply', 'delivery']}],
  read: readSubscription,
  references(resource) {
    const refs = referenceList()
    refs.ref('spec.channel', resource.spec.channel)
    refs.destination('spec.subscriber', resource.spec.subscriber)
    refs.destination('spec.reply', resource.spec.reply)
    refs.delivery('spec.delivery', resource.spec.delivery)
    return refs.out
  },
})

/** The kind that backs every channel kne serves (a Channel's, a flow's). */
export const BACKING_CHANNEL = inMemoryChannelKind

export const MESSAGING_KINDS = [channelKind, inMemoryChannelKind, subscriptionKind]
