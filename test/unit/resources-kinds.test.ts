// The resource model kind by kind: what Knative's webhook (and the API server's schema check) refuses,
// with the exact field path, and the defaults it fills in.
import {describe, expect, it} from 'vitest'
import {stringify} from 'yaml'
import {exportManifest, exportManifests} from '../../src/core/resources/export.js'
import {parseManifests, readManifest} from '../../src/core/resources/parse.js'
import {cronProblem} from '../../src/core/resources/ping.js'
import type {KneResource, ManifestError} from '../../src/core/resources/types.js'

const GROUPS: Record<string, string> = {
  Broker: 'eventing.knative.dev/v1',
  Trigger: 'eventing.knative.dev/v1',
  PingSource: 'sources.knative.dev/v1',
  ContainerSource: 'sources.knative.dev/v1',
  SinkBinding: 'sources.knative.dev/v1',
  ApiServerSource: 'sources.knative.dev/v1',
  Channel: 'messaging.knative.dev/v1',
  InMemoryChannel: 'messaging.knative.dev/v1',
  Subscription: 'messaging.knative.dev/v1',
  Sequence: 'flows.knative.dev/v1',
  Parallel: 'flows.knative.dev/v1',
}
const SINK = {ref: {apiVersion: 'eventing.knative.dev/v1', kind: 'Broker', name: 'default'}}

/** Reads one resource of `kind` with `spec` (and extra top-level fields) in namespace shop. */
function read(
  kind: string,
  spec: unknown,
  extra: Record<string, unknown> = {},
): {resource?: KneResource; errors: ManifestError[]; warnings: ManifestError[]} {
  const doc = {apiVersion: GROUPS[kind] ?? 'eventing.knative.dev/v1', kind, metadata: {name: 'r1', namespace: 'shop'}, spec, ...extra}
  const parsed = parseManifests(stringify(doc), 'r.yaml')
  return {resource: parsed.resources[0], errors: parsed.errors, warnings: parsed.warnings}
}

/** The fields of the errors, for exact assertions. */
function fields(kind: string, spec: unknown, extra?: Record<string, unknown>): (string | undefined)[] {
  return read(kind, spec, extra).errors.map((e) => e.field)
}

function errorAt(kind: string, spec: unknown, field: string): string {
  const {errors} = read(kind, spec)
  const found = errors.find((e) => e.field === field)
  expect(found, `no error at ${field}: ${JSON.stringify(errors)}`).toBeDefined()
  expect(found).toMatchObject({file: 'r.yaml', resource: `${kind} shop/r1`})
  return found!.message
}

describe('Broker', () => {
  it("reads config and delivery; the dead-letter sink ref takes the broker's namespace", () => {
    const {resource, errors} = read('Broker', {
      config: {apiVersion: 'v1', kind: 'ConfigMap', name: 'cfg', namespace: 'knative-eventing'},
      delivery: {deadLetterSink: {ref: {apiVersion: 'v1', kind: 'Service', name: 'dls'}}, retry: 3},
    })
    expect(errors).toEqual([])
    expect(resource!.spec).toEqual({
      config: {apiVersion: 'v1', kind: 'ConfigMap', name: 'cfg', namespace: 'knative-eventing'},
      delivery: {deadLetterSink: {ref: {apiVersion: 'v1', kind: 'Service', name: 'dls', namespace: 'shop'}}, retry: 3},
    })
  })
  it('refuses an incomplete config reference, a trigger-only delivery format and unknown spec fields', () => {
    expect(errorAt('Broker', {config: {kind: 'ConfigMap', name: 'cfg'}}, 'spec.config.apiVersion')).toMatch(/missing field/)
    expect(errorAt('Broker', {delivery: {format: 'json'}}, 'spec.delivery.format')).toMatch(/only supported on a Trigger/)
    expect(errorAt('Broker', {delivry: {retry: 1}}, 'spec.delivry')).toMatch(/unknown field.*known: config, delivery/)
  })
  it('refuses a version Knative does not serve', () => {
    const parsed = parseManifests('apiVersion: eventing.knative.dev/v1beta1\nkind: Broker\nmetadata: {name: b}\n', 'b.yaml')
    expect(parsed.errors).toEqual([
      expect.objectContaining({
        field: 'apiVersion',
        message: 'Broker is served as eventing.knative.dev/v1, not eventing.knative.dev/v1beta1',
      }),
    ])
  })
})

