// Delivery guarantees over real HTTP with real failing subscribers and the real clock (a virtual one where a
// wait is asserted exactly): which answers are retried, the waits between attempts, timeouts, unreachable subscribers, Retry-After, dead-letter sinks
// and their extensions, refused replies, one outcome per event and trigger, overload and drain.
import {createServer} from 'node:http'
import type {AddressInfo} from 'node:net'
import {describe, expect, it} from 'vitest'
import {VirtualClock, type ActivityJson, type Mesh} from '../../src/index.js'
import {useMesh} from '../helpers/mesh.js'
import {binaryHeaders, heldResponder, post, type Received, type Responder, type Subscriber} from '../helpers/subscriber.js'

const kit = useMesh()

async function subscriber(responder?: Responder): Promise<Subscriber & {times: number[]}> {
  const times: number[] = []
  const s = await kit.subscriber((req, res, i) => {
    times.push(performance.now())
    return (
      responder ??
      ((_q, r) => {
        r.writeHead(200).end()
      })
    )(req, res, i)
  })
  return Object.assign(s, {times})
}

const meshFrom = kit.mesh

const answer =
  (code: number, body = '', headers: Record<string, string> = {}): Responder =>
  (_req, res) => {
    res.writeHead(code, headers).end(body)
  }

const ASYNC = '  annotations:\n    messaging.knative.dev/async-handler: "true"\n'

function broker(extra = ''): string {
  return `apiVersion: eventing.knative.dev/v1\nkind: Broker\nmetadata:\n  name: default\n${extra}---\n`
}

function trigger(name: string, url: string, {type, delivery}: {type?: string; delivery?: string} = {}): string {
  const filter = type ? `  filter:\n    attributes:\n      type: ${type}\n` : ''
  return `apiVersion: eventing.knative.dev/v1\nkind: Trigger\nmetadata:\n  name: ${name}\nspec:\n  broker: default\n${filter}  subscriber:\n    uri: ${url}\n${delivery ? `  delivery:\n${delivery}` : ''}---\n`
}

/** A delivery spec block (indented for a Trigger's spec). */
function delivery(fields: Record<string, string | number>, dls?: string): string {
  return (
    Object.entries(fields)
      .map(([k, v]) => `    ${k}: ${v}\n`)
      .join('') + (dls ? `    deadLetterSink:\n      uri: ${dls}\n` : '')
  )
}

function records(mesh: Mesh, kind: ActivityJson['kind']): ActivityJson[] {
  return (mesh.journal.since() as ActivityJson[]).filter((r) => r.kind === kind)
}

function gaps(times: number[]): number[] {
  return times.slice(1).map((t, i) => t - times[i]!)
}

function header(got: Received | undefined, name: string): string | undefined {
  return got?.headers[name] as string | undefined
}

async function closedPortUrl(): Promise<string> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const {port} = server.address() as AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return `http://127.0.0.1:${port}`
}

