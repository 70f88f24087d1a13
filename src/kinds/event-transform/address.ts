import type {KindAddress} from '../address.js'

export const EVENT_TRANSFORM_API_VERSION = 'eventing.knative.dev/v1alpha1'

/** Served at `/eventtransforms/<namespace>/<name>`: three segments, never a broker's. */
export const EVENT_TRANSFORM_KIND_ADDRESS: KindAddress<'EventTransform'> = {
  kind: 'EventTransform',
  group: 'eventing.knative.dev',
  plural: 'eventtransforms',
  apiVersion: EVENT_TRANSFORM_API_VERSION,
  ingressPath: 'eventtransforms',
  sinkPrefix: 'eventtransform',
}
