import {describe, expect, it} from 'vitest'
import http from 'node:http'
import {VirtualClock, type Mesh} from '../../src/index.js'
import {useMesh} from '../helpers/mesh.js'
import {binaryHeaders, heldResponder, post} from '../helpers/subscriber.js'

const kit = useMesh()
const {subscriber, mesh: meshFrom} = kit

function broker(name = 'default', extra = ''): string {
  return `apiVersion: eventing.knative.dev/v1\nkind: Broker\nmetadata:\n  name: ${name}\n${extra}---\n`
}

function trigger(name: string, subscriberUrl: string, type?: string, extra = ''): string {
  const filter = type ? `  filter:\n    attributes:\n      type: ${type}\n` : ''
  return `apiVersion: eventing.knative.dev/v1\nkind: Trigger\nmetadata:\n  name: ${name}\nspec:\n  broker: default\n${filter}  subscriber:\n    uri: ${subscriberUrl}\n${extra}---\n`
}

describe('broker routing and delivery', () => {
  it('delivers a matching event unchanged, with Knative headers, only to triggers whose filter matches', async () => {
    const orders = await subscriber()
    const other = await subscriber()
    const mesh = await meshFrom(
      broker() + trigger('orders', orders.url, 'com.example.order') + trigger('other', other.url, 'com.example.other'),
    )
    const data = Buffer.from([0x7b, 0xff, 0x00, 0x7d]) // not UTF-8: bytes must survive untouched
    const answer = await post(
      `${mesh.url}/default/default`,
      binaryHeaders('com.example.order', {
        'content-type': 'application/octet-stream',
        'ce-subject': 'order-1',
        'ce-tenant': 'acme',
        'x-request-id': 'req-1',
        'knative-trace': 'k1',
        'x-custom': 'dropped',
        authorization: 'Bearer secret',
      }),
      data,
    )
    expect(answer.status).toBe(202)
    const [got] = await orders.waitFor(1)
    expect(got!.body.equals(data)).toBe(true)
    expect(got!.headers['ce-type']).toBe('com.example.order')
    expect(got!.headers['ce-subject']).toBe('order-1')
    expect(got!.headers['ce-tenant']).toBe('acme')
    expect(got!.headers['ce-specversion']).toBe('1.0')
    expect(got!.headers['content-type']).toBe('application/octet-stream')
    expect(got!.headers.prefer).toBe('reply')
    expect(got!.headers['kn-namespace']).toBe('default')
    expect(Date.parse(got!.headers['ce-knativearrivaltime'] as string)).toBeGreaterThan(Date.now() - 60_000)
    expect(got!.headers['ce-knativebrokerttl']).toBeUndefined()
    expect(got!.headers['x-request-id']).toBe('req-1')
    expect(got!.headers['knative-trace']).toBe('k1')
    expect(got!.headers['x-custom']).toBeUndefined()
    expect(got!.headers.authorization).toBeUndefined()
    expect(other.received).toHaveLength(0)
  })

  it('passes UTF-8 header values through byte for byte, whether the event came in binary or structured mode', async () => {
    const sink = await subscriber()
    const mesh = await meshFrom(broker() + trigger('all', sink.url))
    // node:http writes header strings as latin1: each character is one byte on the wire
    const wire = (text: string): string => Buffer.from(text, 'utf8').toString('latin1')
    const status = await new Promise<number>((resolve, reject) => {
      http
        .request(
          `${mesh.url}/default/default`,
          {
            method: 'POST',
            headers: {
              ...binaryHeaders('com.example.x', {'ce-id': 'binary'}),
              'ce-subject': wire('ü'),
              'ce-city': wire('Zürich €'),
            },
          },
          (res) => {
            res.resume()
            resolve(res.statusCode!)
          },
        )
        .on('error', reject)
        .end()
    })
    expect(status).toBe(202)
    const structured = JSON.stringify({
      specversion: '1.0',
      id: 'structured',
      source: '/test',
      type: 'com.example.x',
      subject: 'ü',
      city: 'Zürich €',
    })
    expect((await post(`${mesh.url}/default/default`, {'content-type': 'application/cloudevents+json'}, structured)).status).toBe(202)
    const got = await sink.waitFor(2)
    // node:http reads each header byte as one latin1 character: this gives back the bytes that arrived
    const bytes = (value: unknown): string => Buffer.from(value as string, 'latin1').toString('hex')
    for (const {headers} of got) {
      expect(bytes(headers['ce-subject'])).toBe('c3bc')
      expect(bytes(headers['ce-city'])).toBe(Buffer.from('Zürich €', 'utf8').toString('hex'))
    }
  })

  it('answers 202 when no trigger matches, and records why', async () => {
    const other = await subscriber()
    const mesh = await meshFrom(broker() + trigger('other', other.url, 'com.example.other'))
    const answer = await post(`${mesh.url}/default/default`, binaryHeaders('com.example.nobody'))
    expect(answer.status).toBe(202)
    const arrived = mesh.journal.since().find((r) => r.kind === 'event')
    expect(arrived).toMatchObject({matched: []})
    expect(other.received).toHaveLength(0)
  })

  it('delivers to every matching trigger separately, even when they share a subscriber', async () => {
    const shared = await subscriber()
    const mesh = await meshFrom(broker() + trigger('a', shared.url) + trigger('b', shared.url, 'com.example.x'))
    expect((await post(`${mesh.url}/default/default`, binaryHeaders('com.example.x'))).status).toBe(202)
    expect(await shared.waitFor(2)).toHaveLength(2)
  })

  it('sends structured mode when the trigger asks for delivery.format: json', async () => {
    const sink = await subscriber()
    const mesh = await meshFrom(broker() + trigger('json', sink.url, undefined, '  delivery:\n    format: json\n'))
    await post(`${mesh.url}/default/default`, binaryHeaders('com.example.x', {'content-type': 'application/json'}), '{"n": 1}')
    const [got] = await sink.waitFor(1)
    expect(got!.headers['content-type']).toMatch(/^application\/cloudevents\+json/)
    const body = JSON.parse(got!.body.toString())
    expect(body).toMatchObject({specversion: '1.0', type: 'com.example.x', data: {n: 1}})
    expect(body.knativebrokerttl).toBeUndefined()
  })

  it('routes typed JSON extensions as the strings a binary hop makes of them, as a cluster does', async () => {
    const sink = await subscriber()
    const mesh = await meshFrom(
      broker() +
        `apiVersion: eventing.knative.dev/v1
kind: Trigger
metadata: {name: priority}
spec:
  broker: default
  filter: {attributes: {priority: "3"}}
  subscriber: {uri: "${sink.url}"}
  delivery: {format: json}
`,
    )
    const structured = JSON.stringify({specversion: '1.0', id: 'p', source: '/s', type: 't', priority: 3, urgent: true})
    expect((await post(`${mesh.url}/default/default`, {'content-type': 'application/cloudevents+json'}, structured)).status).toBe(202)
    const [got] = await sink.waitFor(1)
    expect(JSON.parse(got!.body.toString())).toMatchObject({priority: '3', urgent: 'true'})
  })

  it('keeps a CloudEvents 0.3 event at 0.3 (no specversion upgrade)', async () => {
    const sink = await subscriber()
    const mesh = await meshFrom(broker() + trigger('all', sink.url))
    await post(`${mesh.url}/default/default`, {
      ...binaryHeaders('com.example.x'),
      'ce-specversion': '0.3',
      'ce-schemaurl': 'http://example.com/s',
    })
    const [got] = await sink.waitFor(1)
    expect(got!.headers['ce-specversion']).toBe('0.3')
    expect(got!.headers['ce-schemaurl']).toBe('http://example.com/s')
  })
})