describe('Trigger', () => {
  it('applies the webhook defaults in the model but keeps the manifest as written', () => {
    const {resource} = read('Trigger', {broker: 'orders', subscriber: {ref: {apiVersion: 'v1', kind: 'Service', name: 's'}}})
    expect(resource!.kind === 'Trigger' && resource.spec.subscriber.ref!.namespace).toBe('shop')
    expect(resource!.metadata.labels['eventing.knative.dev/broker']).toBe('orders')
    expect(resource!.manifest).toEqual({
      apiVersion: 'eventing.knative.dev/v1',
      kind: 'Trigger',
      metadata: {name: 'r1', namespace: 'shop'},
      spec: {broker: 'orders', subscriber: {ref: {apiVersion: 'v1', kind: 'Service', name: 's'}}},
    })
  })
  it('names the field of each Destination rule', () => {
    expect(errorAt('Trigger', {broker: 'b'}, 'spec.subscriber')).toBe('expected at least one, got none: set ref or uri')
    expect(errorAt('Trigger', {broker: 'b', subscriber: {uri: '/x'}}, 'spec.subscriber.uri')).toMatch(
      /^Relative URI is not allowed when Ref and \[apiVersion, kind, name\] is absent/,
    )
    expect(
      errorAt(
        'Trigger',
        {broker: 'b', subscriber: {ref: {apiVersion: 'v1', kind: 'Service', name: 's'}, uri: 'http://x/y'}},
        'spec.subscriber.uri',
      ),
    ).toMatch(/^Absolute URI is not allowed when Ref or \[apiVersion, kind, name\] is present/)
    expect(errorAt('Trigger', {broker: 'b', subscriber: {ref: {apiVersion: 'v1', kind: 'Service'}}}, 'spec.subscriber.ref.name')).toBe(
      'missing field(s)',
    )
    expect(
      errorAt(
        'Trigger',
        {broker: 'b', subscriber: {ref: {apiVersion: 'v1', kind: 'Service', name: 's', group: 'x'}}},
        'spec.subscriber.ref.group',
      ),
    ).toMatch(/unknown field/)
    expect(errorAt('Trigger', {broker: 'b', subscriber: {uri: 42}}, 'spec.subscriber.uri')).toMatch(
      /must be a string, got an integer \(42\)/,
    )
  })
  it("requires exactly one of broker and brokerRef, in the trigger's namespace", () => {
    expect(errorAt('Trigger', {subscriber: {uri: 'http://x'}}, 'spec.broker')).toMatch(/missing field/)
    expect(
      errorAt(
        'Trigger',
        {broker: 'a', brokerRef: {apiVersion: 'eventing.knative.dev/v1', kind: 'Broker', name: 'a'}, subscriber: {uri: 'http://x'}},
        'spec.brokerRef',
      ),
    ).toMatch(/expected exactly one, got both/)
    expect(
      errorAt(
        'Trigger',
        {brokerRef: {apiVersion: 'eventing.knative.dev/v1', kind: 'Broker', name: 'a', namespace: 'other'}, subscriber: {uri: 'http://x'}},
        'spec.brokerRef.namespace',
      ),
    ).toMatch(/cross-namespace-event-links/)
    const {resource} = read('Trigger', {
      brokerRef: {apiVersion: 'eventing.knative.dev/v1', kind: 'Broker', name: 'a'},
      subscriber: {uri: 'http://x'},
    })
    expect(resource!.kind === 'Trigger' && resource.spec.broker).toBe('a')
  })
  it('checks the delivery spec (§3.1) and the filter rules (§2)', () => {
    expect(
      fields('Trigger', {
        broker: 'b',
        subscriber: {uri: 'http://x'},
        delivery: {retry: -1, backoffPolicy: 'fast', backoffDelay: 'soon', timeout: 'PT0S', format: 'xml'},
      }),
    ).toEqual([
      'spec.delivery.retry',
      'spec.delivery.backoffPolicy',
      'spec.delivery.backoffDelay',
      'spec.delivery.timeout',
      'spec.delivery.format',
    ])
    expect(
      errorAt('Trigger', {broker: 'b', subscriber: {uri: 'http://x'}, filter: {attributes: {Type: 'x'}}}, 'spec.filter.attributes.Type'),
    ).toMatch(/invalid attribute name/)
    expect(
      errorAt(
        'Trigger',
        {broker: 'b', subscriber: {uri: 'http://x'}, filter: {attributes: {type: 'x'}, subscriber: {uri: 'http://y'}}},
        'spec.filter.subscriber',
      ),
    ).toMatch(/indented too far/)
  })
  it('checks the dependency and injection annotations like Knative', () => {
    const annotated = (annotations: Record<string, string>, broker = 'default') =>
      parseManifests(
        stringify({
          apiVersion: 'eventing.knative.dev/v1',
          kind: 'Trigger',
          metadata: {name: 't', namespace: 'shop', annotations},
          spec: {broker, subscriber: {uri: 'http://x'}},
        }),
        't.yaml',
      ).errors
    expect(annotated({'knative.dev/dependency': '{"kind":"PingSource","name":"p","apiVersion":"sources.knative.dev/v1"}'})).toEqual([])
    expect(annotated({'knative.dev/dependency': 'not json'})).toEqual([
      expect.objectContaining({
        field: 'metadata.annotations[knative.dev/dependency]',
        message: expect.stringMatching(/not a corev1.ObjectReference/),
      }),
    ])
    expect(annotated({'knative.dev/dependency': '{"kind":"PingSource","name":"p"}'}).map((e) => e.field)).toEqual([
      'metadata.annotations[knative.dev/dependency].apiVersion',
    ])
    expect(annotated({'knative.dev/dependency': '{"kind":"K","name":"p","apiVersion":"v1","namespace":"other"}'})[0]!.message).toMatch(
      /Namespace must be empty or equal to the trigger namespace "shop"/,
    )
    expect(annotated({'eventing.knative.dev/injection': 'yes'})[0]!.message).toMatch(/can only be "enabled" or "disabled"/)
    expect(annotated({'eventing.knative.dev/injection': 'enabled'}, 'orders')[0]!.message).toMatch(/only used for default broker/)
  })
})

