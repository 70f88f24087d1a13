// What JobSink's ingress answers (knative/eventing cmd/jobsink/main.go), for the route that serves it:
// POST of an event → 202 with a Location naming the event's job (also when the job exists already);
// GET of that Location → 404 (no such job), 202 (not finished), 200 `Reason: Complete`, 400 `Reason: Failed`.
import type {JobRecord, SubmitResult} from './jobs.js'

/**
 * The job's address under the route's base path: `<base>/namespaces/<ns>/name/<name>/sources/<source>/ids/<id>`.
 * Knative writes source and id as they are, so a source with a `/` (most are URIs) gives a Location its
 * own GET answers 400 to; kne percent-encodes them.
 */
export function jobLocation(basePath: string, namespace: string, name: string, source: string, id: string): string {
  return `${basePath}/namespaces/${namespace}/name/${name}/sources/${encodeURIComponent(source)}/ids/${encodeURIComponent(id)}`
}

/** Reads a Location path (after the base path): undefined when it has another shape (Knative answers 400). */
export function parseJobLocation(path: string): {namespace: string; name: string; source: string; id: string} | undefined {
  const parts = path.replace(/\/$/, '').split('/')
  if (parts.length !== 9 || parts[1] !== 'namespaces' || parts[3] !== 'name' || parts[5] !== 'sources' || parts[7] !== 'ids')
    return undefined
  try {
    return {namespace: parts[2]!, name: parts[4]!, source: decodeURIComponent(parts[6]!), id: decodeURIComponent(parts[8]!)}
  } catch {
    return undefined // a malformed %-escape
  }
}

/** The answer to a GET of a job's Location. */
export function jobStatusAnswer(job: JobRecord | undefined, location: string): {status: number; headers: Record<string, string>} {
  if (job === undefined) return {status: 404, headers: {}}
  if (job.state === 'succeeded') return {status: 200, headers: {reason: 'Complete'}}
  if (job.state === 'failed' || job.state === 'cancelled') return {status: 400, headers: {reason: 'Failed'}}
  return {status: 202, headers: {location}}
}

/** The answer to a POSTed event: 202 with the job's Location (new or known), 503 with the reason when the queue is full or the mesh stops. */
export function submitAnswer(result: SubmitResult, location: string): {status: number; headers: Record<string, string>; error?: string} {
  if (result.ok) return {status: 202, headers: {location}}
  return {status: 503, headers: {'retry-after': '1'}, error: result.message}
}
