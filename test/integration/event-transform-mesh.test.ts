// EventTransform in a running mesh, over real HTTP: addressable at /eventtransforms/<namespace>/<name>, a
// Trigger's subscriber whose reply re-enters the broker, a sink it sends to, a reply it transforms, a runtime
// failure in the activity, status and hot reload, refs from subscriptions and sources, and Knative's doc
// examples run unmodified.
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {renderActivity} from '../../src/client/render.js'
import {tail} from '../../src/client/tail.js'
import {renderTopology} from '../../src/client/render-status.js'
import {decodeHttpMessage} from '../../src/core/codec/http.js'
import {buildRegistry} from '../../src/core/registry/registry.js'
import {parseManifests, type ActivityJson} from '../../src/index.js'
import {Chalk} from 'chalk'
import {answerEvent, BROKER, records, trigger} from '../helpers/flows.js'
import {describeReload} from '../../src/mesh/watch.js'
import {useMesh} from '../helpers/mesh.js'
import {watchedProject} from '../helpers/project.js'
import {binaryHeaders, post, type Received} from '../helpers/subscriber.js'

const kit = useMesh()
const {mesh: meshFrom, subscriber, start} = kit
const DOCS = join(import.meta.dirname, '..', 'fixtures', 'knative-docs')
const fixture = (name: string): string => readFileSync(join(DOCS, name), 'utf8')
const ET = {apiVersion: 'eventing.knative.dev/v1alpha1', kind: 'EventTransform'}

function transform(name: string, expression: string, extra = ''): string {
  const indented = expression
    .split('\n')
    .map((line) => `      ${line}`)
    .join('\n')
  return `apiVersion: eventing.knative.dev/v1alpha1\nkind: EventTransform\nmetadata:\n  name: ${name}\nspec:\n${extra}  jsonata:\n    expression: |\n${indented}\n---\n`
}

function eventOf(got: Received | undefined): {
  type: string
  source: string
  id: string
  data: unknown
  extensions: Record<string, unknown>
} {
  const decoded = decodeHttpMessage(got!.headers, got!.body)
  if (!decoded.ok) throw new Error(decoded.error)
  const {event} = decoded
  const data = event.data === undefined ? undefined : (JSON.parse(Buffer.from(event.data).toString()) as unknown)
  return {type: event.type, source: event.source, id: event.id, data, extensions: event.extensions}
}

const ORDER = {id: 'o-1', user: {id: 'u-7', fullName: 'Ada Lovelace', email: 'ada@example.com'}, items: [{sku: 'K-1'}]}
const json = {'content-type': 'application/json'}

