// Channel, InMemoryChannel and Subscription (messaging.knative.dev/v1) with the checks and defaults of
// Knative's webhook (pkg/apis/messaging/v1/*_validation.go; §4.1, §4.2).
import {readChannelTemplate, readDelivery, readDestination, readKReference} from './duck.js'
import {isAbsent, readList, type KindContext} from './read.js'
import type {ChannelSpec, InMemoryChannelSpec, SubscriptionSpec} from './types.js'
import type {FieldErrors} from './validate.js'

export function readChannel(ctx: KindContext): ChannelSpec {
  const {spec, errors, metadata} = ctx
  rejectSubscribers(spec, errors)
  const channel: ChannelSpec = {channelTemplate: readChannelTemplate(spec.channelTemplate, 'spec.channelTemplate', errors)}
  const delivery = readDelivery(spec.delivery, 'spec.delivery', metadata.namespace, ctx)
  if (delivery) channel.delivery = delivery
  return channel
}

export function readInMemoryChannel(ctx: KindContext): InMemoryChannelSpec {
  const {spec, errors, metadata} = ctx
  rejectSubscribers(spec, errors)
  const channel: InMemoryChannelSpec = {}
  const delivery = readDelivery(spec.delivery, 'spec.delivery', metadata.namespace, ctx)
  if (delivery) channel.delivery = delivery
  return channel
}

/** spec.subscribers is written by the eventing controller from Subscriptions, never by hand. */
function rejectSubscribers(spec: Record<string, unknown>, errors: FieldErrors): void {
  const subscribers = readList(spec.subscribers, 'spec.subscribers', errors)
  if (subscribers && subscribers.length > 0) {
    errors.push({
      field: 'spec.subscribers',
      message: 'must not set the field(s): Knative fills spec.subscribers from Subscriptions; write a Subscription instead',
    })
  }
}

export function readSubscription(ctx: KindContext): SubscriptionSpec {
  const {spec, errors, metadata} = ctx
  let channel = readKReference(spec.channel, 'spec.channel', errors)
  if (isAbsent(spec.channel)) {
    errors.push({field: 'spec.channel', message: 'missing field(s): the Subscription must reference a channel'})
  } else if (channel?.namespace) {
    errors.push({
      field: 'spec.channel.namespace',
      message: "must not set the field(s): the channel is in the Subscription's namespace (cross-namespace-event-links is off)",
    })
  }
  channel = {...(channel ?? {apiVersion: '', kind: '', name: ''}), namespace: metadata.namespace}
  const subscriber = readDestination(spec.subscriber, 'spec.subscriber', metadata.namespace, errors, false)
  if (subscriber === undefined && isAbsent(spec.subscriber)) {
    errors.push({field: 'spec.subscriber', message: 'missing field(s): the Subscription must reference a subscriber'})
  }
  const subscription: SubscriptionSpec = {channel, subscriber: subscriber ?? {}}
  const reply = readDestination(spec.reply, 'spec.reply', metadata.namespace, errors, false)
  if (reply) subscription.reply = reply
  const delivery = readDelivery(spec.delivery, 'spec.delivery', metadata.namespace, ctx)
  if (delivery) subscription.delivery = delivery
  return subscription
}
