import {describe, expect, it} from 'vitest'
import {parseProjectConfig} from '../../src/core/project.js'
import {compileEventSchemas, declaredSchemas, localSchemaPath, violationsOf, withLocalSchemas} from '../../src/core/registry/validation.js'
import {exampleFromSchema} from '../../src/core/registry/example.js'
import {parseManifests} from '../../src/index.js'
import {buildRegistry, diffRegistries, schemaType} from '../../src/core/registry/index.js'

describe('kne.yaml registry.validate', () => {
  it('reads off, warn and reject', () => {
    for (const mode of ['off', 'warn', 'reject']) {
      const {config, errors} = parseProjectConfig(`registry:\n  validate: ${mode}\n`, '/p/kne.yaml')
      expect(errors).toEqual([])
      expect(config.validateEvents).toBe(mode)
    }
  })

  it('a bad value or field is an error naming the file and field', () => {
    expect(parseProjectConfig('registry: {validate: strict}\n', '/p/kne.yaml').errors).toEqual([
      {file: '/p/kne.yaml', field: 'registry.validate', message: 'must be off, warn, reject, got "strict"'},
    ])
    expect(parseProjectConfig('registry: {validat: warn}\n', '/p/kne.yaml').errors[0]).toMatchObject({field: 'registry.validat'})
    expect(parseProjectConfig('registry: warn\n', '/p/kne.yaml').errors[0]).toMatchObject({field: 'registry'})
  })
})

describe('declared schemas', () => {
  it('a schema URI is a local file relative to its manifest, or a file: URL; other schemes are never fetched', () => {
    expect(localSchemaPath('./schemas/order.json', '/p/knative/et.yaml')).toBe('/p/knative/schemas/order.json')
    expect(localSchemaPath('/abs/order.json', '/p/knative/et.yaml')).toBe('/abs/order.json')
    expect(localSchemaPath('file:///abs/order.json', '/p/knative/et.yaml')).toBe('/abs/order.json')
    expect(localSchemaPath('https://example.com/order.json', '/p/et.yaml')).toBeUndefined()
    expect(localSchemaPath('urn:example:order', '/p/et.yaml')).toBeUndefined()
  })

  it('a readable local schema file becomes the schemaData the registry describes; others are left as they are', () => {
    const {resources} = parseManifests(
      [
        '{type: a, schema: ./a.json}',
        '{type: b, schema: ./b.json}',
        '{type: c, schema: ./missing.json}',
        '{type: d, schema: https://x/d.json}',
      ]
        .map((spec, i) => `apiVersion: eventing.knative.dev/v1beta2\nkind: EventType\nmetadata: {name: e${i}}\nspec: ${spec}\n`)
        .join('---\n'),
      '/p/et.yaml',
    )
    const files: Record<string, string> = {'/p/a.json': '{"type": "object"}', '/p/b.json': '[1]'}
    const read = (path: string): string => {
      const text = files[path]
      if (text === undefined) throw new Error('ENOENT')
      return text
    }
    const given = withLocalSchemas(resources, read).map((r) => (r.spec as {schemaData?: string}).schemaData)
    expect(given).toEqual(['{"type": "object"}', undefined, undefined, undefined])
  })

  it('reports a schema file that cannot be read, schemaData that is broken JSON, and an unknown dialect, each with file, resource and field', () => {
    const {resources} = parseManifests(
      `apiVersion: eventing.knative.dev/v1beta2
kind: EventType
metadata: {name: a}
spec: {type: a, schema: ./missing.json}
---
apiVersion: eventing.knative.dev/v1beta2
kind: EventType
metadata: {name: b}
spec: {type: b, schemaData: '{"type": '}
---
apiVersion: eventing.knative.dev/v1beta2
kind: EventType
metadata: {name: c}
spec: {type: c, schemaData: '{"$schema": "http://json-schema.org/draft-04/schema#"}'}
---
apiVersion: eventing.knative.dev/v1beta2
kind: EventType
metadata: {name: d}
spec: {type: d, schemaData: 'an Avro schema, as text', schema: https://example.com/d.avsc}
`,
      '/p/et.yaml',
    )
    const declared = declaredSchemas(resources, () => {
      throw new Error('ENOENT: no such file')
    })
    expect(declared.problems.map((p) => [p.resource, p.field])).toEqual([
      ['EventType default/a', 'spec.schema'],
      ['EventType default/b', 'spec.schemaData'],
    ])
    expect(declared.problems[0]!.message).toContain('/p/missing.json: ENOENT')
    const compiled = compileEventSchemas(declared.schemas)
    expect(compiled.problems).toEqual([
      expect.objectContaining({
        resource: 'EventType default/c',
        field: 'spec.schemaData',
        message: expect.stringContaining('kne checks JSON Schema 2020-12, 2019-09 and draft-07'),
      }),
    ])
    expect(compiled.schemas.size).toBe(0)
  })

  it('checks data with the formats kne knows, in draft-07 and 2020-12', () => {
    const schema = {
      type: 'object',
      properties: {at: {type: 'string', format: 'date-time'}, who: {format: 'email'}},
      additionalProperties: false,
    }
    expect(violationsOf(schema, {at: '2024-01-01T12:00:00Z', who: 'a@example.com'})).toEqual([])
    expect(violationsOf({...schema, $schema: 'http://json-schema.org/draft-07/schema#'}, {at: 'yesterday', extra: 1})).toEqual([
      {path: '/extra', message: 'is not allowed'},
      {path: '/at', message: 'must match format "date-time"'},
    ])
  })
})

