// sinks.knative.dev: JobSink, a sink that runs a job per event (read.ts reads it, the plugin runs it).
import {parseEnv, usageError} from '../../core/manifests/flags.js'
import type {ResourceBase} from '../../core/resources/types.js'
import {addressFields} from '../address.js'
import {defineKind} from '../descriptor.js'
import {JOB_SINK_KIND_ADDRESS} from './address.js'
import {JOB_SINK_API_VERSION, JOB_SINK_SPEC_FIELDS, planJob, readJobSink, type JobSinkSpec} from './read.js'

export type JobSink = ResourceBase<'JobSink', JobSinkSpec>

/** `kne jobsink create`'s options: the container's fields, with kn's ContainerSource flag names. */
export interface JobSinkOptions {
  name: string
  namespace?: string
  image?: string
  cmd?: readonly string[]
  args?: readonly string[]
  env?: readonly string[]
}

const FIRST_CONTAINER = 'job.spec.template.spec.containers.0'

const nonEmpty = (list: readonly string[] | undefined): string[] | undefined => (list && list.length > 0 ? [...list] : undefined)

export const jobSinkKind = defineKind<JobSink>({
  ...addressFields(JOB_SINK_KIND_ADDRESS),
  role: 'sink',
  emulated: true,
  versions: [{apiVersion: JOB_SINK_API_VERSION, specFields: JOB_SINK_SPEC_FIELDS}],
  read: readJobSink,
  // a JobSink sends nothing anywhere: its jobs are its only effect
  references: () => [],
  // what kne runs: the first container
  describeFields: [
    {label: 'Image', field: `${FIRST_CONTAINER}.image`},
    {label: 'Command', field: `${FIRST_CONTAINER}.command`},
    {label: 'Args', field: `${FIRST_CONTAINER}.args`},
    {label: 'Working dir', field: `${FIRST_CONTAINER}.workingDir`},
  ],
  advisories(resource) {
    const planned = planJob(resource.metadata.namespace, resource.metadata.name, resource.spec)
    return planned.ok
      ? planned.plan.notes.map((message) => ({field: 'spec.job', message}))
      : [{field: 'spec.job.spec.template.spec.containers[0].command', message: `${planned.reason}: ${planned.message}`}]
  },
  scaffold: {
    label: 'JobSink',
    createdVerb: 'created',
    deletedVerb: 'deleted',
    asks: [{option: 'image', flag: '--image', message: "The job container's image (what a cluster runs; kne runs --cmd)"}],
    values(options) {
      const {name, namespace, image, cmd, args, env} = options as unknown as JobSinkOptions
      if (!image) throw usageError('--image is required: the image a cluster runs the job with (kne runs --cmd instead)')
      return {name, namespace, image, command: nonEmpty(cmd), args: nonEmpty(args), env: parseEnv(env)}
    },
  },
})

export const JOB_SINK_KINDS = [jobSinkKind]