describe('EventTransform in the mesh', () => {
  it("runs Knative's broker-reply example unmodified: Trigger → EventTransform, whose reply re-enters the broker", async () => {
    const display = await subscriber()
    const mesh = await meshFrom(
      `${BROKER}${fixture('eventtransform-readme-L237.yaml')}\n---\n${trigger('display', display.url, 'transformed.event.type')}`,
    )
    const sent = await post(`${mesh.url}/default/default`, {...binaryHeaders('original.event.type', {'ce-id': 'e-1'}), ...json}, '{"n":1}')
    expect(sent.status).toBe(202)
    await mesh.idle()
    expect(display.received).toHaveLength(1)
    const got = eventOf(display.received[0])
    expect(got).toMatchObject({type: 'transformed.event.type', source: 'transform.event-transformer', id: 'e-1'})
    // "data": $ is the whole incoming event, in the CloudEvents JSON format
    expect(got.data).toMatchObject({specversion: '1.0', id: 'e-1', type: 'original.event.type', source: '/test', data: {n: 1}})
    expect(records(mesh, 'event').map((e) => [e.type, e.via, e.replyTo?.trigger])).toEqual([
      ['original.event.type', 'ingress', undefined],
      ['transformed.event.type', 'reply', 'default/transform-trigger'],
    ])
    const handled = records(mesh, 'handled')
    expect(handled).toEqual([
      expect.objectContaining({
        resource: 'EventTransform default/event-transformer',
        id: 'e-1',
        type: 'original.event.type',
        status: 200,
        outcome: 'replied',
        summary: 'with transformed.event.type id=e-1',
      }),
    ])
    const status = mesh.status()
    expect(status.triggers.find((t) => t.name === 'transform-trigger')?.subscriberUri).toBe(
      `${mesh.url}/eventtransforms/default/event-transformer`,
    )
    expect(status.resources).toEqual([
      {
        kind: 'EventTransform',
        namespace: 'default',
        name: 'event-transformer',
        url: `${mesh.url}/eventtransforms/default/event-transformer`,
        ready: true,
        conditions: [{type: 'Addressable', ready: true}],
        counters: {received: 1, replied: 1, sent: 0, failed: 0},
      },
    ])
    // kne dev's start-up print
    const topology = renderTopology(status, ['knative'], new Chalk({level: 0}))
    expect(topology[0]).toBe('kne dev: 1 broker(s), 2 trigger(s), 1 EventTransform(s) from knative')
    expect(topology).toContain(`  EventTransform default/event-transformer  ${mesh.url}/eventtransforms/default/event-transformer  Ready`)
  })

  it("sends the transformed event to spec.sink (Knative's format-converter, unmodified) and answers with the sink's status", async () => {
    const sink = await subscriber((_req, res) => void res.writeHead(202).end())
    const parsed = parseManifests(fixture('eventtransform-readme-L58.yaml'), 'eventtransform-readme-L58.yaml')
    expect(parsed.errors).toEqual([])
    const mesh = await start({resources: parsed.resources, services: {'destination-service': sink.url}})
    const answer = await post(
      `${mesh.url}/eventtransforms/default/format-converter`,
      {...binaryHeaders('order.created', {'ce-id': 'o-1'}), ...json},
      JSON.stringify(ORDER),
    )
    expect(answer.status).toBe(202)
    expect(sink.received[0]!.headers['content-type']).toMatch(/^application\/cloudevents\+json/) // structured, as the transformer sends
    expect(eventOf(sink.received[0])).toMatchObject({
      type: 'order.converted',
      source: 'transform.format-converter',
      id: 'o-1',
      data: {orderId: 'o-1', customer: {name: 'Ada Lovelace', email: 'ada@example.com'}, items: [{sku: 'K-1'}]},
    })
    expect(mesh.status().resources[0]).toMatchObject({
      sinkUri: sink.url,
      ready: true,
      conditions: [
        {type: 'Addressable', ready: true},
        {type: 'SinkProvided', ready: true},
      ],
    })
    expect(records(mesh, 'handled')[0]).toMatchObject({
      outcome: 'delivered',
      status: 202,
      summary: `order.converted id=o-1 to ${sink.url} (HTTP 202)`,
    })
  })

  it("transforms the sink's reply with spec.reply.jsonata, and the sender gets that", async () => {
    const sink = await subscriber((_req, res) => answerEvent(res, 'order.accepted', {accepted: true}))
    const mesh = await meshFrom(
      transform(
        'with-reply',
        '{"specversion": "1.0", "id": id, "type": "request.transformed", "source": source, "data": data}',
        `  sink:\n    uri: ${sink.url}\n  reply:\n    jsonata:\n      expression: '{"specversion": "1.0", "id": id, "type": "reply.transformed", "source": "transform.reply", "data": data}'\n`,
      ),
    )
    const answer = await post(`${mesh.url}/eventtransforms/default/with-reply`, {...binaryHeaders('order.created'), ...json}, '{"total":3}')
    expect(answer.status).toBe(200)
    expect(eventOf(sink.received[0])).toMatchObject({type: 'request.transformed', data: {total: 3}})
    const reply = decodeHttpMessage(Object.fromEntries(answer.headers), Buffer.from(answer.text))
    expect(reply.ok && [reply.event.type, reply.event.source, JSON.parse(Buffer.from(reply.event.data!).toString())]).toEqual([
      'reply.transformed',
      'transform.reply',
      {accepted: true},
    ])
    expect(records(mesh, 'handled')[0]!.summary).toMatch(
      new RegExp(`^request.transformed id=\\S+ to ${sink.url} \\(HTTP 200\\); replied with reply.transformed id=\\S+$`),
    )
  })

  it('fails a delivery whose expression fails at run time (500), with the JSONata error in the activity', async () => {
    const display = await subscriber()
    const mesh = await meshFrom(
      `${BROKER}${transform('strict', '$exists(data.total) ? {"specversion": "1.0", "id": id, "type": "t", "source": "s"} : $error("no total in " & id)')}${trigger(
        'to-strict',
        {...ET, name: 'strict'},
      ).replace('  subscriber:', '  delivery:\n    retry: 0\n  subscriber:')}${trigger('display', display.url, 't')}`,
    )
    await post(`${mesh.url}/default/default`, {...binaryHeaders('order.created', {'ce-id': 'x-9'}), ...json}, '{}')
    await mesh.idle()
    expect(display.received).toHaveLength(0)
    const outcome = records(mesh, 'outcome').find((o) => o.trigger === 'default/to-strict')
    expect(outcome).toMatchObject({outcome: 'failed', status: 500})
    const handled = records(mesh, 'handled')[0]!
    expect(handled).toMatchObject({
      resource: 'EventTransform default/strict',
      id: 'x-9',
      status: 500,
      outcome: 'failed',
      summary: 'HTTP 500: the JSONata expression failed',
    })
    expect(handled.error).toContain('no total in x-9')
    // kne tail's stream carries it, picked by the event's id like the broker's records
    const streamed: ActivityJson[] = []
    await tail(mesh.url, {selector: {id: 'x-9'}, history: true, count: 1}, (r) => void streamed.push(r))
    expect(streamed.filter((r) => r.kind === 'handled')).toEqual([handled])
    // what kne tail and kne dev print for it
    const lines = renderActivity(handled, new Chalk({level: 0}))
    expect(lines).toContain('EventTransform default/strict ← order.created id=x-9')
    expect(lines).toContain('failed HTTP 500: the JSONata expression failed (no total in x-9')
    expect(mesh.status().resources[0]!.counters).toMatchObject({received: 1, failed: 1})
  })

  it("answers Knative's doc examples (field extraction, enrichment, basic usage) unmodified", async () => {
    const yaml = ['eventtransform-readme-L35.yaml', 'eventtransform-readme-L92.yaml', 'eventtransform-jsonata-md-L18.yaml']
      .map(fixture)
      .join('\n---\n')
    const mesh = await meshFrom(yaml)
    const send = async (name: string) => {
      const answer = await post(
        `${mesh.url}/eventtransforms/default/${name}`,
        {...binaryHeaders('user.created', {'ce-id': 'u-1', 'ce-time': '2025-01-02T03:04:05Z'}), ...json},
        '{"user":{"id":"u-7"}}',
      )
      expect(answer.status).toBe(200)
      const decoded = decodeHttpMessage(Object.fromEntries(answer.headers), Buffer.from(answer.text))
      if (!decoded.ok) throw new Error(decoded.error)
      return decoded.event
    }
    const extracted = await send('extract-user-id')
    expect([extracted.type, extracted.source, extracted.extensions.userid]).toEqual(['user.extracted', 'transform.user-extractor', 'u-7'])
    const enriched = await send('event-enricher')
    expect([enriched.type, enriched.extensions.environment, enriched.extensions.region]).toEqual([
      'user.created',
      'production',
      'us-west-1',
    ])
    const simple = await send('simple-transform')
    expect([simple.type, simple.source, simple.time, JSON.parse(Buffer.from(simple.data!).toString())]).toEqual([
      'transformed.type',
      'transform.simple',
      '2025-01-02T03:04:05Z',
      {user: {id: 'u-7'}},
    ])
  })

  it('adds the types its expression writes to the event registry, with its sink as their reference', () => {
    const parsed = parseManifests(
      `${BROKER}${fixture('eventtransform-readme-L237.yaml')}\n---\n${transform(
        'to-broker',
        'type = "a" ? {"specversion": "1.0", "id": id, "type": "order.checked", "source": "/checker"} : {"specversion": "1.0", "id": id, "type": "order.rejected", "source": "/checker"}',
        '  sink:\n    ref:\n      apiVersion: eventing.knative.dev/v1\n      kind: Broker\n      name: default\n',
      )}`,
      'test.yaml',
    )
    expect(parsed.errors).toEqual([])
    const entries = buildRegistry({resources: parsed.resources}).entries.map((e) => [
      e.type,
      e.reference?.kind,
      e.broker,
      e.source,
      e.producers,
    ])
    const by = (name: string) => [{kind: 'EventTransform', name, namespace: 'default', via: 'manifest'}]
    expect(entries).toEqual([
      ['order.checked', 'Broker', 'default/default', '/checker', by('to-broker')],
      ['order.rejected', 'Broker', 'default/default', '/checker', by('to-broker')],
      ['transformed.event.type', undefined, undefined, 'transform.event-transformer', by('event-transformer')],
    ])
  })

  it("refuses Knative's reply example, whose '#' lines are not JSONata, naming the field", () => {
    const parsed = parseManifests(fixture('eventtransform-readme-L119.yaml'), 'eventtransform-readme-L119.yaml')
    expect(parsed.errors.map((e) => e.field)).toEqual(['spec.jsonata.expression', 'spec.reply.jsonata.expression'])
    expect(parsed.errors[0]!.message).toContain('JSONata comments are /* ... */, not #')
  })

  it('is a Subscription subscriber and a source sink by ref; without its sink it is not Ready and says why', async () => {
    const mesh = await meshFrom(
      `${transform('t', '$')}${transform('lost', '$', '  sink:\n    ref:\n      apiVersion: v1\n      kind: Service\n      name: nowhere\n')}` +
        `apiVersion: messaging.knative.dev/v1\nkind: InMemoryChannel\nmetadata:\n  name: ch\n---\n` +
        `apiVersion: messaging.knative.dev/v1\nkind: Subscription\nmetadata:\n  name: sub\nspec:\n  channel:\n    apiVersion: messaging.knative.dev/v1\n    kind: InMemoryChannel\n    name: ch\n  subscriber:\n    ref:\n      apiVersion: eventing.knative.dev/v1alpha1\n      kind: EventTransform\n      name: t\n---\n` +
        `apiVersion: sources.knative.dev/v1\nkind: PingSource\nmetadata:\n  name: ping\nspec:\n  schedule: "0 0 1 1 *"\n  sink:\n    ref:\n      apiVersion: eventing.knative.dev/v1alpha1\n      kind: EventTransform\n      name: t\n`,
    )
    const url = `${mesh.url}/eventtransforms/default/t`
    const status = mesh.status()
    expect(status.subscriptions[0]).toMatchObject({name: 'sub', subscriberUri: url, ready: true})
    expect(status.sources[0]).toMatchObject({name: 'ping', sinkUri: url, ready: true})
    const lost = status.resources.find((r) => r.name === 'lost')!
    expect(lost).toMatchObject({ready: false, reason: 'ServiceNotMapped'})
    expect(lost.message).toMatch(/^Failed to resolve spec.sink: services "nowhere"/)
    const answer = await post(`${mesh.url}/eventtransforms/default/lost`, binaryHeaders('x'), '')
    expect(answer.status).toBe(503)
    expect(answer.text).toContain('EventTransform default/lost is not Ready: ServiceNotMapped')
  })

  it('hot reload applies an edited expression, keeps the last good one when the edit does not compile, and removes it with its file', async () => {
    const p = await watchedProject(kit, {'t.yaml': transform('t', '{"specversion": "1.0", "id": id, "type": "v1", "source": "s"}')})
    const typeOf = async (): Promise<string | number> => {
      const answer = await post(`${p.mesh.url}/eventtransforms/default/t`, binaryHeaders('x'), '')
      const decoded = decodeHttpMessage(Object.fromEntries(answer.headers), Buffer.from(answer.text))
      return decoded.ok ? decoded.event.type : answer.status
    }
    expect(await typeOf()).toBe('v1')
    const edited = await p.change(() => p.write('t.yaml', transform('t', '{"specversion": "1.0", "id": id, "type": "v2", "source": "s"}')))
    expect(edited.changed).toEqual(['EventTransform default/t'])
    expect(await typeOf()).toBe('v2')
    const refused = await p.change(() => p.write('t.yaml', transform('t', '{"specversion": "1.0", "type": }')))
    expect(refused.files).toEqual([expect.objectContaining({taken: false, keptLastGood: true})])
    expect(refused.problems).toEqual([expect.objectContaining({resource: 'EventTransform default/t', field: 'spec.jsonata.expression'})])
    expect(await typeOf()).toBe('v2')
    const removed = await p.change(() => p.remove('t.yaml'))
    expect(removed.removed).toEqual(['EventTransform default/t'])
    expect(await typeOf()).toBe(404)
  })

  it('hot reload says when an EventTransform becomes Ready: its sink, a broker, appeared', async () => {
    const toBroker = '  sink:\n    ref:\n      apiVersion: eventing.knative.dev/v1\n      kind: Broker\n      name: later\n'
    const p = await watchedProject(kit, {'t.yaml': transform('t', '$', toBroker)})
    expect(p.mesh.status().resources[0]).toMatchObject({ready: false, reason: 'BrokerNotFound'})
    const added = await p.change(() => p.write('b.yaml', BROKER.replace('name: default', 'name: later')))
    expect(added.becameReady).toEqual(['EventTransform default/t'])
    expect(describeReload(added, p.dir).summary).toContain('EventTransform default/t now Ready')
  })

  it('applies a changed expression on reload, and answers 404 once the EventTransform is gone', async () => {
    const mesh = await meshFrom(transform('t', '{"specversion": "1.0", "id": id, "type": "v1", "source": "s"}'))
    const url = `${mesh.url}/eventtransforms/default/t`
    const typeOf = async (): Promise<string | number> => {
      const answer = await post(url, binaryHeaders('x'), '')
      const decoded = decodeHttpMessage(Object.fromEntries(answer.headers), Buffer.from(answer.text))
      return decoded.ok ? decoded.event.type : answer.status
    }
    expect(await typeOf()).toBe('v1')
    mesh.apply(parseManifests(transform('t', '{"specversion": "1.0", "id": id, "type": "v2", "source": "s"}'), 'test.yaml').resources)
    expect(await typeOf()).toBe('v2')
    expect(mesh.status().resources[0]!.counters.received).toBe(2) // the counters outlive the reload
    mesh.apply([])
    expect(await typeOf()).toBe(404)
    expect(records(mesh, 'not-found').at(-1)!.error).toBe('eventtransforms.eventing.knative.dev "t" not found in namespace "default"')
    expect(mesh.status().resources).toEqual([])
  })
})