describe('which answers are retried (SelectiveRetry)', () => {
  it('retries transport errors, 5xx, 404, 408, 409 and 429; never other 4xx', async () => {
    const byStatus = await subscriber((req, res) => {
      res.writeHead(Number(req.url.split('/').pop())).end()
    })
    const retried = [404, 408, 409, 429, 500, 502, 503, 504]
    const notRetried = [400, 401, 403, 405, 410, 413, 422]
    const yaml =
      broker() +
      [...retried, ...notRetried]
        .map((code) => trigger(`t${code}`, `${byStatus.url}/status/${code}`, {type: `com.example.${code}`, delivery: delivery({retry: 2})}))
        .join('')
    const mesh = await meshFrom(yaml)
    await Promise.all([...retried, ...notRetried].map((code) => post(`${mesh.url}/default/default`, binaryHeaders(`com.example.${code}`))))
    const count = (code: number): number => byStatus.received.filter((r) => r.url === `/status/${code}`).length
    for (const code of retried) expect({code, attempts: count(code)}).toEqual({code, attempts: 3})
    for (const code of notRetried) expect({code, attempts: count(code)}).toEqual({code, attempts: 1})
  })

  it("retries a 2xx answer that is not a CloudEvent as broker-filter's 502, then dead-letters what the subscriber said", async () => {
    const chatty = await subscriber(answer(200, '{"ok":true}', {'content-type': 'application/json'}))
    const malformed = await subscriber(answer(200, '{}', {'content-type': 'application/cloudevents+json'}))
    const dls = await subscriber()
    const mesh = await meshFrom(
      broker() +
        trigger('chatty', chatty.url, {type: 'com.example.chatty', delivery: delivery({retry: 1}, dls.url)}) +
        trigger('malformed', malformed.url, {type: 'com.example.malformed', delivery: delivery({retry: 1}, dls.url)}),
    )
    expect((await post(`${mesh.url}/default/default`, binaryHeaders('com.example.chatty'))).status).toBe(202)
    expect((await post(`${mesh.url}/default/default`, binaryHeaders('com.example.malformed'))).status).toBe(202)
    expect(chatty.received).toHaveLength(2)
    expect(malformed.received).toHaveLength(2)
    const dead = await dls.waitFor(2)
    expect(dead.map((d) => [header(d, 'ce-knativeerrordest'), header(d, 'ce-knativeerrorcode'), header(d, 'ce-knativeerrordata')])).toEqual(
      [
        [chatty.url, '502', Buffer.from('{"ok":true}').toString('base64')],
        [malformed.url, '502', Buffer.from('{}').toString('base64')],
      ],
    )
    const attempts = records(mesh, 'attempt').filter(
      (a) => a.kind === 'attempt' && a.trigger === 'default/chatty' && a.target === 'subscriber',
    )
    expect(attempts.map((a) => a.kind === 'attempt' && [a.attempt, a.status, a.error])).toEqual([
      [1, 502, 'received a non-empty response not recognized as CloudEvent (HTTP 200 from the subscriber, counted as 502)'],
      [2, 502, 'received a non-empty response not recognized as CloudEvent (HTTP 200 from the subscriber, counted as 502)'],
    ])
    expect(mesh.status().triggers.map((t) => t.counters)).toEqual([
      expect.objectContaining({matched: 1, deadLettered: 1}),
      expect.objectContaining({matched: 1, deadLettered: 1}),
    ])
  })
})

describe('waits between attempts', () => {
  it('waits 0, d, 2d for linear backoff and d, 2d, 4d for exponential', async () => {
    const linear = await subscriber(answer(503))
    const exponential = await subscriber(answer(503))
    const mesh = await meshFrom(
      broker() +
        trigger('linear', linear.url, {delivery: delivery({retry: 3, backoffPolicy: 'linear', backoffDelay: 'PT0.15S'})}) +
        trigger('exponential', exponential.url, {delivery: delivery({retry: 3, backoffPolicy: 'exponential', backoffDelay: 'PT0.1S'})}),
    )
    expect((await post(`${mesh.url}/default/default`, binaryHeaders('com.example.x'))).status).toBe(500)
    expect(linear.received).toHaveLength(4)
    expect(exponential.received).toHaveLength(4)
    // never early on the real clock; that each wait is exactly as planned, delivery-virtual-clock.test.ts proves
    const expectWaits = (measured: number[], planned: number[]): void => {
      measured.forEach((ms, i) => expect(ms).toBeGreaterThanOrEqual(planned[i]! - 5))
    }
    expectWaits(gaps(linear.times), [0, 150, 300])
    expectWaits(gaps(exponential.times), [100, 200, 400])
    const waits = records(mesh, 'attempt')
      .filter((a) => a.kind === 'attempt' && a.trigger === 'default/linear')
      .map((a) => a.kind === 'attempt' && a.nextDelayMs)
    expect(waits).toEqual([0, 150, 300, undefined])
  })

  it('waits as long as Retry-After says on 429 and 503, capped by retryAfterMax, and ignores it without retryAfterMax', async () => {
    const honoured = await subscriber((_req, res, i) => {
      if (i === 0) res.writeHead(503, {'Retry-After': '1'}).end()
      else res.writeHead(200).end()
    })
    const ignored = await subscriber((_req, res, i) => {
      if (i === 0) res.writeHead(429, {'Retry-After': '30'}).end()
      else res.writeHead(200).end()
    })
    const clock = new VirtualClock() // every wait exact, none real
    const mesh = await meshFrom(
      broker() +
        trigger('honoured', honoured.url, {delivery: delivery({retry: 1, retryAfterMax: 'PT0.4S'})}) +
        trigger('ignored', ignored.url, {delivery: delivery({retry: 1})}),
      {clock},
    )
    expect((await clock.runUntil(post(`${mesh.url}/default/default`, binaryHeaders('com.example.x')))).status).toBe(202)
    const waits = records(mesh, 'attempt').map((a) => a.kind === 'attempt' && [a.trigger, a.attempt, a.status, a.nextDelayMs])
    expect(waits.sort()).toEqual([
      ['default/honoured', 1, 503, 400],
      ['default/honoured', 2, 200, undefined],
      ['default/ignored', 1, 429, 0],
      ['default/ignored', 2, 200, undefined],
    ])
    expect(clock.requestedSleeps.sort((a, b) => a - b)).toEqual([0, 400])
  })
})

