// JobSink's runtime: its ingress at /jobsinks/<namespace>/<name> starts a job per event (jobs.ts), GET of a
// job's Location says how it went (ingress.ts), each job's start and end go to the activity, and status
// reports each JobSink's Ready, job counts and recent jobs. Jobs of a removed JobSink stop, as Knative
// deletes the Jobs a JobSink owns; closing the mesh stops them all.
import type {IncomingMessage, ServerResponse} from 'node:http'
import type {ResourceStatus} from '../../core/api.js'
import {notFoundMessage, resourceRecord} from '../../core/activity.js'
import {decodeHttpMessage} from '../../core/codec/http.js'
import {addressOf, type AddressableKind} from '../../core/resources/destination.js'
import {describeResource, resourceKey} from '../../core/resources/types.js'
import type {MeshContext} from '../../mesh/context.js'
import {ALLOW, answeredWithoutEvent, answerNotFound, decodeURIComponentSafe, ingressJson, readBody} from '../../mesh/ingress.js'
import type {MeshPlugin} from '../../mesh/plugin.js'
import {jobSinkKind, type JobSink} from './descriptor.js'
import {jobLocation, jobStatusAnswer, parseJobLocation, submitAnswer} from './ingress.js'
import {JobRunner, type JobActivity, type JobRecord} from './jobs.js'
import {planJob, type JobPlanResult} from './read.js'

const BASE = `/${jobSinkKind.ingressPath}`
/** Jobs describe lists per JobSink, the most recent last. */
const RECENT_JOBS = 5

interface Served {
  resource: JobSink
  url: string
  plan: JobPlanResult
}

export function createJobSinkPlugin(ctx: MeshContext): MeshPlugin {
  const sinks = new Map<string, Served>()
  let jobs: JobRunner | undefined
  // made at the first apply: the context is not readable while the mesh is being built
  const runner = (): JobRunner =>
    (jobs ??= new JobRunner({
      cwd: ctx.projectDir,
      onActivity: (activity) => ctx.journal.append(jobRecord(activity)),
      onOutput: (record) => ctx.processOutput(record),
    }))

  function handle(mesh: MeshContext, req: IncomingMessage, res: ServerResponse, url: string): void {
    const path = url.split('?')[0]!.replace(/\/$/, '')
    if (req.method === 'GET' && path.startsWith(`${BASE}/namespaces/`)) return answerJobStatus(res, path)
    const parts = path.split('/')
    const sink =
      parts.length === 4 ? sinks.get(resourceKey(decodeURIComponentSafe(parts[2]!), decodeURIComponentSafe(parts[3]!))) : undefined
    if (sink === undefined) {
      const what =
        parts.length === 4
          ? `jobsink ${decodeURIComponentSafe(parts[2]!)}/${decodeURIComponentSafe(parts[3]!)}`
          : `jobsink path ${JSON.stringify(url)} (expected ${BASE}/<namespace>/<name>)`
      const serves = [...sinks.keys()]
      // a probe or a browser's GET is not an event gone astray: only a POST is recorded
      if (req.method !== 'POST') return ingressJson(res, 404, {error: notFoundMessage({error: `${what} not found`, serves})})
      return answerNotFound(mesh, res, url, `${what} not found`, serves, undefined)
    }
    if (answeredWithoutEvent(mesh, req, res)) return
    const resource = describeResource(sink.resource)
    readBody(mesh, req, res, url, (body) => {
      const decoded = decodeHttpMessage(req.headers, body)
      if (!decoded.ok) {
        mesh.journal.append(resourceRecord({resource, action: 'rejected 400', ok: false, detail: decoded.error}))
        return ingressJson(res, 400, {error: `invalid CloudEvent: ${decoded.error}`})
      }
      const {event} = decoded
      const about = {resource, id: event.id, type: event.type, source: event.source}
      if (!sink.plan.ok) {
        const error = `${resource} is not Ready: ${sink.plan.reason}: ${sink.plan.message}`
        mesh.journal.append(resourceRecord({...about, action: 'refused 503', ok: false, detail: error}))
        return ingressJson(res, 503, {error})
      }
      const {namespace, name} = sink.resource.metadata
      const result = runner().submit(sink.plan.plan, event)
      const answer = submitAnswer(result, jobLocation(BASE, namespace, name, event.source, event.id))
      if (answer.error !== undefined) {
        mesh.journal.append(resourceRecord({...about, action: `refused ${answer.status}`, ok: false, detail: answer.error}))
        return ingressJson(res, answer.status, {error: answer.error}, answer.headers)
      }
      if (result.ok && result.duplicate)
        mesh.journal.append(resourceRecord({...about, action: 'duplicate', detail: `${result.job.name} has this source and id already`}))
      res.writeHead(answer.status, {...ALLOW, ...answer.headers, 'Content-Length': '0'}).end()
    })
  }

  /** GET of a Location: Knative answers 400 to a path of another shape. */
  function answerJobStatus(res: ServerResponse, path: string): void {
    const job = parseJobLocation(path.slice(BASE.length))
    if (job === undefined) return ingressJson(res, 400, {error: `not a job's location: ${path}`})
    const key = resourceKey(job.namespace, job.name)
    const answer = jobStatusAnswer(sinks.has(key) ? runner().find(key, job.source, job.id) : undefined, path)
    res.writeHead(answer.status, {...answer.headers, 'Content-Length': '0'}).end()
  }

  return {
    name: 'jobsinks',
    routes: [{prefix: `${BASE}/`, handle}],
    apply(mesh) {
      const before = new Set(sinks.keys())
      sinks.clear()
      const resources = mesh.resources.filter((r) => (r.kind as string) === jobSinkKind.kind) as unknown as JobSink[]
      for (const resource of resources) {
        const {namespace, name} = resource.metadata
        const key = resourceKey(namespace, name)
        const plan = planJob(namespace, name, resource.spec)
        sinks.set(key, {resource, url: addressOf(jobSinkKind as AddressableKind, mesh.url, namespace, name), plan})
        // what kne leaves out of the job, said once when the JobSink appears
        if (plan.ok && !before.has(key)) for (const note of plan.plan.notes) mesh.log(`note: ${note}`)
        before.delete(key)
      }
      for (const removed of before) {
        runner()
          .cancel(removed, 'the JobSink was removed')
          .catch((error: unknown) => mesh.log(`stopping the jobs of JobSink ${removed}: ${(error as Error).message}`))
      }
    },
    status() {
      const resources: ResourceStatus[] = [...sinks.values()].map(({resource, url, plan}) => {
        const key = resourceKey(resource.metadata.namespace, resource.metadata.name)
        const recent = runner().list(key).slice(-RECENT_JOBS)
        return {
          kind: resource.kind,
          namespace: resource.metadata.namespace,
          name: resource.metadata.name,
          url,
          ...(plan.ok ? {ready: true} : {ready: false, reason: plan.reason, message: plan.message}),
          counters: {...runner().counts(key)},
          ...(recent.length > 0 ? {sections: [{title: 'Recent jobs', lines: recent.map(describeJob)}]} : {}),
        }
      })
      return {resources}
    },
    close: async () => jobs?.close(),
  }
}

