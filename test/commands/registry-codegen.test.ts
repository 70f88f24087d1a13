// kne registry codegen --lang typescript: the generated file compiles with tsc --strict, and a handler that
// narrows on `type` gets that type's data (a wrong use of it does not compile).
import {execFile} from 'node:child_process'
import {mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {promisify} from 'node:util'
import {describe, expect, it} from 'vitest'
import {repoRoot} from '../helpers/cli.js'
import {freshDataDir, jsonOf, runKne} from '../helpers/command.js'
import {tempDir} from '../helpers/temp.js'

const ORDER_SCHEMA = {
  type: 'object',
  required: ['orderId', 'total', 'items', 'status'],
  properties: {
    orderId: {type: 'string', format: 'uuid', description: 'The order, as the shop names it */ not a comment end'},
    total: {type: 'number'},
    status: {enum: ['placed', 'paid']},
    items: {type: 'array', items: {$ref: '#/$defs/item'}},
    'gift-note': {type: ['string', 'null']},
    tags: {type: 'object', additionalProperties: {type: 'string'}},
  },
  $defs: {item: {type: 'object', required: ['sku'], properties: {sku: {type: 'string'}, quantity: {type: 'integer'}}}},
}

const MANIFESTS = `apiVersion: eventing.knative.dev/v1
kind: Broker
metadata: {name: default}
---
apiVersion: eventing.knative.dev/v1beta2
kind: EventType
metadata: {name: order-created}
spec:
  type: com.example.order.created
  description: An order was placed
  reference: {apiVersion: eventing.knative.dev/v1, kind: Broker, name: default}
  schemaData: '${JSON.stringify(ORDER_SCHEMA)}'
---
apiVersion: eventing.knative.dev/v1beta3
kind: EventType
metadata: {name: order-paid}
spec:
  reference: {apiVersion: eventing.knative.dev/v1, kind: Broker, name: default}
  attributes:
    - {name: type, value: com.example.order.paid, required: true}
    - {name: source, value: /shop, required: true}
    - {name: specversion, value: "1.0", required: true}
    - {name: id, required: true}
    - {name: tenant, value: acme, required: true}
---
apiVersion: sources.knative.dev/v1
kind: PingSource
metadata: {name: heartbeat}
spec:
  schedule: "*/5 * * * *"
  contentType: application/json
  data: '{"beat": 1}'
  sink: {ref: {apiVersion: eventing.knative.dev/v1, kind: Broker, name: default}}
`

const HANDLER = `import type {EventOfType, KnownEvent} from './events.js'

export function total(event: KnownEvent): number {
  switch (event.type) {
    case 'com.example.order.created': {
      const sku: string = event.data.items[0]?.sku ?? ''
      const status: 'placed' | 'paid' = event.data.status
      return event.data.total + sku.length + status.length
    }
    case 'com.example.order.paid': {
      const tenant: 'acme' = event.tenant
      return tenant.length
    }
    case 'dev.knative.sources.ping':
      return event.data.beat
  }
}

export const created: EventOfType<'com.example.order.created'> = {
  specversion: '1.0',
  id: '1',
  source: '/shop',
  type: 'com.example.order.created',
  data: {orderId: 'o-1', total: 3, status: 'placed', items: [{sku: 'a'}], 'gift-note': null},
}
`

const WRONG = `import type {KnownEvent} from './events.js'

export function wrong(event: KnownEvent): string {
  if (event.type === 'com.example.order.created') return event.data.total
  return ''
}
`

describe('kne registry codegen --lang typescript', () => {
  it('writes a file that compiles with tsc --strict; narrowing on type gives the right data, and a wrong use does not compile', async () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'all.yaml'), MANIFESTS)
    const out = join(dir, 'ts')
    mkdirSync(out)
    const result = await runKne(
      ['registry', 'codegen', '--lang', 'typescript', '-f', join(dir, 'all.yaml'), '--offline', '-o', join(out, 'events.ts'), '--json'],
      {env: {KNE_DATA_DIR: freshDataDir()}},
    )
    expect(result.code, result.stderr).toBe(0)
    expect(jsonOf(result).types).toEqual([
      {type: 'com.example.order.created', name: 'ComExampleOrderCreated', schemaOrigin: 'declared'},
      {type: 'com.example.order.paid', name: 'ComExampleOrderPaid'},
      {type: 'dev.knative.sources.ping', name: 'DevKnativeSourcesPing', schemaOrigin: 'source'},
    ])
    const code = readFileSync(join(out, 'events.ts'), 'utf8')
    expect(code).toContain('/** An order was placed */\nexport interface ComExampleOrderCreated extends CloudEventAttributes {')
    expect(code).toContain('  tenant: "acme"\n')

    writeFileSync(join(out, 'handler.ts'), HANDLER)
    writeFileSync(join(out, 'wrong.ts'), WRONG)
    // one compiler run: the generated file and the handler compile, the wrong use is the only error
    writeFileSync(
      join(out, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          noEmit: true,
          target: 'es2022',
          module: 'nodenext',
          moduleResolution: 'nodenext',
          types: [],
          skipLibCheck: true,
        },
        files: ['events.ts', 'handler.ts', 'wrong.ts'],
      }),
    )
    const tsc = join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc')
    const errors = await promisify(execFile)(process.execPath, [tsc, '-p', join(out, 'tsconfig.json')]).then(
      () => '',
      (error: {stdout: string}) => error.stdout,
    )
    expect(errors.trim().split('\n')).toEqual([
      expect.stringMatching(/wrong\.ts\(4,\d+\): error TS2322: Type 'number' is not assignable to type 'string'\.$/),
    ])
  }, 60_000)
})
