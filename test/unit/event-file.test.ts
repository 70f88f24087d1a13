// Event files (src/core/event-file.ts): the conformance YAML and kne's JSONL, written and read back, the
// conformance tool's own fixtures read unmodified, and bad files refused with the file, the place and the field.
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import type {ActivityJson} from '../../src/core/activity.js'
import type {CloudEvent} from '../../src/core/cloudevent.js'
import {
  arrivedFromOutside,
  eventFileFormat,
  jsonlEventLine,
  parseJsonlEventLine,
  parseYamlEventFile,
  recordedEvent,
  withoutBrokerExtensions,
  yamlEventDocument,
  type FileEvent,
} from '../../src/core/event-file.js'
import {conformanceDir, hasConformance} from '../helpers/conformance.js'

const text = (s: string): Uint8Array => new TextEncoder().encode(s)

const order: CloudEvent = {
  specversion: '1.0',
  id: 'order-1',
  source: '/shop/checkout',
  type: 'com.example.order.created',
  time: '2026-12-04T10:00:00.123Z',
  subject: 'orders/1',
  datacontenttype: 'application/json',
  extensions: {tenant: 'acme', priority: 'true', version: '1.0'},
  data: text('{"id": 1, "items": ["a", "b"]}'),
}

const recorded: FileEvent = {event: order, mode: 'binary', recorded: {broker: 'shop/orders', at: '2026-12-04T10:00:00.456Z'}}

/** Data that YAML writes in every style it has: plain lines, trailing spaces and newlines, CR, control characters, emoji. */
const awkwardData = [
  'Hello, World!\n',
  'no newline at the end',
  '  leading spaces\nsecond line\n',
  'trailing spaces  \n',
  'ends with blank lines\n\n\n',
  'a\r\nb',
  'tab\there and \u0001 control and \u0085 NEL and \u2028 LS',
  'é😀 # not a comment\n--- not a document\n',
  'key: value\n- item\n',
  '',
]

function roundTripYaml(items: FileEvent[]): FileEvent[] {
  return parseYamlEventFile(items.map((item, i) => yamlEventDocument(item, i === 0)).join(''), 'events.yaml')
}