describe('subscriber responses and replies', () => {
  it('publishes a CloudEvent reply back into the broker, where every trigger sees it', async () => {
    const replier = await subscriber((_req, res) => {
      res
        .writeHead(200, {
          'ce-specversion': '1.0',
          'ce-id': 'reply-1',
          'ce-source': '/replier',
          'ce-type': 'com.example.reply',
          'content-type': 'text/plain',
        })
        .end('done')
    })
    const audit = await subscriber()
    const mesh = await meshFrom(
      broker() + trigger('work', replier.url, 'com.example.request') + trigger('audit', audit.url, 'com.example.reply'),
    )
    const answer = await post(`${mesh.url}/default/default`, binaryHeaders('com.example.request'))
    expect(answer.status).toBe(202)
    const [reply] = await audit.waitFor(1)
    expect(reply!.headers['ce-id']).toBe('reply-1')
    expect(reply!.body.toString()).toBe('done')
    const outcomes = mesh.journal
      .since()
      .filter((r) => r.kind === 'outcome')
      .map((r) => r.kind === 'outcome' && [r.trigger, r.outcome])
    expect(outcomes).toEqual(
      expect.arrayContaining([
        ['default/work', 'replied'],
        ['default/audit', 'delivered'],
      ]),
    )
  })

  it('treats a non-empty 2xx that is not a CloudEvent as a failed delivery (502)', async () => {
    const chatty = await subscriber((_req, res) => {
      res.writeHead(200, {'content-type': 'application/json'}).end('{"ok":true}')
    })
    const mesh = await meshFrom(broker() + trigger('chatty', chatty.url, undefined, '  delivery:\n    retry: 0\n'))
    const answer = await post(`${mesh.url}/default/default`, binaryHeaders('com.example.x'))
    expect(answer.status).toBe(500)
    expect(JSON.parse(answer.text).failed).toEqual([expect.objectContaining({trigger: 'default/chatty', status: 502})])
    expect(mesh.status().triggers[0]!.counters).toMatchObject({failed: 1, delivered: 0})
  })

  it('ends the delivery on 202 or an empty 2xx', async () => {
    const quiet = await subscriber((_req, res) => {
      res.writeHead(202).end()
    })
    const mesh = await meshFrom(broker() + trigger('quiet', quiet.url))
    expect((await post(`${mesh.url}/default/default`, binaryHeaders('com.example.x'))).status).toBe(202)
    expect(mesh.status().triggers[0]!.counters).toMatchObject({delivered: 1, failed: 0})
  })
})

