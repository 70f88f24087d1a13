import type {KindAddress} from '../address.js'

export const EVENTING_GROUP = 'eventing.knative.dev'

export const BROKER_ADDRESS: KindAddress<'Broker'> = {
  kind: 'Broker',
  group: EVENTING_GROUP,
  plural: 'brokers',
  apiVersion: `${EVENTING_GROUP}/v1`,
  ingressPath: '',
  sinkPrefix: 'broker',
}
