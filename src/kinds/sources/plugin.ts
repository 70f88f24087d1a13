// The sources' runtime: PingSources, ContainerSources, SinkBindings and ApiServerSources run by the mesh's
// SourceRuntime; their status, and their control endpoints (fire a PingSource, resolve a sink).
import type {MeshPlugin} from '../../mesh/plugin.js'
import {sourceControl} from './runtime/control.js'

export const sourcesPlugin: MeshPlugin = {
  name: 'sources',
  routes: [],
  // what did not change keeps running untouched
  apply: (ctx) => ctx.sources.apply(ctx.resources, ctx.topology.context),
  status: (ctx) => ({sources: ctx.sources.status()}),
  control: sourceControl,
}