describe('synchronous and asynchronous brokers', () => {
  it('a default broker answers only after every delivery has finished', async () => {
    const held = heldResponder()
    const slow = await subscriber(held.responder)
    const mesh = await meshFrom(broker() + trigger('slow', slow.url))
    let answered = false
    const answer = post(`${mesh.url}/default/default`, binaryHeaders('com.example.x')).then((a) => {
      answered = true
      return a
    })
    await slow.waitFor(1)
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(answered).toBe(false)
    held.release()
    expect((await answer).status).toBe(202)
  })

  it('a broker with the async-handler annotation answers 202 before delivering', async () => {
    const held = heldResponder()
    const slow = await subscriber(held.responder)
    const mesh = await meshFrom(
      broker('default', '  annotations:\n    messaging.knative.dev/async-handler: "true"\n') + trigger('slow', slow.url),
    )
    const answer = await post(`${mesh.url}/default/default`, binaryHeaders('com.example.x'))
    expect(answer.status).toBe(202)
    await slow.waitFor(1)
    expect(mesh.status().triggers[0]!.counters.inFlight).toBe(1)
    held.release()
  })

  it('a synchronous broker answers 500 when a delivery fails', async () => {
    const failing = await subscriber((_req, res) => {
      res.writeHead(400).end('bad')
    })
    const mesh = await meshFrom(broker() + trigger('failing', failing.url))
    const answer = await post(`${mesh.url}/default/default`, binaryHeaders('com.example.x'))
    expect(answer.status).toBe(500)
    expect(answer.text).toContain('default/failing')
  })
})

