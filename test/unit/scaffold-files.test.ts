// Scaffolding on disk: kne init, create (refusing, forcing, never overwriting), delete, and edits of
// multi-document files that leave everything else in them as it was.
import {existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {KneError} from '../../src/core/errors.js'
import {parseProjectConfig} from '../../src/core/project.js'
import {parseManifests} from '../../src/core/resources/parse.js'
import {removeDocument, replaceDocument} from '../../src/scaffold/files.js'
import {rewriteFile, writeNewFile} from '../../src/scaffold/write-file.js'
import {
  buildBroker,
  buildPingSource,
  buildTrigger,
  createResource,
  deleteResource,
  initProject,
  KINDS,
  openProject,
  Prompter,
  readWorkspace,
  scaffoldTrigger,
} from '../../src/scaffold/index.js'
import {kindIs} from '../../src/scaffold/workspace.js'
import {thrown} from '../helpers/errors.js'
import {tempDir} from '../helpers/temp.js'

const tmp = (): string => tempDir('kne-scaffold-')

describe('multi-document edits', () => {
  const text =
    '# shop resources\napiVersion: v1\nkind: A\n---\n# about B\napiVersion: v1\nkind: B\n---\napiVersion: v1\nkind: C # trailing\n'

  it('replaces one document and keeps the others with their comments', () => {
    const out = replaceDocument(text, 1, 'apiVersion: v1\nkind: B2\n')
    expect(out).toBe('# shop resources\napiVersion: v1\nkind: A\n---\napiVersion: v1\nkind: B2\n---\napiVersion: v1\nkind: C # trailing\n')
    expect(replaceDocument(text, 0, 'kind: A2')).toContain('# shop resources\nkind: A2\n---\n# about B')
  })

  it('removes one document, and says when none with content is left', () => {
    const middle = removeDocument(text, 1)
    expect(middle.empty).toBe(false)
    expect(middle.text).toBe('# shop resources\napiVersion: v1\nkind: A\n---\napiVersion: v1\nkind: C # trailing\n')
    const first = removeDocument(text, 0)
    expect(first.text.startsWith('# shop resources\n---\n# about B')).toBe(true)
    expect(parseManifests(first.text, 'f', 'default').errors).toEqual([])
    expect(removeDocument('apiVersion: v1\nkind: A\n', 0).empty).toBe(true)
  })
})

describe('writing files', () => {
  it('never follows a symlink planted where a temporary file could be, and leaves no temporary file', () => {
    const dir = tmp()
    const victim = join(dir, 'victim.txt')
    writeFileSync(victim, 'keep me\n')
    // the names a predictable scheme would use: pid-based, for both files
    for (const name of ['broker-a.yaml', 'broker-b.yaml']) symlinkSync(victim, join(dir, `.${name}.${process.pid}.tmp`))
    expect(writeNewFile(join(dir, 'broker-a.yaml'), 'new\n')).toBe(true)
    writeFileSync(join(dir, 'broker-b.yaml'), 'old\n')
    rewriteFile(join(dir, 'broker-b.yaml'), 'replaced\n')
    expect(readFileSync(victim, 'utf8')).toBe('keep me\n')
    expect(readFileSync(join(dir, 'broker-a.yaml'), 'utf8')).toBe('new\n')
    expect(readFileSync(join(dir, 'broker-b.yaml'), 'utf8')).toBe('replaced\n')
    expect(
      readdirSync(dir)
        .filter((f) => f.endsWith('.tmp'))
        .sort(),
    ).toEqual([`.broker-a.yaml.${process.pid}.tmp`, `.broker-b.yaml.${process.pid}.tmp`])
  })
})

describe('kne init', () => {
  it('with a kne.yaml that is a dangling symlink: a clear error naming it, nothing written', () => {
    const dir = tmp()
    symlinkSync(join(dir, 'elsewhere.yaml'), join(dir, 'kne.yaml'))
    const error = thrown(() => initProject({dir}))
    expect(error).toBeInstanceOf(KneError)
    expect(error.exitCode).toBe(3)
    expect(error.message).toBe(
      `${join(dir, 'kne.yaml')}: cannot read: it is a symbolic link to ${join(dir, 'elsewhere.yaml')}, which does not exist`,
    )
    expect(readdirSync(dir)).toEqual(['kne.yaml'])
  })

  it('writes kne.yaml (which kne reads back), a default Broker, an example Trigger and a README', () => {
    const dir = join(tmp(), 'shop')
    const result = initProject({dir, namespace: 'shop', port: 9000})
    expect(result.created.sort()).toEqual([
      '.gitignore',
      'README.md',
      'knative/broker-default.yaml',
      'knative/trigger-event-display.yaml',
      'kne.yaml',
    ])
    expect(readFileSync(join(dir, '.gitignore'), 'utf8')).toBe('/.kne/\n')
    const {config, errors} = parseProjectConfig(readFileSync(join(dir, 'kne.yaml'), 'utf8'), 'kne.yaml')
    expect(errors).toEqual([])
    expect(config).toEqual({
      namespace: 'shop',
      manifests: 'knative',
      port: 9000,
      services: {'event-display': 'http://127.0.0.1:8081'},
      localServices: {},
      containerSources: {},
    })
    const workspace = readWorkspace(openProject({cwd: dir}))
    expect(workspace.manifests.errors).toEqual([])
    expect(workspace.entries.map((e) => `${e.kind} ${e.namespace}/${e.name}`).sort()).toEqual([
      'Broker shop/default',
      'Trigger shop/event-display',
    ])
    expect(readFileSync(join(dir, 'README.md'), 'utf8')).toContain('kne send -n shop --type com.example.hello')
    expect(readFileSync(join(dir, 'knative/broker-default.yaml'), 'utf8')).toContain('http://127.0.0.1:9000/shop/default')
    expect(result.notes).toEqual([])
  })

  it('never overwrites: a second run keeps every file, and an existing kne.yaml decides the manifests folder', () => {
    const dir = tmp()
    writeFileSync(join(dir, 'kne.yaml'), 'manifests: deploy/eventing\nnamespace: ops\n')
    mkdirSync(join(dir, 'deploy/eventing'), {recursive: true})
    writeFileSync(join(dir, 'deploy/eventing/all.yaml'), 'apiVersion: eventing.knative.dev/v1\nkind: Broker\nmetadata:\n  name: default\n')
    writeFileSync(join(dir, 'README.md'), 'mine\n')
    writeFileSync(join(dir, '.gitignore'), 'node_modules\n.kne\n')
    const first = initProject({dir})
    expect(first.created).toEqual(['deploy/eventing/trigger-event-display.yaml'])
    expect(first.kept.sort()).toEqual(['.gitignore', 'README.md', 'deploy/eventing/all.yaml', 'kne.yaml'])
    expect(first.notes[0]).toContain('kne.yaml maps no URL for event-display')
    expect(readFileSync(join(dir, 'README.md'), 'utf8')).toBe('mine\n')
    const again = initProject({dir})
    expect(again.created).toEqual([])
    expect(readdirSync(join(dir, 'deploy/eventing')).sort()).toEqual(['all.yaml', 'trigger-event-display.yaml'])
  })

  it("adds the event log's folder to an existing .gitignore once, keeping its lines", () => {
    const dir = tmp()
    writeFileSync(join(dir, '.gitignore'), 'node_modules')
    expect(initProject({dir}).updated).toEqual(['.gitignore'])
    expect(readFileSync(join(dir, '.gitignore'), 'utf8')).toBe('node_modules\n/.kne/\n')
    const again = initProject({dir})
    expect([again.updated, again.kept.includes('.gitignore')]).toEqual([[], true])
    expect(readFileSync(join(dir, '.gitignore'), 'utf8')).toBe('node_modules\n/.kne/\n')
  })

  it('refuses a bad namespace before writing anything', () => {
    const dir = join(tmp(), 'p')
    expect(thrown(() => initProject({dir, namespace: 'Shop'})).exitCode).toBe(2)
    expect(existsSync(dir)).toBe(false)
  })
})

describe('create and delete', () => {
  function project(): ReturnType<typeof openProject> {
    const dir = tmp()
    initProject({dir})
    return openProject({cwd: dir})
  }

  it('writes one file per resource and refuses one that exists, wherever it is defined', () => {
    const p = project()
    const created = createResource(p, KINDS.Broker, buildBroker({name: 'orders'}))
    expect(created).toMatchObject({
      action: 'created',
      namespace: 'default',
      message: "Broker 'orders' successfully created in namespace 'default'.",
    })
    expect(created.file).toBe(join(p.manifestsDir, 'broker-orders.yaml'))
    const again = thrown(() => createResource(p, KINDS.Broker, buildBroker({name: 'orders', retry: 1})))
    expect([again.code, again.exitCode]).toEqual(['ALREADY_EXISTS', 2])
    expect(readFileSync(created.file, 'utf8')).not.toContain('retry')
  })

  it('--force replaces the resource in place, inside a multi-document file, leaving its neighbours', () => {
    const p = project()
    const file = join(p.manifestsDir, 'more.yaml')
    writeFileSync(
      file,
      '# mine\napiVersion: eventing.knative.dev/v1\nkind: Broker\nmetadata:\n  name: a\n---\napiVersion: eventing.knative.dev/v1\nkind: Broker\nmetadata:\n  name: b\n',
    )
    const result = createResource(p, KINDS.Broker, buildBroker({name: 'b', retry: 4}), {force: true})
    expect(result).toMatchObject({action: 'replaced', file})
    expect(readFileSync(file, 'utf8')).toBe(
      '# mine\napiVersion: eventing.knative.dev/v1\nkind: Broker\nmetadata:\n  name: a\n---\n' +
        'apiVersion: eventing.knative.dev/v1\nkind: Broker\nmetadata:\n  name: b\nspec:\n  delivery:\n    retry: 4\n',
    )
  })

  it('never writes over a file of the same name that holds something else', () => {
    const p = project()
    writeFileSync(join(p.manifestsDir, 'broker-x.yaml'), '# notes, not a broker\n')
    expect(createResource(p, KINDS.Broker, buildBroker({name: 'x'})).file).toBe(join(p.manifestsDir, 'broker-x-2.yaml'))
    expect(readFileSync(join(p.manifestsDir, 'broker-x.yaml'), 'utf8')).toBe('# notes, not a broker\n')
  })

  it('--dry-run writes nothing; a resource in another namespace gets its own file name', () => {
    const p = project()
    const dry = createResource(p, KINDS.Trigger, buildTrigger({name: 'event-display', broker: 'default', sink: 'x'}), {dryRun: true})
    expect(dry.action).toBe('dry-run')
    const other = createResource(p, KINDS.Broker, buildBroker({name: 'default', namespace: 'shop'}))
    expect(other.file).toBe(join(p.manifestsDir, 'broker-default.shop.yaml'))
  })

  it('reports what will not resolve: a missing broker, an unmapped service', () => {
    const p = project()
    const result = createResource(p, KINDS.Trigger, buildTrigger({name: 't', broker: 'nope', sink: 'ksvc:orders'}))
    expect(result.warnings.join('\n')).toMatch(/--broker: brokers.eventing.knative.dev "nope" not found/)
    expect(result.warnings.join('\n')).toMatch(/--sink: services.serving.knative.dev "orders" .* has no local URL/)
  })

  it('warns that --retry without --backoff-delay and --backoff-policy retries back to back', () => {
    const p = project()
    const quick = createResource(p, KINDS.Trigger, buildTrigger({name: 'quick', broker: 'default', sink: 'http://127.0.0.1:1', retry: 3}))
    expect(quick.warnings).toContain(
      '--backoff-delay: spec.delivery.backoffDelay: the 3 retries fire back to back: without backoffDelay and backoffPolicy Knative waits 0 between attempts; set backoffDelay (e.g. PT0.2S) and backoffPolicy (exponential or linear)',
    )
    const paced = createResource(
      p,
      KINDS.Trigger,
      buildTrigger({name: 'paced', broker: 'default', sink: 'http://127.0.0.1:1', retry: 3, backoffDelay: '1s', backoffPolicy: 'linear'}),
    )
    expect(paced.warnings.join('\n')).not.toMatch(/back to back/)
  })

  it("rejects what Knative's webhook would, naming the flag, before writing", () => {
    const p = project()
    const error = thrown(() =>
      createResource(p, KINDS.Trigger, buildTrigger({name: 't', broker: 'default', sink: 'x', cesql: ['type = ']})),
    )
    expect(error.exitCode).toBe(3)
    expect(error.details?.[0]).toMatch(/^--cesql: spec\.filters\[0\]\.cesql: .*column/)
    expect(existsSync(join(p.manifestsDir, 'trigger-t.yaml'))).toBe(false)
  })

  it('rejects a PingSource schedule Knative would, naming --schedule', () => {
    const p = project()
    const error = thrown(() =>
      createResource(p, KINDS.PingSource, buildPingSource({name: 'p', schedule: '@every 1m', sink: 'broker:default'})),
    )
    expect(error.exitCode).toBe(3)
    expect(error.details?.[0]).toMatch(/^--schedule: spec\.schedule: /)
  })

  it('fails without a TTY naming the missing flag, after checking the name', async () => {
    const p = project()
    const ctx = {project: p, prompter: new Prompter(false)}
    await expect(scaffoldTrigger({name: 'ok'}, ctx)).rejects.toMatchObject({message: 'missing required flag --sink', exitCode: 2})
    await expect(scaffoldTrigger({}, ctx)).rejects.toMatchObject({message: 'missing required argument NAME'})
    await expect(scaffoldTrigger({name: 'Not_OK'}, ctx)).rejects.toMatchObject({code: 'INVALID_NAME', exitCode: 2})
    await expect(scaffoldTrigger({name: 'event-display', sink: 'x'}, ctx)).rejects.toMatchObject({code: 'ALREADY_EXISTS'})
  })

  it('delete removes the file, or only the document from a file holding others', () => {
    const p = project()
    expect(deleteResource(p, 'event-display', kindIs('Trigger'))).toMatchObject({
      removed: 'file',
      message: "Trigger 'event-display' deleted in namespace 'default'.",
    })
    expect(existsSync(join(p.manifestsDir, 'trigger-event-display.yaml'))).toBe(false)
    const file = join(p.manifestsDir, 'two.yaml')
    writeFileSync(
      file,
      'apiVersion: eventing.knative.dev/v1\nkind: Broker\nmetadata:\n  name: a\n---\napiVersion: eventing.knative.dev/v1\nkind: Broker\nmetadata:\n  name: b\n',
    )
    expect(deleteResource(p, 'a', kindIs('Broker'))).toMatchObject({removed: 'document'})
    expect(parseManifests(readFileSync(file, 'utf8'), file).resources.map((r) => r.metadata.name)).toEqual(['b'])
    expect(thrown(() => deleteResource(p, 'a', kindIs('Broker')))).toMatchObject({code: 'NOT_FOUND', exitCode: 2})
  })

  it('delete also removes a resource whose document does not validate', () => {
    const p = project()
    writeFileSync(
      join(p.manifestsDir, 'broken.yaml'),
      'apiVersion: eventing.knative.dev/v1\nkind: Trigger\nmetadata:\n  name: broken\nspec:\n  broker: default\n',
    )
    expect(deleteResource(p, 'broken', kindIs('Trigger')).removed).toBe('file')
  })
})