describe('failures without a response', () => {
  it('times out each attempt after delivery.timeout and retries; dead-letters with code 500 and "dispatch error" data', async () => {
    const slow = await subscriber(() => undefined) // never answers: only the timeout ends an attempt
    const dls = await subscriber()
    const mesh = await meshFrom(broker() + trigger('slow', slow.url, {delivery: delivery({retry: 1, timeout: 'PT0.2S'}, dls.url)}))
    expect((await post(`${mesh.url}/default/default`, binaryHeaders('com.example.x'))).status).toBe(202)
    expect(slow.received).toHaveLength(2)
    const [dead] = await dls.waitFor(1)
    expect(header(dead, 'ce-knativeerrorcode')).toBe('500')
    expect(header(dead, 'ce-knativeerrordest')).toBe(slow.url)
    expect(Buffer.from(header(dead, 'ce-knativeerrordata')!, 'base64').toString()).toBe('dispatch error: timed out after 200 ms')
    const attempts = records(mesh, 'attempt').filter((a) => a.kind === 'attempt' && a.target === 'subscriber')
    expect(attempts.map((a) => a.kind === 'attempt' && a.error)).toEqual(['timed out after 200 ms', 'timed out after 200 ms'])
  })

  it("keeps a timeout longer than setTimeout's 24.8-day limit instead of cutting every attempt after 1 ms", async () => {
    const slowish = await subscriber(async (_req, res) => {
      await new Promise((resolve) => setTimeout(resolve, 20))
      res.writeHead(200).end()
    })
    // one trigger calls the subscriber over HTTP, the other through a channel inside the mesh
    const channel =
      'apiVersion: messaging.knative.dev/v1\nkind: InMemoryChannel\nmetadata:\n  name: queue\n---\n' +
      `apiVersion: messaging.knative.dev/v1\nkind: Subscription\nmetadata:\n  name: queued\nspec:\n  channel:\n    apiVersion: messaging.knative.dev/v1\n    kind: InMemoryChannel\n    name: queue\n  subscriber:\n    uri: ${slowish.url}\n---\n` +
      'apiVersion: eventing.knative.dev/v1\nkind: Trigger\nmetadata:\n  name: via-channel\nspec:\n  broker: default\n  subscriber:\n    ref:\n      apiVersion: messaging.knative.dev/v1\n      kind: InMemoryChannel\n      name: queue\n  delivery:\n    timeout: P30D\n'
    const mesh = await meshFrom(broker() + trigger('direct', slowish.url, {delivery: delivery({timeout: 'P30D'})}) + channel)
    expect((await post(`${mesh.url}/default/default`, binaryHeaders('com.example.x'))).status).toBe(202)
    expect(slowish.received).toHaveLength(2)
    expect(mesh.status().triggers.map((t) => t.counters)).toEqual([
      expect.objectContaining({delivered: 1, failed: 0}),
      expect.objectContaining({delivered: 1, failed: 0}),
    ])
  })

  it('retries a subscriber that refuses connections, then dead-letters with its URI as knativeerrordest', async () => {
    const unreachable = await closedPortUrl()
    const dls = await subscriber()
    const mesh = await meshFrom(broker() + trigger('gone', unreachable, {delivery: delivery({retry: 2}, dls.url)}))
    expect((await post(`${mesh.url}/default/default`, binaryHeaders('com.example.x'))).status).toBe(202)
    const attempts = records(mesh, 'attempt').filter((a) => a.kind === 'attempt' && a.target === 'subscriber')
    expect(attempts).toHaveLength(3)
    for (const a of attempts) expect(a.kind === 'attempt' && a.status).toBeUndefined()
    const [dead] = await dls.waitFor(1)
    expect(header(dead, 'ce-knativeerrordest')).toBe(unreachable)
    expect(header(dead, 'ce-knativeerrorcode')).toBe('500')
    const data = Buffer.from(header(dead, 'ce-knativeerrordata')!, 'base64').toString()
    expect(data).toMatch(/^dispatch error: .*ECONNREFUSED/)
  })

  it('stops reading an answer past 64 MiB and retries it like a failed request', async () => {
    const huge = Buffer.alloc(65 * 1024 * 1024, 0x61)
    const flood = await subscriber((_req, res) => {
      res.writeHead(200, {'content-type': 'text/plain'}).end(huge)
    })
    const mesh = await meshFrom(broker() + trigger('flood', flood.url, {delivery: delivery({retry: 1, backoffDelay: 'PT0.01S'})}))
    expect((await post(`${mesh.url}/default/default`, binaryHeaders('com.example.x'))).status).toBe(500)
    const attempts = records(mesh, 'attempt').filter((a) => a.kind === 'attempt' && a.target === 'subscriber')
    expect(attempts.map((a) => a.kind === 'attempt' && [a.status, a.error])).toEqual([
      [undefined, 'the answer exceeds 67108864 bytes'],
      [undefined, 'the answer exceeds 67108864 bytes'],
    ])
    expect(mesh.status().triggers[0]!.counters.failed).toBe(1)
  })

  it('delivers to a flapping subscriber once it recovers, with nothing dead-lettered', async () => {
    const flapping = await subscriber((_req, res, i) => {
      res.writeHead([503, 500, 404, 200][i] ?? 200).end()
    })
    const dls = await subscriber()
    const mesh = await meshFrom(
      broker() +
        trigger('flapping', flapping.url, {delivery: delivery({retry: 5, backoffPolicy: 'linear', backoffDelay: 'PT0.02S'}, dls.url)}),
    )
    expect((await post(`${mesh.url}/default/default`, binaryHeaders('com.example.x'))).status).toBe(202)
    expect(flapping.received).toHaveLength(4)
    expect(dls.received).toHaveLength(0)
    expect(mesh.status().triggers[0]!.counters).toMatchObject({matched: 1, delivered: 1, deadLettered: 0, failed: 0})
  })
})

