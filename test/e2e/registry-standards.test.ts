// The registry speaks AsyncAPI 3.0 and xRegistry, from the built CLI: Knative's bookstore sample with declared
// EventTypes exports to an AsyncAPI document that @asyncapi/parser accepts, and to an xRegistry document that
// kne registry import reads back to the same EventTypes in another project.
import {copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {DiagnosticSeverity, Parser} from '@asyncapi/parser'
import {parse} from 'yaml'
import {beforeAll, describe, expect, it} from 'vitest'
import {isolatedEnv, repoRoot, runCliIn} from '../helpers/cli.js'
import {conformanceDir, hasConformance} from '../helpers/conformance.js'

const SAMPLES = join(conformanceDir ?? '', 'knative-samples')

function project(): string {
  const dir = mkdtempSync(join(tmpdir(), 'kne-standards-'))
  mkdirSync(join(dir, 'knative'))
  writeFileSync(join(dir, 'kne.yaml'), 'namespace: default\nmanifests: knative\nport: 8099\n')
  return dir
}

describe.skipIf(!hasConformance)("the bookstore sample's registry as AsyncAPI and xRegistry", () => {
  const env = isolatedEnv()
  let bookstore: string

  beforeAll(() => {
    bookstore = project()
    for (const file of readdirSync(SAMPLES).filter((f) => f.startsWith('bookstore__')))
      copyFileSync(join(SAMPLES, file), join(bookstore, 'knative', file))
    copyFileSync(
      join(repoRoot, 'test/fixtures/registry-standards/bookstore-eventtypes.yaml'),
      join(bookstore, 'knative', 'eventtypes.yaml'),
    )
  })

  it('exports an AsyncAPI 3.0 document that @asyncapi/parser accepts without errors', async () => {
    const result = await runCliIn(bookstore, ['registry', 'export', '--format', 'asyncapi', '-o', 'asyncapi.yaml'], env)
    expect(result.stderr).not.toMatch(/Error/)
    expect(result.code).toBe(0)
    const text = readFileSync(join(bookstore, 'asyncapi.yaml'), 'utf8')
    const {document, diagnostics} = await new Parser().parse(text)
    expect(
      diagnostics.filter((d) => Number(d.severity) === Number(DiagnosticSeverity.Error)).map((d) => `${d.path.join('/')}: ${d.message}`),
    ).toEqual([])
    expect(document).toBeDefined()
    const doc = parse(text) as {
      servers: Record<string, {host: string}>
      channels: Record<string, {address: string; messages: Record<string, unknown>}>
      operations: Record<string, {action: string; title: string}>
    }
    expect(doc.servers.mesh!.host).toBe('127.0.0.1:8099')
    const channel = doc.channels['default.broker.bookstore-broker']!
    expect(channel.address).toBe('/default/bookstore-broker')
    expect(Object.keys(channel.messages).sort()).toEqual(['moderated-comment', 'new-review-comment'])
    expect(channel.messages['moderated-comment']).toMatchObject({
      headers: {
        properties: {'ce-type': {const: 'moderated-comment'}, 'ce-badwordfilter': {const: 'good'}},
        required: expect.arrayContaining(['ce-type', 'ce-badwordfilter']),
      },
    })
    expect(channel.messages['new-review-comment']).toMatchObject({payload: {required: ['reviewText']}})
    const receive = Object.values(doc.operations)
      .filter((o) => o.action === 'receive')
      .map((o) => o.title)
    expect(receive.sort()).toEqual(['Trigger default/db-insert-trigger receives', 'Trigger default/log-trigger receives'])
  })

  it('exports xRegistry that kne registry import reads back to the same EventTypes', async () => {
    const exported = await runCliIn(bookstore, ['registry', 'export', '--format', 'xregistry', '-o', 'registry.json'], env)
    expect(exported.code).toBe(0)
    // another project with the same broker: the EventTypes' reference resolves there
    const target = project()
    copyFileSync(join(SAMPLES, 'bookstore__200-broker.yaml'), join(target, 'knative', 'broker.yaml'))
    const imported = await runCliIn(target, ['registry', 'import', join(bookstore, 'registry.json')], env)
    expect(imported.stderr).toBe('')
    expect(imported.code).toBe(0)
    expect(imported.stdout).toContain('Wrote knative/eventtype-moderated-comment.yaml (moderated-comment, v1beta3)')
    expect(imported.stdout).toContain('Wrote knative/eventtype-new-review-comment.yaml (new-review-comment, v1beta2)')
    // the same EventTypes: kne reads both projects' manifests to the same registry entries, field for field
    const eventTypes = async (dir: string) => {
      const listed = await runCliIn(dir, ['eventtype', 'list', '--json'], env)
      expect(listed.code).toBe(0)
      return (JSON.parse(listed.stdout) as {items: {name: string; apiVersion: string; manifest: {spec: Record<string, unknown>}}[]}).items
        .map((i) => ({name: i.name, apiVersion: i.apiVersion, spec: normalised(i.manifest.spec)}))
        .sort((a, b) => a.name.localeCompare(b.name))
    }
    const original = await eventTypes(bookstore)
    expect(original).toHaveLength(2)
    expect(await eventTypes(target)).toEqual(original)
  })
})

/** schemaData is JSON text: compare what it says, not its spacing. */
function normalised(spec: Record<string, unknown>): Record<string, unknown> {
  return typeof spec.schemaData === 'string' ? {...spec, schemaData: JSON.parse(spec.schemaData) as unknown} : spec
}
