// Channels and Subscriptions over real HTTP with real subscribers: the channel receiver's answers, fan-out
// to every subscription, synchronous and asynchronous answers, replies (sent on, or dropped without a
// reply), non-CloudEvent answers ignored, the delivery fallback to the channel's delivery, dead-letter
// sinks, status, triggers pointing at a channel, and a reply loop that ends.
import {describe, expect, it} from 'vitest'
import {answerEvent, BROKER, channel, jsonBody, records, subscription, trigger} from '../helpers/flows.js'
import {useMesh} from '../helpers/mesh.js'
import {binaryHeaders, post, type Responder} from '../helpers/subscriber.js'

const {mesh: meshFrom, subscriber} = useMesh()

const answer =
  (code: number, body = '', headers: Record<string, string> = {}): Responder =>
  (_req, res) => {
    res.writeHead(code, headers).end(body)
  }

const CHANNEL_REF = {apiVersion: 'messaging.knative.dev/v1', kind: 'Channel', name: 'pipe'}

describe('the channel receiver', () => {
  it('answers OPTIONS 200, other methods 405, an invalid CloudEvent 400 and an accepted event 202', async () => {
    const mesh = await meshFrom(channel('pipe', '', 'Channel'))
    const url = `${mesh.url}/channels/default/pipe`
    const options = await post(url, {}, undefined, 'OPTIONS')
    expect(options.status).toBe(200)
    expect(options.headers.get('allow')).toBe('POST, OPTIONS')
    expect(options.headers.get('webhook-allowed-origin')).toBe('*')
    expect((await post(url, {}, undefined, 'GET')).status).toBe(405)
    expect((await post(url, {'ce-specversion': '1.0', 'ce-id': '1', 'ce-source': '/s'})).status).toBe(400)
    expect((await post(url, binaryHeaders('com.example.a'))).status).toBe(202)
    expect((await post(`${url}/`, binaryHeaders('com.example.a'))).status).toBe(202)
    expect(mesh.status().channels).toEqual([
      expect.objectContaining({
        name: 'pipe',
        kind: 'Channel',
        url,
        ready: true,
        counters: {accepted: 2, rejected: 1, pending: 0, pendingBytes: 0},
      }),
    ])
  })

  it("answers 404 for a channel it does not serve, whatever the method, and never takes the path for a broker's", async () => {
    const mesh = await meshFrom(BROKER + channel('pipe'))
    for (const method of ['POST', 'OPTIONS', 'GET']) {
      const missing = await post(`${mesh.url}/channels/default/nope`, binaryHeaders('com.example.a'), undefined, method)
      expect({method, status: missing.status}).toEqual({method, status: 404})
    }
    expect(JSON.parse((await post(`${mesh.url}/channels/default/nope`, binaryHeaders('x'))).text).error).toMatch(
      /channel default\/nope not found/,
    )
    expect((await post(`${mesh.url}/sequences/default/pipe`, binaryHeaders('x'))).status).toBe(404)
    expect((await post(`${mesh.url}/channels/pipe`, binaryHeaders('x'))).status).toBe(404)
    expect((await post(`${mesh.url}/default/default`, binaryHeaders('x'))).status).toBe(202)
  })
})

