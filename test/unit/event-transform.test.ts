// EventTransform's reader and JSONata engine: Knative's doc examples load and transform events as the
// page says; what Knative's webhook refuses, and expressions JSONata cannot compile, are errors naming
// the field; a failing or runaway expression is a typed failure, never a crash or a hang.
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {parse, parseAllDocuments} from 'yaml'
import type {CloudEvent} from '../../src/core/cloudevent.js'
import {EVENT_TRANSFORM_SPEC_FIELDS, readEventTransform} from '../../src/kinds/event-transform/read.js'
import {
  applyTransform,
  compileTransform,
  describeJsonataFailure,
  producedAttributes,
  readTransformOutput,
  transformInput,
  type CompiledTransform,
} from '../../src/kinds/event-transform/jsonata.js'
import {repoRoot} from '../helpers/cli.js'
import {readWith} from '../helpers/kind-reader.js'

const docs = join(repoRoot, 'test', 'fixtures', 'knative-docs')
const fixture = (file: string) => readFileSync(join(docs, file), 'utf8')
const read = (text: string) => readWith(readEventTransform, EVENT_TRANSFORM_SPEC_FIELDS, text)
const head = 'apiVersion: eventing.knative.dev/v1alpha1\nkind: EventTransform\nmetadata: {name: t}\n'
const compiled = (expression: string, limits = {}): CompiledTransform => {
  const result = compileTransform(expression, limits)
  if (!result.ok) throw new Error(describeJsonataFailure(result.failure))
  return result.transform
}

const bytes = (text: string) => new TextEncoder().encode(text)
const userEvent: CloudEvent = {
  specversion: '1.0',
  id: 'e-1',
  source: '/users',
  type: 'user.registered',
  time: '2025-03-03T09:13:23Z',
  datacontenttype: 'application/json',
  extensions: {traceparent: '00-abc-def-01'},
  data: bytes('{"user":{"id":"u-42","name":"Ada Lovelace","email":"Ada@Example.com"},"region":"eu"}'),
}

describe('EventTransform reader', () => {
  it.each([
    'eventtransform-readme-L35.yaml',
    'eventtransform-readme-L58.yaml',
    'eventtransform-readme-L92.yaml',
    'eventtransform-jsonata-md-L18.yaml',
  ])("loads Knative's example %s unmodified", (file) => {
    const {spec, errors} = read(fixture(file))
    expect(errors).toEqual([])
    expect(spec.jsonata.expression).toContain('"specversion": "1.0"')
  })

  it('reads the sink as a Destination with the namespace defaulted', () => {
    const {spec} = read(fixture('eventtransform-readme-L58.yaml'))
    expect(spec.sink).toEqual({
      ref: {apiVersion: 'serving.knative.dev/v1', kind: 'Service', name: 'destination-service', namespace: 'default'},
    })
  })

  it("loads the broker-reply example's EventTransform (no sink: the transformed event is the response)", () => {
    const transform = parseAllDocuments(fixture('eventtransform-readme-L237.yaml')).map((d) => d.toJS() as {kind: string})[1]!
    const {spec, errors} = read(JSON.stringify(transform))
    expect(errors).toEqual([])
    expect(spec.sink).toBeUndefined()
  })

  it('refuses the reply example\'s "#" comments at the field, with JSONata\'s message and a hint', () => {
    const {errors} = read(fixture('eventtransform-readme-L119.yaml'))
    expect(errors).toEqual([
      {
        field: 'spec.jsonata.expression',
        message:
          'invalid value: JSONata cannot compile it: The symbol "#" cannot be used as a unary operator (JSONata S0211 at line 1, column 1) (JSONata comments are /* ... */, not #)',
      },
      {
        field: 'spec.reply.jsonata.expression',
        message: expect.stringMatching(/^invalid value: JSONata cannot compile it: The symbol "#" cannot be used/),
      },
    ])
  })

  it('names the line and column of a syntax error in a multi-line expression', () => {
    const {errors} = read(`${head}spec:\n  jsonata:\n    expression: |\n      {\n        "id": id,\n        "type": $foo(\n      }\n`)
    expect(errors).toEqual([{field: 'spec.jsonata.expression', message: expect.stringMatching(/JSONata S0\d{3} at line 4, column \d+\)$/)}])
  })

  it.each([
    ['no transformation', 'spec: {}', 'spec.jsonata', 'expected exactly one, got neither: spec.jsonata'],
    [
      'an empty expression',
      'spec: {jsonata: {}}',
      'spec.jsonata.expression',
      'invalid value: JSONata cannot compile it: the expression is empty',
    ],
    [
      'a reply without a sink',
      'spec: {jsonata: {expression: "$"}, reply: {discard: true}}',
      'spec.reply',
      'reply is set without spec.sink',
    ],
    [
      'a reply both transformed and discarded',
      'spec: {jsonata: {expression: "$"}, sink: {uri: "http://s"}, reply: {discard: true, jsonata: {expression: "$"}}}',
      'spec.reply',
      'expected exactly one, got both: spec.reply.jsonata, spec.reply.discard',
    ],
    [
      'sink CA certs',
      'spec: {jsonata: {expression: "$"}, sink: {uri: "https://s", CACerts: "x"}}',
      'spec.sink.CACerts',
      expect.stringMatching(/^CACerts for the sink is not supported for JSONata transformations/),
    ],
    [
      'a sink without ref or uri',
      'spec: {jsonata: {expression: "$"}, sink: {}}',
      'spec.sink',
      'expected at least one, got none: set ref or uri',
    ],
    [
      'a number for an expression',
      'spec: {jsonata: {expression: 3}}',
      'spec.jsonata.expression',
      expect.stringMatching(/^must be a string, got an integer/),
    ],
    ['an unknown spec field', 'spec: {jsonata: {expression: "$"}, filter: {}}', 'spec.filter', expect.stringMatching(/^unknown field/)],
    [
      'an unknown reply field',
      'spec: {jsonata: {expression: "$"}, sink: {uri: "http://s"}, reply: {drop: true}}',
      'spec.reply.drop',
      expect.stringMatching(/^unknown field/),
    ],
    [
      'discard that is not a boolean',
      'spec: {jsonata: {expression: "$"}, sink: {uri: "http://s"}, reply: {discard: "yes"}}',
      'spec.reply.discard',
      expect.stringMatching(/^must be true or false/),
    ],
  ])('refuses %s, naming the field', (_, spec, field, message) => {
    expect(read(`${head}${spec}\n`).errors).toEqual([{field, message}])
  })
})

