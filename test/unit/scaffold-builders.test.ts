// Pure builders and the templates: the manifests kne scaffolds, field by field and in key order, and
// every one of them accepted by kne's own resource model.
import {describe, expect, it} from 'vitest'
import {KneError} from '../../src/core/errors.js'
import {
  flagForField,
  formatSink,
  humanAge,
  isoDuration,
  parseApiServerResource,
  parseKeyValues,
  parseSubject,
  renderTemplate,
} from '../../src/core/manifests/index.js'
import {parseManifests} from '../../src/core/resources/parse.js'
import {
  buildApiServerSource,
  buildBroker,
  buildContainerSource,
  buildPingSource,
  buildSinkBinding,
  buildTrigger,
  toYaml,
  type Manifest,
} from '../../src/scaffold/index.js'

function usageError(fn: () => unknown): KneError {
  try {
    fn()
  } catch (error) {
    expect(error).toBeInstanceOf(KneError)
    expect((error as KneError).exitCode).toBe(2)
    return error as KneError
  }
  throw new Error('expected a usage error')
}

describe('renderTemplate', () => {
  const template = {
    apiVersion: 'v1',
    kind: 'X',
    metadata: {name: '${name}', namespace: '${namespace}'},
    spec: {a: '${a}', b: {c: '${c}'}, fixed: 1},
  }

  it("fills placeholders in the template's key order and drops unset ones with the mappings they empty", () => {
    const m = renderTemplate(template, {name: 'n', namespace: undefined, a: [1], c: undefined})
    expect(m).toEqual({apiVersion: 'v1', kind: 'X', metadata: {name: 'n'}, spec: {a: [1], fixed: 1}})
    expect(Object.keys(m.spec!)).toEqual(['a', 'fixed'])
  })

  it('treats empty strings, lists and mappings as unset', () => {
    expect(renderTemplate(template, {name: 'n', namespace: '', a: [], c: {}}).spec).toEqual({fixed: 1})
  })

  it('refuses a placeholder that has no value key (a bug, not a user error)', () => {
    expect(() => renderTemplate(template, {name: 'n'})).toThrow(/\$\{namespace\} has no value/)
  })
})

describe('kn flag grammars', () => {
  it('splits kn StringSlice values on commas, keeping a comma inside a value', () => {
    expect(parseKeyValues(['type=a,source=/x,y', 'subject=s'], '--filter', {splitCommas: true})).toEqual({
      type: 'a',
      source: '/x,y',
      subject: 's',
    })
    expect(parseKeyValues(['k=a,b'], '--env')).toEqual({k: 'a,b'})
    expect(parseKeyValues(['k='], '--filter')).toEqual({k: ''})
    expect(parseKeyValues(undefined, '--filter')).toBeUndefined()
  })

  it('names the flag for a malformed or contradictory pair', () => {
    expect(usageError(() => parseKeyValues(['novalue'], '--prefix')).message).toBe('--prefix novalue: expected KEY=VALUE')
    expect(usageError(() => parseKeyValues(['=x'], '--filter')).message).toContain('--filter =x')
    expect(usageError(() => parseKeyValues(['type=a', 'type=b'], '--filter')).message).toContain('type is given twice')
  })

  it('reads --subject by name or label selector, and --resource with an optional selector', () => {
    expect(parseSubject('Deployment:apps/v1:myapp')).toEqual({apiVersion: 'apps/v1', kind: 'Deployment', name: 'myapp'})
    expect(parseSubject('Job:batch/v1:app=hb,tier=x')).toEqual({
      apiVersion: 'batch/v1',
      kind: 'Job',
      selector: {matchLabels: {app: 'hb', tier: 'x'}},
    })
    expect(usageError(() => parseSubject('Deployment:myapp')).message).toContain('--subject Deployment:myapp')
    expect(parseApiServerResource('Event:v1')).toEqual({apiVersion: 'v1', kind: 'Event'})
    expect(parseApiServerResource('Deployment:apps/v1:app=shop')).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      selector: {matchLabels: {app: 'shop'}},
    })
    expect(usageError(() => parseApiServerResource('Event')).message).toContain('--resource Event')
  })

  it('keeps ISO-8601 durations and turns shorthands into them', () => {
    expect(isoDuration('PT0.2S')).toBe('PT0.2S')
    expect(isoDuration('200ms')).toBe('PT0.2S')
    expect(isoDuration('2m')).toBe('PT120S')
    expect(isoDuration('soon')).toBe('soon')
    expect(isoDuration(undefined)).toBeUndefined()
  })
})

