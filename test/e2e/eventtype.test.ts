// kne eventtype create|list|describe|delete from the built CLI, as kn spells them: kn's messages, files in the
// manifests folder, JSON output and exit codes, and EventTypes Knative's CRD accepts.
import {existsSync, mkdtempSync, readFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {beforeAll, describe, expect, it} from 'vitest'
import {parse} from 'yaml'
import {isolatedEnv, runCliIn, type CliResult} from '../helpers/cli.js'
import {crdValidator, hasCrds} from '../helpers/crds.js'

const kne = runCliIn

const json = (r: CliResult): any => JSON.parse(r.stdout) // eslint-disable-line @typescript-eslint/no-explicit-any

describe('kne eventtype', () => {
  let dir: string
  const env = isolatedEnv()
  const file = (name: string): string => join(dir, 'knative', `eventtype-${name}.yaml`)

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kne-eventtype-e2e-'))
    expect((await kne(dir, ['init'], env)).code).toBe(0)
  })

  it('create writes a v1beta2 EventType with kn\'s flags and message', async () => {
    const created = await kne(dir, ['eventtype', 'create', 'order-created', '-t', 'com.example.order.created', '--source', '/shop', '-b', 'default',
      '--description', 'An order was placed', '--schema-data', '{"type":"object","required":["id"]}'], env)
    expect(created.code, created.stderr).toBe(0)
    expect(created.stdout).toBe("Eventtype 'order-created' successfully created in namespace 'default'.\n")
    const manifest = parse(readFileSync(file('order-created'), 'utf8'))
    expect(manifest).toEqual({apiVersion: 'eventing.knative.dev/v1beta2', kind: 'EventType', metadata: {name: 'order-created'},
      spec: {type: 'com.example.order.created', source: '/shop', schemaData: '{"type":"object","required":["id"]}',
        reference: {apiVersion: 'eventing.knative.dev/v1', kind: 'Broker', name: 'default'}, description: 'An order was placed'}})
    if (hasCrds) expect(crdValidator().validate(manifest)).toEqual([])
    const payments = await kne(dir, ['eventtype', 'create', 'payment', '-t', 'com.example.payment', '-r', 'channel:payments', '--json'], env)
    expect(payments.code, payments.stderr).toBe(0)
    expect(json(payments).spec.reference).toEqual({apiVersion: 'messaging.knative.dev/v1', kind: 'Channel', name: 'payments'})
  })

  it('create refuses what kn refuses, and never overwrites without --force', async () => {
    const both = await kne(dir, ['eventtype', 'create', 'x', '-t', 'a.b', '--broker', 'default', '--reference', 'broker:default'], env)
    expect(both.code).toBe(2)
    expect(both.stderr).toContain("use only one of '--broker' or '--reference' flags")
    expect((await kne(dir, ['eventtype', 'create', 'x'], env)).code).toBe(2) // --type is required
    expect((await kne(dir, ['eventtype', 'create', 'Bad_Name', '-t', 'a.b'], env)).code).toBe(2)
    const again = await kne(dir, ['eventtype', 'create', 'order-created', '-t', 'com.example.other', '--json'], env)
    expect(again.code).toBe(2)
    expect(json(again).error).toMatchObject({code: 'ALREADY_EXISTS'})
    expect(parse(readFileSync(file('order-created'), 'utf8')).spec.type).toBe('com.example.order.created')
    const forced = await kne(dir, ['eventtype', 'create', 'order-created', '-t', 'com.example.order.created', '--source', '/shop/v2', '-b', 'default', '--force'], env)
    expect(forced.code, forced.stderr).toBe(0)
    expect(parse(readFileSync(file('order-created'), 'utf8')).spec.source).toBe('/shop/v2')
  })

  it('list prints kn\'s columns; READY follows whether the reference exists', async () => {
    const list = await kne(dir, ['eventtype', 'list'], env)
    expect(list.code, list.stderr).toBe(0)
    const lines = list.stdout.trimEnd().split('\n')
    expect(lines[0]).toMatch(/^NAME\s+TYPE\s+SOURCE\s+REFERENCE\s+AGE\s+READY$/)
    expect(lines.find((l) => l.startsWith('order-created'))).toMatch(/com\.example\.order\.created\s+\/shop\/v2\s+default\s+\S+\s+True$/)
    expect(lines.find((l) => l.startsWith('payment'))).toMatch(/payments\s+\S+\s+False$/) // no Channel payments in the manifests
    const items = json(await kne(dir, ['eventtype', 'list', '--json'], env)).items
    expect(items.map((i: {name: string; ready: string}) => `${i.name} ${i.ready}`)).toEqual(['order-created True', 'payment False'])
    // the registry sees the declared types too
    const registry = json(await kne(dir, ['registry', 'list', '--json'], env))
    expect(registry.types.map((t: {type: string}) => t.type)).toEqual(['com.example.order.created', 'com.example.payment'])
  })

  it('describe shows type, source, reference and conditions', async () => {
    const text = await kne(dir, ['eventtype', 'describe', 'payment'], env)
    expect(text.code, text.stderr).toBe(0)
    expect(text.stdout).toMatch(/Type:\s+com\.example\.payment/)
    expect(text.stdout).toMatch(/Reference:\n\s+APIVersion:\s+messaging\.knative\.dev\/v1\n\s+Kind:\s+Channel\n\s+Name:\s+payments/)
    expect(text.stdout).toMatch(/!! ReferenceExists\s+ReferenceDoesNotExist/)
    const yaml = await kne(dir, ['eventtype', 'describe', 'order-created', '-o', 'yaml'], env)
    expect(parse(yaml.stdout)).toMatchObject({kind: 'EventType', spec: {type: 'com.example.order.created'}})
    expect((await kne(dir, ['eventtype', 'describe', 'nope'], env)).code).toBe(2)
  })

  it('delete removes the file with kn\'s message', async () => {
    const deleted = await kne(dir, ['eventtype', 'delete', 'payment'], env)
    expect(deleted.code, deleted.stderr).toBe(0)
    expect(deleted.stdout).toBe("Eventtype 'payment' successfully deleted in namespace 'default'.\n")
    expect(existsSync(file('payment'))).toBe(false)
    expect((await kne(dir, ['eventtype', 'delete', 'payment'], env)).code).toBe(2)
  })
})