describe('dead-letter sinks', () => {
  it('sends the original event with knativeerrordest, knativeerrorcode and knativeerrordata (rekt BrokerDeadLetterSinkExtensions)', async () => {
    const failing = await subscriber(answer(422, '{ "message": "catastrophic failure" }'))
    const dls = await subscriber()
    const mesh = await meshFrom(broker() + trigger('failing', failing.url, {delivery: delivery({retry: 3}, dls.url)}))
    const data = Buffer.from('{"order":42}')
    const sent = await post(
      `${mesh.url}/default/default`,
      binaryHeaders('com.example.x', {
        'ce-id': 'dl-1',
        'content-type': 'application/json',
        'x-request-id': 'req-7',
        prefer: 'reply',
      }),
      data,
    )
    expect(sent.status).toBe(202)
    expect(failing.received).toHaveLength(1) // 422 is not retried
    const [dead] = await dls.waitFor(1)
    expect(header(dead, 'ce-id')).toBe('dl-1')
    expect(header(dead, 'ce-type')).toBe('com.example.x')
    expect(dead!.body.equals(data)).toBe(true)
    expect(header(dead, 'ce-knativeerrordest')).toBe(failing.url)
    expect(header(dead, 'ce-knativeerrorcode')).toBe('422')
    expect(header(dead, 'ce-knativeerrordata')).toBe('eyAibWVzc2FnZSI6ICJjYXRhc3Ryb3BoaWMgZmFpbHVyZSIgfQ==')
    // dead-letter requests carry Kn-Namespace and the pass-through headers, never Prefer: reply
    expect(header(dead, 'kn-namespace')).toBe('default')
    expect(header(dead, 'x-request-id')).toBe('req-7')
    expect(header(dead, 'prefer')).toBeUndefined()
    expect(header(failing.received[0], 'prefer')).toBe('reply')
    const outcome = records(mesh, 'outcome')[0]
    expect(outcome).toMatchObject({outcome: 'dead-lettered', status: 422, trigger: 'default/failing'})
  })

  it('writes knativeerrorcode as a JSON integer in structured mode and cuts knativeerrordata at 1024 base64 characters', async () => {
    const long = 'x'.repeat(2000)
    const failing = await subscriber(answer(500, long))
    const dls = await subscriber()
    const mesh = await meshFrom(broker() + trigger('failing', failing.url, {delivery: delivery({format: 'json'}, dls.url)}))
    await post(`${mesh.url}/default/default`, binaryHeaders('com.example.x'))
    const [dead] = await dls.waitFor(1)
    expect(header(dead, 'content-type')).toMatch(/^application\/cloudevents\+json/)
    const event = JSON.parse(dead!.body.toString()) as Record<string, unknown>
    expect(event.knativeerrorcode).toBe(500)
    expect(event.knativeerrordata).toBe(Buffer.from(long).toString('base64').slice(0, 1024))
    expect((event.knativeerrordata as string).length).toBe(1024)
  })

  it('keeps a short body whole (no truncation below 768 bytes) and sends an empty knativeerrordata for an empty body', async () => {
    const body = 'y'.repeat(700)
    const withBody = await subscriber(answer(400, body))
    const empty = await subscriber(answer(400))
    const dls = await subscriber()
    const mesh = await meshFrom(
      broker() +
        trigger('with-body', withBody.url, {type: 'com.example.a', delivery: delivery({}, dls.url)}) +
        trigger('empty', empty.url, {type: 'com.example.b', delivery: delivery({}, dls.url)}),
    )
    await post(`${mesh.url}/default/default`, binaryHeaders('com.example.a'))
    await post(`${mesh.url}/default/default`, binaryHeaders('com.example.b'))
    const [first, second] = await dls.waitFor(2)
    expect(header(first, 'ce-knativeerrordata')).toBe(Buffer.from(body).toString('base64'))
    expect(header(first, 'ce-knativeerrordata')).toHaveLength(936)
    expect(header(second, 'ce-knativeerrordata')).toBe('')
  })

  it('retries the dead-letter sink with the same policy; when it fails too the delivery is failed, visibly', async () => {
    const failing = await subscriber(answer(503))
    const brokenDls = await subscriber(answer(500))
    const mesh = await meshFrom(broker() + trigger('failing', failing.url, {delivery: delivery({retry: 2}, brokenDls.url)}))
    const sent = await post(`${mesh.url}/default/default`, binaryHeaders('com.example.x', {'ce-id': 'lost-1'}))
    expect(sent.status).toBe(500)
    expect(JSON.parse(sent.text)).toMatchObject({failed: [{trigger: 'default/failing', status: 503}]})
    expect(failing.received).toHaveLength(3)
    expect(brokenDls.received).toHaveLength(3)
    const outcome = records(mesh, 'outcome')[0]
    expect(outcome).toMatchObject({outcome: 'failed', id: 'lost-1'})
    expect(outcome?.kind === 'outcome' && outcome.error).toContain(`unable to complete request to either ${failing.url}`)
    expect(mesh.status().failed).toMatchObject([{id: 'lost-1', trigger: 'default/failing', status: 503}])
    expect(mesh.status().triggers[0]!.counters).toMatchObject({failed: 1, deadLettered: 0})
  })

  it('fails an event without a dead-letter sink and names it in status', async () => {
    const failing = await subscriber(answer(400))
    const mesh = await meshFrom(broker() + trigger('failing', failing.url))
    const sent = await post(`${mesh.url}/default/default`, binaryHeaders('com.example.x', {'ce-id': 'lost-2'}))
    expect(sent.status).toBe(500)
    expect(mesh.status().failed).toMatchObject([{id: 'lost-2', type: 'com.example.x', status: 400}])
    const outcome = records(mesh, 'outcome')[0]
    expect(outcome?.kind === 'outcome' && outcome.error).toContain(`unable to complete request to ${failing.url}`)
  })

  it("uses the trigger's delivery whole when it has one (no merging), else the broker's", async () => {
    const failing = await subscriber(answer(503))
    const brokerDls = await subscriber()
    const triggerDls = await subscriber()
    const mesh = await meshFrom(
      broker(`spec:\n  delivery:\n    retry: 3\n    deadLetterSink:\n      uri: ${brokerDls.url}\n`) +
        trigger('own', `${failing.url}/own`, {type: 'com.example.own', delivery: delivery({}, triggerDls.url)}) +
        trigger('inherits', `${failing.url}/inherits`, {type: 'com.example.inherits'}),
    )
    await post(`${mesh.url}/default/default`, binaryHeaders('com.example.own'))
    await post(`${mesh.url}/default/default`, binaryHeaders('com.example.inherits'))
    expect(failing.received.filter((r) => r.url === '/own')).toHaveLength(1)
    expect(failing.received.filter((r) => r.url === '/inherits')).toHaveLength(4)
    expect(header(triggerDls.received[0], 'ce-type')).toBe('com.example.own')
    expect(header(brokerDls.received[0], 'ce-type')).toBe('com.example.inherits')
  })
})