describe('how resources read', () => {
  it("prints sinks in kn's grammar", () => {
    const ref = (apiVersion: string, kind: string, name: string, namespace?: string) => ({ref: {apiVersion, kind, name, namespace}})
    expect(formatSink(ref('serving.knative.dev/v1', 'Service', 'a'), 'default')).toBe('ksvc:a')
    expect(formatSink(ref('v1', 'Service', 'a', 'shop'), 'default')).toBe('svc:a:shop')
    expect(formatSink(ref('eventing.knative.dev/v1', 'Broker', 'b', 'default'), 'default')).toBe('broker:b')
    expect(formatSink(ref('messaging.knative.dev/v1', 'InMemoryChannel', 'c'), 'default')).toBe('inmemorychannel:c')
    expect(formatSink({uri: 'http://127.0.0.1:3000/x'})).toBe('http://127.0.0.1:3000/x')
  })

  it('prints ages as kubectl does', () => {
    expect(humanAge(5_000)).toBe('5s')
    expect(humanAge(119_000)).toBe('119s')
    expect(humanAge(185_000)).toBe('3m5s')
    expect(humanAge(45 * 60_000)).toBe('45m')
    expect(humanAge(5 * 3_600_000 + 60_000)).toBe('5h1m')
    expect(humanAge(30 * 3_600_000)).toBe('30h')
    expect(humanAge(3 * 86_400_000)).toBe('3d')
    expect(humanAge(-500)).toBe('0s')
  })

  it('points a manifest field back at the flag that wrote it', () => {
    expect(flagForField('spec.filters[2].cesql')).toBe('--cesql')
    expect(flagForField('spec.filters[0].prefix.type')).toBe('--prefix')
    expect(flagForField('spec.delivery.backoffDelay')).toBe('--backoff-delay')
    expect(flagForField('spec.delivery.retryAfterMax')).toBe('--retry-after-max')
    expect(flagForField('spec.delivery.retry')).toBe('--retry')
    expect(flagForField('spec.dataBase64')).toBe('--data-base64')
    expect(flagForField('spec.subscriber.ref.name')).toBe('--sink')
  })
})