describe('fan-out to subscriptions', () => {
  it('sends every subscription the event unchanged, with Prefer: reply and Kn-Namespace, and answers after all finished', async () => {
    const fast = await subscriber()
    const slow = await subscriber(async (_req, res) => {
      await new Promise((r) => setTimeout(r, 300))
      res.writeHead(200).end()
    })
    const mesh = await meshFrom(channel('pipe') + subscription('fast', 'pipe', fast.url) + subscription('slow', 'pipe', slow.url))
    const started = performance.now()
    const sent = await post(
      `${mesh.url}/channels/default/pipe`,
      binaryHeaders('com.example.a', {'x-request-id': 'r1', 'x-custom': 'no', 'ce-knativebrokerttl': '7'}),
      '{"n":1}',
    )
    expect(sent.status).toBe(202)
    expect(performance.now() - started).toBeGreaterThanOrEqual(290)
    for (const got of [fast.received[0], slow.received[0]]) {
      expect(got?.headers).toMatchObject({
        'ce-type': 'com.example.a',
        'ce-knativebrokerttl': '7',
        prefer: 'reply',
        'kn-namespace': 'default',
        'x-request-id': 'r1',
      })
      // a channel adds no arrival time and keeps what it got
      expect(got?.headers['ce-knativearrivaltime']).toBeUndefined()
      expect(got?.headers['x-custom']).toBeUndefined()
      expect(got?.body.toString()).toBe('{"n":1}')
    }
    expect(
      records(mesh, 'outcome')
        .map((o) => [o.subscription, o.outcome])
        .sort(),
    ).toEqual([
      ['default/fast', 'delivered'],
      ['default/slow', 'delivered'],
    ])
  })

  it('answers 500 naming the subscription that failed, and 202 at once with the async-handler annotation', async () => {
    const ok = await subscriber()
    const failing = await subscriber(answer(503))
    const sync = await meshFrom(channel('pipe') + subscription('ok', 'pipe', ok.url) + subscription('broken', 'pipe', failing.url))
    const failed = await post(`${sync.url}/channels/default/pipe`, binaryHeaders('com.example.a'))
    expect(failed.status).toBe(500)
    expect(JSON.parse(failed.text)).toMatchObject({
      error: 'delivery failed for subscription default/broken',
      failed: [{subscription: 'default/broken', status: 503}],
    })

    let release: () => void = () => {}
    const held = await subscriber((_req, res) => {
      release = () => res.writeHead(200).end()
    })
    const async = await meshFrom(
      channel('pipe', '  annotations:\n    messaging.knative.dev/async-handler: "true"\n') + subscription('held', 'pipe', held.url),
    )
    expect((await post(`${async.url}/channels/default/pipe`, binaryHeaders('com.example.a'))).status).toBe(202)
    await held.waitFor(1)
    expect(async.status().subscriptions[0]!.counters).toMatchObject({matched: 1, inFlight: 1})
    release()
    await async.idle()
    expect(async.status().subscriptions[0]!.counters).toMatchObject({delivered: 1, inFlight: 0})
  })
})

describe('what a subscriber answers', () => {
  it('sends a reply event to spec.reply with Kn-Namespace, and drops it without a reply', async () => {
    const replies = await subscriber()
    const step = await subscriber((_req, res) => answerEvent(res, 'com.example.reply', {ok: true}, {'x-request-id': 'r2'}))
    const mesh = await meshFrom(
      channel('pipe') +
        subscription('with-reply', 'pipe', step.url, `  reply:\n    uri: ${replies.url}\n`) +
        subscription('no-reply', 'pipe', step.url),
    )
    expect((await post(`${mesh.url}/channels/default/pipe`, binaryHeaders('com.example.a'))).status).toBe(202)
    expect(replies.received).toHaveLength(1)
    expect(replies.received[0]!.headers).toMatchObject({'ce-type': 'com.example.reply', 'kn-namespace': 'default', 'x-request-id': 'r2'})
    expect(replies.received[0]!.headers.prefer).toBeUndefined()
    const outcomes = Object.fromEntries(records(mesh, 'outcome').map((o) => [o.subscription, o]))
    expect(outcomes['default/with-reply']).toMatchObject({outcome: 'replied'})
    expect(outcomes['default/no-reply']).toMatchObject({outcome: 'delivered', replyDropped: true})
  })

  it('ignores a 2xx body that is not a CloudEvent: delivered, not retried, not dead-lettered', async () => {
    const dls = await subscriber()
    const chatty = await subscriber(answer(200, '{"ok":true}', {'content-type': 'application/json'}))
    const mesh = await meshFrom(
      channel('pipe') +
        subscription('chatty', 'pipe', chatty.url, `  delivery:\n    retry: 3\n    deadLetterSink:\n      uri: ${dls.url}\n`),
    )
    expect((await post(`${mesh.url}/channels/default/pipe`, binaryHeaders('com.example.a'))).status).toBe(202)
    expect(chatty.received).toHaveLength(1)
    expect(dls.received).toHaveLength(0)
    expect(records(mesh, 'outcome')).toEqual([expect.objectContaining({subscription: 'default/chatty', outcome: 'delivered', status: 200})])
  })

  it('treats an empty structured-mode answer as an invalid reply (400, dead-lettered), not as no reply', async () => {
    const dls = await subscriber()
    const replies = await subscriber()
    const empty = await subscriber(answer(200, '', {'content-type': 'application/cloudevents+json'}))
    const mesh = await meshFrom(
      channel('pipe') +
        subscription(
          's',
          'pipe',
          empty.url,
          `  reply:\n    uri: ${replies.url}\n  delivery:\n    deadLetterSink:\n      uri: ${dls.url}\n`,
        ),
    )
    expect((await post(`${mesh.url}/channels/default/pipe`, binaryHeaders('com.example.a'))).status).toBe(202)
    await mesh.idle()
    expect(replies.received).toHaveLength(0)
    expect(dls.received).toHaveLength(1)
    expect(dls.received[0]!.headers['ce-knativeerrorcode']).toBe('400')
    expect(records(mesh, 'outcome')).toEqual([expect.objectContaining({subscription: 'default/s', outcome: 'dead-lettered'})])
  })

  it("dead-letters the original event when the reply is refused, with the reply's URL as knativeerrordest", async () => {
    const dls = await subscriber()
    const refusing = await subscriber(answer(400, 'no'))
    const step = await subscriber((_req, res) => answerEvent(res, 'com.example.reply', {}))
    const mesh = await meshFrom(
      channel('pipe') +
        subscription(
          's',
          'pipe',
          step.url,
          `  reply:\n    uri: ${refusing.url}\n  delivery:\n    retry: 2\n    deadLetterSink:\n      uri: ${dls.url}\n`,
        ),
    )
    expect((await post(`${mesh.url}/channels/default/pipe`, binaryHeaders('com.example.a', {'ce-id': 'orig'}))).status).toBe(202)
    expect(refusing.received).toHaveLength(1) // 400 is not retried
    expect(dls.received[0]!.headers).toMatchObject({
      'ce-id': 'orig',
      'ce-knativeerrordest': refusing.url,
      'ce-knativeerrorcode': '400',
      'ce-knativeerrordata': Buffer.from('no').toString('base64'),
    })
  })
})