describe('loops on a synchronous broker', () => {
  const toBroker = '    ref:\n      apiVersion: eventing.knative.dev/v1\n      kind: Broker\n      name: default\n'
  const selfTrigger = `apiVersion: eventing.knative.dev/v1\nkind: Trigger\nmetadata:\n  name: self\nspec:\n  broker: default\n  subscriber:\n${toBroker}---\n`
  const channel =
    'apiVersion: messaging.knative.dev/v1\nkind: InMemoryChannel\nmetadata:\n  name: relay\n---\n' +
    'apiVersion: eventing.knative.dev/v1\nkind: Trigger\nmetadata:\n  name: to-relay\nspec:\n  broker: default\n  subscriber:\n' +
    '    ref:\n      apiVersion: messaging.knative.dev/v1\n      kind: InMemoryChannel\n      name: relay\n---\n' +
    'apiVersion: messaging.knative.dev/v1\nkind: Subscription\nmetadata:\n  name: back\nspec:\n  channel:\n' +
    `    apiVersion: messaging.knative.dev/v1\n    kind: InMemoryChannel\n    name: relay\n  subscriber:\n${toBroker}---\n`

  /** Posts an event to a mesh on a virtual clock; the answer must come before any retry wait is asked for. */
  async function answerWithoutRetries(clock: VirtualClock, mesh: Mesh): Promise<{status: number; text: string}> {
    const answer = await Promise.race([
      post(`${mesh.url}/default/default`, binaryHeaders('com.example.loop')),
      clock.whenSleeping(1, Number.POSITIVE_INFINITY).then(() => ({status: 0, text: 'a retry wait was asked for before the answer'})),
    ])
    expect(clock.requestedSleeps).toEqual([])
    return answer
  }

  it('answers a trigger whose subscriber is its own broker with 400 at the hop limit, retrying nothing on the way up', async () => {
    const clock = new VirtualClock()
    const mesh = await meshFrom(broker() + selfTrigger, {clock}) // the stock delivery: 10 retries
    const answer = await answerWithoutRetries(clock, mesh)
    expect(answer.status).toBe(400)
    expect(JSON.parse(answer.text).error).toBe(
      'delivery failed for trigger default/self: the event has taken 1000 hops inside the mesh (a loop: a subscriber or reply that leads back here?) and is dropped',
    )
    expect(mesh.status().triggers[0]!.counters).toMatchObject({matched: 1000, failed: 1000, inFlight: 0})
    expect(mesh.journal.since().filter((r) => r.kind === 'rejected')).toHaveLength(1)
    expect(mesh.journal.since().filter((r) => r.kind === 'attempt')).toHaveLength(1000)
  })

  it('cuts trigger → channel → subscription → broker the same way', async () => {
    const clock = new VirtualClock()
    const mesh = await meshFrom(broker() + channel, {clock})
    const answer = await answerWithoutRetries(clock, mesh)
    expect(answer.status).toBe(400)
    expect(JSON.parse(answer.text).error).toMatch(
      /^delivery failed for trigger default\/to-relay: the event has taken 1000 hops inside the mesh/,
    )
    expect(mesh.status().brokers[0]!.counters).toMatchObject({accepted: 500, rejected: 1})
  })

  it('answers a reply loop with 400 once the TTL is spent, and a dead-letter sink ends the loop where it was cut', async () => {
    const echo = await subscriber((_req, res) => {
      res.writeHead(200, {'ce-specversion': '1.0', 'ce-id': `r${Math.random()}`, 'ce-source': '/echo', 'ce-type': 'com.example.loop'}).end()
    })
    const dls = await subscriber()
    const clock = new VirtualClock()
    const mesh = await meshFrom(broker() + trigger('loop', echo.url, 'com.example.loop'), {clock})
    const answer = await answerWithoutRetries(clock, mesh)
    expect(answer.status).toBe(400)
    expect(JSON.parse(answer.text).error).toMatch(/: knativebrokerttl is exhausted: the event arrived with knativebrokerttl 1,/)
    expect(echo.received).toHaveLength(255) // as Knative's TTL of 255 allows
    const rejected = mesh.journal.since().filter((r) => r.kind === 'rejected')
    expect(rejected).toMatchObject([{status: 400, via: 'reply'}])

    const withDls = await meshFrom(
      broker('default', `spec:\n  delivery:\n    retry: 10\n    deadLetterSink:\n      uri: ${dls.url}\n`) +
        trigger('loop', echo.url, 'com.example.loop'),
    )
    // a TTL of 4 leaves three passes through the broker: two replies, then the third is refused
    expect((await post(`${withDls.url}/default/default`, binaryHeaders('com.example.loop', {'ce-knativebrokerttl': '4'}))).status).toBe(202)
    expect(dls.received).toHaveLength(1)
    expect(withDls.status().triggers[0]!.counters).toMatchObject({matched: 3, replied: 2, deadLettered: 1, failed: 0})
  })
})

