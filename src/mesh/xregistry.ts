// GET /_kne/v1/xregistry/...: the running mesh's registry (what it runs and what it observed) in xRegistry's
// shape, read-only, built afresh for each request (a registry is small and this is not on the event path).
import {API_PATHS} from '../core/api.js'
import {buildRegistry, toXRegistry, xregistryPath} from '../core/registry/index.js'
import type {MeshContext} from './context.js'

export function xregistryAnswer(mesh: MeshContext, path: string, inline: boolean): {status: number; body: unknown} {
  const registry = buildRegistry({resources: mesh.resources, observed: mesh.eventTypes?.snapshot().types})
  const document = toXRegistry(
    {entries: registry.entries, resources: mesh.resources, meshUrl: mesh.url},
    {baseUrl: `${mesh.url}${API_PATHS.xregistry}`},
  )
  return xregistryPath(document, path, inline)
}