describe('builders', () => {
  it('writes a Broker with only what Knative would not default', () => {
    expect(buildBroker({name: 'default'})).toEqual({apiVersion: 'eventing.knative.dev/v1', kind: 'Broker', metadata: {name: 'default'}})
    const broker = buildBroker({
      name: 'orders',
      namespace: 'shop',
      className: 'MTChannelBasedBroker',
      dlSink: 'ksvc:dead-letters',
      retry: 3,
      backoffPolicy: 'linear',
      backoffDelay: 'PT1S',
      timeout: '5s',
    })
    expect(toYaml(broker)).toBe(
      [
        'apiVersion: eventing.knative.dev/v1',
        'kind: Broker',
        'metadata:',
        '  name: orders',
        '  namespace: shop',
        '  annotations:',
        '    eventing.knative.dev/broker.class: MTChannelBasedBroker',
        'spec:',
        '  delivery:',
        '    deadLetterSink:',
        '      ref:',
        '        apiVersion: serving.knative.dev/v1',
        '        kind: Service',
        '        name: dead-letters',
        '    retry: 3',
        '    backoffPolicy: linear',
        '    backoffDelay: PT1S',
        '    timeout: PT5S',
        '',
      ].join('\n'),
    )
  })

  it("writes a Trigger with kn's legacy filter, or SubscriptionsAPI filters one element per dialect", () => {
    const legacy = buildTrigger({name: 't', broker: 'default', sink: 'ksvc:app', filter: ['type=com.example.a,source=/s']})
    expect(legacy.spec).toEqual({
      broker: 'default',
      filter: {attributes: {type: 'com.example.a', source: '/s'}},
      subscriber: {ref: {apiVersion: 'serving.knative.dev/v1', kind: 'Service', name: 'app'}},
    })
    const modern = buildTrigger({
      name: 't',
      broker: 'b',
      sink: 'http://127.0.0.1:3000/in',
      exact: ['type=x'],
      prefix: ['source=/eu', 'subject=o-'],
      suffix: ['type=.created'],
      cesql: ["myext = 'a'", 'subject IS NOT NULL'],
      format: 'json',
      retry: 0,
    })
    expect(modern.spec).toEqual({
      broker: 'b',
      filters: [
        {exact: {type: 'x'}},
        {prefix: {source: '/eu', subject: 'o-'}},
        {suffix: {type: '.created'}},
        {cesql: "myext = 'a'"},
        {cesql: 'subject IS NOT NULL'},
      ],
      subscriber: {uri: 'http://127.0.0.1:3000/in'},
      delivery: {retry: 0, format: 'json'},
    })
    expect(Object.keys(modern.spec!)).toEqual(['broker', 'filters', 'subscriber', 'delivery'])
  })

  it('refuses --filter together with the new dialects (Knative would ignore the filter)', () => {
    expect(usageError(() => buildTrigger({name: 't', broker: 'b', sink: 'x', filter: ['type=a'], cesql: ['true']})).message).toContain(
      '--filter cannot be combined',
    )
  })

  it('writes a sink namespace only when the sink names one', () => {
    expect(buildTrigger({name: 't', broker: 'b', sink: 'svc:receiver:other'}).spec!.subscriber).toEqual({
      ref: {apiVersion: 'v1', kind: 'Service', name: 'receiver', namespace: 'other'},
    })
    expect(usageError(() => buildTrigger({name: 't', broker: 'b', sink: 'kafka:x'})).message).toMatch(/^--sink: .*unknown prefix "kafka"/)
  })

  it('writes PingSource data as given, or as dataBase64 with --data-base64 or -e base64', () => {
    const ping = buildPingSource({
      name: 'hb',
      schedule: '*/2 * * * *',
      data: '{"a":1}',
      contentType: 'application/json',
      timezone: 'Europe/Amsterdam',
      sink: 'broker:default',
      ceOverride: ['team=orders'],
    })
    expect(ping.spec).toEqual({
      schedule: '*/2 * * * *',
      timezone: 'Europe/Amsterdam',
      contentType: 'application/json',
      data: '{"a":1}',
      sink: {ref: {apiVersion: 'eventing.knative.dev/v1', kind: 'Broker', name: 'default'}},
      ceOverrides: {extensions: {team: 'orders'}},
    })
    expect(toYaml(ping)).toContain('schedule: "*/2 * * * *"')
    expect(buildPingSource({name: 'hb', schedule: '@hourly', data: 'aGk=', encoding: 'base64', sink: 'x'}).spec).toMatchObject({
      dataBase64: 'aGk=',
    })
    expect(buildPingSource({name: 'hb', schedule: '@hourly', dataBase64: 'aGk=', sink: 'x'}).spec).not.toHaveProperty('data')
    expect(
      usageError(() => buildPingSource({name: 'hb', schedule: '@hourly', data: 'a', dataBase64: 'aGk=', sink: 'x'})).message,
    ).toContain('--data and --data-base64')
  })

  it('writes a ContainerSource without a container name (Knative names it <source>-0)', () => {
    const source = buildContainerSource({
      name: 'hb',
      image: 'example/heartbeats',
      args: ['--period=1'],
      env: ['POD_NAME=x', 'LIST=a,b'],
      sink: 'ksvc:display',
    })
    expect(source.spec).toEqual({
      template: {
        spec: {
          containers: [
            {
              image: 'example/heartbeats',
              args: ['--period=1'],
              env: [
                {name: 'POD_NAME', value: 'x'},
                {name: 'LIST', value: 'a,b'},
              ],
            },
          ],
        },
      },
      sink: {ref: {apiVersion: 'serving.knative.dev/v1', kind: 'Service', name: 'display'}},
    })
  })

  it("writes a SinkBinding and an ApiServerSource with kn's subject and resource grammar", () => {
    expect(buildSinkBinding({name: 'b', subject: 'Deployment:apps/v1:app', sink: 'broker:default'}).spec!.subject).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      name: 'app',
    })
    const api = buildApiServerSource({
      name: 'a',
      resource: ['Event:v1', 'Deployment:apps/v1:app=shop'],
      mode: 'Resource',
      serviceAccount: 'reader',
      sink: 'broker:default',
    })
    expect(Object.keys(api.spec!)).toEqual(['serviceAccountName', 'mode', 'resources', 'sink'])
    expect(buildApiServerSource({name: 'a', resource: ['Event:v1'], sink: 'x'}).spec).not.toHaveProperty('mode')
  })
})

