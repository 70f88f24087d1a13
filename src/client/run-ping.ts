// `kne source ping fire`: asks the running mesh to send a PingSource's event now, through the same
// sender its schedule uses, and reports what the sink answered.
import {request} from './http.js'
import {KneError} from '../core/errors.js'
import {firePath, type FireAnswer} from '../core/api.js'
import {findMesh} from './locator.js'

export async function firePingSource(dataDir: string, namespace: string, name: string): Promise<FireAnswer> {
  const {url} = findMesh(dataDir)
  let status: number
  let body: FireAnswer & {error?: string; reason?: string}
  try {
    const response = await request(`${url}${firePath(namespace, name)}`, {method: 'POST'})
    status = response.statusCode
    body = (await response.body.json()) as typeof body
  } catch (error) {
    const err = error as {code?: string; cause?: {code?: string}; message?: string}
    throw new KneError(`cannot reach ${url}: ${err.cause?.code ?? err.code ?? err.message}`, 'MESH_UNREACHABLE', {
      suggestions: ['is `kne dev` running? start it, or check KNE_URL'],
    })
  }
  if (status === 200) return body
  if (status === 502) {
    throw new KneError(
      `PingSource ${namespace}/${name}: event ${body.id} to ${body.sinkUri} failed after ${body.attempts} attempt(s): ${body.error}`,
      'EVENT_REJECTED',
    )
  }
  if (status === 404 && body.reason === 'NotFound') {
    throw new KneError(body.error ?? `PingSource ${namespace}/${name} not found`, 'NOT_FOUND', {
      suggestions: ['kne source list --kind ping shows the PingSources of the project'],
    })
  }
  if (status === 409) throw new KneError(body.error ?? `PingSource ${namespace}/${name} is not Ready`, 'NOT_READY')
  throw new KneError(`${url} answered ${status}: ${body.error ?? 'no explanation'}`, 'MESH_ERROR')
}
