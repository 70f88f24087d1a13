// JobSink (sinks.knative.dev/v1alpha1): `spec.job` is a whole batch/v1 Job that Knative creates once per
// event (cmd/jobsink/main.go), with the event mounted as a JSON file at /etc/jobsink-event/event. Knative's
// webhook only requires the job (job_sink_validation.go) and the CRD keeps its fields unchecked; kne also
// refuses what Kubernetes would refuse when the Job is created (no containers, a container without an
// image), since that could never run. kne cannot run images: a job is the first container's command and
// args as a local process, as for a ContainerSource (src/core/sources/container.ts).
import {JOB_SINK_KIND_ADDRESS} from './address.js'
import {containerEnv, expandKubernetesVariables, type Container} from '../../core/sources/container.js'
import {isAbsent, readList, textOf, readObject, readRequiredString, readString, type KindContext} from '../../core/resources/read.js'

export {JOB_SINK_API_VERSION} from './address.js'
/**
 * Where the mesh serves it: POST to `/<path>/<namespace>/<name>` (Knative: the job-sink service's
 * `/<namespace>/<name>`), GET of a job at `/<path>/namespaces/…` (ingress.ts); three segments, never a broker's.
 */
export const JOB_SINK_ADDRESS = {
  group: JOB_SINK_KIND_ADDRESS.group,
  plural: JOB_SINK_KIND_ADDRESS.plural,
  path: JOB_SINK_KIND_ADDRESS.ingressPath,
} as const
/** The spec fields the CRD lists (config/core/resources/jobsink.yaml); the job itself keeps unknown fields. */
export const JOB_SINK_SPEC_FIELDS = ['job'] as const

/** Where Knative mounts the event: the `jobsink-event` volume at /etc/jobsink-event, the file `event` in it. */
export const JOB_EVENT_MOUNT_PATH = '/etc/jobsink-event'
export const JOB_EVENT_VOLUME = 'jobsink-event'
/** job_sink_defaults.go adds it to every container that does not set it. */
export const EXECUTION_MODE_ENV = {name: 'KNATIVE_EXECUTION_MODE', value: 'batch'} as const

export interface JobSinkSpec {
  /** The batch/v1 Job as written. */
  job: Record<string, unknown>
}

export function readJobSink(ctx: KindContext): JobSinkSpec {
  const {spec, errors} = ctx
  const job = readObject(spec.job, 'spec.job', errors)
  if (job === undefined) {
    if (isAbsent(spec.job)) errors.push({field: 'spec.job', message: 'expected exactly one, got neither: spec.job'})
    return {job: {}}
  }
  const jobSpec = readObject(job.spec, 'spec.job.spec', errors) ?? {}
  const template = readObject(jobSpec.template, 'spec.job.spec.template', errors) ?? {}
  const podSpec = readObject(template.spec, 'spec.job.spec.template.spec', errors) ?? {}
  const field = 'spec.job.spec.template.spec.containers'
  const containers = readList(podSpec.containers, field, errors)
  if ((containers === undefined && isAbsent(podSpec.containers)) || containers?.length === 0) {
    errors.push({field, message: 'missing field(s): the Job runs at least one container (Kubernetes refuses to create it otherwise)'})
  }
  for (const [i, item] of (containers ?? []).entries()) {
    const path = `${field}[${i}]`
    const container = readObject(item, path, errors)
    if (!container) continue
    readRequiredString(container, 'image', path, errors)
    readRequiredString(container, 'name', path, errors)
    for (const key of ['command', 'args'] as const) {
      const list = readList(container[key], `${path}.${key}`, errors)
      list?.forEach((arg, j) => {
        if (typeof arg !== 'string')
          errors.push({field: `${path}.${key}[${j}]`, message: `must be a string, got ${JSON.stringify(arg)}: quote it in YAML`})
      })
    }
    readString(container, 'workingDir', path, errors)
  }
  return {job}
}

/** One job as kne runs it: a local process standing in for the first container. */
export interface JobPlan {
  /** `namespace/name` of the JobSink. */
  sink: string
  /** The argv, `$(VAR)` expanded; occurrences of the event's mount path are replaced when a job starts. */
  command: string[]
  env: Record<string, string>
  /** The container's workingDir, when it has one. */
  cwd?: string
  /** Where the container expects the event folder (the `jobsink-event` volume's mountPath). */
  eventMountPath: string
  /** spec.job.spec.activeDeadlineSeconds in ms: the job is killed after it. */
  deadlineMs?: number
  /** What kne leaves out, for status and logs. */
  notes: string[]
}

export type JobPlanResult = {ok: true; plan: JobPlan} | {ok: false; reason: string; message: string}

/** The local process for a JobSink that loaded without errors; a container without a command cannot run locally. */
export function planJob(namespace: string, name: string, spec: JobSinkSpec): JobPlanResult {
  const sink = `${namespace}/${name}`
  const jobSpec = (spec.job.spec ?? {}) as Record<string, unknown>
  const podSpec = ((jobSpec.template ?? {}) as {spec?: {containers?: Container[]; initContainers?: unknown[]}}).spec ?? {}
  const containers = podSpec.containers ?? []
  const container = (containers[0] ?? {}) as Container & {workingDir?: unknown; volumeMounts?: unknown}
  const notes: string[] = []
  const command = Array.isArray(container.command) ? container.command.map(String) : []
  if (command.length === 0) {
    const image = typeof container.image === 'string' ? container.image : 'its image'
    return {
      ok: false,
      reason: 'NoLocalCommand',
      message: `container ${textOf(container.name ?? 0)} has no command, and kne cannot run ${image}: give the container a command (the image's entrypoint, e.g. [cat])`,
    }
  }
  if (containers.length > 1) notes.push(`${sink}: kne runs the first of ${containers.length} containers`)
  if ((podSpec.initContainers ?? []).length > 0) notes.push(`${sink}: initContainers are not run`)
  for (const key of ['completions', 'parallelism', 'backoffLimit'] as const) {
    if (typeof jobSpec[key] === 'number' && jobSpec[key] !== (key === 'backoffLimit' ? 0 : 1))
      notes.push(`${sink}: ${key} ${jobSpec[key]} is not applied: kne runs each job once`)
  }
  const env = containerEnv(container, notes, sink)
  if (!Object.hasOwn(env, EXECUTION_MODE_ENV.name)) env[EXECUTION_MODE_ENV.name] = EXECUTION_MODE_ENV.value
  const argv = [...command, ...(Array.isArray(container.args) ? container.args.map(String) : [])].map((arg) =>
    expandKubernetesVariables(arg, env),
  )
  const plan: JobPlan = {sink, command: argv, env, eventMountPath: eventMountPath(container.volumeMounts), notes}
  if (typeof container.workingDir === 'string' && container.workingDir !== '') plan.cwd = container.workingDir
  const deadline = jobSpec.activeDeadlineSeconds
  if (typeof deadline === 'number' && deadline > 0) plan.deadlineMs = deadline * 1000
  return {ok: true, plan}
}

/** The docs' "customizing the event file directory": a volumeMount of the `jobsink-event` volume moves the folder. */
function eventMountPath(volumeMounts: unknown): string {
  if (!Array.isArray(volumeMounts)) return JOB_EVENT_MOUNT_PATH
  const mount = volumeMounts.find(
    (m): m is {mountPath: string} =>
      (m as {name?: unknown})?.name === JOB_EVENT_VOLUME && typeof (m as {mountPath?: unknown}).mountPath === 'string',
  )
  return mount ? mount.mountPath.replace(/\/+$/, '') || JOB_EVENT_MOUNT_PATH : JOB_EVENT_MOUNT_PATH
}