describe("every manifest the scaffolding writes is accepted by kne's resource model", () => {
  const manifests: [string, Manifest][] = [
    ['broker', buildBroker({name: 'default'})],
    [
      'broker with delivery',
      buildBroker({
        name: 'b',
        namespace: 'shop',
        className: 'MTChannelBasedBroker',
        dlSink: 'http://127.0.0.1:9/dls',
        retry: 2,
        backoffPolicy: 'exponential',
        backoffDelay: '500ms',
        timeout: 'PT2S',
      }),
    ],
    ['trigger', buildTrigger({name: 't', broker: 'default', sink: 'ksvc:event-display'})],
    ['trigger, legacy filter', buildTrigger({name: 't', broker: 'default', sink: 'svc:x:other', filter: ['type=a', 'source=']})],
    [
      'trigger, every dialect and delivery option',
      buildTrigger({
        name: 't',
        broker: 'default',
        sink: 'channel:c',
        exact: ['type=a'],
        prefix: ['source=/'],
        suffix: ['subject=x'],
        cesql: ["type LIKE 'com.%'"],
        dlSink: 'broker:dls',
        retry: 1,
        backoffPolicy: 'linear',
        backoffDelay: 'PT1S',
        timeout: '1s',
        format: 'binary',
      }),
    ],
    [
      'ping source',
      buildPingSource({name: 'p', schedule: '*/5 * * * *', data: '{"x":1}', contentType: 'application/json', sink: 'broker:default'}),
    ],
    [
      'ping source, base64 data and overrides',
      buildPingSource({name: 'p', schedule: '0 3 * * *', timezone: 'UTC', dataBase64: 'aGVsbG8=', sink: 'ksvc:a', ceOverride: ['team=a']}),
    ],
    [
      'container source',
      buildContainerSource({
        name: 'c',
        image: 'example/x',
        cmd: ['/bin/x'],
        args: ['-v'],
        env: ['A=1'],
        serviceAccount: 'sa',
        sink: 'ksvc:a',
      }),
    ],
    ['sink binding by name', buildSinkBinding({name: 's', subject: 'Deployment:apps/v1:app', sink: 'broker:default'})],
    [
      'sink binding by selector',
      buildSinkBinding({name: 's', subject: 'Job:batch/v1:app=x', sink: 'http://127.0.0.1:1/', ceOverride: ['a=b']}),
    ],
    [
      'apiserver source',
      buildApiServerSource({
        name: 'a',
        resource: ['Event:v1', 'Deployment:apps/v1:app=x'],
        mode: 'Reference',
        serviceAccount: 'sa',
        sink: 'broker:default',
      }),
    ],
  ]

  it.each(manifests)('%s', (_label, manifest) => {
    const parsed = parseManifests(toYaml(manifest), 'scaffolded.yaml', 'default')
    expect(parsed.errors).toEqual([])
    // every kind kne scaffolds is one the model types (not merely kept as an unknown Knative kind)
    expect(parsed.others).toEqual([])
    expect(parsed.resources).toHaveLength(1)
    expect(parsed.resources[0]).toMatchObject({
      apiVersion: manifest.apiVersion,
      kind: manifest.kind,
      metadata: {name: manifest.metadata.name},
    })
  })
})