describe('EventType', () => {
  const eventType = (version: string, spec: unknown) =>
    parseManifests(
      stringify({apiVersion: `eventing.knative.dev/${version}`, kind: 'EventType', metadata: {name: 'e', namespace: 'shop'}, spec}),
      'e.yaml',
    )
  it('v1beta2 requires spec.type; its reference takes the namespace', () => {
    expect(eventType('v1beta2', {source: '/x'}).errors).toEqual([
      expect.objectContaining({field: 'spec.type', message: 'missing field(s)'}),
    ])
    const ok = eventType('v1beta2', {
      type: 't',
      reference: {apiVersion: 'eventing.knative.dev/v1', kind: 'Broker', name: 'b'},
      schema: null,
    })
    expect(ok.errors).toEqual([])
    expect(ok.resources[0]!.spec).toEqual({
      type: 't',
      reference: {apiVersion: 'eventing.knative.dev/v1', kind: 'Broker', name: 'b', namespace: 'shop'},
    })
  })
  it('v1beta3 requires the attributes type, source, specversion and id, and has no spec.type', () => {
    const missing = eventType('v1beta3', {
      attributes: [
        {name: 'type', value: 't'},
        {name: 'source', value: '/s'},
      ],
    })
    expect(missing.errors).toEqual([
      expect.objectContaining({
        field: 'spec.attributes',
        message: expect.stringMatching(/^missing field\(s\): spec\.attributes\.specversion, spec\.attributes\.id/),
      }),
    ])
    expect(
      eventType('v1beta3', {type: 't', attributes: ['type', 'source', 'specversion', 'id'].map((name) => ({name}))}).errors.map(
        (e) => e.field,
      ),
    ).toEqual(['spec.type'])
    expect(eventType('v1beta3', {attributes: [{value: 'x'}]}).errors.map((e) => e.field)).toContain('spec.attributes[0].name')
  })
  it('keeps the deprecated v1beta1 as written, with a hint', () => {
    const old = eventType('v1beta1', {type: 't'})
    expect(old.errors).toEqual([])
    expect(old.others).toHaveLength(1)
    expect(old.warnings[0]).toMatchObject({
      field: 'apiVersion',
      message: expect.stringMatching(/deprecated: kne reads EventType as eventing.knative.dev\/v1beta2 or eventing.knative.dev\/v1beta3/),
    })
  })
})

