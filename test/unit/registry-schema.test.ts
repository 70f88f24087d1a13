import {Ajv2020} from 'ajv/dist/2020.js'
import {describe, expect, it} from 'vitest'
import {exampleFromSchema, inferSchema, SchemaInference, stringFormats} from '../../src/core/registry/index.js'

// formats are hints here: validation checks types, properties and required
const ajv = new Ajv2020({strict: true, allowUnionTypes: true, validateFormats: false, allErrors: true})

function accepts(schema: object, value: unknown): boolean {
  const validate = ajv.compile(schema)
  return validate(value)
}

describe('JSON Schema inference', () => {
  it('describes one object sample: types, integers vs numbers, required properties', () => {
    const schema = inferSchema([{id: 42, price: 9.99, name: 'book', paid: true, note: null}])
    expect(schema).toEqual({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      properties: {id: {type: 'integer'}, price: {type: 'number'}, name: {type: 'string'}, paid: {type: 'boolean'}, note: {type: 'null'}},
      required: ['id', 'price', 'name', 'paid', 'note'],
    })
  })

  it('merges samples: a property missing from one sample becomes optional; types are unioned', () => {
    const schema = inferSchema([
      {id: 1, amount: 3, tags: ['a']},
      {id: 2, amount: 2.5, coupon: 'X', tags: []},
      {id: 3, amount: 7, coupon: null, tags: ['b', 'c']},
    ])!
    expect(schema.required).toEqual(['id', 'amount', 'tags'])
    const properties = schema.properties as Record<string, Record<string, unknown>>
    expect(properties.amount).toEqual({type: 'number'}) // integer + fraction → number
    expect(properties.coupon).toEqual({type: ['string', 'null']})
    expect(properties.tags).toEqual({type: 'array', items: {type: 'string'}})
  })

  it('keeps a format only when every string at the position has it', () => {
    const dated = inferSchema([{at: '2024-05-01T10:00:00Z'}, {at: '2024-05-02T11:30:00.123+02:00'}])!
    expect((dated.properties as Record<string, unknown>).at).toEqual({type: 'string', format: 'date-time'})
    const mixed = inferSchema([{at: '2024-05-01T10:00:00Z'}, {at: 'yesterday'}])!
    expect((mixed.properties as Record<string, unknown>).at).toEqual({type: 'string'})
  })

  it('recognises the obvious formats and nothing doubtful', () => {
    expect(stringFormats('2024-02-29T23:59:59Z')).toEqual(['date-time'])
    expect(stringFormats('2023-02-29T10:00:00Z')).toEqual([]) // not a leap year
    expect(stringFormats('2024-12-31')).toEqual(['date'])
    expect(stringFormats('123e4567-e89b-12d3-a456-426614174000')).toEqual(['uuid'])
    expect(stringFormats('ada@example.com')).toEqual(['email'])
    expect(stringFormats('https://example.com/orders/1?x=y')).toEqual(['uri'])
    expect(stringFormats('urn:isbn:0451450523')).toEqual(['uri'])
    expect(stringFormats('192.168.0.1')).toEqual(['ipv4'])
    for (const plain of ['hello', '12:30', 'note: call back', '/orders/1', '', '999.1.1.1', 'a@b']) expect(stringFormats(plain)).toEqual([])
  })

  it('describes nested objects, arrays of objects and top-level non-objects', () => {
    const schema = inferSchema([{order: {lines: [{sku: 'a', qty: 1}, {sku: 'b'}]}}])!
    const lines = ['properties', 'order', 'properties', 'lines']
    expect(schema).toHaveProperty([...lines, 'type'], 'array')
    expect(schema).toHaveProperty([...lines, 'items', 'required'], ['sku'])
    expect(inferSchema(['x', 'y'])).toEqual({$schema: 'https://json-schema.org/draft/2020-12/schema', type: 'string'})
    expect(inferSchema([[1, 2], {a: 1}])!.type).toEqual(['object', 'array'])
  })

  it('turns an object with more distinct keys than the limit into a map described by its values', () => {
    const inference = new SchemaInference({maxDepth: 12, maxProperties: 5, maxNodes: 100, maxArrayItems: 10})
    for (let i = 0; i < 50; i++) inference.add({prices: {[`sku-${i}`]: i + 0.5}})
    expect(inference.schema()).toHaveProperty(['properties', 'prices'], {type: 'object', additionalProperties: {type: 'number'}})
    expect(inference.size).toBeLessThan(10)
  })

  it('stays bounded on a pathological stream: depth, node count', () => {
    const inference = new SchemaInference({maxDepth: 4, maxProperties: 1000, maxNodes: 50, maxArrayItems: 10})
    let deep: unknown = 'bottom'
    for (let i = 0; i < 100; i++) deep = {next: deep}
    inference.add(deep)
    for (let i = 0; i < 500; i++) inference.add({[`k${i}`]: {[`j${i}`]: i}})
    expect(inference.size).toBeLessThanOrEqual(50)
    const text = JSON.stringify(inference.schema())
    expect(text.length).toBeLessThan(10_000)
    // what is past the limits is described as "anything", so every sample still validates
    expect(accepts(inference.schema()!, deep)).toBe(true)
  })

  it('accepts every sample it was inferred from (randomised shapes)', () => {
    let seed = 7
    const random = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648
    const value = (depth: number): unknown => {
      const r = random()
      if (depth > 3 || r < 0.15) return Math.floor(random() * 100)
      if (r < 0.3) return random() * 10
      if (r < 0.45) return ['a', '2024-01-01', 'x@y.io', ''][Math.floor(random() * 4)]
      if (r < 0.55) return null
      if (r < 0.65) return random() < 0.5
      if (r < 0.8) return Array.from({length: Math.floor(random() * 4)}, () => value(depth + 1))
      return Object.fromEntries(
        Array.from({length: Math.floor(random() * 4)}, (_, i) => [`f${Math.floor(random() * 6)}${i % 2}`, value(depth + 1)]),
      )
    }
    const samples = Array.from({length: 200}, () => value(0))
    const schema = inferSchema(samples)!
    for (const sample of samples) expect(accepts(schema, sample)).toBe(true)
  })

  it('makes an example that fits the schema it came from', () => {
    const schema = inferSchema([
      {id: 'f47ac10b-58cc-4372-a567-0e02b2c3d479', at: '2024-01-01T00:00:00Z', n: 2, lines: [{sku: 'a'}], ok: true},
    ])!
    const example = exampleFromSchema(schema) as Record<string, unknown>
    expect(accepts(schema, example)).toBe(true)
    expect(example.at).toMatch(/^\d{4}-\d{2}-\d{2}T/)
    expect(stringFormats(example.id as string)).toContain('uuid')
  })
})
