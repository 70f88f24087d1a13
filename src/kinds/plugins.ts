// The mesh's plugins, one line per kind family: each serves its paths, reports its status and closes.
// The first ones keep no state of their own (it is in the mesh's runtime), so every mesh shares them.
import type {PluginFactory} from '../mesh/plugin.js'
import {brokersPlugin} from './eventing/plugin.js'
import {createEventTransformPlugin} from './event-transform/plugin.js'
import {flowsPlugin} from './flows/plugin.js'
import {createJobSinkPlugin} from './job-sink/plugin.js'
import {channelsPlugin} from './messaging/plugin.js'
import {sourcesPlugin} from './sources/plugin.js'

export const PLUGINS: readonly PluginFactory[] = [
  () => brokersPlugin,
  () => channelsPlugin,
  () => flowsPlugin,
  () => sourcesPlugin,
  (ctx) => createJobSinkPlugin(ctx),
  () => createEventTransformPlugin(),
]
