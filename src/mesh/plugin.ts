// A mesh plugin runs one family of kinds (brokers, channels, flows, sources, sinks), in Miniflare's spirit:
// it owns the paths it serves, reports its part of the status, answers its control endpoints and closes.
// The kinds' plugins are listed in src/kinds/plugins.ts; the server dispatches to them by path prefix.
import type {IncomingMessage, ServerResponse} from 'node:http'
import type {MeshStatus} from '../core/api.js'
import type {MeshContext} from './context.js'

/** Requests whose path starts with `prefix` (`/` takes what no longer prefix took). */
export interface IngressRoute {
  prefix: string
  handle(ctx: MeshContext, req: IncomingMessage, res: ServerResponse, url: string): void
}

export type PluginStatus = Partial<MeshStatus> & Record<string, unknown>

export interface ControlAnswer {
  status: number
  body: unknown
}

export interface MeshPlugin {
  name: string
  routes: readonly IngressRoute[]
  /** Takes the whole configuration again (at start and on every reload), after the topology was compiled. */
  apply?(ctx: MeshContext): void
  /** Its part of GET /_kne/v1/status: the lists it reports, by name (`brokers`, `triggers`, or a new kind's own). */
  status?(ctx: MeshContext): PluginStatus
  /** Answers one of its control endpoints under /_kne/v1/, or undefined when the path is not one of them. */
  control?(ctx: MeshContext, req: IncomingMessage, pathname: string, params: URLSearchParams): Promise<ControlAnswer | undefined>
  close?(): Promise<void>
}

/**
 * Makes one mesh's instance of a plugin. A plugin with state of its own (compiled expressions, a job queue)
 * keeps it in the instance, since a process may run several meshes; it may keep `ctx` but not read it yet
 * (the mesh is still being built).
 */
export type PluginFactory = (ctx: MeshContext) => MeshPlugin

/** The routes of every plugin, longest prefix first, so that `/` (a broker's two-segment path) is tried last. */
export function routeTable(plugins: readonly MeshPlugin[]): IngressRoute[] {
  return plugins.flatMap((p) => p.routes).sort((a, b) => b.prefix.length - a.prefix.length)
}
