// EventTransform's request flow over real HTTP: the transformed event goes to a real sink server (structured
// mode, as Knative's transformer sends it), and the sink's response comes back passed on, transformed by
// spec.reply, or discarded; failures are 500s with a Reason, and name their stage for the activity.
import {afterAll, afterEach, describe, expect, it} from 'vitest'
import type {CloudEvent} from '../../src/core/cloudevent.js'
import {decodeHttpMessage} from '../../src/core/codec/http.js'
import {compileTransform, type CompiledTransform} from '../../src/kinds/event-transform/jsonata.js'
import {EVENT_TRANSFORM_SPEC_FIELDS, readEventTransform} from '../../src/kinds/event-transform/read.js'
import {compileEventTransform, runEventTransform, sendWith, type SendToSink} from '../../src/kinds/event-transform/transform.js'
import {HttpSender} from '../../src/mesh/http-client.js'
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {parseAllDocuments} from 'yaml'
import {repoRoot} from '../helpers/cli.js'
import {readWith} from '../helpers/kind-reader.js'
import {startSubscriber, type Subscriber} from '../helpers/subscriber.js'

const compiled = (expression: string): CompiledTransform => {
  const result = compileTransform(expression)
  if (!result.ok) throw new Error(result.failure.message)
  return result.transform
}

// Knative's "Transforming Replies" expressions (event-transform-jsonata.md), without the "#" lines JSONata refuses
const request = compiled('{"specversion": "1.0", "id": id, "type": "request.transformed", "source": source, "time": time, "data": data}')
const replyTransform = compiled(
  '{"specversion": "1.0", "id": id, "type": "reply.transformed", "source": "transform.reply-processor", "time": time, "data": data}',
)

const event: CloudEvent = {
  specversion: '1.0',
  id: 'o-1',
  source: '/orders',
  type: 'order.created',
  time: '2025-01-02T03:04:05Z',
  datacontenttype: 'application/json',
  extensions: {},
  data: new TextEncoder().encode('{"total":12}'),
}

// the mesh's own HTTP client, as the route serving EventTransforms uses it
const sender = new HttpSender()
const send: SendToSink = sendWith(sender)
afterAll(() => sender.close())

const asEvent = (headers: Record<string, string | string[] | undefined>, body: Uint8Array | string | undefined) => {
  const decoded = decodeHttpMessage(headers, typeof body === 'string' ? new TextEncoder().encode(body) : (body ?? new Uint8Array()))
  if (!decoded.ok) throw new Error(decoded.error)
  return decoded.event
}

let sink: Subscriber | undefined
afterEach(async () => {
  await sink?.close()
  sink = undefined
})