describe("delivery: the subscription's own, else the channel's", () => {
  it("retries and dead-letters with the channel's delivery when the subscription has none, and with its own (whole) otherwise", async () => {
    const dls = await subscriber()
    const failing = await subscriber(answer(500, 'down'))
    const mesh = await meshFrom(
      channel('pipe', `spec:\n  delivery:\n    retry: 2\n    deadLetterSink:\n      uri: ${dls.url}\n`) +
        subscription('inherits', 'pipe', `${failing.url}/inherits`) +
        subscription('own', 'pipe', `${failing.url}/own`, '  delivery:\n    retry: 1\n'),
    )
    const sent = await post(`${mesh.url}/channels/default/pipe`, binaryHeaders('com.example.a'))
    // the subscription with its own delivery has no dead-letter sink: it fails, so the channel answers 500
    expect(sent.status).toBe(500)
    expect(JSON.parse(sent.text).failed).toEqual([expect.objectContaining({subscription: 'default/own'})])
    expect(failing.received.filter((r) => r.url === '/inherits')).toHaveLength(3)
    expect(failing.received.filter((r) => r.url === '/own')).toHaveLength(2)
    expect(dls.received).toHaveLength(1)
    expect(dls.received[0]!.headers).toMatchObject({
      'ce-knativeerrordest': `${failing.url}/inherits`,
      'ce-knativeerrorcode': '500',
      'kn-namespace': 'default',
    })
    const status = Object.fromEntries(mesh.status().subscriptions.map((s) => [s.name, s]))
    expect(status.inherits).toMatchObject({delivery: {retry: 2}, deadLetterSinkUri: dls.url})
    expect(status.own).toMatchObject({delivery: {retry: 1}, deadLetterSinkUri: undefined})
  })
})

describe('readiness', () => {
  it('reports subscriptions that are not Ready, and fails their deliveries at once with the reason', async () => {
    const ok = await subscriber()
    const mesh = await meshFrom(
      channel('pipe') +
        subscription('lost', 'nope', ok.url) +
        'apiVersion: messaging.knative.dev/v1\nkind: Subscription\nmetadata:\n  name: unmapped\nspec:\n  channel:\n    apiVersion: messaging.knative.dev/v1\n    kind: InMemoryChannel\n    name: pipe\n  subscriber:\n    ref:\n      apiVersion: serving.knative.dev/v1\n      kind: Service\n      name: ghost\n---\n' +
        subscription('typed', 'pipe', ok.url, '', 'Channel'),
    )
    const status = Object.fromEntries(mesh.status().subscriptions.map((s) => [s.name, s]))
    expect(status.lost).toMatchObject({
      ready: false,
      reason: 'ChannelReferenceFailed',
      message: expect.stringMatching(/inmemorychannels.messaging.knative.dev "nope" not found/),
    })
    expect(status.unmapped).toMatchObject({
      ready: false,
      reason: 'SubscriberResolveFailed',
      message: expect.stringMatching(/^Failed to resolve spec.subscriber: .*"ghost".*has no local URL/),
    })
    // a Subscription naming a Channel finds no Channel where only an InMemoryChannel exists
    expect(status.typed).toMatchObject({
      ready: false,
      reason: 'ChannelReferenceFailed',
      message: expect.stringMatching(/channels.messaging.knative.dev "pipe" not found/),
    })
    const sent = await post(`${mesh.url}/channels/default/pipe`, binaryHeaders('com.example.a'))
    expect(sent.status).toBe(500)
    expect(records(mesh, 'outcome')).toEqual([
      expect.objectContaining({
        subscription: 'default/unmapped',
        outcome: 'failed',
        error: expect.stringMatching(/subscription is not Ready/),
      }),
    ])
  })
})