describe('examples made from a schema', () => {
  it('fit the schema: $ref, allOf, oneOf, enum, const, default, bounds, formats, nested objects and arrays', () => {
    const schema = {
      $defs: {money: {type: 'number', exclusiveMinimum: 0, multipleOf: 0.01}},
      type: 'object',
      required: ['id', 'kind', 'total', 'tags', 'lines', 'contact', 'version', 'currency', 'shipTo'],
      properties: {
        id: {type: 'string', format: 'uuid'},
        kind: {const: 'order'},
        currency: {type: 'string', default: 'EUR'},
        version: {type: 'integer', minimum: 3, maximum: 9, multipleOf: 3},
        total: {$ref: '#/$defs/money'},
        tags: {type: 'array', items: {type: 'string', minLength: 12}, minItems: 2},
        lines: {
          type: 'array',
          items: {
            allOf: [
              {type: 'object', required: ['sku'], properties: {sku: {type: 'string', maxLength: 3}}},
              {required: ['at'], properties: {at: {type: 'string', format: 'date'}}},
            ],
          },
        },
        contact: {oneOf: [{type: 'null'}, {type: 'object', required: ['email'], properties: {email: {type: 'string', format: 'email'}}}]},
        shipTo: {type: ['object', 'null'], properties: {city: {type: 'string'}}},
        optional: {type: 'string'},
      },
      additionalProperties: false,
    }
    const example = exampleFromSchema(schema)
    expect(violationsOf(schema, example)).toEqual([])
    expect(example).toMatchObject({kind: 'order', currency: 'EUR', version: 3, contact: {email: 'someone@example.com'}})
    expect(example).not.toHaveProperty('optional')
  })

  it('stay small whatever minItems and minLength ask', () => {
    const example = exampleFromSchema({type: 'array', minItems: 1e9, items: {type: 'string', minLength: 1e9}}) as string[]
    expect(example).toHaveLength(100)
    expect(example[0]).toHaveLength(4096)
  })

  it('end on a recursive schema', () => {
    const schema = {$defs: {node: {type: 'object', required: ['child'], properties: {child: {$ref: '#/$defs/node'}}}}, $ref: '#/$defs/node'}
    expect(JSON.stringify(exampleFromSchema(schema)).length).toBeLessThan(200)
  })
})

