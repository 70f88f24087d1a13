// A project folder as kne dev runs it: kne.yaml beside knative/, a mesh serving what they load and a watcher
// on both, all closed and removed when the test ends.
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {expect} from 'vitest'
import {parseProjectConfig} from '../../src/core/project.js'
import {loadManifests} from '../../src/project/manifests.js'
import type {Mesh} from '../../src/mesh/mesh.js'
import {watchManifests, type ReloadEvent} from '../../src/mesh/watch.js'
import type {MeshKit} from './mesh.js'
import {binaryHeaders, post} from './subscriber.js'

export interface WatchedProject {
  dir: string
  mesh: Mesh
  /** Every reload so far, in order. */
  events: ReloadEvent[]
  /** Writes a manifest into knative/. */
  write(name: string, text: string): void
  remove(name: string): void
  writeConfig(text: string): void
  /** Resolves with the next reload (editors may need a moment: generous timeout). */
  nextReload(): Promise<ReloadEvent>
  /** Runs `edit` and resolves with the reload it causes. */
  change(edit: () => void): Promise<ReloadEvent>
  /** Posts an event of `type` to broker default/default. */
  send(type: string): ReturnType<typeof post>
}

/** `files` go into knative/; the mesh takes kne.yaml's namespace, services and brokerDefaults. */
export async function watchedProject(
  kit: MeshKit,
  files: Record<string, string>,
  kneYaml = 'namespace: default\n',
): Promise<WatchedProject> {
  const dir = mkdtempSync(join(tmpdir(), 'kne-project-'))
  kit.defer(() => rmSync(dir, {recursive: true, force: true}))
  const manifests = join(dir, 'knative')
  const write = (name: string, text: string): void => writeFileSync(join(manifests, name), text)
  writeFileSync(join(dir, 'kne.yaml'), kneYaml)
  mkdirSync(manifests)
  for (const [name, text] of Object.entries(files)) write(name, text)
  const {config} = parseProjectConfig(kneYaml, 'kne.yaml')
  const loaded = loadManifests([manifests], config.namespace)
  expect(loaded.errors).toEqual([])
  const mesh = await kit.start({resources: loaded.resources, services: config.services, brokerDelivery: config.brokerDelivery})
  const events: ReloadEvent[] = []
  const waiting: ((e: ReloadEvent) => void)[] = []
  const watcher = await watchManifests({
    mesh,
    paths: [manifests],
    projectFile: join(dir, 'kne.yaml'),
    config,
    initial: {files: loaded.files, manifests: loaded},
    onReload: (event) => {
      events.push(event)
      waiting.shift()?.(event)
    },
  })
  kit.defer(() => watcher.close())
  const nextReload = (): Promise<ReloadEvent> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no reload within 10 s')), 10_000)
      waiting.push((e) => {
        clearTimeout(timer)
        resolve(e)
      })
    })
  return {
    dir,
    mesh,
    events,
    write,
    nextReload,
    remove: (name) => rmSync(join(manifests, name)),
    writeConfig: (text) => writeFileSync(join(dir, 'kne.yaml'), text),
    change(edit) {
      const next = nextReload()
      edit()
      return next
    },
    send: (type) => post(`${mesh.url}/default/default`, binaryHeaders(type)),
  }
}
