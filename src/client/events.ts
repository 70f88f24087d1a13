// `kne events list|show` and `kne redeliver`: the running mesh's events through its control API, or a log
// folder's read offline (--from DIR).
import {
  eventPath,
  eventQueryParams,
  API_PATHS,
  REDELIVER_PATH,
  type EventShowAnswer,
  type EventsAnswer,
  type RedeliverAnswer,
  type RedeliverRequest,
} from '../core/api.js'
import {KneError} from '../core/errors.js'
import type {EventQuery} from '../core/event-log/index.js'
import {openEventLogReadOnly} from '../mesh/event-log/file-store.js'
import type {LogDamage} from '../mesh/event-log/store.js'
import {EventFinder} from '../mesh/events.js'
import {request, type Response} from './http.js'
import {findMesh} from './locator.js'

/** Where the events are: the running mesh (found through the data folder or KNE_URL), or a log folder. */
export interface EventsWhere {
  dataDir: string
  /** A log folder (kne dev --persist's), read without a running mesh. */
  from?: string
}

/** The events a query picks, newest first. */
export async function listEvents(where: EventsWhere, query: EventQuery): Promise<EventsAnswer & {damage?: LogDamageReport}> {
  if (where.from !== undefined) return withLog(where.from, (finder) => finder.query(query))
  const {url} = findMesh(where.dataDir)
  const params = eventQueryParams(query).toString()
  return answerOf<EventsAnswer>(url, await ask(url, `${API_PATHS.events}${params ? `?${params}` : ''}`))
}

/** Every arrival with this arrival number or event id, newest first; EVENT_NOT_FOUND when there is none. */
export async function showEvent(where: EventsWhere, key: string): Promise<EventShowAnswer & {damage?: LogDamageReport}> {
  if (where.from !== undefined) {
    const answer = withLog(where.from, (finder) => finder.show(key))
    if (answer.events.length === 0) throw notFound(key, `the log in ${where.from}`)
    return answer
  }
  const {url} = findMesh(where.dataDir)
  const response = await ask(url, eventPath(key))
  if (response.statusCode === 404) {
    await response.body.dump()
    throw notFound(key, `the mesh at ${url}`)
  }
  return answerOf<EventShowAnswer>(url, response)
}

/** Sends events again (or, with dryRun, lists what would go). */
export async function redeliverEvents(dataDir: string, body: RedeliverRequest): Promise<RedeliverAnswer> {
  const {url} = findMesh(dataDir)
  const response = await ask(url, REDELIVER_PATH, {
    method: 'POST',
    headers: {'content-type': 'application/json'},
    body: JSON.stringify(body),
  })
  return answerOf<RedeliverAnswer>(url, response)
}

function notFound(key: string, where: string): KneError {
  return new KneError(`no event with arrival number or id ${JSON.stringify(key)} in ${where}`, 'EVENT_NOT_FOUND', {
    suggestions: ['kne events list shows the events kept'],
  })
}

async function ask(url: string, path: string, options: Parameters<typeof request>[1] = {}): Promise<Response> {
  try {
    return await request(`${url}${path}`, options)
  } catch (error) {
    const code = (error as {code?: string}).code ?? (error as Error).message
    throw new KneError(`cannot reach ${url}: ${code}`, 'MESH_UNREACHABLE', {
      suggestions: ['is `kne dev` running? start it, or check KNE_URL'],
    })
  }
}

/** The JSON answer; a 400 is a flag the mesh cannot use, anything else not 200 an answer kne does not expect. */
async function answerOf<T>(url: string, response: Response): Promise<T> {
  let body: unknown
  try {
    body = await response.body.json()
  } catch (error) {
    throw new KneError(
      `the mesh at ${url} answered ${response.statusCode} with a body that is not JSON (${(error as Error).message})`,
      'MESH_ERROR',
    )
  }
  if (response.statusCode === 200) return body as T
  const message = (body as {error?: string} | undefined)?.error ?? `HTTP ${response.statusCode}`
  if (response.statusCode === 400) throw new KneError(message, 'INVALID_FLAG')
  throw new KneError(`the mesh at ${url} answered ${response.statusCode}: ${message}`, 'MESH_ERROR', {
    suggestions: response.statusCode === 404 ? ['this kne dev may be older than the event log: restart it'] : [],
  })
}

/** A log folder's records that could not be read (each skipped): the first few, and how many in all. */
export interface LogDamageReport {
  damaged: number
  first: LogDamage[]
}

const DAMAGE_SHOWN = 20

/** Runs `use` on a log folder opened read-only (closed afterwards), with the damaged records it skipped. */
function withLog<T extends object>(dir: string, use: (finder: EventFinder) => T): T & {damage?: LogDamageReport} {
  const damage: LogDamageReport = {damaged: 0, first: []}
  const reader = openEventLogReadOnly(dir, {
    onDamage: (problem) => {
      if (damage.damaged++ < DAMAGE_SHOWN) damage.first.push(problem)
    },
  })
  try {
    const answer = use(new EventFinder(reader, 'log'))
    return damage.damaged > 0 ? {...answer, damage} : answer
  } finally {
    reader.close()
  }
}
