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
    resources: [],
    ...pluginLists(plugins.map((p) => p.status?.(mesh) ?? {})),
    inFlight: [...runtime.inFlight],
    failed: [...runtime.failures],
  }
}

/** The plugins' parts as one: lists of the same name (two kinds' `resources`) are joined, not replaced. */
function pluginLists(parts: PluginStatus[]): PluginStatus {
  const out: PluginStatus = {}
  for (const part of parts) {
    for (const [key, value] of Object.entries(part)) {
      const before = out[key]
      out[key] = Array.isArray(before) && Array.isArray(value) ? [...(before as unknown[]), ...(value as unknown[])] : value
    }
  }
  return out
}

export function meshResources(mesh: MeshContext): MeshResources {
  return {resources: mesh.resources}
}
