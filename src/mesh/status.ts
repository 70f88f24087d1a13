// The live status of every broker, trigger, channel, subscription, sequence and parallel, in the terms
// `kubectl get` and `kn describe` use (Ready, reason, URL, subscriber URI, dead-letter sink URI), plus
// kne's delivery counters.
import type {MeshResources, MeshStatus} from '../core/api.js'
import type {MeshContext} from './context.js'
import type {MeshPlugin, PluginStatus} from './plugin.js'

/** GET /_kne/v1/status: the mesh's own fields, and each plugin's part (a new kind's plugin adds its own). */
export function meshStatus(mesh: MeshContext, plugins: readonly MeshPlugin[]): MeshStatus {
  const {runtime} = mesh
  return {
    url: mesh.url,
    startedAt: mesh.startedAt.toISOString(),
    pid: process.pid,
    draining: mesh.draining,
    brokers: [],
    triggers: [],
    channels: [],
    subscriptions: [],
    sequences: [],
    parallels: [],
    sources: [],
    ...(Object.assign({}, ...plugins.map((p) => p.status?.(mesh) ?? {})) as PluginStatus),
    inFlight: [...runtime.inFlight],
    failed: [...runtime.failures],
  }
}

export function meshResources(mesh: MeshContext): MeshResources {
  return {resources: mesh.resources}
}
