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
    ...mergedLists(plugins.map((p) => p.status?.(mesh) ?? {})),
    inFlight: [...runtime.inFlight],
    failed: [...runtime.failures],
  }
}

/** The plugins' parts as one: a list two plugins report under the same name holds both plugins' items. */
function mergedLists(parts: PluginStatus[]): PluginStatus {
  const merged: PluginStatus = {}
  for (const part of parts) {
    for (const [name, value] of Object.entries(part)) {
      const before: unknown = merged[name]
      merged[name] = Array.isArray(before) && Array.isArray(value) ? [...(before as unknown[]), ...(value as unknown[])] : value
    }
  }
  return merged
}

export function meshResources(mesh: MeshContext): MeshResources {
  return {resources: mesh.resources}
}