describe('PingSource', () => {
  it('defaults the schedule to every minute and reads data, timezone and overrides', () => {
    const {resource, errors} = read('PingSource', {
      sink: SINK,
      timezone: 'Europe/Berlin',
      contentType: 'application/json',
      data: '{"a":1}',
      ceOverrides: {extensions: {Origin: 'kne'}},
    })
    expect(errors).toEqual([])
    expect(resource!.spec).toMatchObject({
      schedule: '* * * * *',
      timezone: 'Europe/Berlin',
      data: '{"a":1}',
      ceOverrides: {extensions: {Origin: 'kne'}},
    })
  })
  it.each([
    ['*/2 * * * *', undefined],
    ['0 */5 * * * *', undefined],
    ['@hourly', undefined],
    ['@midnight', undefined],
    ['0 9 * JAN-MAR MON-FRI', undefined],
    ['CRON_TZ=Europe/Berlin 0 9 * * *', undefined],
    ['@every 1m', 'unsupported descriptor @every'],
    ['@often', 'unrecognized descriptor: @often'],
    ['* * * *', 'expected 5 to 6 fields, found 4'],
    ['0 0 0 * * * *', 'expected 5 to 6 fields, found 7'],
    ['0 0 L * *', 'failed to parse "L"'],
    ['0 0 * * 1#2', 'failed to parse "1#2"'],
    ['0 0 * * 7', 'end of range (7) above maximum (6)'],
    ['61 * * * *', 'minute'],
    ['CRON_TZ=Mars/Olympus * * * * *', 'provided bad location Mars/Olympus'],
  ])('schedule %j', (schedule, problem) => {
    if (problem === undefined) expect(cronProblem(schedule)).toBeUndefined()
    else expect(cronProblem(schedule)).toContain(problem)
  })
  it('reports schedule, timezone, data and sink problems at their fields', () => {
    expect(errorAt('PingSource', {schedule: '@every 5m', sink: SINK}, 'spec.schedule')).toBe('invalid value: unsupported descriptor @every')
    expect(errorAt('PingSource', {timezone: 'Mars/Olympus', sink: SINK}, 'spec.timezone')).toMatch(
      /^invalid value: provided bad location Mars\/Olympus/,
    )
    expect(errorAt('PingSource', {data: 'a', dataBase64: 'YQ==', sink: SINK}, 'spec.data')).toBe(
      'expected exactly one, got both: spec.data, spec.dataBase64',
    )
    expect(errorAt('PingSource', {dataBase64: 'not base64!', sink: SINK}, 'spec.dataBase64')).toMatch(/illegal base64/)
    expect(errorAt('PingSource', {contentType: 'application/json', data: '[1,2]', sink: SINK}, 'spec.data')).toMatch(
      /must be a JSON object: got an array/,
    )
    expect(
      errorAt(
        'PingSource',
        {contentType: 'application/json', dataBase64: Buffer.from('{oops').toString('base64'), sink: SINK},
        'spec.dataBase64',
      ),
    ).toMatch(/JSON object/)
    expect(fields('PingSource', {contentType: 'text/plain', data: '[1,2]', sink: SINK})).toEqual([])
    expect(errorAt('PingSource', {}, 'spec.sink')).toMatch(/expected at least one, got none/)
    expect(
      errorAt('PingSource', {sink: SINK, ceOverrides: {extensions: {'bad-name': 'x'}}}, 'spec.ceOverrides.extensions.bad-name'),
    ).toMatch(/invalid key name "bad-name"/)
    expect(
      errorAt('PingSource', {sink: SINK, ceOverrides: {extensions: {additional: 42}}}, 'spec.ceOverrides.extensions.additional'),
    ).toMatch(/must be a string/)
    expect(errorAt('PingSource', {sink: SINK, jsonData: '{}'}, 'spec.jsonData')).toMatch(/unknown field/)
  })
})

