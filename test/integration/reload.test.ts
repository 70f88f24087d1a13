// Hot reload over real files, a real mesh and real subscribers: edits change the routing table at once,
// a broken file keeps its last good version, deliveries under way finish on the routes they started with.
import {symlinkSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {parseManifests} from '../../src/core/resources/parse.js'
import {LastGoodManifests} from '../../src/mesh/last-good.js'
import {describeReload} from '../../src/mesh/watch.js'
import {useMesh} from '../helpers/mesh.js'
import {watchedProject, type WatchedProject} from '../helpers/project.js'
import {binaryHeaders, post} from '../helpers/subscriber.js'

const kit = useMesh()

const BROKER = 'apiVersion: eventing.knative.dev/v1\nkind: Broker\nmetadata:\n  name: default\n'
function trigger(name: string, type: string, subscriber: string): string {
  return `apiVersion: eventing.knative.dev/v1\nkind: Trigger\nmetadata:\n  name: ${name}\nspec:\n  broker: default\n  filter:\n    attributes:\n      type: ${type}\n  subscriber:\n    ${subscriber}\n`
}

const {subscriber} = kit
const project = (files: Record<string, string>, kneYaml?: string): Promise<WatchedProject> => watchedProject(kit, files, kneYaml)

describe('hot reload of the manifests', () => {
  it("routes the next event by the edited trigger, and keeps a broken file's last good version", async () => {
    const a = await subscriber()
    const b = await subscriber()
    const p = await project({'broker.yaml': BROKER, 'trigger.yaml': trigger('t1', 'com.example.a', `uri: ${a.url}`)})
    expect((await p.send('com.example.a')).status).toBe(202)
    await a.waitFor(1)

    let reload = p.nextReload()
    p.write('trigger.yaml', trigger('t1', 'com.example.b', `uri: ${b.url}`))
    const changed = await reload
    expect(changed).toMatchObject({changed: ['Trigger default/t1'], added: [], removed: [], brokers: 1, triggers: 1, problems: []})
    expect(changed.files).toEqual([expect.objectContaining({change: 'changed', taken: true})])
    await p.send('com.example.a')
    await p.send('com.example.b')
    await b.waitFor(1)
    expect(a.received).toHaveLength(1)

    reload = p.nextReload()
    p.write('trigger.yaml', trigger('t1', 'Not_Valid', `uri: ${a.url}`).replace('type: Not_Valid', 'Bad_Key: x'))
    const refused = await reload
    expect(refused.files).toEqual([expect.objectContaining({change: 'changed', taken: false, keptLastGood: true})])
    expect(refused.problems).toEqual([expect.objectContaining({resource: 'Trigger default/t1', field: 'spec.filter.attributes.Bad_Key'})])
    expect(refused.changed).toEqual([])
    const lines = describeReload(refused, p.dir)
    expect(lines.summary).toMatch(
      /^reload: knative\/trigger\.yaml changed \(refused: its last good version stays in force\): 1 problem\(s\)/,
    )
    expect(lines.problems[0]).toMatch(/^knative\/trigger\.yaml: Trigger default\/t1: spec\.filter\.attributes\.Bad_Key: /)
    await p.send('com.example.b')
    await b.waitFor(2)

    reload = p.nextReload()
    p.write('trigger.yaml', trigger('t1', 'com.example.c', `uri: ${a.url}`))
    expect((await reload).problems).toEqual([])
    await p.send('com.example.c')
    await a.waitFor(2)
    expect(b.received).toHaveLength(2)
  })

  it("adds and removes resources with their files; a file that redefines another's resource is refused", async () => {
    const a = await subscriber()
    const p = await project({'broker.yaml': BROKER})
    let reload = p.nextReload()
    p.write('more.yaml', trigger('t2', 'com.example.a', `uri: ${a.url}`))
    expect(await reload).toMatchObject({added: ['Trigger default/t2'], triggers: 1})
    await p.send('com.example.a')
    await a.waitFor(1)

    reload = p.nextReload()
    p.write('copy.yaml', BROKER)
    const clash = await reload
    expect(clash.files).toEqual([expect.objectContaining({taken: false, keptLastGood: false})])
    expect(clash.problems[0]).toMatchObject({
      field: 'metadata.name',
      message: expect.stringMatching(/defined twice: also in .*broker\.yaml/),
    })

    reload = p.nextReload()
    p.remove('more.yaml')
    expect(await reload).toMatchObject({removed: ['Trigger default/t2'], triggers: 0})
    expect((await p.send('com.example.a')).status).toBe(202)
    expect(a.received).toHaveLength(1)

    reload = p.nextReload()
    p.write(
      'kafka.yaml',
      'apiVersion: sources.knative.dev/v1beta1\nkind: KafkaSource\nmetadata:\n  name: beat\nspec:\n  sink:\n    uri: http://127.0.0.1:1\n',
    )
    const kafka = await reload
    expect(kafka).toMatchObject({added: ['KafkaSource default/beat'], notEmulated: ['KafkaSource default/beat']})
    expect(kafka.warnings[0]!.message).toMatch(/kne does not run KafkaSource yet/)
  })

  it('does not enter a symlinked folder: a link loop in the manifests folder adds no file and no problem', async () => {
    const p = await project({'broker.yaml': BROKER})
    symlinkSync(join(p.dir, 'knative'), join(p.dir, 'knative', 'loop'))
    const reload = p.nextReload()
    p.write('broker.yaml', BROKER.replace('name: default', 'name: default\n  labels: {team: shop}'))
    const event = await reload
    expect(event.problems).toEqual([])
    expect(event.files).toEqual([expect.objectContaining({file: join(p.dir, 'knative', 'broker.yaml'), change: 'changed', taken: true})])
    expect(event.changed).toEqual(['Broker default/default'])
  })

  it('says which triggers became Ready or not Ready when only kne.yaml changed', async () => {
    const a = await subscriber()
    const p = await project({
      'broker.yaml': BROKER,
      'trigger.yaml': trigger('t', 'com.example.a', 'ref: {apiVersion: v1, kind: Service, name: orders}'),
    })
    expect(p.mesh.status().triggers[0]).toMatchObject({ready: false})
    let reload = p.nextReload()
    p.writeConfig(`services:\n  orders: ${a.url}\n`)
    const mapped = await reload
    expect(mapped).toMatchObject({added: [], changed: [], removed: [], becameReady: ['Trigger default/t'], becameNotReady: []})
    expect(describeReload(mapped, p.dir).summary).toBe('reload: kne.yaml changed → 1 broker(s), 1 trigger(s) [Trigger default/t now Ready]')
    reload = p.nextReload()
    p.writeConfig('namespace: default\n')
    const unmapped = await reload
    expect(unmapped.becameNotReady).toEqual([expect.stringMatching(/^Trigger default\/t \(\w+\)$/)])
    expect(describeReload(unmapped, p.dir).summary).toMatch(/\[Trigger default\/t \(\w+\) now not Ready\]$/)
  })

  it('lets a delivery under way finish on its old route while the reload removes it', async () => {
    let release: () => void = () => {}
    const slow = await subscriber((_req, res) => {
      release = () => res.writeHead(200).end()
    })
    const p = await project({'broker.yaml': BROKER, 'trigger.yaml': trigger('slow', 'com.example.slow', `uri: ${slow.url}`)})
    const answer = p.send('com.example.slow') // the broker answers when the delivery has finished
    await slow.waitFor(1)
    const reload = p.nextReload()
    p.remove('trigger.yaml')
    expect(await reload).toMatchObject({removed: ['Trigger default/slow'], triggers: 0})
    expect(p.mesh.runtime.inFlightCount).toBe(1)
    release()
    expect((await answer).status).toBe(202)
    expect(p.mesh.runtime.inFlightCount).toBe(0)
    expect(p.mesh.journal.since().some((r) => r.kind === 'outcome' && r.outcome === 'delivered')).toBe(true)
  })

  it("applies kne.yaml's service map and namespace when it changes, and keeps the last good one when it breaks", async () => {
    const a = await subscriber()
    const b = await subscriber()
    const p = await project(
      {'broker.yaml': BROKER, 'trigger.yaml': trigger('t', 'com.example.a', 'ref: {apiVersion: v1, kind: Service, name: orders}')},
      `services:\n  orders: ${a.url}\n`,
    )
    await p.send('com.example.a')
    await a.waitFor(1)

    let reload = p.nextReload()
    p.writeConfig(`services:\n  orders: ${b.url}\nport: 9999\n`)
    expect((await reload).notes).toEqual(['kne.yaml: port changed; it takes effect when kne dev restarts'])
    await p.send('com.example.a')
    await b.waitFor(1)

    reload = p.nextReload()
    p.writeConfig('services: [not, a, map]\n')
    const broken = await reload
    expect(broken.problems).toEqual([expect.objectContaining({field: 'services'})])
    await p.send('com.example.a')
    await b.waitFor(2)

    reload = p.nextReload()
    p.writeConfig(`namespace: shop\nservices:\n  orders: ${b.url}\n`)
    const moved = await reload
    expect(moved.added.sort()).toEqual(['Broker shop/default', 'Trigger shop/t'])
    expect(moved.removed.sort()).toEqual(['Broker default/default', 'Trigger default/t'])
    expect((await post(`${p.mesh.url}/shop/default`, binaryHeaders('com.example.a'))).status).toBe(202)
    await b.waitFor(3)
  })
})

describe('the last good version of each file', () => {
  const broker = (name: string, file: string) =>
    parseManifests(`apiVersion: eventing.knative.dev/v1\nkind: Broker\nmetadata: {name: ${name}}\n`, file)
  it('takes valid versions, refuses broken ones and clashes, forgets removed files', () => {
    const cache = LastGoodManifests.from(broker('a', 'one.yaml'))
    expect(cache.update('two.yaml', broker('b', 'two.yaml'))).toMatchObject({taken: true, problems: []})
    expect(cache.update('two.yaml', parseManifests('kind: [', 'two.yaml'))).toMatchObject({
      taken: false,
      keptLastGood: true,
      problems: [expect.objectContaining({message: expect.stringMatching(/invalid YAML/)})],
    })
    expect(cache.resources.map((r) => r.metadata.name)).toEqual(['a', 'b'])
    expect(cache.update('three.yaml', broker('a', 'three.yaml'))).toMatchObject({
      taken: false,
      keptLastGood: false,
      problems: [expect.objectContaining({file: 'three.yaml', message: 'defined twice: also in one.yaml'})],
    })
    expect(cache.update('one.yaml', undefined)).toMatchObject({taken: true})
    expect(cache.update('three.yaml', broker('a', 'three.yaml'))).toMatchObject({taken: true})
    expect(cache.resources.map((r) => `${r.origin.file}:${r.metadata.name}`)).toEqual(['two.yaml:b', 'three.yaml:a'])
  })
})
