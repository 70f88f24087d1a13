// kne.yaml and the paths a user types: a typo is caught and named, a problem in kne.yaml is reported as
// one, and a path that is not there is a usage error (exit 2), not a problem in the manifests (exit 3).
import {mkdirSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {parseProjectConfig} from '../../src/core/project.js'
import {loadDevConfiguration} from '../../src/mesh/dev.js'
import {exportProject} from '../../src/services/export.js'
import {problemsIn} from '../../src/project/manifests.js'
import {validateProject} from '../../src/services/validate.js'
import {thrown} from '../helpers/errors.js'
import {useMesh} from '../helpers/mesh.js'
import {tempDir} from '../helpers/temp.js'

const kit = useMesh()

const BROKER = 'apiVersion: eventing.knative.dev/v1\nkind: Broker\nmetadata:\n  name: default\n'

function project(kneYaml: string, files: Record<string, string> = {'broker.yaml': BROKER}): string {
  const dir = tempDir('kne-project-')
  writeFileSync(join(dir, 'kne.yaml'), kneYaml)
  mkdirSync(join(dir, 'knative'))
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, 'knative', name), text)
  return dir
}

describe('kne.yaml', () => {
  it('refuses a top-level field it does not have, suggesting the one meant', () => {
    const {errors} = parseProjectConfig('namespcae: shop\nport: 9000\nbrokerDefaults:\n  retry: 3\n', 'kne.yaml')
    expect(errors).toEqual([
      {
        file: 'kne.yaml',
        field: 'namespcae',
        message:
          'unknown field (did you mean namespace?): kne.yaml has namespace, manifests, port, services, containerSources, brokerDefaults, persist, registry, otel',
      },
      {file: 'kne.yaml', field: 'brokerDefaults.retry', message: 'unknown field: brokerDefaults has delivery'},
      expect.objectContaining({field: 'brokerDefaults.delivery'}),
    ])
  })

  it('a problem in kne.yaml is summarised as one in kne.yaml, not in the manifests', () => {
    const dir = project('namespcae: shop\n')
    const error = thrown(() => loadDevConfiguration({files: [], cwd: dir}))
    expect(error.exitCode).toBe(3)
    expect(error.message).toBe('1 problem(s) in kne.yaml; nothing was started')
    expect(error.details).toEqual([expect.stringMatching(/^kne\.yaml: namespcae: unknown field \(did you mean namespace\?\)/)])
    const both = project('namespcae: shop\n', {'broker.yaml': BROKER, 'bad.yaml': 'kind: Broker\n'})
    expect(thrown(() => exportProject({files: [], cwd: both})).message).toBe(
      '2 problem(s) in kne.yaml and the manifests; nothing was exported',
    )
    const report = validateProject({files: [], cwd: both})
    expect(problemsIn(report.errors, report.config, 'knative', both)).toBe('kne.yaml and knative')
    expect(problemsIn(report.errors.slice(1), report.config, 'knative', both)).toBe('knative')
  })

  it('kne validate warns about retries without a wait between them, wherever a delivery spec is', () => {
    const dir = project('namespace: shop\n', {
      'broker.yaml': `${BROKER}spec:\n  delivery: {retry: 5}\n`,
      'channel.yaml':
        'apiVersion: messaging.knative.dev/v1\nkind: InMemoryChannel\nmetadata: {name: c}\nspec:\n  delivery: {retry: 2, backoffDelay: PT1S}\n',
    })
    const report = validateProject({files: [], cwd: dir})
    expect(report.valid).toBe(true)
    expect(report.warnings.filter((w) => /back to back/.test(w.message))).toEqual([
      expect.objectContaining({
        resource: 'Broker shop/default',
        field: 'spec.delivery.backoffDelay',
        message: expect.stringMatching(/^the 5 retries fire back to back: without backoffDelay and backoffPolicy/),
      }),
      expect.objectContaining({
        resource: 'InMemoryChannel shop/c',
        field: 'spec.delivery.backoffPolicy',
        message: expect.stringMatching(/^the 2 retries fire back to back: without backoffPolicy Knative/),
      }),
    ])
  })

  it('a trigger whose broker no loaded file defines says how to add one', async () => {
    const dir = project('namespace: shop\n', {
      'trigger.yaml':
        'apiVersion: eventing.knative.dev/v1\nkind: Trigger\nmetadata: {name: t}\nspec:\n  broker: default\n  subscriber: {uri: "http://127.0.0.1:1"}\n',
    })
    const loaded = loadDevConfiguration({files: [join(dir, 'knative', 'trigger.yaml')], cwd: dir})
    const mesh = await kit.start({resources: loaded.manifests.resources})
    expect(mesh.status().triggers[0]).toMatchObject({
      ready: false,
      reason: 'BrokerDoesNotExist',
      message:
        'Broker "default" does not exist: no manifest loaded defines it; add one with kne broker create default -n shop, or pass the file that defines it with -f',
    })
  })

  it('a -f path or --config that is not there is a usage error (exit 2)', () => {
    const dir = project('namespace: shop\n')
    const missing = thrown(() => loadDevConfiguration({files: ['knative', 'nowhere.yaml'], cwd: dir}))
    expect(missing).toMatchObject({exitCode: 2, message: '-f nowhere.yaml: no such file or folder'})
    expect(thrown(() => validateProject({files: ['nowhere/'], cwd: dir}))).toMatchObject({exitCode: 2})
    expect(thrown(() => loadDevConfiguration({files: [], config: 'other.yaml', cwd: dir}))).toMatchObject({
      exitCode: 2,
      message: '--config other.yaml: no such file',
    })
  })
})
