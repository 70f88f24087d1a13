// GET /_kne/v1/status joins the plugins' parts: a list two plugins report under one name (the common
// `resources` list of the kinds added as one module) holds both plugins' items.
import {describe, expect, it} from 'vitest'
import type {ResourceStatus} from '../../src/core/api.js'
import type {MeshContext} from '../../src/mesh/context.js'
import type {MeshPlugin} from '../../src/mesh/plugin.js'
import {meshStatus} from '../../src/mesh/status.js'

const resource = (kind: string, name: string): ResourceStatus => ({
  kind,
  namespace: 'default',
  name,
  ready: true,
  conditions: [],
  counters: {},
})

const mesh = {
  url: 'http://127.0.0.1:1',
  startedAt: new Date(0),
  draining: false,
  runtime: {inFlight: [], failures: []},
} as unknown as MeshContext

describe('meshStatus', () => {
  it("adds each plugin's resources to the others', and keeps every other list", () => {
    const plugins: MeshPlugin[] = [
      {name: 'a', routes: [], status: () => ({resources: [resource('EventTransform', 't')]})},
      {name: 'b', routes: [], status: () => ({brokers: [], resources: [resource('JobSink', 'j')]})},
      {name: 'c', routes: []},
    ]
    const status = meshStatus(mesh, plugins)
    expect(status.resources.map((r) => `${r.kind} ${r.name}`)).toEqual(['EventTransform t', 'JobSink j'])
    expect(status).toMatchObject({url: 'http://127.0.0.1:1', brokers: [], triggers: [], sources: [], inFlight: [], failed: []})
  })
})
