// Manifests within Kubernetes' own limits: aliases, file and object sizes, annotations. What a cluster
// would refuse is a manifest problem naming the file and document, at start-up and on reload; nothing
// a file holds stops kne dev.
import {mkdirSync, truncateSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {KneError} from '../../src/core/errors.js'
import {parseManifests} from '../../src/core/resources/parse.js'
import {loadDevConfiguration} from '../../src/mesh/dev.js'
import {loadManifests, readManifestFile} from '../../src/project/manifests.js'
import {watchManifests, type ReloadEvent} from '../../src/mesh/watch.js'
import {useMesh} from '../helpers/mesh.js'
import {binaryHeaders, post} from '../helpers/subscriber.js'
import {tempDir} from '../helpers/temp.js'

const kit = useMesh()
const folder = (): string => tempDir('kne-limits-')

const BROKER = 'apiVersion: eventing.knative.dev/v1\nkind: Broker\nmetadata:\n  name: default\n'

/** A kubectl List of `count` triggers that share one delivery spec through an anchor. */
function sharedDeliveryList(count: number, subscriber = 'http://127.0.0.1:1'): string {
  const items = Array.from({length: count}, (_, i) =>
    [
      '- apiVersion: eventing.knative.dev/v1',
      '  kind: Trigger',
      `  metadata: {name: t${i}}`,
      '  spec:',
      '    broker: default',
      `    subscriber: {uri: "${subscriber}"}`,
      i === 0 ? '    delivery: &d {retry: 3, backoffPolicy: exponential, backoffDelay: PT0.2S}' : '    delivery: *d',
    ].join('\n'),
  )
  return `apiVersion: v1\nkind: List\nitems:\n${items.join('\n')}\n`
}

/** The classic billion laughs: nine levels of nine aliases each. */
function billionLaughs(): string {
  const lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
  const names = 'abcdefghi'
  for (let i = 1; i < names.length; i++) {
    const prev = names[i - 1]!
    lines.push(`${names[i]}: &${names[i]} [${Array(9).fill(`*${prev}`).join(',')}]`)
  }
  return `${BROKER}---\n${lines.join('\n')}\n`
}

describe('YAML aliases', () => {
  it('loads a List of 120 triggers sharing one anchored delivery spec', () => {
    const parsed = parseManifests(`${BROKER}---\n${sharedDeliveryList(120)}`, 'triggers.yaml')
    expect(parsed.errors).toEqual([])
    expect(parsed.resources).toHaveLength(121)
    expect(parsed.resources[120]).toMatchObject({kind: 'Trigger', spec: {delivery: {retry: 3, backoffDelay: 'PT0.2S'}}})
  })

  it('refuses a billion-laughs document as a problem naming the file and document, and keeps the others', () => {
    const parsed = parseManifests(billionLaughs(), 'laughs.yaml')
    expect(parsed.resources.map((r) => r.kind)).toEqual(['Broker'])
    expect(parsed.errors).toEqual([
      {file: 'laughs.yaml', document: 1, message: expect.stringMatching(/^invalid YAML: its aliases expand beyond \d+ nodes/)},
    ])
  })

  it('refuses a document with more anchors and aliases than the guard allows (each alias is resolved by a scan over them all)', () => {
    const anchors = Array.from({length: 1001}, (_, i) => `a${i}: &a${i} x`)
    const aliases = Array.from({length: 1000}, (_, i) => `b${i}: *a${i}`)
    const parsed = parseManifests(`${BROKER}---\n${[...anchors, ...aliases].join('\n')}\n`, 'anchors.yaml')
    expect(parsed.errors).toEqual([
      {file: 'anchors.yaml', document: 1, message: 'invalid YAML: more than 2000 anchors and aliases (a resource-exhaustion guard)'},
    ])
  })

  it('still refuses a mapping that repeats a key, with its line (checked in one pass, not key against key)', () => {
    const parsed = parseManifests(`${BROKER}---\n${BROKER}kind: Trigger\n`, 'twice.yaml')
    expect(parsed.errors).toEqual([
      {file: 'twice.yaml', document: 1, message: 'invalid YAML at line 10, column 1: Map keys must be unique'},
    ])
  })

  it('at start-up, a file with too many aliases is a manifest problem (exit 3) naming the file', () => {
    const dir = folder()
    writeFileSync(join(dir, 'laughs.yaml'), billionLaughs())
    let error: unknown
    try {
      loadDevConfiguration({files: [dir], cwd: dir})
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(KneError)
    expect((error as KneError).exitCode).toBe(3)
    expect((error as KneError).details).toEqual([expect.stringMatching(/^laughs\.yaml \(document 2\): invalid YAML: its aliases expand/)])
  })

  it('on reload, a file with too many aliases is refused and the mesh goes on with the last good version', async () => {
    const dir = folder()
    const a = await kit.subscriber()
    writeFileSync(join(dir, 'broker.yaml'), BROKER)
    writeFileSync(join(dir, 'triggers.yaml'), sharedDeliveryList(120, a.url))
    const loaded = loadManifests([dir])
    expect(loaded.errors).toEqual([])
    const mesh = await kit.start({resources: loaded.resources})
    let reloaded: (event: ReloadEvent) => void = () => {}
    const watcher = await watchManifests({
      mesh,
      paths: [dir],
      config: {namespace: 'default', manifests: '.', port: 0, services: {}, localServices: {}, containerSources: {}},
      initial: {files: loaded.files, manifests: loaded},
      debounceMs: 10,
      onReload: (event) => reloaded(event),
    })
    kit.defer(() => watcher.close())
    const reload = new Promise<ReloadEvent>((resolve) => {
      reloaded = resolve
    })
    writeFileSync(join(dir, 'triggers.yaml'), billionLaughs().replace(BROKER, ''))
    const event = await reload
    expect(event.files).toEqual([expect.objectContaining({taken: false, keptLastGood: true})])
    expect(event.problems).toEqual([
      expect.objectContaining({file: join(dir, 'triggers.yaml'), document: 0, message: expect.stringMatching(/aliases expand/)}),
    ])
    expect(event.triggers).toBe(120)
    expect((await post(`${mesh.url}/default/default`, binaryHeaders('com.example.a'))).status).toBe(202)
    await a.waitFor(120)
  })
})

describe('sizes beyond what a cluster takes', () => {
  it('refuses a manifest file over 3 MiB without reading it', () => {
    const dir = folder()
    const file = join(dir, 'huge.yaml')
    writeFileSync(file, '')
    truncateSync(file, 50 * 1024 * 1024)
    expect(readManifestFile(file).errors).toEqual([
      {file, message: expect.stringMatching(/^too large: 50 MiB, more than the 3 MiB a Kubernetes API server takes/)},
    ])
  })

  it('refuses a document that aliases expand beyond 1.5 MiB', () => {
    const blob = 'x'.repeat(4096)
    const text = `${BROKER}---\nblob: &blob "${blob}"\nitems: [${Array(500).fill('*blob').join(',')}]\n`
    expect(text.length).toBeLessThan(20_000)
    const parsed = parseManifests(text, 'big.yaml')
    expect(parsed.resources).toHaveLength(1)
    expect(parsed.errors).toEqual([
      {file: 'big.yaml', document: 1, message: expect.stringMatching(/^too large: as JSON this document is over 1\.5 MiB/)},
    ])
  })

  it('refuses annotations over 256 KiB in total', () => {
    const text = `${BROKER}  annotations:\n    one: "${'a'.repeat(200 * 1024)}"\n    two: "${'b'.repeat(100 * 1024)}"\n`
    const parsed = parseManifests(text, 'broker.yaml')
    expect(parsed.resources).toEqual([])
    expect(parsed.errors).toEqual([
      expect.objectContaining({field: 'metadata.annotations', message: expect.stringMatching(/^Too long: must have at most 262144 bytes/)}),
    ])
  })

  it('reads kne.yaml within the same limits', () => {
    const dir = folder()
    mkdirSync(join(dir, 'knative'))
    writeFileSync(join(dir, 'kne.yaml'), billionLaughs().replace(BROKER, '').replace('---\n', ''))
    let error: unknown
    try {
      loadDevConfiguration({files: [], cwd: dir})
    } catch (e) {
      error = e
    }
    expect((error as KneError).exitCode).toBe(3)
    expect((error as KneError).details).toEqual([expect.stringMatching(/^kne\.yaml: invalid YAML: its aliases expand/)])
  })
})