describe('ContainerSource, SinkBinding, ApiServerSource', () => {
  it('ContainerSource needs containers with images and names the unnamed ones after the source', () => {
    expect(errorAt('ContainerSource', {sink: SINK, template: {spec: {}}}, 'spec.template.spec.containers')).toMatch(/missing field/)
    expect(
      errorAt('ContainerSource', {sink: SINK, template: {spec: {containers: [{name: 'c'}]}}}, 'spec.template.spec.containers[0].image'),
    ).toBe('missing field(s)')
    const {resource} = read('ContainerSource', {sink: SINK, template: {spec: {containers: [{image: 'i'}, {image: 'j', name: 'named'}]}}})
    expect(resource!.kind === 'ContainerSource' && resource.spec.template.spec.containers.map((c) => c.name)).toEqual(['r1-0', 'named'])
    expect(
      (resource!.manifest.spec as {template: {spec: {containers: {name?: string}[]}}}).template.spec.containers[0]!.name,
    ).toBeUndefined()
  })
  it('SinkBinding binds exactly one of name and selector, in its own namespace', () => {
    const subject = {apiVersion: 'apps/v1', kind: 'Deployment'}
    const {resource} = read('SinkBinding', {sink: SINK, subject: {...subject, name: 'app'}})
    expect(resource!.spec).toMatchObject({subject: {...subject, name: 'app', namespace: 'shop'}})
    expect(
      errorAt('SinkBinding', {sink: SINK, subject: {...subject, name: 'a', selector: {matchLabels: {app: 'a'}}}}, 'spec.subject'),
    ).toBe('expected exactly one, got both: spec.subject.name, spec.subject.selector')
    expect(errorAt('SinkBinding', {sink: SINK, subject}, 'spec.subject')).toMatch(/got neither/)
    expect(errorAt('SinkBinding', {sink: SINK, subject: {...subject, name: 'a', namespace: 'other'}}, 'spec.subject.namespace')).toMatch(
      /^invalid value: other/,
    )
    expect(errorAt('SinkBinding', {sink: SINK, subject: {kind: 'Deployment', name: 'a'}}, 'spec.subject.apiVersion')).toBe(
      'missing field(s)',
    )
    expect(
      errorAt('SinkBinding', {sink: SINK, subject: {...subject, selector: {matchLabel: {}}}}, 'spec.subject.selector.matchLabel'),
    ).toMatch(/unknown field/)
  })
  it('ApiServerSource defaults mode and service account; resources are required, filters need a feature flag', () => {
    const {resource} = read('ApiServerSource', {sink: SINK, resources: [{apiVersion: 'v1', kind: 'Event'}]})
    expect(resource!.spec).toMatchObject({mode: 'Reference', serviceAccountName: 'default', resources: [{apiVersion: 'v1', kind: 'Event'}]})
    expect(errorAt('ApiServerSource', {sink: SINK}, 'spec.resources')).toMatch(/missing field/)
    expect(
      errorAt('ApiServerSource', {sink: SINK, mode: 'Everything', resources: [{apiVersion: 'v1', kind: 'Event'}]}, 'spec.mode'),
    ).toMatch(/^invalid value: Everything/)
    expect(
      errorAt('ApiServerSource', {sink: SINK, resources: [{apiVersion: 'a/b/c', kind: 'Event'}]}, 'spec.resources[0].apiVersion'),
    ).toMatch(/invalid value: a\/b\/c/)
    expect(errorAt('ApiServerSource', {sink: SINK, resources: [{apiVersion: 'v1'}]}, 'spec.resources[0].kind')).toBe('missing field(s)')
    expect(
      errorAt(
        'ApiServerSource',
        {sink: SINK, resources: [{apiVersion: 'v1', kind: 'Event'}], filters: [{exact: {type: 'x'}}]},
        'spec.filters',
      ),
    ).toMatch(/NewAPIServerFilters feature is disabled/)
  })
})