describe('replies that cannot be published', () => {
  function replying(type = 'com.example.reply'): Responder {
    return (_req, res) => {
      res.writeHead(200, {'ce-specversion': '1.0', 'ce-id': 'r-1', 'ce-source': '/replier', 'ce-type': type}).end()
    }
  }

  it('dead-letters the original event when ingress refuses the reply (TTL exhausted, 400 not retried)', async () => {
    const replier = await subscriber(replying())
    const dls = await subscriber()
    const mesh = await meshFrom(
      broker() + trigger('replier', replier.url, {type: 'com.example.order', delivery: delivery({retry: 3}, dls.url)}),
    )
    const sent = await post(
      `${mesh.url}/default/default`,
      binaryHeaders('com.example.order', {'ce-id': 'orig-1', 'ce-knativebrokerttl': '2'}),
    )
    expect(sent.status).toBe(202)
    const [dead] = await dls.waitFor(1)
    expect(header(dead, 'ce-id')).toBe('orig-1')
    expect(header(dead, 'ce-knativeerrordest')).toBe(`${mesh.url}/default/default`)
    expect(header(dead, 'ce-knativeerrorcode')).toBe('400')
    expect(JSON.parse(Buffer.from(header(dead, 'ce-knativeerrordata')!, 'base64').toString()).error).toContain('knativebrokerttl')
    const replyAttempts = records(mesh, 'attempt').filter((a) => a.kind === 'attempt' && a.target === 'reply')
    expect(replyAttempts).toHaveLength(1)
    expect(replier.received).toHaveLength(1) // the subscriber is not called again: only the reply POST is retried
  })

  it('retries a reply refused with 429 by a full asynchronous broker, then dead-letters the original', async () => {
    const replier = await subscriber(replying())
    const dls = await subscriber()
    const mesh = await meshFrom(
      broker(ASYNC) + trigger('replier', replier.url, {type: 'com.example.order', delivery: delivery({retry: 2}, dls.url)}),
      {maxPendingEvents: 1},
    )
    expect((await post(`${mesh.url}/default/default`, binaryHeaders('com.example.order', {'ce-id': 'orig-2'}))).status).toBe(202)
    const [dead] = await dls.waitFor(1)
    expect(header(dead, 'ce-id')).toBe('orig-2')
    expect(header(dead, 'ce-knativeerrorcode')).toBe('429')
    await mesh.idle()
    const replyAttempts = records(mesh, 'attempt').filter((a) => a.kind === 'attempt' && a.target === 'reply')
    expect(replyAttempts.map((a) => a.kind === 'attempt' && a.status)).toEqual([429, 429, 429])
    expect(records(mesh, 'outcome')).toMatchObject([{outcome: 'dead-lettered', id: 'orig-2'}])
  })
})

