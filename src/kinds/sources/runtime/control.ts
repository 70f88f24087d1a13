// The control endpoints sources add to the mesh's API:
//   POST /_kne/v1/sources/pingsources/<namespace>/<name>/fire  sends that PingSource's event now
//   GET  /_kne/v1/resolve?namespace=NS&destination=JSON        resolves a Destination as the mesh's sinks do
import {FIRE_PATH, RESOLVE_PATH, type FireAnswer, type ResolveAnswer} from '../../../core/api.js'
import type {IncomingMessage} from 'node:http'
import {readDestination} from '../../../core/resources/duck.js'
import {resolveDestination} from '../../../core/resources/destination.js'
import type {FieldErrors} from '../../../core/resources/validate.js'
import type {MeshContext} from '../../../mesh/context.js'

/** Answers a sources endpoint, or undefined when the path is not one of them. */
export async function sourceControl(
  mesh: MeshContext,
  req: IncomingMessage,
  pathname: string,
  params: URLSearchParams,
): Promise<{status: number; body: unknown} | undefined> {
  const fire = FIRE_PATH.exec(pathname)
  if (fire) {
    req.resume()
    if (req.method !== 'POST') return {status: 405, body: {error: `fire a PingSource with POST ${pathname}`}}
    if (mesh.refusal !== undefined) return {status: 503, body: {error: mesh.refusal}}
    const [namespace, name] = [decodeURIComponent(fire[1]!), decodeURIComponent(fire[2]!)]
    const result = await mesh.sources.fire(namespace, name)
    if (!result.ok) return {status: result.reason === 'NotFound' ? 404 : 409, body: {error: result.message, reason: result.reason}}
    const {outcome} = result
    const answer: FireAnswer = {
      namespace,
      name,
      id: outcome.id,
      sinkUri: outcome.sinkUri,
      delivered: outcome.ok,
      attempts: outcome.attempts,
      ...(outcome.status !== undefined ? {status: outcome.status} : {}),
      ...(outcome.error ? {error: outcome.error} : {}),
    }
    return {status: outcome.ok ? 200 : 502, body: answer}
  }
  if (pathname === RESOLVE_PATH) {
    if (req.method !== 'GET') return {status: 405, body: {error: 'use GET'}}
    const namespace = params.get('namespace') || 'default'
    let value: unknown
    try {
      value = JSON.parse(params.get('destination') ?? '')
    } catch {
      return {
        status: 400,
        body: {
          error:
            'destination: expected a Destination as JSON, e.g. {"ref":{"apiVersion":"eventing.knative.dev/v1","kind":"Broker","name":"default"}}',
        },
      }
    }
    const errors: FieldErrors = []
    const destination = readDestination(value, 'destination', namespace, errors, true)
    if (!destination || errors.length > 0) return {status: 400, body: {error: errors.map((e) => `${e.field}: ${e.message}`).join('; ')}}
    const resolution = resolveDestination(destination, namespace, mesh.topology.context)
    return resolution.ok
      ? {status: 200, body: {uri: resolution.uri} satisfies ResolveAnswer}
      : {status: 404, body: {error: resolution.message, reason: resolution.reason}}
  }
  return undefined
}