describe('references to a channel', () => {
  it("delivers a trigger's events to a Channel by ref, in memory, and shows the hop in the activity", async () => {
    const sink = await subscriber()
    const mesh = await meshFrom(
      BROKER +
        channel('pipe', 'spec:\n  channelTemplate:\n    apiVersion: messaging.knative.dev/v1\n    kind: InMemoryChannel\n', 'Channel') +
        subscription('log', 'pipe', sink.url, '', 'Channel') +
        trigger('to-pipe', CHANNEL_REF),
    )
    expect(mesh.status().triggers[0]).toMatchObject({subscriberUri: `${mesh.url}/channels/default/pipe`, ready: true})
    expect((await post(`${mesh.url}/default/default`, binaryHeaders('com.example.a', {'ce-id': 'e1'}))).status).toBe(202)
    // broker-filter removed the TTL; the arrival time the broker set stays
    expect(sink.received[0]!.headers).toMatchObject({'ce-id': 'e1', 'kn-namespace': 'default'})
    expect(sink.received[0]!.headers['ce-knativebrokerttl']).toBeUndefined()
    expect(sink.received[0]!.headers['ce-knativearrivaltime']).toBeDefined()
    const arrivals = records(mesh, 'event')
    expect(arrivals.map((e) => [e.broker ?? e.channel, e.from?.trigger])).toEqual([
      ['default/default', undefined],
      ['default/pipe', 'default/to-pipe'],
    ])
    expect(arrivals[1]!.from).toEqual({arrival: arrivals[0]!.arrival, trigger: 'default/to-pipe', target: 'subscriber'})
  })

  it("sends a subscription's reply into a broker, where it is routed like any event", async () => {
    const replies = await subscriber()
    const step = await subscriber((_req, res) => answerEvent(res, 'com.example.reply', {}))
    const mesh = await meshFrom(
      BROKER +
        channel('pipe') +
        subscription(
          's',
          'pipe',
          step.url,
          '  reply:\n    ref:\n      apiVersion: eventing.knative.dev/v1\n      kind: Broker\n      name: default\n',
        ) +
        trigger('replies', replies.url, 'com.example.reply'),
    )
    expect((await post(`${mesh.url}/channels/default/pipe`, binaryHeaders('com.example.a'))).status).toBe(202)
    expect(replies.received[0]!.headers).toMatchObject({'ce-type': 'com.example.reply'})
    const reply = records(mesh, 'event').find((e) => e.broker === 'default/default')
    expect(reply).toMatchObject({via: 'reply', replyTo: {subscription: 'default/s'}})
    expect(jsonBody(replies.received[0])).toEqual({})
  })

  it('ends a reply loop through a channel instead of running forever', async () => {
    const echo = await subscriber((req, res) => answerEvent(res, String(req.headers['ce-type']), {}))
    const mesh = await meshFrom(
      channel('loop') +
        subscription(
          'again',
          'loop',
          echo.url,
          '  reply:\n    ref:\n      apiVersion: messaging.knative.dev/v1\n      kind: InMemoryChannel\n      name: loop\n',
        ),
    )
    const sent = await post(`${mesh.url}/channels/default/loop`, binaryHeaders('com.example.a'))
    expect(sent.status).toBe(400) // the loop's refusal, answered at every level without a retry
    expect(JSON.parse(sent.text).error).toMatch(
      /^delivery failed for subscription default\/again: the event has taken 1000 hops inside the mesh/,
    )
    expect(records(mesh, 'rejected')).toEqual([
      expect.objectContaining({channel: 'default/loop', status: 400, error: expect.stringMatching(/1000 hops inside the mesh/)}),
    ])
    expect(echo.received).toHaveLength(1000)
    expect(mesh.runtime.inFlightCount).toBe(0)
  })
})
