// kne eventtype create|list|describe|delete in process, as kn spells them: kn's messages, files in the
// manifests folder, JSON output and exit codes, and EventTypes Knative's CRD accepts.
import {existsSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {beforeEach, describe, expect, it} from 'vitest'
import {parse} from 'yaml'
import {freshDataDir, runKne, type CommandResult} from '../helpers/command.js'
import {crdValidator, hasCrds} from '../helpers/crds.js'
import {tempDir} from '../helpers/temp.js'

const json = (r: CommandResult): any => JSON.parse(r.stdout) // eslint-disable-line @typescript-eslint/no-explicit-any

describe('kne eventtype', () => {
  let dir: string
  const env = {KNE_DATA_DIR: freshDataDir()}
  const file = (name: string): string => join(dir, 'knative', `eventtype-${name}.yaml`)

  /** Runs `kne eventtype create ARGS` in the test's project; it must succeed. */
  const create = async (...args: string[]): Promise<void> => {
    const created = await runKne(['eventtype', 'create', ...args], {cwd: dir, env})
    expect(created.code, created.stderr).toBe(0)
  }
  /** Two EventTypes: one on the project's broker, one on a Channel the manifests do not have. */
  const declareTwo = async (): Promise<void> => {
    await create('order-created', '-t', 'com.example.order.created', '--source', '/shop/v2', '-b', 'default')
    await create('payment', '-t', 'com.example.payment', '-r', 'channel:payments')
  }

  beforeEach(async () => {
    dir = tempDir('kne-eventtype-')
    expect((await runKne(['init'], {cwd: dir, env})).code).toBe(0)
  })

  it("create writes a v1beta2 EventType with kn's flags and message", async () => {
    const created = await runKne(
      [
        'eventtype',
        'create',
        'order-created',
        '-t',
        'com.example.order.created',
        '--source',
        '/shop',
        '-b',
        'default',
        '--description',
        'An order was placed',
        '--schema-data',
        '{"type":"object","required":["id"]}',
      ],
      {cwd: dir, env},
    )
    expect(created.code, created.stderr).toBe(0)
    expect(created.stdout).toBe("Eventtype 'order-created' successfully created in namespace 'default'.\n")
    const manifest = parse(readFileSync(file('order-created'), 'utf8'))
    expect(manifest).toEqual({
      apiVersion: 'eventing.knative.dev/v1beta2',
      kind: 'EventType',
      metadata: {name: 'order-created'},
      spec: {
        type: 'com.example.order.created',
        source: '/shop',
        schemaData: '{"type":"object","required":["id"]}',
        reference: {apiVersion: 'eventing.knative.dev/v1', kind: 'Broker', name: 'default'},
        description: 'An order was placed',
      },
    })
    if (hasCrds) expect(crdValidator().validate(manifest)).toEqual([])
    const payments = await runKne(['eventtype', 'create', 'payment', '-t', 'com.example.payment', '-r', 'channel:payments', '--json'], {
      cwd: dir,
      env,
    })
    expect(payments.code, payments.stderr).toBe(0)
    expect(json(payments).spec.reference).toEqual({apiVersion: 'messaging.knative.dev/v1', kind: 'Channel', name: 'payments'})
  })

  it('create refuses what kn refuses, and never overwrites without --force', async () => {
    await create('order-created', '-t', 'com.example.order.created', '--source', '/shop', '-b', 'default')
    const both = await runKne(['eventtype', 'create', 'x', '-t', 'a.b', '--broker', 'default', '--reference', 'broker:default'], {
      cwd: dir,
      env,
    })
    expect(both.code).toBe(2)
    expect(both.stderr).toContain("use only one of '--broker' or '--reference' flags")
    expect((await runKne(['eventtype', 'create', 'x'], {cwd: dir, env})).code).toBe(2) // --type is required
    expect((await runKne(['eventtype', 'create', 'Bad_Name', '-t', 'a.b'], {cwd: dir, env})).code).toBe(2)
    const again = await runKne(['eventtype', 'create', 'order-created', '-t', 'com.example.other', '--json'], {cwd: dir, env})
    expect(again.code).toBe(2)
    expect(json(again).error).toMatchObject({code: 'ALREADY_EXISTS'})
    expect(parse(readFileSync(file('order-created'), 'utf8')).spec.type).toBe('com.example.order.created')
    const forced = await runKne(
      ['eventtype', 'create', 'order-created', '-t', 'com.example.order.created', '--source', '/shop/v2', '-b', 'default', '--force'],
      {cwd: dir, env},
    )
    expect(forced.code, forced.stderr).toBe(0)
    expect(parse(readFileSync(file('order-created'), 'utf8')).spec.source).toBe('/shop/v2')
  })

  it("list prints kn's columns; READY follows whether the reference exists", async () => {
    await declareTwo()
    const list = await runKne(['eventtype', 'list'], {cwd: dir, env})
    expect(list.code, list.stderr).toBe(0)
    const lines = list.stdout.trimEnd().split('\n')
    expect(lines[0]).toMatch(/^NAME\s+TYPE\s+SOURCE\s+REFERENCE\s+AGE\s+READY$/)
    expect(lines.find((l) => l.startsWith('order-created'))).toMatch(/com\.example\.order\.created\s+\/shop\/v2\s+default\s+\S+\s+True$/)
    expect(lines.find((l) => l.startsWith('payment'))).toMatch(/payments\s+\S+\s+False$/) // no Channel payments in the manifests
    const items = json(await runKne(['eventtype', 'list', '--json'], {cwd: dir, env})).items
    expect(items.map((i: {name: string; ready: string}) => `${i.name} ${i.ready}`)).toEqual(['order-created True', 'payment False'])
    // the registry sees the declared types too
    const registry = json(await runKne(['registry', 'list', '--json'], {cwd: dir, env}))
    expect(registry.types.map((t: {type: string}) => t.type)).toEqual(['com.example.order.created', 'com.example.payment'])
  })

  it('describe shows type, source, reference and conditions', async () => {
    await declareTwo()
    const text = await runKne(['eventtype', 'describe', 'payment'], {cwd: dir, env})
    expect(text.code, text.stderr).toBe(0)
    expect(text.stdout).toMatch(/Type:\s+com\.example\.payment/)
    expect(text.stdout).toMatch(/Reference:\n\s+APIVersion:\s+messaging\.knative\.dev\/v1\n\s+Kind:\s+Channel\n\s+Name:\s+payments/)
    expect(text.stdout).toMatch(/!! ReferenceExists\s+ReferenceDoesNotExist/)
    const yaml = await runKne(['eventtype', 'describe', 'order-created', '-o', 'yaml'], {cwd: dir, env})
    expect(parse(yaml.stdout)).toMatchObject({kind: 'EventType', spec: {type: 'com.example.order.created'}})
    expect((await runKne(['eventtype', 'describe', 'nope'], {cwd: dir, env})).code).toBe(2)
  })

  it("delete removes the file with kn's message", async () => {
    await declareTwo()
    const deleted = await runKne(['eventtype', 'delete', 'payment'], {cwd: dir, env})
    expect(deleted.code, deleted.stderr).toBe(0)
    expect(deleted.stdout).toBe("Eventtype 'payment' successfully deleted in namespace 'default'.\n")
    expect(existsSync(file('payment'))).toBe(false)
    expect((await runKne(['eventtype', 'delete', 'payment'], {cwd: dir, env})).code).toBe(2)
  })
})
