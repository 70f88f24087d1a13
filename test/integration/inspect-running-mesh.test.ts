// The inspecting commands' services against a running mesh found through its locator, run from a folder
// that is not the mesh's: the registry and list/describe show what the mesh runs (its manifests, live
// status and observations), and -f reads the manifests named instead.
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {beforeAll, describe, expect, it} from 'vitest'
import {VirtualClock, type Mesh} from '../../src/index.js'
import {writeLocator} from '../../src/client/locator.js'
import {readMesh} from '../../src/client/read-mesh.js'
import {describeRegistryType, exportRegistry, listRegistry} from '../../src/client/registry.js'
import {loadManifests} from '../../src/project/manifests.js'
import {sourceMatch} from '../../src/cli/scaffold-command.js'
import {listEventTypes} from '../../src/scaffold/eventtype.js'
import {describeResource, listResources} from '../../src/scaffold/inspect.js'
import {openProject} from '../../src/scaffold/project.js'
import {kindIs} from '../../src/scaffold/workspace.js'
import {useMesh} from '../helpers/mesh.js'
import {post, type Subscriber} from '../helpers/subscriber.js'

const MANIFESTS = (sink: string): string => `apiVersion: eventing.knative.dev/v1
kind: Broker
metadata: {name: default}
---
apiVersion: eventing.knative.dev/v1beta2
kind: EventType
metadata: {name: order-created}
spec:
  type: com.example.order.created
  source: /shop
  reference: {apiVersion: eventing.knative.dev/v1, kind: Broker, name: default}
---
apiVersion: sources.knative.dev/v1
kind: PingSource
metadata: {name: ping-source}
spec:
  schedule: "*/5 * * * *"
  data: '{"beat": 1}'
  contentType: application/json
  sink: {ref: {apiVersion: eventing.knative.dev/v1, kind: Broker, name: default}}
---
apiVersion: eventing.knative.dev/v1
kind: Trigger
metadata: {name: orders}
spec:
  broker: default
  subscriber: {uri: "${sink}"}
`

