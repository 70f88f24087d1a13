// The mesh's plugins, one line per kind family: each serves its paths, reports its status and closes.
import type {MeshPlugin} from '../mesh/plugin.js'
import {brokersPlugin} from './eventing/plugin.js'
import {flowsPlugin} from './flows/plugin.js'
import {channelsPlugin} from './messaging/plugin.js'
import {sourcesPlugin} from './sources/plugin.js'

export const PLUGINS: readonly MeshPlugin[] = [
  brokersPlugin,
  channelsPlugin,
  flowsPlugin,
  sourcesPlugin,
]