describe('nothing lost', () => {
  it('gives every accepted event exactly one outcome per matched trigger, and the counters add up', async () => {
    const ok = await subscriber()
    const seen = new Set<string>()
    const flaky = await subscriber((req, res) => {
      const id = req.headers['ce-id'] as string
      res.writeHead(seen.has(id) ? 202 : 503).end() // every event's first attempt fails
      seen.add(id)
    })
    const bad = await subscriber(answer(400))
    const dls = await subscriber()
    const mesh = await meshFrom(
      broker(ASYNC) +
        trigger('ok', ok.url) +
        trigger('flaky', flaky.url, {delivery: delivery({retry: 2})}) +
        trigger('bad', bad.url, {type: 'com.example.odd'}) +
        trigger('dead', bad.url, {type: 'com.example.odd', delivery: delivery({}, dls.url)}),
    )
    const events = 30
    await Promise.all(
      Array.from({length: events}, (_, i) =>
        post(`${mesh.url}/default/default`, binaryHeaders(i % 2 ? 'com.example.odd' : 'com.example.even', {'ce-id': `e-${i}`})),
      ),
    )
    await mesh.idle()
    const outcomes = records(mesh, 'outcome')
    const keys = outcomes.map((o) => o.kind === 'outcome' && `${o.arrival}/${o.trigger}`)
    expect(new Set(keys).size).toBe(keys.length)
    const matched = records(mesh, 'event').reduce((n, r) => n + (r.kind === 'event' ? (r.matched?.length ?? 0) : 0), 0)
    expect(outcomes).toHaveLength(matched)
    expect(matched).toBe(events * 2 + (events / 2) * 2)
    expect(records(mesh, 'settled')).toHaveLength(events)
    const status = mesh.status()
    for (const t of status.triggers) {
      const c = t.counters
      expect(c.delivered + c.replied + c.deadLettered + c.failed).toBe(c.matched)
      expect(c.inFlight).toBe(0)
    }
    const byName = Object.fromEntries(status.triggers.map((t) => [t.name, t.counters]))
    expect(byName.ok).toMatchObject({matched: 30, delivered: 30})
    expect(byName.flaky).toMatchObject({matched: 30, delivered: 30})
    expect(flaky.received).toHaveLength(60)
    expect(byName.bad).toMatchObject({matched: 15, failed: 15})
    expect(byName.dead).toMatchObject({matched: 15, deadLettered: 15})
    expect(status.failed.map((f) => f.id).sort()).toEqual(Array.from({length: 15}, (_, i) => `e-${i * 2 + 1}`).sort())
    expect(status.brokers[0]!.counters).toMatchObject({accepted: 30, pending: 0})
  })

  it('gives every delivery of an asynchronous broker whose trigger targets the broker itself one outcome, up to the hop limit', async () => {
    const self =
      'apiVersion: eventing.knative.dev/v1\nkind: Trigger\nmetadata:\n  name: self\nspec:\n  broker: default\n' +
      '  subscriber:\n    ref:\n      apiVersion: eventing.knative.dev/v1\n      kind: Broker\n      name: default\n'
    const mesh = await meshFrom(broker(ASYNC) + self)
    expect((await post(`${mesh.url}/default/default`, binaryHeaders('com.example.x'))).status).toBe(202)
    await mesh.idle()
    // each in-memory hop is one more event in the same broker, until its 1000th hop is refused
    expect(mesh.status().triggers[0]!.counters).toEqual({
      matched: 1000,
      delivered: 999,
      replied: 0,
      deadLettered: 0,
      failed: 1,
      inFlight: 0,
    })
    expect(mesh.status().brokers[0]!.counters).toEqual({accepted: 1000, rejected: 1, pending: 0, pendingBytes: 0})
    expect(records(mesh, 'outcome')).toHaveLength(1000)
    expect(records(mesh, 'settled')).toHaveLength(1000)
  })

  it('answers 429 with Retry-After when an asynchronous broker holds its bound, instead of growing', async () => {
    const {release, responder} = heldResponder()
    const held = await subscriber(responder)
    const mesh = await meshFrom(broker(ASYNC) + trigger('held', held.url), {maxPendingEvents: 5})
    const answers = await Promise.all(
      Array.from({length: 12}, () => fetch(`${mesh.url}/default/default`, {method: 'POST', headers: binaryHeaders('com.example.x')})),
    )
    const codes = answers.map((a) => a.status)
    expect(codes.filter((c) => c === 202)).toHaveLength(5)
    expect(codes.filter((c) => c === 429)).toHaveLength(7)
    const refused = answers.find((a) => a.status === 429)!
    expect(refused.headers.get('retry-after')).toBe('1')
    expect(((await refused.json()) as {error: string}).error).toContain('at capacity')
    expect(mesh.status().brokers[0]!.counters).toMatchObject({accepted: 5, rejected: 7, pending: 5})
    release()
    await mesh.idle()
    expect(held.received).toHaveLength(5)
    expect((await post(`${mesh.url}/default/default`, binaryHeaders('com.example.x'))).status).toBe(202)
  })
})