describe('a running mesh, inspected from another folder', () => {
  const kit = useMesh()
  let mesh: Mesh
  let sink: Subscriber
  let meshDir: string
  let elsewhere: string
  let dataDir: string

  beforeAll(async () => {
    sink = await kit.subscriber()
    meshDir = mkdtempSync(join(tmpdir(), 'kne-inspect-mesh-'))
    kit.defer(() => rmSync(meshDir, {recursive: true, force: true}))
    mkdirSync(join(meshDir, 'some/dir'), {recursive: true})
    writeFileSync(join(meshDir, 'some/dir/all.yaml'), MANIFESTS(sink.url))
    const loaded = loadManifests([join(meshDir, 'some/dir')])
    expect(loaded.errors).toEqual([])
    mesh = await kit.start({resources: loaded.resources, clock: new VirtualClock(), log: () => undefined})
    elsewhere = mkdtempSync(join(tmpdir(), 'kne-inspect-elsewhere-'))
    kit.defer(() => rmSync(elsewhere, {recursive: true, force: true}))
    dataDir = join(elsewhere, '.data')
    writeLocator(dataDir, {version: 'test', pid: process.pid, url: mesh.url, startedAt: mesh.startedAt.toISOString()})
    expect((await post(`${mesh.url}/_kne/v1/sources/pingsources/default/ping-source/fire`, {})).status).toBe(200)
    await sink.waitFor(1)
  })

  const options = (): {cwd: string; dataDir: string; env: NodeJS.ProcessEnv} => ({cwd: elsewhere, dataDir, env: {}})

  it("serves what it runs at GET /_kne/v1/resources, with each resource's file", async () => {
    const response = await fetch(`${mesh.url}/_kne/v1/resources`)
    expect(response.status).toBe(200)
    const {resources} = (await response.json()) as {resources: {kind: string; metadata: {name: string}; origin: {file: string}}[]}
    expect(resources.map((r) => `${r.kind} ${r.metadata.name}`)).toEqual([
      'Broker default',
      'EventType order-created',
      'PingSource ping-source',
      'Trigger orders',
    ])
    expect(resources[0]!.origin.file).toBe(join(meshDir, 'some/dir/all.yaml'))
  })

  it("kne registry list, describe and export show the mesh's declared and source types, not only what it observed", async () => {
    const listed = await listRegistry(options())
    expect(listed.types.map((t) => `${t.type} ${t.origins.join(',')}`)).toEqual([
      'com.example.order.created declared',
      'dev.knative.sources.ping source,observed',
    ])
    expect(listed.readFrom).toBe('mesh')
    const described = await describeRegistryType('dev.knative.sources.ping', options())
    expect(described.entries[0]!.producers).toMatchObject([{kind: 'PingSource', name: 'ping-source'}])
    expect(described.entries[0]!.consumers.map((c) => c.trigger)).toEqual(['default/orders'])
    const exported = await exportRegistry(options())
    expect(exported.items.map((i) => i.manifest.spec)).toMatchObject([
      {type: 'com.example.order.created'},
      {type: 'dev.knative.sources.ping'},
    ])
  })

  it("-f reads the manifests named instead, still merging the mesh's observations", async () => {
    const other = join(elsewhere, 'other.yaml')
    writeFileSync(other, 'apiVersion: eventing.knative.dev/v1\nkind: Broker\nmetadata: {name: default}\n')
    const listed = await listRegistry({...options(), files: [other]})
    expect(listed.readFrom).toBe('manifests')
    expect(listed.types.map((t) => `${t.type} ${t.origins.join(',')}`)).toEqual(['dev.knative.sources.ping observed'])
  })

  it("kne source describe and list, broker list and eventtype list show the mesh's resources with their live status", async () => {
    const project = openProject({cwd: elsewhere})
    const described = await describeResource(project, 'ping-source', sourceMatch(undefined), {readMesh: () => readMesh(dataDir)})
    expect(described.readFrom).toBe('mesh')
    expect(described.item).toMatchObject({
      kind: 'PingSource',
      file: join(meshDir, 'some/dir/all.yaml'),
      live: {loaded: true, ready: 'True', sinkUri: `${mesh.url}/default/default`},
    })
    const sources = await listResources(project, sourceMatch(undefined), {readMesh: () => readMesh(dataDir)})
    expect(sources.items.map((i) => i.name)).toEqual(['ping-source'])
    const brokers = await listResources(project, kindIs('Broker'), {readMesh: () => readMesh(dataDir)})
    expect(brokers.items.map((i) => [i.name, i.live?.url])).toEqual([['default', `${mesh.url}/default/default`]])
    const eventTypes = await listEventTypes(project, {readMesh: () => readMesh(dataDir)})
    expect(eventTypes.items.map((i) => [i.name, i.ready])).toEqual([['order-created', 'True']])
  })

  it('-f lists the manifests named, with the live status of those the mesh runs', async () => {
    const project = openProject({cwd: elsewhere})
    const other = join(elsewhere, 'sources.yaml')
    writeFileSync(other, MANIFESTS(sink.url).replace('name: ping-source', 'name: stray'))
    const listed = await listResources(project, sourceMatch(undefined), {readMesh: () => readMesh(dataDir), files: [other]})
    expect(listed.readFrom).toBe('manifests')
    expect(listed.items.map((i) => [i.name, i.live?.reason])).toEqual([['stray', 'NotLoaded']])
    await expect(
      describeResource(project, 'ping-source', sourceMatch(undefined), {readMesh: () => readMesh(dataDir), files: [other]}),
    ).rejects.toThrow(/not found.*looked in/)
    await expect(
      listResources(project, sourceMatch(undefined), {readMesh: () => readMesh(dataDir), files: ['missing.yaml']}),
    ).rejects.toThrow('-f missing.yaml: no such file or folder')
  })
})