describe('YAML event files', () => {
  it("read back what kne writes: the attributes, the extensions as text, the data byte for byte, the mode and kne's note", () => {
    const structured: FileEvent = {event: {...order, id: 'order-2'}, mode: 'structured', recorded: {channel: 'shop/audit'}}
    const [first, second] = roundTripYaml([recorded, structured])
    expect(first).toEqual({...recorded, position: 'document 1, line 2'})
    expect(second).toMatchObject({event: {id: 'order-2'}, mode: 'structured', recorded: {channel: 'shop/audit'}})
  })

  it("writes the conformance format, with kne's note as a comment other tools ignore", () => {
    expect(yamlEventDocument(recorded, true)).toBe(
      [
        '# kne: broker shop/orders at 2026-12-04T10:00:00.456Z',
        'Mode: binary',
        'ContextAttributes:',
        '  specversion: "1.0"',
        '  type: com.example.order.created',
        '  id: order-1',
        '  source: /shop/checkout',
        '  time: 2026-12-04T10:00:00.123Z',
        '  subject: orders/1',
        '  datacontenttype: application/json',
        '  Extensions:',
        '    tenant: acme',
        '    priority: "true"',
        '    version: "1.0"',
        'Data: |-',
        '  {"id": 1, "items": ["a", "b"]}',
        '',
      ].join('\n'),
    )
    expect(yamlEventDocument(recorded, false)).toMatch(/^---\n# kne: broker/)
  })

  it.each(awkwardData)('keeps text data exactly: %j', (data) => {
    const [back] = roundTripYaml([{event: {...order, datacontenttype: 'text/plain', data: text(data)}, mode: 'binary'}])
    expect(Buffer.from(back!.event.data!).toString('utf8')).toBe(data)
  })

  it('writes data that is not UTF-8 as DataBase64 and reads it back', () => {
    const bytes = new Uint8Array([0xff, 0x00, 0xc3, 0x28, 0x89, 0x50, 0x4e, 0x47])
    const item: FileEvent = {event: {...order, datacontenttype: 'application/octet-stream', data: bytes}, mode: 'binary'}
    expect(yamlEventDocument(item, true)).toContain('DataBase64: /wDDKIlQTkc=')
    expect(roundTripYaml([item])[0]!.event.data).toEqual(Buffer.from(bytes))
  })

  it('keeps an event without data apart from one with empty data', () => {
    const {data: _none, ...withoutData} = order
    const [none, empty] = roundTripYaml([
      {event: withoutData, mode: 'binary'},
      {event: {...order, data: new Uint8Array()}, mode: 'binary'},
    ])
    expect(none!.event.data).toBeUndefined()
    expect(empty!.event.data).toEqual(new Uint8Array())
  })

  it('reads 0.3 events with schemaurl, and TransportExtensions as headers', () => {
    const [event] = parseYamlEventFile(
      'ContextAttributes:\n  specversion: 0.3\n  type: t\n  id: 1\n  source: /s\n  schemaurl: http://example.com/s\nTransportExtensions:\n  user-agent: "foo"\nData: x\n',
      'old.yaml',
    )
    expect(event).toMatchObject({event: {specversion: '0.3', dataschema: 'http://example.com/s'}, headers: {'user-agent': 'foo'}})
  })

  it.each([
    ['not YAML', 'ContextAttributes: [\n', /^bad\.yaml: document 1, line \d+: invalid YAML/],
    ['a list, not a mapping', '- a\n- b\n', /^bad\.yaml: document 1, line 1: the document: expected a mapping/],
    ['no ContextAttributes', 'Data: x\n', /^bad\.yaml: document 1, line 1: ContextAttributes: missing/],
    [
      'a misspelt field',
      'ContextAttributes:\n  specversion: "1.0"\n  type: t\n  id: "1"\n  source: /s\ndata: x\n',
      /^bad\.yaml: document 1, line 6: data: not a field of an event document/,
    ],
    [
      'an extension at the wrong level',
      'ContextAttributes:\n  specversion: "1.0"\n  type: t\n  id: "1"\n  source: /s\n  tenant: acme\n',
      /^bad\.yaml: document 1, line 6: ContextAttributes\.tenant: not a context attribute/,
    ],
    [
      'a missing type, in the second document',
      'ContextAttributes: {specversion: "1.0", type: t, id: "1", source: /s}\n---\nContextAttributes:\n  specversion: "1.0"\n  id: "2"\n  source: /s\n',
      /^bad\.yaml: document 2, line 4: ContextAttributes\.type: REQUIRED/,
    ],
    [
      'an unknown spec version',
      'ContextAttributes:\n  specversion: "2.0"\n  type: t\n  id: "1"\n  source: /s\n',
      /^bad\.yaml: document 1, line 2: ContextAttributes\.specversion: "2\.0"/,
    ],
    ['an unknown Mode', 'Mode: batch\nContextAttributes: {specversion: "1.0", type: t, id: "1", source: /s}\n', /line 1: Mode: "batch"/],
    [
      'bad base64',
      'ContextAttributes: {specversion: "1.0", type: t, id: "1", source: /s}\nDataBase64: "not base64!"\n',
      /line 2: DataBase64: not valid base64/,
    ],
    [
      'Data given twice',
      'ContextAttributes: {specversion: "1.0", type: t, id: "1", source: /s}\nData: a\nDataBase64: YQ==\n',
      /Data and DataBase64: give one of them/,
    ],
    [
      'anchors and aliases',
      'ContextAttributes: {specversion: "1.0", type: t, id: "1", source: /s}\nData: &d x\nDataBase64: *d\n',
      /^bad\.yaml: document 1, line 2: an event file uses no YAML anchors or aliases/,
    ],
  ])('refuses %s, naming the file, the document, the line and the field', (_name, yaml, message) => {
    expect(() => parseYamlEventFile(yaml, 'bad.yaml')).toThrow(message)
  })

  it('refuses a file over its size bound before parsing it', () => {
    expect(() => parseYamlEventFile('#'.repeat(33 * 1024 * 1024), 'huge.yaml')).toThrow(/huge\.yaml: larger than 32 MiB/)
  })

  it('reads a file saved with a byte-order mark and CRLF line ends', () => {
    const text = `\uFEFF${yamlEventDocument(recorded, true).replaceAll('\n', '\r\n')}`
    expect(parseYamlEventFile(text, 'windows.yaml')[0]).toMatchObject({event: {id: 'order-1'}, recorded: recorded.recorded})
  })

  it('skips empty documents, such as a trailing ---', () => {
    expect(roundTripYaml([recorded]).length).toBe(1)
    expect(parseYamlEventFile(`${yamlEventDocument(recorded, true)}---\n`, 'events.yaml')).toHaveLength(1)
  })
})

describe.skipIf(!hasConformance)("the conformance tool's fixtures, unmodified", () => {
  const read = (path: string): FileEvent[] => parseYamlEventFile(readFileSync(join(conformanceDir!, path), 'utf8'), path)

  it('v1.yaml: a binary and a structured event, with extensions and transport extensions', () => {
    const [binary, structured] = read('cloudevents_conformance/yaml/v1.yaml')
    expect(binary).toMatchObject({
      mode: 'binary',
      headers: {'user-agent': 'foo'},
      event: {
        specversion: '1.0',
        type: 'com.example.someevent',
        time: '2018-04-05T03:56:24Z',
        id: '4321-4321-4321',
        source: '/mycontext/subcontext',
        extensions: {comexampleextension1: 'value', comexampleextension2: '{"othervalue": 5}'},
      },
    })
    expect(Buffer.from(binary!.event.data!).toString()).toBe('{"world":"hello"}\n')
    expect(structured!.mode).toBe('structured')
  })

  it('v1.0/v1_minimum.yaml: six events, their data as the tool sends it', () => {
    const events = read('cloudevents_conformance/yaml/v1.0/v1_minimum.yaml')
    expect(events.map((e) => e.event.id)).toEqual([
      'conformance-0001',
      'conformance-0002',
      'conformance-0003',
      'conformance-0004',
      'conformance-0005',
      'conformance-0006',
    ])
    expect(Buffer.from(events[1]!.event.data!).toString()).toBe('Hello, 🌎!\n')
    expect(events[5]!.event.datacontenttype).toBe('application/xml; charset=utf-8')
    expect(events.every((e) => e.recorded === undefined)).toBe(true)
  })
})

describe('JSONL event files', () => {
  it("writes one line per event, kne's note beside the CloudEvents JSON, and reads it back", () => {
    const line = jsonlEventLine(recorded)
    expect(line).toBe(
      '{"kne":{"broker":"shop/orders","at":"2026-12-04T10:00:00.456Z"},"event":{"specversion":"1.0","id":"order-1","source":"/shop/checkout","type":"com.example.order.created","datacontenttype":"application/json","subject":"orders/1","time":"2026-12-04T10:00:00.123Z","tenant":"acme","priority":"true","version":"1.0","data":{"id": 1, "items": ["a", "b"]}}}\n',
    )
    expect(parseJsonlEventLine(line.trimEnd(), 'events.jsonl', 1)).toEqual({...recorded, position: 'line 1'})
  })

  it('keeps JSON data on one line, and binary data as data_base64', () => {
    const multiline: FileEvent = {event: {...order, data: text('{\n  "id": 1\n}')}, mode: 'structured'}
    const line = jsonlEventLine(multiline)
    expect(line.trimEnd()).not.toContain('\n')
    const back = parseJsonlEventLine(line.trimEnd(), 'events.jsonl', 1)
    expect(JSON.parse(Buffer.from(back.event.data!).toString())).toEqual({id: 1})
    expect(back.mode).toBe('structured')
    const binary: FileEvent = {event: {...order, datacontenttype: 'image/png', data: new Uint8Array([0x89, 0x50, 0xff])}, mode: 'binary'}
    expect(jsonlEventLine(binary)).toContain('"data_base64":"iVD/"')
    expect(parseJsonlEventLine(jsonlEventLine(binary).trimEnd(), 'e.jsonl', 1).event.data).toEqual(Buffer.from([0x89, 0x50, 0xff]))
  })

  it('reads a bare CloudEvents JSON object per line too', () => {
    const back = parseJsonlEventLine('{"specversion":"1.0","id":"x","source":"/s","type":"t","data":{"a":1}}', 'plain.jsonl', 3)
    expect(back).toMatchObject({event: {id: 'x'}, mode: 'binary', position: 'line 3'})
    expect(back.recorded).toBeUndefined()
  })

  it.each([
    ['not JSON', '{"event": ', /^e\.jsonl: line 7: not JSON/],
    ['an array', '[1]', /^e\.jsonl: line 7: expected a JSON object/],
    ['an invalid event', '{"kne":{},"event":{"specversion":"1.0","id":"x","source":"/s"}}', /^e\.jsonl: line 7: event\.type: REQUIRED/],
    [
      'a bad note',
      '{"kne":{"broker":5},"event":{"specversion":"1.0","id":"x","source":"/s","type":"t"}}',
      /^e\.jsonl: line 7: kne\.broker: expected a string/,
    ],
  ])('refuses %s, naming the file, the line and the field', (_name, line, message) => {
    expect(() => parseJsonlEventLine(line, 'e.jsonl', 7)).toThrow(message)
  })
})

it('tells the formats apart by extension, else by the first character', () => {
  expect(eventFileFormat('a.jsonl', '')).toBe('jsonl')
  expect(eventFileFormat('a.ndjson', '')).toBe('jsonl')
  expect(eventFileFormat('a.yml', '{')).toBe('yaml')
  expect(eventFileFormat('recording', '  {"event": {}}')).toBe('jsonl')
  expect(eventFileFormat('recording', '# kne: broker a/b\nMode: binary')).toBe('yaml')
})

it('leaves out the extensions a broker adds to what it accepts', () => {
  const accepted = {...order, extensions: {...order.extensions, knativearrivaltime: '2026-12-04T10:00:00Z', knativebrokerttl: 254}}
  expect(withoutBrokerExtensions(accepted).extensions).toEqual(order.extensions)
  expect(withoutBrokerExtensions(order)).toBe(order)
})

describe('what a recording keeps of the activity', () => {
  const arrival = {
    kind: 'event',
    broker: 'shop/orders',
    arrival: 7,
    id: 'order-1',
    type: 'com.example.order.created',
    source: '/shop/checkout',
    via: 'ingress',
    matched: ['shop/audit'],
    notMatched: [],
    event: {
      specversion: '1.0',
      id: 'order-1',
      source: '/shop/checkout',
      type: 'com.example.order.created',
      knativearrivaltime: '2026-12-04T10:00:00Z',
      knativebrokerttl: 254,
      data: {n: 1},
    },
    seq: 3,
    at: '2026-12-04T10:00:00.456Z',
  } as unknown as ActivityJson

  it('keeps events that arrive from outside, not replies, in-mesh hops or redeliveries', () => {
    expect(arrivedFromOutside(arrival)).toBe(true)
    expect(arrivedFromOutside({...arrival, via: 'reply', replyTo: {arrival: 1, trigger: 'shop/a'}} as ActivityJson)).toBe(false)
    expect(arrivedFromOutside({...arrival, from: {arrival: 1, trigger: 'shop/a', target: 'subscriber'}} as ActivityJson)).toBe(false)
    expect(arrivedFromOutside({...arrival, redelivers: {arrival: 1, trigger: 'shop/a'}} as ActivityJson)).toBe(false)
    expect(arrivedFromOutside({...arrival, redelivers: undefined} as ActivityJson)).toBe(true)
    expect(arrivedFromOutside({...arrival, kind: 'settled'} as unknown as ActivityJson)).toBe(false)
  })

  it('records the event as it came, with where and when it arrived, and its JSON data as sent', () => {
    const line = `{"kind":"event","broker":"shop/orders","event":{"specversion":"1.0","id":"order-1","source":"/shop/checkout","type":"com.example.order.created","knativebrokerttl":254,"data":{"n":  1}}}`
    const result = recordedEvent(arrival as Extract<ActivityJson, {kind: 'event'}>, line)
    expect(result.ok && result.item.recorded).toEqual({broker: 'shop/orders', at: '2026-12-04T10:00:00.456Z'})
    expect(result.ok && result.item.event.extensions).toEqual({})
    expect(result.ok && Buffer.from(result.item.event.data!).toString()).toBe('{"n":  1}')
  })
})
