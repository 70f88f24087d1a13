// The running mesh's registry (what it runs and what it observed), built per request (a registry is small and
// this is not on the event path): as kne registry list builds it (GET /_kne/v1/registry/entries), and read-only
// in xRegistry's shape (GET /_kne/v1/xregistry/...).
import {API_PATHS} from '../core/api.js'
import {buildRegistry, toXRegistry, xregistryPath, type Registry} from '../core/registry/index.js'
import type {MeshContext} from './context.js'

/** The registry of a running mesh: what it runs (EventTypes, sources, triggers) and what it observed. */
export function meshRegistry(mesh: MeshContext): Registry {
  return buildRegistry({resources: mesh.resources, observed: mesh.eventTypes?.snapshot().types})
}

export function xregistryAnswer(mesh: MeshContext, path: string, inline: boolean): {status: number; body: unknown} {
  const document = toXRegistry(
    {entries: meshRegistry(mesh).entries, resources: mesh.resources, meshUrl: mesh.url},
    {baseUrl: `${mesh.url}${API_PATHS.xregistry}`},
  )
  return xregistryPath(document, path, inline)
}