describe('EventTransform request flow', () => {
  it('without a sink answers 200 with the transformed event (what a Trigger puts back on the broker)', async () => {
    const response = await runEventTransform(event, {transform: request}, send)
    expect(response).toMatchObject({status: 200, headers: {'content-type': 'application/cloudevents+json; charset=utf-8'}})
    expect(asEvent(response.headers, response.body)).toMatchObject({id: 'o-1', type: 'request.transformed', source: '/orders'})
    expect(response.event?.type).toBe('request.transformed')
  })

  it("runs Knative's broker-reply example as read and compiled: the reply is the transformed event", async () => {
    const text = readFileSync(join(repoRoot, 'test', 'fixtures', 'knative-docs', 'eventtransform-readme-L237.yaml'), 'utf8')
    const document = parseAllDocuments(text)[1]!.toJS() as Record<string, unknown>
    const {spec} = readWith(readEventTransform, EVENT_TRANSFORM_SPEC_FIELDS, JSON.stringify(document))
    const compiledSpec = compileEventTransform(spec, undefined)
    if (!compiledSpec.ok) throw new Error(compiledSpec.message)
    const response = await runEventTransform({...event, type: 'original.event.type'}, compiledSpec.target, send)
    expect(response.status).toBe(200)
    expect(response.event).toMatchObject({
      id: 'o-1',
      type: 'transformed.event.type',
      source: 'transform.event-transformer',
      time: '2025-01-02T03:04:05Z',
    })
    // `data: $` is the whole original event, so the type it had is still there to read
    expect(JSON.parse(new TextDecoder().decode(response.event!.data))).toMatchObject({type: 'original.event.type', data: {total: 12}})
  })

  it("compiles a spec's sink and reply, and names the field of an expression the given limits refuse", () => {
    const spec = {jsonata: {expression: '$'}, sink: {uri: 'http://x'}, reply: {jsonata: {expression: '$$'}}}
    expect(compileEventTransform(spec, 'http://127.0.0.1:1/')).toMatchObject({
      ok: true,
      target: {sinkUri: 'http://127.0.0.1:1/', reply: {transform: {expression: '$$'}}},
    })
    expect(compileEventTransform({jsonata: {expression: '$'}, reply: {discard: true}}, 'http://s')).toMatchObject({
      ok: true,
      target: {reply: {discard: true}},
    })
    expect(compileEventTransform({...spec, reply: {jsonata: {expression: '{'}}}, 'http://s')).toMatchObject({
      ok: false,
      field: 'spec.reply.jsonata.expression',
    })
  })

  it("with a sink POSTs the transformed event there in structured mode and passes the sink's event reply back", async () => {
    sink = await startSubscriber((_req, res) => {
      res
        .writeHead(200, {
          'ce-specversion': '1.0',
          'ce-id': 'r-1',
          'ce-source': '/processor',
          'ce-type': 'order.processed',
          'content-type': 'application/json',
        })
        .end('{"ok":true}')
    })
    const response = await runEventTransform(event, {transform: request, sinkUri: sink.url}, send)
    const [received] = sink.received
    expect(received!.headers['content-type']).toMatch(/^application\/cloudevents\+json/)
    expect(JSON.parse(received!.body.toString())).toEqual({
      specversion: '1.0',
      id: 'o-1',
      source: '/orders',
      type: 'request.transformed',
      time: '2025-01-02T03:04:05Z',
      data: {total: 12},
    })
    expect(response.sent?.type).toBe('request.transformed')
    // a binary-mode reply keeps its ce- headers, so it is still an event
    expect(response.status).toBe(200)
    expect(asEvent(response.headers, response.body)).toMatchObject({id: 'r-1', type: 'order.processed'})
    expect(response.event?.id).toBe('r-1')
  })

  it("transforms the sink's reply with spec.reply.jsonata", async () => {
    sink = await startSubscriber((_req, res) => {
      res
        .writeHead(200, {
          'ce-specversion': '1.0',
          'ce-id': 'r-2',
          'ce-source': '/processor',
          'ce-type': 'order.processed',
          'content-type': 'application/json',
        })
        .end('{"ok":true}')
    })
    const response = await runEventTransform(event, {transform: request, sinkUri: sink.url, reply: {transform: replyTransform}}, send)
    expect(response.status).toBe(200)
    expect(asEvent(response.headers, response.body)).toMatchObject({
      id: 'r-2',
      type: 'reply.transformed',
      source: 'transform.reply-processor',
    })
  })

  it('gives the reply transform a reply that is not an event as its JSON', async () => {
    sink = await startSubscriber((_req, res) => {
      res.writeHead(200, {'content-type': 'application/json'}).end('{"id":"plain-7"}')
    })
    const response = await runEventTransform(
      event,
      {
        transform: request,
        sinkUri: sink.url,
        reply: {transform: compiled('{"specversion": "1.0", "id": id, "source": "/r", "type": "plain.reply"}')},
      },
      send,
    )
    expect(response.event).toMatchObject({id: 'plain-7', type: 'plain.reply'})
  })

  it('gives the reply transform JSON nested deeper than ingress accepts as text, without overflowing', async () => {
    sink = await startSubscriber((_req, res) => {
      res.writeHead(200, {'content-type': 'application/json'}).end(`${'['.repeat(5000)}${']'.repeat(5000)}`)
    })
    const response = await runEventTransform(
      event,
      {
        transform: request,
        sinkUri: sink.url,
        reply: {transform: compiled('{"specversion": "1.0", "id": "r", "source": "/r", "type": $type($)}')},
      },
      send,
    )
    expect(response.event?.type).toBe('string')
  })

  it("with reply.discard answers the sink's status with an empty body", async () => {
    sink = await startSubscriber((_req, res) => {
      res.writeHead(202, {'ce-specversion': '1.0', 'ce-id': 'r', 'ce-source': '/p', 'ce-type': 't'}).end('{}')
    })
    const response = await runEventTransform(event, {transform: request, sinkUri: sink.url, reply: {discard: true}}, send)
    expect(response).toEqual({status: 202, headers: {}, sent: expect.objectContaining({type: 'request.transformed'})})
  })

  it("passes a failing sink's status back, so the sender retries as it would for the sink", async () => {
    sink = await startSubscriber((_req, res) => {
      res.writeHead(503).end('busy')
    })
    const response = await runEventTransform(event, {transform: request, sinkUri: sink.url, reply: {transform: replyTransform}}, send)
    expect(response.status).toBe(503)
    expect(response.event).toBeUndefined()
  })

  it('answers 500 with a Reason when the sink cannot be reached', async () => {
    sink = await startSubscriber()
    const url = sink.url
    await sink.close()
    sink = undefined
    const response = await runEventTransform(event, {transform: request, sinkUri: url}, send)
    expect(response).toMatchObject({
      status: 500,
      failure: {stage: 'sink', message: expect.stringContaining(`the sink ${url} could not be reached`)},
    })
    expect(response.headers.reason).toContain('could not be reached')
  })

  it('answers 500 with the JSONata error and sends nothing when the expression fails at run time', async () => {
    sink = await startSubscriber()
    const failing = compiled('{"specversion": "1.0", "id": id, "source": source, "type": $uppercase(data.total)}')
    const response = await runEventTransform(event, {transform: failing, sinkUri: sink.url}, send)
    expect(response).toMatchObject({
      status: 500,
      failure: {
        stage: 'transform',
        message: expect.stringMatching(
          /^Argument 1 of function "uppercase" does not match function signature \(JSONata T0410 at line 1, column \d+\)$/,
        ),
      },
    })
    expect(response.headers.reason).toMatch(/JSONata T0410/)
    expect(sink.received).toEqual([])
  })

  it('reports a reply transform failure at the reply stage', async () => {
    sink = await startSubscriber((_req, res) => {
      res.writeHead(200, {'content-type': 'application/json'}).end('{"n": "x"}')
    })
    const response = await runEventTransform(
      event,
      {transform: request, sinkUri: sink.url, reply: {transform: compiled('{"v": n + 1}')}},
      send,
    )
    expect(response).toMatchObject({status: 500, failure: {stage: 'reply', message: expect.stringMatching(/JSONata T2001/)}})
  })
})
