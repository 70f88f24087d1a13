// kne registry export --format asyncapi|xregistry and kne registry import in process, in a project folder as a
// user runs them: JSON output and exit codes, and import's promise to write nothing unless all of it can be.
// The bookstore round trip and the AsyncAPI parser check run from the built CLI (test/e2e/registry-standards.test.ts).
import {existsSync, readdirSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {beforeEach, describe, expect, it} from 'vitest'
import {freshDataDir, meshForProject, runKne, type CommandResult} from '../helpers/command.js'
import {binaryHeaders, post, startSubscriber} from '../helpers/subscriber.js'
import {registryProject, trigger} from '../helpers/registry-project.js'

const json = (r: CommandResult): any => JSON.parse(r.stdout) // eslint-disable-line @typescript-eslint/no-explicit-any

const ORDERS = trigger('orders', '  filter: {attributes: {type: com.example.order.created}}\n', 'http://127.0.0.1:9/orders')

describe('kne registry export --format asyncapi|xregistry', () => {
  let dir: string
  const env = {KNE_DATA_DIR: freshDataDir()}
  beforeEach(() => {
    dir = registryProject(ORDERS)
  })

  it('--format xregistry --json gives the document: a message per type in the broker’s group, its endpoint at the mesh port', async () => {
    const result = await runKne(['registry', 'export', '--format', 'xregistry', '--json'], {cwd: dir, env})
    expect(result.code, result.stderr).toBe(0)
    const {format, document, meshUrl, types} = json(result)
    expect(format).toBe('xregistry')
    expect(types).toBe(2)
    expect(meshUrl).toBe('http://127.0.0.1:8080') // kne.yaml's port 0 picks one at start: the default is named
    const group = document.messagegroups['default.broker.default']
    expect(Object.keys(group.messages).sort()).toEqual(['com.example.order.created', 'dev.knative.sources.ping'])
    expect(group.messages['dev.knative.sources.ping'].envelopemetadata.source).toEqual({
      value: '/apis/v1/namespaces/default/pingsources/heartbeat',
      required: true,
    })
    expect(document.endpoints['default.broker.default'].protocoloptions.endpoints).toEqual([{uri: `${meshUrl}/default/default`}])
  })

  it('-o writes the document (AsyncAPI as YAML) and says so; the types of one broker with --broker', async () => {
    const result = await runKne(['registry', 'export', '--format', 'asyncapi', '--broker', 'default', '-o', 'asyncapi.yaml'], {
      cwd: dir,
      env,
    })
    expect(result.code, result.stderr).toBe(0)
    expect(result.stdout).toBe('Wrote asyncapi.yaml (AsyncAPI 3.0, 2 event type(s))\n')
    const text = readFileSync(join(dir, 'asyncapi.yaml'), 'utf8')
    expect(text).toMatch(/^asyncapi: 3\.0\.0\n/)
    expect(text).toContain('title: Broker default/default')
    expect(text).toContain('Trigger default/orders receives')
  })

  it('with kne dev running: its address, and what it observed (the latest event as the example, its source as a producer)', async () => {
    const orders = await startSubscriber()
    dir = registryProject(trigger('orders', '  filter: {attributes: {type: com.example.order.created}}\n', orders.url))
    const dataDir = freshDataDir()
    const mesh = await meshForProject(dir, dataDir)
    try {
      const accepted = await post(
        `${mesh.url}/default/default`,
        binaryHeaders('com.example.order.created', {'ce-source': '/shop', 'content-type': 'application/json'}),
        '{"id": 42, "total": 9.5}',
      )
      expect(accepted.status).toBe(202)
      const result = await runKne(['registry', 'export', '--format', 'asyncapi', '--json'], {cwd: dir, env: {KNE_DATA_DIR: dataDir}})
      expect(result.code, result.stderr).toBe(0)
      const {document, meshUrl, readFrom} = json(result)
      expect({meshUrl, readFrom}).toEqual({meshUrl: mesh.url, readFrom: 'mesh'})
      expect(document.servers.mesh.host).toBe(new URL(mesh.url).host)
      const message = document.channels['default.broker.default'].messages['com.example.order.created']
      expect(message.examples).toEqual([
        expect.objectContaining({
          name: 'observed',
          payload: {id: 42, total: 9.5},
          headers: expect.objectContaining({'ce-source': '/shop'}),
        }),
      ])
      expect(message.payload).toMatchObject({type: 'object', properties: {id: {type: 'integer'}, total: {type: 'number'}}})
      expect(Object.values(document.operations).map((o) => (o as {title: string}).title)).toEqual(
        expect.arrayContaining(['Source /shop sends', 'PingSource default/heartbeat sends', 'Trigger default/orders receives']),
      )
    } finally {
      await mesh.close()
      await orders.close()
    }
  })

  it('an unknown --broker exits 2 naming the known ones; a flag of the other format exits 2', async () => {
    const unknown = await runKne(['registry', 'export', '--format', 'asyncapi', '--broker', 'shop/nope', '--json'], {cwd: dir, env})
    expect(unknown.code).toBe(2)
    expect(json(unknown)).toMatchObject({
      error: {code: 'NOT_FOUND', message: 'no Broker shop/nope in the manifests', suggestions: ['known brokers: default/default']},
    })
    const write = await runKne(['registry', 'export', '--format', 'xregistry', '--write', '--json'], {cwd: dir, env})
    expect(write.code).toBe(2)
    expect(json(write)).toMatchObject({error: {code: 'INVALID_FLAG', message: '--write goes with --format eventtypes'}})
    const out = await runKne(['registry', 'export', '-o', 'x.yaml', '--json'], {cwd: dir, env})
    expect(out.code).toBe(2)
    expect(json(out)).toMatchObject({error: {code: 'INVALID_FLAG', message: '--out goes with --format asyncapi or xregistry'}})
  })
})

describe('kne registry import', () => {
  let dir: string
  const env = {KNE_DATA_DIR: freshDataDir()}
  const manifests = (): string[] => readdirSync(join(dir, 'knative')).sort()
  beforeEach(() => {
    dir = registryProject(ORDERS)
  })

  it('writes one EventType file per message, v1beta3 where attributes are described; --dry-run writes nothing', async () => {
    writeFileSync(join(dir, 'shop.json'), JSON.stringify(SHOP))
    const before = manifests()
    const dry = await runKne(['registry', 'import', 'shop.json', '--dry-run', '--json'], {cwd: dir, env})
    expect(dry.code, dry.stderr).toBe(0)
    expect(json(dry)).toMatchObject({
      format: 'xregistry',
      dryRun: true,
      written: [
        {
          name: 'com.example.refund.issued',
          apiVersion: 'eventing.knative.dev/v1beta2',
          action: 'dry-run',
          file: 'knative/eventtype-com.example.refund.issued.yaml',
        },
        {name: 'com.example.refund.failed', apiVersion: 'eventing.knative.dev/v1beta3', action: 'dry-run'},
      ],
      unmapped: [],
    })
    expect(manifests()).toEqual(before)
    const result = await runKne(['registry', 'import', 'shop.json'], {cwd: dir, env})
    expect(result.code, result.stderr).toBe(0)
    expect(result.stdout).toBe(
      'Wrote knative/eventtype-com.example.refund.issued.yaml (com.example.refund.issued, v1beta2)\n' +
        'Wrote knative/eventtype-com.example.refund.failed.yaml (com.example.refund.failed, v1beta3)\n',
    )
    expect(readFileSync(join(dir, 'knative/eventtype-com.example.refund.failed.yaml'), 'utf8')).toContain('name: reason')
    // the imported types are in the registry at once
    const listed = await runKne(['registry', 'list', '--json'], {cwd: dir, env})
    expect(json(listed).types.map((t: {type: string}) => t.type)).toEqual(
      expect.arrayContaining(['com.example.refund.issued', 'com.example.refund.failed']),
    )
  })

  it('a document with a problem exits 3 naming each path inside it, and writes nothing, not even the parts that map', async () => {
    const broken = structuredClone(SHOP) as typeof SHOP & {messagegroups: {refunds: {messages: Record<string, unknown>}}}
    broken.messagegroups.refunds.messages.lost = {envelopemetadata: {source: {value: '/x'}}}
    broken.messagegroups.refunds.messages.issued.dataschemauri = '#/schemagroups/refunds/schemas/missing'
    writeFileSync(join(dir, 'broken.json'), JSON.stringify(broken))
    const before = manifests()
    const result = await runKne(['registry', 'import', 'broken.json', '--json'], {cwd: dir, env})
    expect(result.code).toBe(3)
    expect(json(result)).toMatchObject({
      error: {
        code: 'INVALID_DOCUMENT',
        message: 'broken.json: 2 problem(s) in the xRegistry document; nothing written',
        details: [
          '/messagegroups/refunds/messages/issued/dataschemauri: references /schemagroups/refunds/schemas/missing, which the document does not have',
          '/messagegroups/refunds/messages/lost/envelopemetadata/type: no type value: an EventType needs the type its events carry',
        ],
      },
    })
    expect(manifests()).toEqual(before)
    // human output: the message, then each problem on its own line
    const human = await runKne(['registry', 'import', 'broken.json'], {cwd: dir, env})
    expect(human.stderr).toContain('  /messagegroups/refunds/messages/lost/envelopemetadata/type: no type value')
  })

  it('neither format exits 3; a missing file exits 2', async () => {
    writeFileSync(join(dir, 'openapi.yaml'), 'openapi: 3.1.0\ninfo: {title: x, version: "1"}\n')
    const other = await runKne(['registry', 'import', 'openapi.yaml', '--json'], {cwd: dir, env})
    expect(other.code).toBe(3)
    expect(json(other)).toMatchObject({
      error: {code: 'INVALID_DOCUMENT', message: 'openapi.yaml: not an xRegistry or AsyncAPI 3 document; nothing written'},
    })
    const missing = await runKne(['registry', 'import', 'nope.json', '--json'], {cwd: dir, env})
    expect(missing.code).toBe(2)
    expect(json(missing)).toMatchObject({error: {code: 'NO_SUCH_PATH'}})
  })

  it('an EventType of the same name stops the whole import (exit 2) unless --force, which replaces it', async () => {
    writeFileSync(join(dir, 'shop.json'), JSON.stringify(SHOP))
    expect((await runKne(['eventtype', 'create', 'com.example.refund.failed', '--type', 'old'], {cwd: dir, env})).code).toBe(0)
    const before = manifests()
    const refused = await runKne(['registry', 'import', 'shop.json', '--json'], {cwd: dir, env})
    expect(refused.code).toBe(2)
    expect(json(refused)).toMatchObject({error: {code: 'ALREADY_EXISTS', suggestions: ['pass --force to replace them']}})
    expect(manifests()).toEqual(before)
    const forced = await runKne(['registry', 'import', 'shop.json', '--force', '--json'], {cwd: dir, env})
    expect(forced.code, forced.stderr).toBe(0)
    expect(json(forced).written.map((w: {action: string}) => w.action)).toEqual(['created', 'replaced'])
    expect(readFileSync(join(dir, 'knative/eventtype-com.example.refund.failed.yaml'), 'utf8')).toContain('eventing.knative.dev/v1beta3')
  })

  it('--force over an EventType kne cannot replace (an item of a List) writes nothing, not even the other types', async () => {
    writeFileSync(join(dir, 'shop.json'), JSON.stringify(SHOP))
    writeFileSync(
      join(dir, 'knative/list.yaml'),
      'apiVersion: v1\nkind: List\nitems:\n- apiVersion: eventing.knative.dev/v1beta2\n  kind: EventType\n' +
        '  metadata: {name: com.example.refund.failed}\n  spec: {type: old}\n',
    )
    const before = manifests()
    const forced = await runKne(['registry', 'import', 'shop.json', '--force', '--json'], {cwd: dir, env})
    expect(forced.code).toBe(3)
    expect(manifests()).toEqual(before)
    expect(json(forced)).toMatchObject({error: {code: 'INVALID_MANIFEST', details: [expect.stringContaining('is an item of a List')]}})
  })

  it('passes on what kne eventtype create would warn about: a reference the project does not define', async () => {
    const elsewhere = structuredClone(SHOP) as typeof SHOP & {messagegroups: {refunds: {labels?: Record<string, string>}}}
    elsewhere.messagegroups.refunds.labels = {
      'kne.reference.apiversion': 'eventing.knative.dev/v1',
      'kne.reference.kind': 'Broker',
      'kne.reference.name': 'payments',
      'kne.reference.namespace': 'default',
    }
    writeFileSync(join(dir, 'elsewhere.json'), JSON.stringify(elsewhere))
    const result = await runKne(['registry', 'import', 'elsewhere.json', '--json'], {cwd: dir, env})
    expect(result.code, result.stderr).toBe(0)
    expect(json(result).written[0]).toMatchObject({
      action: 'created',
      warnings: [expect.stringContaining('no manifest defines Broker default/payments')],
    })
  })

  it('reads AsyncAPI 3 and lists what it could not map', async () => {
    writeFileSync(
      join(dir, 'asyncapi.yaml'),
      `asyncapi: 3.0.0
info: {title: Shop, version: 1.0.0}
channels:
  refunds:
    address: /refunds
    messages:
      issued:
        summary: A refund was issued
        headers:
          type: object
          properties:
            ce-type: {type: string, const: com.example.refund.issued}
            ce-source: {type: string, const: /payments}
          required: [ce-type, ce-source]
        payload: {type: object, required: [amount]}
      audit:
        payload: {type: string}
`,
    )
    const result = await runKne(['registry', 'import', 'asyncapi.yaml'], {cwd: dir, env})
    expect(result.code, result.stderr).toBe(0)
    expect(result.stdout).toBe('Wrote knative/eventtype-com.example.refund.issued.yaml (com.example.refund.issued, v1beta2)\n')
    expect(result.stderr).toBe(
      'not mapped (1):\n  /channels/refunds/messages/audit: no ce-type header with one fixed value (const or a one-value enum): not an event type kne can declare\n',
    )
    expect(existsSync(join(dir, 'knative/eventtype-com.example.refund.issued.yaml'))).toBe(true)
  })
})

const SHOP = {
  specversion: '1.0-rc2',
  registryid: 'payments',
  messagegroups: {
    refunds: {
      messagegroupid: 'refunds',
      envelope: 'CloudEvents/1.0',
      messages: {
        issued: {
          messageid: 'issued',
          description: 'A refund was issued',
          envelopemetadata: {type: {value: 'com.example.refund.issued', required: true}, source: {value: '/payments', required: true}},
          dataschemaformat: 'JsonSchema/draft-07',
          dataschemauri: '#/schemagroups/refunds/schemas/issued',
        } as Record<string, unknown>,
        failed: {
          messageid: 'failed',
          envelopemetadata: {
            type: {value: 'com.example.refund.failed', required: true},
            source: {value: '/payments', required: true},
            reason: {required: true},
          },
        },
      },
    },
  },
  schemagroups: {
    refunds: {
      schemagroupid: 'refunds',
      schemas: {issued: {schemaid: 'issued', format: 'JsonSchema/draft-07', schema: {type: 'object', required: ['amount']}}},
    },
  },
}
