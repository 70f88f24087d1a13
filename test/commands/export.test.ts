// kne export in process: kubectl-ready YAML that Knative's CRD schemas accept, stable, with the
// namespaces filled in and nothing kne-specific or defaulted added.
import {mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {parseAllDocuments} from 'yaml'
import {freshDataDir, runKne} from '../helpers/command.js'
import {crdValidator, hasCrds} from '../helpers/crds.js'

const knative = join('test', 'fixtures', 'kinds', 'knative')
const documents = (yaml: string) =>
  parseAllDocuments(yaml).map(
    (d) =>
      d.toJS() as {
        apiVersion: string
        kind: string
        metadata: {name: string; namespace?: string; labels?: object}
        spec?: Record<string, unknown>
      },
  )

describe('kne export', () => {
  it('prints every resource with its namespace, as written: no webhook defaults, Service refs left as refs', async () => {
    const result = await runKne(['export', '-f', knative])
    expect(result.code, result.stderr).toBe(0)
    const docs = documents(result.stdout)
    expect(docs.map((d) => d.kind)).toEqual([
      'Broker',
      'Broker',
      'EventType',
      'EventType',
      'Sequence',
      'Parallel',
      'KafkaSource',
      'Channel',
      'InMemoryChannel',
      'Subscription',
      'PingSource',
      'ContainerSource',
      'SinkBinding',
      'ApiServerSource',
      'Trigger',
      'Trigger',
    ])
    expect(docs.every((d) => d.metadata.namespace === 'shop')).toBe(true) // kne.yaml's namespace
    const trigger = docs.find((d) => d.kind === 'Trigger' && d.metadata.name === 'order-created')!
    expect(trigger.metadata.labels).toBeUndefined() // no eventing.knative.dev/broker label: the webhook adds it
    expect(trigger.spec!.subscriber).toEqual({
      ref: {apiVersion: 'serving.knative.dev/v1', kind: 'Service', name: 'order-processor'},
      uri: '/orders',
    })
    const channel = docs.find((d) => d.kind === 'InMemoryChannel')!
    expect(channel.spec).toBeUndefined()
    expect(result.stdout).not.toMatch(/kne|127\.0\.0\.1:300[0-5]/) // no service-map URL, nothing kne-specific
    expect(
      result.stdout.startsWith('apiVersion: eventing.knative.dev/v1\nkind: Broker\nmetadata:\n  name: default\n  namespace: shop\n---\n'),
    ).toBe(true)
  })

  it.skipIf(!hasCrds)("passes Knative's CRD schemas, resource by resource", async () => {
    const result = await runKne(['export', '-f', knative, '--namespace', 'staging'])
    expect(result.code, result.stderr).toBe(0)
    const validator = crdValidator()
    for (const doc of documents(result.stdout)) {
      expect(doc.metadata.namespace).toBe('staging')
      const problems = validator.validate(doc)
      if (doc.kind === 'KafkaSource')
        expect(problems).toBeUndefined() // no CRD for it here: kept as written
      else expect(problems, `${doc.kind} ${doc.metadata.name}`).toEqual([])
    }
  })

  it('is stable: exporting the export gives the same bytes, and validate accepts it', async () => {
    const env = {KNE_DATA_DIR: freshDataDir()}
    const first = await runKne(['export', '-f', knative], {env})
    const dir = mkdtempSync(join(tmpdir(), 'kne-export-'))
    writeFileSync(join(dir, 'all.yaml'), first.stdout)
    writeFileSync(
      join(dir, 'kne.yaml'),
      'services: {order-processor: "http://127.0.0.1:1", audit: "http://127.0.0.1:2", first-step: "http://127.0.0.1:3", second-step: "http://127.0.0.1:4", even-filter: "http://127.0.0.1:5", even-handler: "http://127.0.0.1:6"}\n',
    )
    const second = await runKne(['export', '-f', join(dir, 'all.yaml')], {env})
    expect(second.stdout).toBe(first.stdout)
    const validated = await runKne(['validate', '--config', join(dir, 'kne.yaml'), '-f', join(dir, 'all.yaml')], {env})
    expect(validated.code, validated.stderr).toBe(0)
  })

  it('--json prints a kubectl List; invalid manifests are not exported (exit 3)', async () => {
    const listed = await runKne(['export', '-f', knative, '--json'])
    expect(listed.code).toBe(0)
    const list = JSON.parse(listed.stdout)
    expect(list).toMatchObject({apiVersion: 'v1', kind: 'List'})
    expect(list.items).toHaveLength(16)
    const dir = mkdtempSync(join(tmpdir(), 'kne-export-'))
    writeFileSync(
      join(dir, 'bad.yaml'),
      'apiVersion: eventing.knative.dev/v1\nkind: Trigger\nmetadata:\n  name: t\nspec:\n  broker: default\n',
    )
    const refused = await runKne(['export', '-f', dir])
    expect(refused.code).toBe(3)
    expect(refused.stdout).toBe('')
    expect(refused.stderr).toMatch(/bad\.yaml: Trigger default\/t: spec\.subscriber: expected at least one, got none/)
  })
})
