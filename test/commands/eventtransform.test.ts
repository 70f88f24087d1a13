// kne eventtransform create/list/describe/delete in process, and EventTransforms through kne validate and a
// running mesh's list and describe: the manifest written, flag errors (exit 2), an expression that does not
// compile (exit 3, naming the field and where), and the live status.
import {mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {parse} from 'yaml'
import type {Mesh} from '../../src/index.js'
import {freshDataDir, jsonOf, meshForProject, runKne} from '../helpers/command.js'

const TO_CRM = [
  'to-crm',
  '--jsonata',
  '{"specversion": "1.0", "id": id, "source": source, "type": "crm.contact", "data": data.user}',
  '--sink',
  'broker:default',
  '--reply-jsonata',
  '$',
]

/** A project of its own (kne init), and a function that runs kne in it. */
async function newProject() {
  const dir = mkdtempSync(join(tmpdir(), 'kne-eventtransform-'))
  const env = {KNE_DATA_DIR: freshDataDir()}
  const kne = (args: string[]) => runKne(args, {cwd: dir, env})
  expect((await kne(['init', '--json'])).code).toBe(0)
  return {dir, env, kne}
}

describe('kne eventtransform', () => {
  let dir: string
  let kne: Awaited<ReturnType<typeof newProject>>['kne']
  beforeAll(async () => ({dir, kne} = await newProject()))

  it('create writes templates/eventtransform.yaml with the expression, the sink and the reply', async () => {
    const created = await kne(['eventtransform', 'create', ...TO_CRM])
    expect(created.code, created.stderr).toBe(0)
    expect(created.stdout).toBe("EventTransform 'to-crm' created in namespace 'default'.\n")
    expect(parse(readFileSync(join(dir, 'knative', 'eventtransform-to-crm.yaml'), 'utf8'))).toEqual({
      apiVersion: 'eventing.knative.dev/v1alpha1',
      kind: 'EventTransform',
      metadata: {name: 'to-crm'},
      spec: {
        sink: {ref: {apiVersion: 'eventing.knative.dev/v1', kind: 'Broker', name: 'default'}},
        jsonata: {expression: '{"specversion": "1.0", "id": id, "source": source, "type": "crm.contact", "data": data.user}'},
        reply: {jsonata: {expression: '$'}},
      },
    })
  })

  it('reads the expression from --jsonata-file, keeping its lines', async () => {
    const file = join(dir, 'retype.jsonata')
    writeFileSync(file, '$merge([\n  $,\n  {"type": "order.retyped"}\n])\n')
    const created = await kne(['eventtransform', 'create', 'retype', '--jsonata-file', file, '--dry-run', '--json'])
    expect(created.code, created.stderr).toBe(0)
    expect(jsonOf(created).spec).toEqual({jsonata: {expression: '$merge([\n  $,\n  {"type": "order.retyped"}\n])\n'}})
  })

  it('exits 2 naming the flag for what is missing or does not go together, and writes nothing', async () => {
    const results = await Promise.all([
      kne(['eventtransform', 'create', 'a', '--json']),
      kne(['eventtransform', 'create', 'b', '--jsonata', '$', '--reply-discard', '--json']),
      kne(['eventtransform', 'create', 'c', '--jsonata', '$', '--sink', 'ksvc:x', '--reply-jsonata', '$', '--reply-discard', '--json']),
      kne(['eventtransform', 'create', 'd', '--jsonata-file', join(dir, 'missing.jsonata'), '--json']),
    ])
    expect(results.map((r) => [r.code, jsonOf(r).error.message])).toEqual([
      [2, expect.stringContaining('missing required flag --jsonata')],
      [2, expect.stringContaining('--reply-jsonata and --reply-discard need --sink')],
      [2, expect.stringContaining('cannot be used together')],
      [2, expect.stringContaining('--jsonata-file')],
    ])
  })

  it('refuses an expression JSONata cannot compile (exit 3), naming the field, the line and the column', async () => {
    const result = await kne(['eventtransform', 'create', 'broken', '--jsonata', '{"type": }', '--json'])
    expect(result.code).toBe(3)
    expect(jsonOf(result).error).toMatchObject({code: 'INVALID_MANIFEST'})
    expect(JSON.stringify(jsonOf(result).error.details)).toMatch(
      /spec\.jsonata\.expression: invalid value: JSONata cannot compile it: .*line 1, column/,
    )
  })

  it('is named by --sink eventtransform:NAME, and kne validate checks the reference', async () => {
    const {kne} = await newProject()
    expect((await kne(['eventtransform', 'create', ...TO_CRM])).code).toBe(0)
    const trigger = await kne(['trigger', 'create', 'crm', '--broker', 'default', '--sink', 'eventtransform:to-crm', '--json'])
    expect(trigger.code, trigger.stderr).toBe(0)
    expect(jsonOf(trigger).spec.subscriber).toEqual({
      ref: {apiVersion: 'eventing.knative.dev/v1alpha1', kind: 'EventTransform', name: 'to-crm'},
    })
    const valid = await kne(['validate', '--json'])
    expect(valid.code, valid.stdout).toBe(0)
  })

  describe('with a running mesh', () => {
    let mesh: Mesh
    let kne: Awaited<ReturnType<typeof newProject>>['kne']
    beforeAll(async () => {
      const project = await newProject()
      kne = project.kne
      expect((await kne(['eventtransform', 'create', ...TO_CRM])).code).toBe(0)
      mesh = await meshForProject(project.dir, project.env.KNE_DATA_DIR)
    })
    afterAll(() => mesh?.close())

    it('list and describe show its URL, Ready, conditions and counters', async () => {
      const list = await kne(['eventtransform', 'list'])
      expect(list.code, list.stderr).toBe(0)
      expect(list.stdout.split('\n')[0]).toMatch(/^NAME\s+URL\s+SINK\s+AGE\s+READY\s+REASON$/)
      expect(list.stdout).toMatch(new RegExp(`to-crm\\s+${mesh.url}/eventtransforms/default/to-crm\\s+broker:default\\s+\\S+\\s+True`))
      const described = await kne(['eventtransform', 'describe', 'to-crm'])
      expect(described.stdout).toContain('JSONata:      {"specversion": "1.0"')
      expect(described.stdout).toContain('Reply JSONata: $')
      expect(described.stdout).toMatch(/\+\+ Ready\s*\n\s+\+\+ Addressable\s*\n\s+\+\+ SinkProvided/)
      expect(described.stdout).toContain('received 0, replied 0, sent 0, failed 0')
      const url = await kne(['eventtransform', 'describe', 'to-crm', '-o', 'url'])
      expect(url.stdout.trim()).toBe(`${mesh.url}/eventtransforms/default/to-crm`)
    })

    it('delete removes its file', async () => {
      expect((await kne(['eventtransform', 'create', 'retired', '--jsonata', '$'])).code).toBe(0)
      const deleted = await kne(['eventtransform', 'delete', 'retired', '--json'])
      expect(deleted.code, deleted.stderr).toBe(0)
      expect(jsonOf(deleted)).toMatchObject({removed: 'file'})
    })
  })
})