describe('shutdown', () => {
  it('refuses new events with 503 while draining, then fails and reports by id what did not finish', async () => {
    const held = await subscriber(() => undefined) // never answers
    const waiting = await subscriber(answer(503))
    const mesh = await meshFrom(
      broker(ASYNC) +
        trigger('held', held.url, {type: 'com.example.held'}) +
        trigger('waiting', waiting.url, {
          type: 'com.example.waiting',
          delivery: delivery({retry: 5, backoffPolicy: 'linear', backoffDelay: 'PT60S'}),
        }),
    )
    await post(`${mesh.url}/default/default`, binaryHeaders('com.example.held', {'ce-id': 'held-1'}))
    await post(`${mesh.url}/default/default`, binaryHeaders('com.example.waiting', {'ce-id': 'waiting-1'}))
    await held.waitFor(1)
    await waiting.waitFor(2) // the first linear retry is immediate; the second waits 60 s
    const closing = mesh.close({drainTimeoutMs: 500})
    const refused = await post(`${mesh.url}/default/default`, binaryHeaders('com.example.held'))
    expect(refused.status).toBe(503)
    const report = await closing // the drain timeout, not the 60 s wait, ends it: both deliveries are reported unfinished
    expect(report.unfinished.map((u) => u.id).sort()).toEqual(['held-1', 'waiting-1'])
    const outcomes = records(mesh, 'outcome')
    expect(outcomes).toHaveLength(2)
    for (const o of outcomes) {
      expect(o).toMatchObject({outcome: 'failed'})
      expect(o.kind === 'outcome' && o.error).toContain('kne stopped before the delivery finished')
    }
    expect(
      mesh
        .status()
        .failed.map((f) => f.id)
        .sort(),
    ).toEqual(['held-1', 'waiting-1'])
  })

  it('lets deliveries under way finish within the drain timeout and reports nothing unfinished', async () => {
    const slow = await subscriber(async (_req, res) => {
      await new Promise((resolve) => setTimeout(resolve, 300))
      res.writeHead(200).end()
    })
    const mesh = await meshFrom(broker(ASYNC) + trigger('slow', slow.url))
    await post(`${mesh.url}/default/default`, binaryHeaders('com.example.x'))
    await slow.waitFor(1)
    const report = await mesh.close({drainTimeoutMs: 5000})
    expect(report.unfinished).toEqual([])
    expect(records(mesh, 'outcome')).toMatchObject([{outcome: 'delivered'}])
  })
})