describe('subscriber resolution', () => {
  it('resolves a Knative Service ref through the service map and a Broker ref with a relative uri', async () => {
    const svc = await subscriber()
    const yaml =
      broker() +
      broker('audit') +
      `apiVersion: eventing.knative.dev/v1
kind: Trigger
metadata:
  name: to-service
spec:
  broker: default
  filter: {attributes: {type: com.example.svc}}
  subscriber:
    ref: {apiVersion: serving.knative.dev/v1, kind: Service, name: order-processor}
    uri: /hooks/orders
---
apiVersion: eventing.knative.dev/v1
kind: Trigger
metadata:
  name: forward
spec:
  broker: default
  filter: {attributes: {type: com.example.fwd}}
  subscriber:
    ref: {apiVersion: eventing.knative.dev/v1, kind: Broker, name: audit}
`
    const mesh = await meshFrom(yaml, {services: {'order-processor': svc.url}})
    const status = mesh.status()
    expect(status.triggers.find((t) => t.name === 'to-service')).toMatchObject({ready: true, subscriberUri: `${svc.url}/hooks/orders`})
    expect(status.triggers.find((t) => t.name === 'forward')).toMatchObject({ready: true, subscriberUri: `${mesh.url}/default/audit`})
    await post(`${mesh.url}/default/default`, binaryHeaders('com.example.svc'))
    const [got] = await svc.waitFor(1)
    expect(got!.url).toBe('/hooks/orders')
    await post(`${mesh.url}/default/default`, binaryHeaders('com.example.fwd'))
    expect(mesh.status().brokers.find((b) => b.name === 'audit')!.counters.accepted).toBe(1)
  })

  it('marks a trigger whose subscriber does not resolve not Ready, fails its deliveries visibly, and keeps serving', async () => {
    const yaml =
      broker() +
      `apiVersion: eventing.knative.dev/v1
kind: Trigger
metadata:
  name: unmapped
spec:
  broker: default
  subscriber:
    ref: {apiVersion: serving.knative.dev/v1, kind: Service, name: nowhere}
---
apiVersion: eventing.knative.dev/v1
kind: Trigger
metadata:
  name: orphan
spec:
  broker: missing
  subscriber: {uri: "http://127.0.0.1:9/"}
`
    const mesh = await meshFrom(yaml)
    const [unmapped, orphan] = mesh.status().triggers
    expect(unmapped).toMatchObject({ready: false, reason: 'SubscriberResolveFailed'})
    expect(unmapped!.message).toContain('nowhere')
    expect(orphan).toMatchObject({ready: false, reason: 'BrokerDoesNotExist'})
    const answer = await post(`${mesh.url}/default/default`, binaryHeaders('com.example.x'))
    expect(answer.status).toBe(500)
    expect(mesh.status().triggers[0]!.counters.failed).toBe(1)
  })
})