describe('EventTransform JSONata engine', () => {
  it('gives the expression the whole event in the JSON format: attributes, extensions and data', () => {
    expect(transformInput(userEvent)).toEqual({
      specversion: '1.0',
      id: 'e-1',
      source: '/users',
      type: 'user.registered',
      time: '2025-03-03T09:13:23Z',
      datacontenttype: 'application/json',
      traceparent: '00-abc-def-01',
      data: {user: {id: 'u-42', name: 'Ada Lovelace', email: 'Ada@Example.com'}, region: 'eu'},
    })
    expect(transformInput({...userEvent, datacontenttype: 'text/plain', data: bytes('hi')}).data).toBe('hi')
    expect(transformInput({...userEvent, datacontenttype: 'application/octet-stream', data: new Uint8Array([0xff, 0])}).data_base64).toBe(
      '/wA=',
    )
  })

  it('turns the "Field Extraction" example into the event the page describes: data.user.id promoted to an attribute', async () => {
    const {spec} = read(fixture('eventtransform-readme-L35.yaml'))
    const output = await applyTransform(compiled(spec.jsonata.expression), userEvent)
    expect(output).toEqual({
      kind: 'event',
      event: {
        specversion: '1.0',
        id: 'e-1',
        type: 'user.extracted',
        source: 'transform.user-extractor',
        time: '2025-03-03T09:13:23Z',
        extensions: {userid: 'u-42'},
        // `data: $` is the whole input event
        data: expect.any(Uint8Array),
      },
    })
    if (output.kind !== 'event') return
    expect(JSON.parse(new TextDecoder().decode(output.event.data))).toEqual(transformInput(userEvent))
  })

  it('runs the "Event Enrichment" example, JSONata comments and all', async () => {
    const {spec} = read(fixture('eventtransform-readme-L92.yaml'))
    const output = await applyTransform(compiled(spec.jsonata.expression), userEvent)
    expect(output.kind === 'event' && output.event.extensions).toEqual({environment: 'production', region: 'us-west-1'})
  })

  it('produces exactly the output the "Restructuring Event Data" page shows for its input', async () => {
    const example = parse(fixture('eventtransform-jsonata-md-restructuring.yaml')) as {expression: string; input: string; output: string}
    const result = await compiled(example.expression).evaluate(JSON.parse(example.input))
    // JSONata's sequences are arrays with extra members: compare the JSON the transformer sends
    expect(result.ok && JSON.parse(JSON.stringify(result.value))).toEqual(JSON.parse(example.output))
  })

  it('leaves out attributes whose path is missing (no time on the event, no time on the result)', async () => {
    const {spec} = read(fixture('eventtransform-jsonata-md-L18.yaml'))
    const output = await applyTransform(compiled(spec.jsonata.expression), {...userEvent, time: undefined})
    expect(output.kind === 'event' && output.event.time).toBeUndefined()
  })

  it("reports a run-time error with JSONata's message, code and position", async () => {
    const output = await applyTransform(
      compiled('{"specversion": "1.0", "id": id, "source": source, "type": type, "n": 1 + data.user.name}'),
      userEvent,
    )
    expect(output.kind).toBe('failed')
    if (output.kind !== 'failed') return
    expect(describeJsonataFailure(output.failure)).toMatch(
      /^The right side of the "\+" operator must evaluate to a number \(JSONata T2002 at line 1, column \d+\)$/,
    )
  })

  it('stops a runaway expression: an endless loop by time, deep recursion by depth, a huge sequence by length', async () => {
    const loop = await compiled('($f := function($n){ $f($n + 1) }; $f(0))', {timeoutMs: 20}).evaluate({})
    expect(loop).toMatchObject({ok: false, failure: {code: 'D1012', message: expect.stringMatching(/timeout/i)}})
    const deep = await compiled('($f := function($n){ $n + $f($n + 1) }; $f(0))').evaluate({})
    expect(deep).toMatchObject({ok: false, failure: {code: 'D1011'}})
    const long = await compiled('$count([1..1000000])', {maxSequence: 1000}).evaluate({})
    expect(long).toMatchObject({ok: false, failure: {code: 'D2015'}})
    const big = await compiled('$pad("", 5000, "x")', {maxResultBytes: 1000}).evaluate({})
    expect(big).toEqual({ok: false, failure: {message: 'the result is larger than 1000 bytes as JSON'}})
  })

  it('fails, not throws, on a result JSON cannot write', async () => {
    const result = await compiled('$number("1") > 0 ? {"n": $} : {}').evaluate({big: 10n})
    expect(result).toEqual({
      ok: false,
      failure: {message: expect.stringMatching(/^the result cannot be written as JSON: Do not know how to serialize a BigInt/)},
    })
  })

  it("reads results as Knative's transformer does: events, plain JSON, and failures", () => {
    expect(readTransformOutput({specversion: '1.0', id: 'x', source: '/s', type: 't', count: 3, ok: true})).toEqual({
      kind: 'event',
      event: {specversion: '1.0', id: 'x', source: '/s', type: 't', extensions: {count: 3, ok: true}},
    })
    expect(readTransformOutput({specversion: '1.0', source: '/s', type: 't'})).toEqual({
      kind: 'failed',
      failure: {message: 'the result is not a valid CloudEvent: id: REQUIRED but missing or empty'},
    })
    expect(readTransformOutput({total: 3})).toEqual({kind: 'json', contentType: 'application/json', body: '{"total":3}'})
    expect(readTransformOutput({contenttype: 'application/vnd.x+json', a: 1})).toMatchObject({
      kind: 'json',
      contentType: 'application/vnd.x+json',
    })
    expect(readTransformOutput(undefined)).toMatchObject({kind: 'failed', failure: {message: expect.stringMatching(/no result/)}})
    expect(readTransformOutput('text')).toMatchObject({
      kind: 'failed',
      failure: {message: expect.stringMatching(/produced a string, not an object/)},
    })
  })
})