describe('Channel, InMemoryChannel, Subscription', () => {
  it("Channel gets the default InMemoryChannel template; subscribers are the controller's", () => {
    const {resource, errors} = read('Channel', {})
    expect(errors).toEqual([])
    expect(resource!.spec).toEqual({channelTemplate: {apiVersion: 'messaging.knative.dev/v1', kind: 'InMemoryChannel'}})
    expect(errorAt('Channel', {subscribers: [{subscriberUri: 'http://x'}]}, 'spec.subscribers')).toMatch(/must not set/)
    expect(errorAt('Channel', {channelTemplate: {apiVersion: 'messaging.knative.dev/v1'}}, 'spec.channelTemplate.kind')).toBe(
      'missing field(s)',
    )
    expect(read('InMemoryChannel', {delivery: {retry: 2}}).resource!.spec).toEqual({delivery: {retry: 2}})
    expect(read('InMemoryChannel', undefined).errors).toEqual([])
  })
  it('Subscription needs a channel in its own namespace and a subscriber', () => {
    const channel = {apiVersion: 'messaging.knative.dev/v1', kind: 'InMemoryChannel', name: 'c'}
    const {resource} = read('Subscription', {channel, subscriber: {uri: 'http://x'}, reply: {ref: SINK.ref}})
    expect(resource!.spec).toEqual({
      channel: {...channel, namespace: 'shop'},
      subscriber: {uri: 'http://x'},
      reply: {ref: {...SINK.ref, namespace: 'shop'}},
    })
    expect(errorAt('Subscription', {subscriber: {uri: 'http://x'}}, 'spec.channel')).toBe(
      'missing field(s): the Subscription must reference a channel',
    )
    expect(
      errorAt('Subscription', {channel: {...channel, namespace: 'other'}, subscriber: {uri: 'http://x'}}, 'spec.channel.namespace'),
    ).toMatch(/must not set/)
    expect(errorAt('Subscription', {channel}, 'spec.subscriber')).toBe('missing field(s): the Subscription must reference a subscriber')
    expect(errorAt('Subscription', {channel: {kind: 'Channel', name: 'c'}, subscriber: {uri: 'http://x'}}, 'spec.channel.apiVersion')).toBe(
      'missing field(s)',
    )
  })
})

describe('Sequence and Parallel', () => {
  it('Sequence: at least one step, each a Destination with its own delivery', () => {
    const {resource} = read('Sequence', {
      steps: [{uri: 'http://a'}, {ref: {apiVersion: 'v1', kind: 'Service', name: 'b'}, delivery: {retry: 1}}],
    })
    expect(resource!.spec).toEqual({
      channelTemplate: {apiVersion: 'messaging.knative.dev/v1', kind: 'InMemoryChannel'},
      steps: [{uri: 'http://a'}, {ref: {apiVersion: 'v1', kind: 'Service', name: 'b', namespace: 'shop'}, delivery: {retry: 1}}],
    })
    expect(errorAt('Sequence', {steps: []}, 'spec.steps')).toMatch(/missing field/)
    expect(errorAt('Sequence', {steps: [{delivery: {retry: 1}}]}, 'spec.steps[0]')).toMatch(/expected at least one, got none/)
    expect(errorAt('Sequence', {steps: [{uri: 'http://a', filter: {}}]}, 'spec.steps[0].filter')).toMatch(/unknown field/)
    expect(
      errorAt('Sequence', {steps: [{uri: 'http://a', delivery: {backoffPolicy: 'never'}}]}, 'spec.steps[0].delivery.backoffPolicy'),
    ).toMatch(/invalid value/)
  })
  it('Parallel: at least one branch, each with a subscriber', () => {
    expect(read('Parallel', {branches: [{subscriber: {uri: 'http://a'}, filter: {uri: 'http://f'}}]}).errors).toEqual([])
    expect(errorAt('Parallel', {}, 'spec.branches')).toMatch(/missing field/)
    expect(errorAt('Parallel', {branches: [{filter: {uri: 'http://f'}}]}, 'spec.branches[0].subscriber')).toMatch(
      /expected at least one, got none/,
    )
    expect(
      errorAt('Parallel', {branches: [{subscriber: {uri: 'http://a'}, filter: {uri: '/relative'}}]}, 'spec.branches[0].filter.uri'),
    ).toMatch(/Relative URI is not allowed/)
    expect(
      errorAt(
        'Parallel',
        {branches: [{subscriber: {uri: 'http://a'}}], channelTemplate: {kind: 'InMemoryChannel'}},
        'spec.channelTemplate.apiVersion',
      ),
    ).toBe('missing field(s)')
  })
})

