// messaging.knative.dev: Channel and InMemoryChannel (served at /channels/<namespace>/<name>), Subscription.
import {readChannel, readInMemoryChannel, readSubscription} from '../../core/resources/messaging.js'
import type {Channel, InMemoryChannel, Subscription} from '../../core/resources/types.js'
import {addressFields} from '../address.js'
import {defineKind, deliveryReferences, referenceList} from '../descriptor.js'
import {CHANNEL_ADDRESS, IN_MEMORY_CHANNEL_ADDRESS, MESSAGING_GROUP} from './address.js'

export {MESSAGING_GROUP}
const API_VERSION = CHANNEL_ADDRESS.apiVersion

export const channelKind = defineKind<Channel>({
  ...addressFields(CHANNEL_ADDRESS),
  role: 'channel',
  emulated: true,
  versions: [{apiVersion: API_VERSION, specFields: ['channelTemplate', 'delivery', 'subscribers']}],
  read: readChannel,
  references: deliveryReferences,
  // a Channel is backed by a channel of its template's kind and name (kne backs every one in memory)
  impliedChannels: (resource) => [{namespace: resource.metadata.namespace, name: resource.metadata.name}],
})

export const inMemoryChannelKind = defineKind<InMemoryChannel>({
  ...addressFields(IN_MEMORY_CHANNEL_ADDRESS),
  role: 'channel',
  emulated: true,
  versions: [{apiVersion: API_VERSION, specFields: ['delivery', 'subscribers']}],
  read: readInMemoryChannel,
  references: deliveryReferences,
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
