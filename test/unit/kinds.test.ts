// A kind is one module: every descriptor is complete, and no code outside src/kinds/ decides anything by
// comparing a Knative kind's name (it asks the kind's descriptor instead).
import {readdirSync, readFileSync} from 'node:fs'
import {join, relative} from 'node:path'
import {describe, expect, it} from 'vitest'
import {ADDRESSES} from '../../src/kinds/addresses.js'
import {DESCRIPTORS, classifyKind, descriptorOf, isSourceKind, modeledKinds} from '../../src/kinds/descriptors.js'
import {PLUGINS} from '../../src/kinds/plugins.js'
import type {MeshContext} from '../../src/mesh/context.js'
import {routeTable} from '../../src/mesh/plugin.js'

/** The plugins as one mesh has them (the stateless ones never read their context). */
const plugins = PLUGINS.map((create) => create({} as MeshContext))
const SRC = join(import.meta.dirname, '..', '..', 'src')
const TEMPLATES = join(import.meta.dirname, '..', '..', 'templates')

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, {withFileTypes: true}).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  )
}

describe('kind descriptors', () => {
  it('name every kind the mesh serves at a path in addresses.ts, with the same path, sink prefix and latest version', () => {
    const fromDescriptors = DESCRIPTORS.filter((d) => d.ingressPath !== undefined).map((d) => ({
      kind: d.kind,
      group: d.group,
      plural: d.plural,
      apiVersion: d.versions.at(-1)!.apiVersion,
      ingressPath: d.ingressPath,
      ...(d.sinkPrefix === undefined ? {} : {sinkPrefix: d.sinkPrefix}),
    }))
    expect([...ADDRESSES].sort((a, b) => a.kind.localeCompare(b.kind))).toEqual(
      fromDescriptors.sort((a, b) => a.kind.localeCompare(b.kind)),
    )
  })

  it.each(DESCRIPTORS.map((d) => [d.kind, d] as const))('%s is complete', (_kind, d) => {
    expect(d.group).toMatch(/^[a-z.]+\.knative\.dev$/)
    expect(d.plural).toMatch(/^[a-z]+s$/)
    expect(d.versions.length).toBeGreaterThan(0)
    for (const {apiVersion} of d.versions) expect(apiVersion.startsWith(`${d.group}/v`)).toBe(true)
    expect(typeof d.read).toBe('function')
    expect(typeof d.references).toBe('function')
    expect(typeof d.emulated).toBe('boolean')
    expect(['broker', 'trigger', 'eventtype', 'source', 'channel', 'subscription', 'flow', 'sink', 'transform']).toContain(d.role)
    // an addressable kind is served: some plugin owns its path prefix
    if (d.ingressPath !== undefined) {
      const prefix = d.ingressPath === '' ? '/' : `/${d.ingressPath}/`
      expect(plugins.flatMap((p) => p.routes.map((r) => r.prefix))).toContain(prefix)
    }
    if (d.scaffold !== undefined) expect(readdirSync(TEMPLATES)).toContain(`${d.kind.toLowerCase()}.yaml`)
  })

  it('names each kind once, and the parser reads every version it lists', () => {
    expect(new Set(DESCRIPTORS.map((d) => d.kind)).size).toBe(DESCRIPTORS.length)
    for (const {apiVersion, kind} of modeledKinds()) expect(classifyKind(apiVersion, kind).known).toBe(true)
  })

  it('has one answer to "is this a source"', () => {
    const sources = DESCRIPTORS.filter((d) => d.role === 'source').map((d) => d.kind)
    expect(sources).toEqual(['PingSource', 'ContainerSource', 'SinkBinding', 'ApiServerSource'])
    for (const kind of sources) expect(isSourceKind(descriptorOf(kind)!.versions[0]!.apiVersion, kind)).toBe(true)
    expect(isSourceKind('sources.knative.dev/v1beta1', 'GitHubSource')).toBe(true)
    expect(isSourceKind('eventing.knative.dev/v1', 'Broker')).toBe(false)
  })
})

describe('mesh plugins', () => {
  it("serve distinct prefixes, tried longest first, so that a broker's `/` comes last", () => {
    const prefixes = routeTable(plugins).map((r) => r.prefix)
    expect(new Set(prefixes).size).toBe(prefixes.length)
    expect(prefixes.at(-1)).toBe('/')
    expect(prefixes).toEqual([...prefixes].sort((a, b) => b.length - a.length))
    // every plugin route is some kind's ingress path: no path is served that no descriptor names
    const served = DESCRIPTORS.flatMap((d) => (d.ingressPath === undefined ? [] : [d.ingressPath === '' ? '/' : `/${d.ingressPath}/`]))
    for (const prefix of prefixes) expect(served).toContain(prefix)
  })
})

/** A kind's name compared, switched on, or looked up as a literal: `=== 'Broker'`, `case 'Broker':`, `.has('Broker')`. */
function kindComparisons(text: string, kinds: readonly string[]): string[] {
  const names = kinds.join('|')
  const pattern = new RegExp(
    String.raw`(?:[!=]==?\s*'(?:${names})'|'(?:${names})'\s*[!=]==?|case\s+'(?:${names})'|\.(?:has|includes|get)\('(?:${names})'\)|endsWith\('Source'\))`,
  )
  return text.split('\n').flatMap((line, i) => (pattern.test(line) ? [`${i + 1}: ${line.trim()}`] : []))
}

describe('no code outside src/kinds/ switches on a kind name', () => {
  const kinds = DESCRIPTORS.map((d) => d.kind)
  it('finds none', () => {
    const found = sourceFiles(SRC)
      .filter((f) => !relative(SRC, f).startsWith('kinds'))
      .flatMap((f) => kindComparisons(readFileSync(f, 'utf8'), kinds).map((hit) => `src/${relative(SRC, f)}:${hit}`))
    expect(found).toEqual([])
  })
})
