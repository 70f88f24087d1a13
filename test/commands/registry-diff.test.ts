// kne registry diff OLD NEW: added, removed and changed types, which changes break consumers, and the exit
// codes a CI step acts on (0 nothing breaks, 1 a change breaks consumers, 2 no such input, 3 not readable).
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {freshDataDir, jsonOf, runKne} from '../helpers/command.js'

const eventType = (name: string, type: string, schema?: unknown, extra = ''): string =>
  `apiVersion: eventing.knative.dev/v1beta2\nkind: EventType\nmetadata: {name: ${name}}\nspec:\n  type: ${type}\n  source: /shop\n` +
  `  reference: {apiVersion: eventing.knative.dev/v1, kind: Broker, name: default}\n` +
  (schema === undefined ? '' : `  schemaData: '${JSON.stringify(schema)}'\n`) +
  extra

const ORDER_V1 = {
  type: 'object',
  required: ['orderId', 'total'],
  properties: {
    orderId: {type: 'string'},
    total: {type: 'number'},
    note: {type: 'string'},
    customer: {type: 'object', properties: {email: {type: 'string'}}},
  },
}
const ORDER_COMPATIBLE = {...ORDER_V1, properties: {...ORDER_V1.properties, coupon: {type: 'string'}}}
const ORDER_BREAKING = {
  type: 'object',
  required: ['orderId', 'total', 'currency'],
  properties: {
    orderId: {type: 'integer'},
    total: {type: 'number'},
    currency: {type: 'string'},
    customer: {type: 'object', required: ['email'], properties: {email: {type: 'string'}}},
  },
}

describe('kne registry diff', () => {
  let project: string
  const env = {KNE_DATA_DIR: freshDataDir()}
  const diff = (...args: string[]) => runKne(['registry', 'diff', ...args], {cwd: project, env})
  const write = (file: string, ...docs: string[]): string => {
    writeFileSync(join(project, file), docs.join('---\n'))
    return file
  }

  beforeAll(() => {
    project = mkdtempSync(join(tmpdir(), 'kne-diff-'))
    writeFileSync(join(project, 'kne.yaml'), 'namespace: default\nmanifests: knative\n')
    mkdirSync(join(project, 'knative'))
    // the project's triggers: who consumes what
    writeFileSync(
      join(project, 'knative', 'flow.yaml'),
      'apiVersion: eventing.knative.dev/v1\nkind: Broker\nmetadata: {name: default}\n---\n' +
        'apiVersion: eventing.knative.dev/v1\nkind: Trigger\nmetadata: {name: on-cancel}\nspec:\n  broker: default\n' +
        '  filter: {attributes: {type: com.example.order.cancelled}}\n  subscriber: {uri: http://127.0.0.1:9}\n',
    )
    write(
      'v1.yaml',
      eventType('created', 'com.example.order.created', ORDER_V1),
      eventType('cancelled', 'com.example.order.cancelled'),
      eventType('audit', 'com.example.audit'),
    )
    write(
      'compatible.yaml',
      eventType('created', 'com.example.order.created', ORDER_COMPATIBLE),
      eventType('cancelled', 'com.example.order.cancelled'),
      eventType('refunded', 'com.example.order.refunded'),
    )
    mkdirSync(join(project, 'breaking'))
    writeFileSync(
      join(project, 'breaking', 'eventtypes.yaml'),
      [
        eventType('created', 'com.example.order.created', ORDER_BREAKING),
        eventType('audit', 'com.example.audit', undefined, '  description: now with a tenant\n'),
      ].join('---\n'),
    )
    write('broken.yaml', 'apiVersion: eventing.knative.dev/v1beta2\nkind: EventType\nmetadata: {name: x}\nspec: [not, a, mapping]\n')
  })

  afterAll(() => rmSync(project, {recursive: true, force: true}))

  it('exits 0 when nothing breaks consumers: an optional field added, a type added, an unconsumed type removed', async () => {
    const result = await diff('v1.yaml', 'compatible.yaml', '--json')
    expect(result.code, result.stderr).toBe(0)
    const report = jsonOf(result)
    expect(report).toMatchObject({
      breaking: 0,
      added: [{type: 'com.example.order.refunded', consumers: []}],
      removed: [{type: 'com.example.audit', breaking: false}],
      changed: [{type: 'com.example.order.created', changes: [{breaking: false, at: 'data/coupon', message: 'optional field added'}]}],
    })
  })

  it('exits 1 on breaking changes: a required field added, a type changed, a field removed, a consumed type removed', async () => {
    const result = await diff('v1.yaml', 'breaking/')
    expect(result.code).toBe(1)
    expect(result.stdout).toContain('- com.example.order.cancelled  removed  BREAKING: consumed by trigger default/on-cancel')
    expect(result.stdout).toContain('    BREAKING  data/orderId: type changed from string to number')
    expect(result.stdout).toContain('    BREAKING  data/currency: required field added')
    expect(result.stdout).toContain('    BREAKING  data/customer/email: now required')
    expect(result.stdout).toContain('    data/note: optional field removed')
    expect(result.stderr).toContain('4 change(s) break consumers')
    expect(jsonOf(await diff('v1.yaml', 'breaking/', '--json')).breaking).toBe(4)
  })

  it('compares with the current registry (the project, when no kne dev runs)', async () => {
    const result = jsonOf(await diff('v1.yaml', 'current', '--json'))
    expect(result.new).toEqual({label: 'current', readFrom: 'manifests'})
    // the project declares no EventTypes: every type of the export is gone, and the consumed one breaks its trigger
    expect(result.removed).toEqual([
      {namespace: 'default', type: 'com.example.audit', consumers: [], breaking: false},
      {namespace: 'default', type: 'com.example.order.cancelled', consumers: ['default/on-cancel'], breaking: true},
      {namespace: 'default', type: 'com.example.order.created', consumers: [], breaking: false},
    ])
  })

  it('reads AsyncAPI and xRegistry exports too: an export of the same registry changes nothing', async () => {
    for (const format of ['asyncapi', 'xregistry']) {
      const file = `v1-${format}.${format === 'asyncapi' ? 'yaml' : 'json'}`
      const exported = await runKne(['registry', 'export', '--format', format, '-f', 'v1.yaml', '--offline', '-o', file], {
        cwd: project,
        env,
      })
      expect(exported.code, exported.stderr).toBe(0)
      const result = jsonOf(await diff('v1.yaml', file, '--json'))
      expect(result).toMatchObject({new: {readFrom: format}, added: [], removed: [], changed: [], breaking: 0})
    }
  })

  it('a missing input exits 2; one that is not a registry export exits 3 naming the problem', async () => {
    const missing = await diff('nothing.yaml', 'current')
    expect(missing.code).toBe(2)
    expect(missing.stderr).toContain('nothing.yaml: no such file or folder')
    const broken = await diff('broken.yaml', 'current')
    expect(broken.code).toBe(3)
    expect(broken.stderr).toContain('broken.yaml')
  })
})