describe('registry diff', () => {
  const registry = (yaml: string) => {
    const parsed = parseManifests(yaml, 'diff.yaml')
    expect(parsed.errors).toEqual([])
    return buildRegistry({resources: parsed.resources}).entries
  }
  const v1beta3 = (attributes: string, schema?: unknown): string =>
    `apiVersion: eventing.knative.dev/v1beta3\nkind: EventType\nmetadata: {name: paid}\nspec:\n  attributes:\n` +
    `    - {name: type, value: com.example.paid, required: true}\n    - {name: source, value: /shop, required: true}\n` +
    `    - {name: specversion, value: "1.0", required: true}\n    - {name: id, required: true}\n${attributes}` +
    (schema === undefined
      ? ''
      : `---\napiVersion: eventing.knative.dev/v1beta2\nkind: EventType\nmetadata: {name: paid-schema}\nspec:\n  type: com.example.paid\n  schemaData: '${JSON.stringify(schema)}'\n`)

  it('finds required attributes added, fixed values changed, and changes inside array items behind $refs', () => {
    const items = (sku: unknown, required: string[]) => ({
      type: 'object',
      properties: {lines: {type: 'array', items: {$ref: '#/$defs/line'}}},
      $defs: {line: {type: 'object', required, properties: {sku}}},
    })
    const before = registry(v1beta3('    - {name: region, value: eu, required: true}\n', items({type: 'string'}, [])))
    const after = registry(
      v1beta3('    - {name: region, value: us, required: true}\n    - {name: tenant, required: true}\n', items({type: 'integer'}, ['sku'])),
    )
    expect(diffRegistries(before, after).changed[0]!.changes).toEqual([
      {breaking: true, at: 'attribute region', message: 'value changed from "eu" to "us"'},
      {breaking: true, at: 'attribute tenant', message: 'required attribute added'},
      {breaking: true, at: 'data/lines/*/sku', message: 'now required'},
      {breaking: true, at: 'data/lines/*/sku', message: 'type changed from string to number'},
    ])
    expect(diffRegistries(after, after)).toEqual({added: [], removed: [], changed: [], breaking: 0})
  })

  it('does not follow a malformed local $ref', () => {
    const schema = (type: string) => ({type: 'object', properties: {a: {$ref: '#/$defs/100%'}}, $defs: {'100%': {type}}})
    expect(diffRegistries(registry(v1beta3('', schema('string'))), registry(v1beta3('', schema('integer')))).changed).toEqual([])
  })
})

describe('local $refs', () => {
  it('that are malformed (a bad percent-escape) are not followed in examples and types', () => {
    const schema = {type: 'object', required: ['a'], properties: {a: {$ref: '#/$defs/100%'}}, $defs: {'100%': {type: 'string'}}}
    expect(exampleFromSchema(schema)).toEqual({a: null})
    expect(schemaType(schema, schema, 0, [])).toContain('unknown')
  })
})

describe('checking large data', () => {
  it('stops at the first violation past 256 KiB of data, so that a huge event cannot make millions of them', () => {
    const {schemas} = compileEventSchemas([
      {namespace: 'default', type: 'big', reference: '-', schema: {type: 'array', items: {type: 'string'}}, where: {file: 'x.yaml'}},
    ])
    const event = (items: number) => ({
      specversion: '1.0' as const,
      id: '1',
      source: '/s',
      type: 'big',
      datacontenttype: 'application/json',
      data: new TextEncoder().encode(JSON.stringify(Array.from({length: items}, (_, i) => i))),
      extensions: {},
    })
    expect(schemas.check('default', 'Broker/default', event(1000))).toMatchObject({total: 1000})
    expect(schemas.check('default', 'Broker/default', event(100_000))).toEqual({
      type: 'big',
      violations: [{path: '/0', message: 'must be string'}],
      total: 1,
    })
  })
})
