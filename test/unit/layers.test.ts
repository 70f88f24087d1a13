// The layers hold: every import in src/ points down the table below (or within its own layer) and no chain
// of imports comes back to where it started. Keep this table and docs/architecture.md's the same.
import {readdirSync, readFileSync} from 'node:fs'
import {dirname, join, normalize, relative} from 'node:path'
import {describe, expect, it} from 'vitest'

const SRC = join(import.meta.dirname, '..', '..', 'src')

/** Layers from the bottom up: a file may import its own layer and the ones below, never one above. */
const LAYERS = ['core', 'project', 'mesh', 'scaffold', 'client/services', 'commands'] as const
type Layer = (typeof LAYERS)[number]

/** Paths below src/, first match wins. */
const LAYER_OF: [RegExp, Layer][] = [
  // a kind family's runtime (its mesh plugin, runtime/ and the engines only the plugin runs); the rest of src/kinds/ is pure
  [/^kinds\/plugins\.ts$|^kinds\/[^/]+\/(plugin|transform|jobs|ingress)\.ts$|^kinds\/[^/]+\/runtime\//, 'mesh'],
  [/^kinds\//, 'core'],
  [/^core\//, 'core'],
  [/^project\//, 'project'],
  [/^mesh\//, 'mesh'],
  // the oclif base class for scaffolding commands is CLI glue, whichever folder holds it
  [/^scaffold\/cli\.ts$/, 'commands'],
  [/^scaffold\//, 'scaffold'],
  // kne/testing (useMesh and the matchers for a Node test suite) runs meshes as the services do
  [/^(client|services|testing)\//, 'client/services'],
  // the library API (createMesh, loadManifests, ...): anything below the commands
  [/^index\.ts$/, 'client/services'],
  [/^(commands|cli|hooks)\/|^(base-command|help-text|registry-flags)\.ts$/, 'commands'],
]

function layerOf(file: string): Layer | undefined {
  return LAYER_OF.find(([pattern]) => pattern.test(file))?.[1]
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, {withFileTypes: true}).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  )
}

/** Every relative import and re-export of a file, as paths below src/. */
function importsOf(file: string): string[] {
  const text = readFileSync(join(SRC, file), 'utf8')
  return [...text.matchAll(/^(?:import|export)\b[^'"]*?\bfrom\s+'(\.{1,2}\/[^']+)'/gms)].map((m) =>
    normalize(join(dirname(file), m[1]!.replace(/\.js$/, '.ts'))),
  )
}

/** The imports a file loads when it runs (type-only imports and re-exports left out). */
function runtimeImportsOf(file: string): string[] {
  const text = readFileSync(join(SRC, file), 'utf8')
  return [...text.matchAll(/^(?:import|export)\b[^'"]*?\bfrom\s+'(\.{1,2}\/[^']+)'/gms)]
    .filter((m) => !/^(?:import|export)\s+type\b/.test(m[0]))
    .map((m) => normalize(join(dirname(file), m[1]!.replace(/\.js$/, '.ts'))))
}

const files = sourceFiles(SRC).map((f) => relative(SRC, f).split('\\').join('/'))
const graph = new Map(files.map((f) => [f, importsOf(f)]))

describe('layers', () => {
  it('places every source file in a layer', () => {
    expect(files.filter((f) => layerOf(f) === undefined)).toEqual([])
  })

  it('has no import that points up a layer', () => {
    const upward = [...graph].flatMap(([file, imports]) =>
      imports
        .filter((target) => LAYERS.indexOf(layerOf(target)!) > LAYERS.indexOf(layerOf(file)!))
        .map((target) => `${file} (${layerOf(file)}) imports ${target} (${layerOf(target)})`),
    )
    expect(upward).toEqual([])
  })

  it('has no import cycle', () => {
    const cycles: string[] = []
    const state = new Map<string, 'open' | 'done'>()
    const visit = (file: string, path: string[]): void => {
      if (state.get(file) === 'done') return
      if (state.get(file) === 'open') {
        cycles.push([...path.slice(path.indexOf(file)), file].join(' -> '))
        return
      }
      state.set(file, 'open')
      for (const target of graph.get(file) ?? []) visit(target, [...path, file])
      state.set(file, 'done')
    }
    for (const file of files) visit(file, [])
    expect(cycles).toEqual([])
  })

  it("keeps kne send's start-up light: it loads no kind descriptor (every reader), CESQL, YAML parser or the scaffolding commands' base", () => {
    const loaded = new Set<string>()
    const visit = (file: string): void => {
      if (loaded.has(file)) return
      loaded.add(file)
      for (const target of runtimeImportsOf(file)) visit(target)
    }
    visit('commands/send.ts')
    expect(
      [...loaded].filter((f) =>
        /^(kinds\/descriptors|kinds\/[^/]+\/descriptor|core\/cesql\/|core\/resources\/yaml|core\/event-file|cli\/scaffold-command|scaffold\/(inspect|scaffold|templates))/.test(
          f,
        ),
      ),
    ).toEqual([])
  })
})
