// JobSink's runtime: its ingress at /jobsinks/<namespace>/<name> starts a job per event (jobs.ts), GET of a
// job's Location says how it went (ingress.ts), each job's start and end go to the activity, and status
// reports each JobSink's Ready, job counts and recent jobs. Jobs of a removed JobSink stop, as Knative
// deletes the Jobs a JobSink owns; closing the mesh stops them all.
import type {IncomingMessage, ServerResponse} from 'node:http'
import type {ResourceStatus} from '../../core/api.js'
import {handledRecord, notFoundMessage, type Activity} from '../../core/activity.js'
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
        mesh.journal.append(handledRecord(resource, undefined, {status: 400, outcome: 'failed', summary: 'refused', error: decoded.error}))
        return ingressJson(res, 400, {error: `invalid CloudEvent: ${decoded.error}`})
      }
      const {event} = decoded
      const refuse = (status: number, error: string, headers: Record<string, string> = {}): void => {
        mesh.journal.append(handledRecord(resource, event, {status, outcome: 'failed', summary: 'refused', error}))
        ingressJson(res, status, {error}, headers)
      }
      if (!sink.plan.ok) return refuse(503, `${resource} is not Ready: ${sink.plan.reason}: ${sink.plan.message}`)
      const {namespace, name} = sink.resource.metadata
      const result = runner().submit(sink.plan.plan, event)
      const answer = submitAnswer(result, jobLocation(BASE, namespace, name, event.source, event.id))
      if (answer.error !== undefined) return refuse(answer.status, answer.error, answer.headers)
      if (result.ok && result.duplicate) {
        const summary = `job ${result.job.name} has this source and id already: nothing started`
        mesh.journal.append(handledRecord(resource, event, {status: answer.status, outcome: 'delivered', summary}))
      }
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
          conditions: [{type: 'Addressable', ready: true}],
          counters: {...runner().counts(key)},
          ...(recent.length > 0 ? {sections: [{title: 'Recent jobs', lines: recent.map(describeJob)}]} : {}),
        }
      })
      return {resources}
    },
    close: async () => jobs?.close(),
  }
}

/**
 * A job's start or end as a record of what the JobSink did with the event: 202 when the job is queued or
 * started (its ingress's answer), then 200 or 400 as the job's Location answers once it ended (Complete, Failed).
 */
function jobRecord({type, job}: JobActivity): Activity {
  const [namespace, name] = job.sink.split('/') as [string, string]
  const resource = describeResource({kind: jobSinkKind.kind, metadata: {namespace, name}})
  const event = {id: job.eventId, type: job.eventType, source: job.eventSource}
  if (type !== 'finished') {
    const summary = `job ${job.name} ${type}${job.pid === undefined ? '' : ` (pid ${job.pid})`}`
    return handledRecord(resource, event, {status: 202, outcome: 'delivered', summary})
  }
  const succeeded = job.state === 'succeeded'
  return handledRecord(resource, event, {
    status: succeeded ? 200 : 400,
    outcome: succeeded ? 'delivered' : 'failed',
    summary: `job ${job.name} ${job.state}: ${jobEnd(job)}`,
    ...(job.error === undefined ? {} : {error: job.error}),
  })
}

/** How a job ended: `exit 0 after 41 ms`, `killed by SIGTERM after 2003 ms`, `not run`. */
function jobEnd(job: JobRecord): string {
  const how = job.signal ? `killed by ${job.signal}` : job.exitCode === undefined ? 'not run' : `exit ${job.exitCode}`
  return `${how}${job.durationMs === undefined ? '' : ` after ${job.durationMs} ms`}`
}

/** One line of describe's recent jobs: `job-sink-logger-3  succeeded  exit 0 after 41 ms  id=123 source=…`. */
function describeJob(job: JobRecord): string {
  const end = job.finishedAt === undefined ? '' : `  ${jobEnd(job)}${job.error === undefined ? '' : ` (${job.error})`}`
  return `${job.name}  ${job.state}${end}  id=${job.eventId} source=${job.eventSource}`
}