/** A job's start or end as an activity record about the event it runs for. */
function jobRecord({type, job}: JobActivity): ReturnType<typeof resourceRecord> {
  const [namespace, name] = job.sink.split('/') as [string, string]
  const about = {
    resource: describeResource({kind: jobSinkKind.kind, metadata: {namespace, name}}),
    id: job.eventId,
    type: job.eventType,
    source: job.eventSource,
  }
  if (type !== 'finished')
    return resourceRecord({
      ...about,
      action: `job ${type}`,
      detail: job.name + (job.pid === undefined ? '' : ` pid ${job.pid}`),
      data: {job: job.name},
    })
  const {stdout, stderr, exitCode, signal, durationMs, error, state} = job
  return resourceRecord({
    ...about,
    action: `job ${state}`,
    ok: state === 'succeeded',
    detail: describeEnd(job),
    data: {job: job.name, state, exitCode, signal, durationMs, error, stdout, stderr},
  })
}

function describeEnd(job: JobRecord): string {
  const how = job.error ?? (job.signal ? `killed by ${job.signal}` : `exit ${job.exitCode}`)
  return `${job.name}: ${how}${job.durationMs === undefined ? '' : ` after ${job.durationMs} ms`}`
}

/** One line of describe's recent jobs: `job-sink-logger-3  succeeded  exit 0 after 41 ms  id=123`. */
function describeJob(job: JobRecord): string {
  const end = job.finishedAt === undefined ? '' : `  ${describeEnd(job).slice(job.name.length + 2)}`
  return `${job.name}  ${job.state}${end}  id=${job.eventId} source=${job.eventSource}`
}
