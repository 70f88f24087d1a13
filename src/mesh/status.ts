// The live status of every broker, trigger, channel, subscription, sequence and parallel, in the terms
// `kubectl get` and `kn describe` use (Ready, reason, URL, subscriber URI, dead-letter sink URI), plus
// kne's delivery counters.
import type {MeshResources, MeshStatus} from '../core/api.js'
import type {MeshContext} from './context.js'
import type {MeshPlugin} from './plugin.js'

/** GET /_kne/v1/status: the mesh's own fields, and each plugin's part. */
export function meshStatus(mesh: MeshContext, plugins: readonly MeshPlugin[]): MeshStatus {
  const parts: Partial<MeshStatus> = Object.assign({}, ...plugins.map((p) => p.status?.(mesh) ?? {}))
  const {runtime} = mesh
  return {
    url: mesh.url,
    startedAt: mesh.startedAt.toISOString(),
    pid: process.pid,
    draining: mesh.draining,
    brokers: parts.brokers ?? [],
    triggers: parts.triggers ?? [],
    channels: parts.channels ?? [],
    subscriptions: parts.subscriptions ?? [],
    sequences: parts.sequences ?? [],
    parallels: parts.parallels ?? [],
    sources: parts.sources ?? [],
    inFlight: [...runtime.inFlight],
    failed: [...runtime.failures],
  }
}

export function meshResources(mesh: MeshContext): MeshResources {
  return {resources: mesh.resources}
}