describe('any manifest', () => {
  it('refuses unknown top-level fields, a spec that is not a mapping and unquoted label values', () => {
    expect(fields('Broker', {}, {specs: {}})).toEqual(['specs'])
    expect(fields('Broker', 'config')).toEqual(['spec'])
    const labelled = parseManifests(
      'apiVersion: eventing.knative.dev/v1\nkind: Broker\nmetadata:\n  name: b\n  labels: {version: 2}\n',
      'b.yaml',
    )
    expect(labelled.errors).toEqual([
      expect.objectContaining({field: 'metadata.labels.version', message: expect.stringMatching(/quote it in YAML/)}),
    ])
  })
  it('keeps Knative kinds kne does not model, warns and ignores other kinds', () => {
    const parsed = parseManifests(
      [
        'apiVersion: sources.knative.dev/v1\nkind: KafkaSource\nmetadata: {name: k}\nspec: {topics: [a]}',
        'apiVersion: sources.knative.dev/v1beta2\nkind: PingSource\nmetadata: {name: old}\nspec: {schedule: "* * * * *"}',
        'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}',
        'apiVersion: sources.knative.dev/v1\nkind: KafkaSource\nmetadata: {name: Bad_Name}',
      ].join('\n---\n'),
      'mixed.yaml',
    )
    expect(parsed.others.map((o) => `${o.apiVersion} ${o.kind}`)).toEqual([
      'sources.knative.dev/v1 KafkaSource',
      'sources.knative.dev/v1beta2 PingSource',
    ])
    expect(parsed.warnings.map((w) => w.message)).toEqual([
      expect.stringMatching(/kne does not run KafkaSource yet/),
      expect.stringMatching(/sources.knative.dev\/v1beta2 is deprecated/),
      'ignored: apps/v1 Deployment is not a Knative Eventing kind (kne export passes it through as written)',
    ])
    expect(parsed.errors).toEqual([
      expect.objectContaining({document: 3, resource: 'KafkaSource default/Bad_Name', field: 'metadata.name'}),
    ])
  })
  it('reads a document given as data exactly as one given as YAML', () => {
    const doc = {apiVersion: 'sources.knative.dev/v1', kind: 'PingSource', metadata: {name: 'p'}, spec: {sink: SINK}}
    const fromData = readManifest(doc, {file: 'p.yaml', document: 0}, 'shop')
    expect(fromData).toEqual(parseManifests(stringify(doc), 'p.yaml', 'shop'))
    expect(doc.spec).toEqual({sink: SINK}) // untouched: no defaults written into the caller's object
  })
})

describe('export', () => {
  const yaml = `# a comment
kind: Trigger
spec:
  delivery: {retry: 1, deadLetterSink: {uri: "http://dls"}}
  subscriber:
    uri: /path
    ref: {name: svc, kind: Service, apiVersion: v1}
  filter: {attributes: {type: a, source: b}}
  broker: default
metadata:
  annotations:
    kubectl.kubernetes.io/last-applied-configuration: "{}"
  uid: 1234
  resourceVersion: "9"
  name: t
apiVersion: eventing.knative.dev/v1
status:
  subscriberUri: http://old
`
  it('orders keys as Knative writes them, fills the namespace, drops status and server fields, adds no defaults', () => {
    const parsed = parseManifests(yaml, 't.yaml', 'staging')
    expect(parsed.errors).toEqual([])
    expect(exportManifests(parsed.resources)).toBe(`apiVersion: eventing.knative.dev/v1
kind: Trigger
metadata:
  name: t
  namespace: staging
spec:
  broker: default
  filter:
    attributes:
      type: a
      source: b
  subscriber:
    ref:
      apiVersion: v1
      kind: Service
      name: svc
    uri: /path
  delivery:
    deadLetterSink:
      uri: http://dls
    retry: 1
`)
  })
  it('keeps an explicit namespace and drops nulls the API server would prune', () => {
    const parsed = parseManifests(
      'apiVersion: eventing.knative.dev/v1beta2\nkind: EventType\nmetadata: {name: e, namespace: prod}\nspec: {type: t, schema: null, description: ~}\n',
      'e.yaml',
      'staging',
    )
    expect(exportManifest(parsed.resources[0]!)).toEqual({
      apiVersion: 'eventing.knative.dev/v1beta2',
      kind: 'EventType',
      metadata: {name: 'e', namespace: 'prod'},
      spec: {type: 't'},
    })
  })
})