describe('ingress contract', () => {
  it('rejects unknown brokers with 404, bad paths with 400, and checks the event before the broker', async () => {
    const mesh = await meshFrom(broker())
    expect((await post(`${mesh.url}/default/nope`, binaryHeaders('t'))).status).toBe(404)
    expect((await post(`${mesh.url}/`, binaryHeaders('t'))).status).toBe(404)
    expect((await post(`${mesh.url}/a/b/c`, binaryHeaders('t'))).status).toBe(400)
    expect((await post(`${mesh.url}/default/default/`, binaryHeaders('t'))).status).toBe(202) // trailing slash allowed
    const malformed = await post(`${mesh.url}/default/nope`, {'content-type': 'application/json'}, '{}')
    expect(malformed.status).toBe(400)
    expect(JSON.parse(malformed.text).error).toMatch(/ce-specversion/)
  })

  it('forwards an incoming knativebrokerttl minus one and drops an event whose TTL runs out', async () => {
    const sink = await subscriber((_req, res) => {
      res.writeHead(200, {'ce-specversion': '1.0', 'ce-id': 'r', 'ce-source': '/s', 'ce-type': 'com.example.reply'}).end()
    })
    const replies = await subscriber()
    const mesh = await meshFrom(
      broker() + trigger('first', sink.url, 'com.example.x') + trigger('replies', replies.url, 'com.example.reply'),
    )
    const spent = await post(`${mesh.url}/default/default`, binaryHeaders('com.example.x', {'ce-knativebrokerttl': '1'}))
    expect(spent.status).toBe(400)
    expect(JSON.parse(spent.text).error).toBe(
      'knativebrokerttl is exhausted: the event arrived with knativebrokerttl 1, and each pass through a broker spends one (a reply loop?); it is dropped',
    )
    expect(sink.received).toHaveLength(0)
    // TTL 3 → 2 at ingress; the reply carries 2 → 1 at ingress, still accepted
    expect((await post(`${mesh.url}/default/default`, binaryHeaders('com.example.x', {'ce-knativebrokerttl': '3'}))).status).toBe(202)
    await replies.waitFor(1)
    const accepted = mesh.journal.since().filter((r) => r.kind === 'event')
    expect(accepted.map((r) => r.kind === 'event' && r.event.extensions.knativebrokerttl)).toEqual([2, 1])
  })
})

describe('activity stream (GET /_kne/v1/activity?follow=true)', () => {
  it('gives a follower every record in order, those appended just before the mesh closes included', async () => {
    const orders = await subscriber()
    const mesh = await meshFrom(broker() + trigger('orders', orders.url, 'com.example.order'))
    const lines: {kind: string; seq?: number; next?: number}[] = []
    let subscribed!: () => void
    const live = new Promise<void>((resolve) => (subscribed = resolve))
    const ended = new Promise<void>((resolve, reject) => {
      http
        .get(`${mesh.url}/_kne/v1/activity?follow=true`, (res) => {
          let buffered = ''
          res.on('data', (chunk: Buffer) => {
            buffered += chunk.toString()
            let newline: number
            while ((newline = buffered.indexOf('\n')) >= 0) {
              const line = JSON.parse(buffered.slice(0, newline)) as {kind: string; seq?: number; next?: number}
              buffered = buffered.slice(newline + 1)
              lines.push(line)
              if (line.kind === 'subscribed') subscribed()
            }
          })
          res.on('end', resolve)
        })
        .on('error', reject)
    })
    await live
    for (let i = 0; i < 3; i++) expect((await post(`${mesh.url}/default/default`, binaryHeaders('com.example.order'))).status).toBe(202)
    await mesh.close()
    await ended
    const [first, ...records] = lines
    expect(first).toMatchObject({kind: 'subscribed'})
    expect(records.map((r) => r.seq)).toEqual(records.map((_, i) => first!.next! + i))
    expect(records.filter((r) => r.kind === 'event')).toHaveLength(3)
    expect(records.filter((r) => r.kind === 'settled')).toHaveLength(3)
    expect(records.at(-1)).toMatchObject({kind: 'settled'})
  })
})
