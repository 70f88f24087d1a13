import type {KindAddress} from '../address.js'

export const JOB_SINK_API_VERSION = 'sinks.knative.dev/v1alpha1'

/** Served at `/jobsinks/<namespace>/<name>` (ingress.ts): three segments, never a broker's. */
export const JOB_SINK_KIND_ADDRESS: KindAddress<'JobSink'> = {
  kind: 'JobSink',
  group: 'sinks.knative.dev',
  plural: 'jobsinks',
  apiVersion: JOB_SINK_API_VERSION,
  ingressPath: 'jobsinks',
  sinkPrefix: 'jobsink',
}