describe('the events an EventTransform produces (for the registry)', () => {
  const expression = (file: string) => read(fixture(file)).spec.jsonata.expression

  it("reads literal types and sources from Knative's examples", () => {
    expect(producedAttributes(expression('eventtransform-readme-L35.yaml'))).toEqual({
      type: {values: ['user.extracted'], fromInput: false, computed: false},
      source: {values: ['transform.user-extractor'], fromInput: false, computed: false},
    })
    expect(producedAttributes(expression('eventtransform-readme-L92.yaml'))).toEqual({
      type: {values: [], fromInput: true, computed: false},
      source: {values: [], fromInput: true, computed: false},
    })
  })

  it('follows conditions, blocks and computed values', () => {
    // "Conditional Transformations", event-transform-jsonata.md
    expect(
      producedAttributes(
        '{"specversion": "1.0", "id": id, "type": type = "order.created" ? "new.order" : "updated.order", "source": source, "time": time, "priority": data.total > 1000 ? "high" : "normal", "data": $}',
        ['type', 'priority'],
      ),
    ).toEqual({
      type: {values: ['new.order', 'updated.order'], fromInput: false, computed: false},
      priority: {values: ['high', 'normal'], fromInput: false, computed: false},
    })
    expect(producedAttributes('($t := "x"; {"type": $t & ".y"})', ['type'])).toEqual({type: {values: [], fromInput: false, computed: true}})
    expect(producedAttributes('data.total > 1 ? {"type": "big"} : {"type": "small"}', ['type'])).toEqual({
      type: {values: ['big', 'small'], fromInput: false, computed: false},
    })
    expect(producedAttributes('$merge([$, {"type": "t"}])')).toBeUndefined()
    expect(producedAttributes('{')).toBeUndefined()
  })
})
