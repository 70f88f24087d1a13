// Sequence over real HTTP with real steps: each step gets the previous step's reply, the last reply goes
// to spec.reply (or is dropped), an empty answer ends the sequence quietly, a failing step fails it, and a
// Trigger reaches a Sequence by ref.
import {describe, expect, it} from 'vitest'
import {appender, BROKER, jsonBody, records, trigger} from '../helpers/flows.js'
import {useMesh} from '../helpers/mesh.js'
import {binaryHeaders, post} from '../helpers/subscriber.js'

const {mesh: meshFrom, subscriber} = useMesh()

function sequence(name: string, steps: string[], extra = ''): string {
  const list = steps.map((url) => `    - uri: ${url}\n`).join('')
  return `apiVersion: flows.knative.dev/v1\nkind: Sequence\nmetadata:\n  name: ${name}\nspec:\n  channelTemplate:\n    apiVersion: messaging.knative.dev/v1\n    kind: InMemoryChannel\n  steps:\n${list}${extra}---\n`
}

const replyTo = (url: string): string => `  reply:\n    uri: ${url}\n`

describe('Sequence', () => {
  it('chains three steps by their replies and sends the last reply to spec.reply', async () => {
    const steps = await Promise.all(['a', 'b', 'c'].map((label) => subscriber(appender(label))))
    const end = await subscriber()
    const mesh = await meshFrom(
      sequence(
        'pipeline',
        steps.map((s) => s.url),
        replyTo(end.url),
      ),
    )
    const sent = await post(
      `${mesh.url}/sequences/default/pipeline`,
      {...binaryHeaders('com.example.start'), 'content-type': 'application/json'},
      '{"path":[]}',
    )
    expect(sent.status).toBe(202)
    expect(jsonBody(steps[0]!.received[0])).toEqual({path: []})
    expect(jsonBody(steps[1]!.received[0])).toEqual({path: ['a']})
    expect(jsonBody(steps[2]!.received[0])).toEqual({path: ['a', 'b']})
    expect(jsonBody(end.received[0])).toEqual({path: ['a', 'b', 'c']})
    // Knative's wiring: one channel and one subscription per step, named after the sequence
    expect(records(mesh, 'event').map((e) => [e.channel, e.via, e.replyTo?.subscription])).toEqual([
      ['default/pipeline-kn-sequence-0', 'ingress', undefined],
      ['default/pipeline-kn-sequence-1', 'reply', 'default/pipeline-kn-sequence-0'],
      ['default/pipeline-kn-sequence-2', 'reply', 'default/pipeline-kn-sequence-1'],
    ])
    const status = mesh.status()
    expect(status.sequences).toEqual([
      {
        namespace: 'default',
        name: 'pipeline',
        url: `${mesh.url}/sequences/default/pipeline`,
        ready: true,
        steps: 3,
        channels: [0, 1, 2].map((i) => `default/pipeline-kn-sequence-${i}`),
        subscriptions: [0, 1, 2].map((i) => `default/pipeline-kn-sequence-${i}`),
      },
    ])
    expect(status.subscriptions.map((s) => [s.name, s.owner, s.replyUri])).toEqual([
      ['pipeline-kn-sequence-0', 'Sequence default/pipeline', `${mesh.url}/channels/default/pipeline-kn-sequence-1`],
      ['pipeline-kn-sequence-1', 'Sequence default/pipeline', `${mesh.url}/channels/default/pipeline-kn-sequence-2`],
      ['pipeline-kn-sequence-2', 'Sequence default/pipeline', end.url],
    ])
  })

  it('ends quietly when a step answers with no event, and drops the last reply without spec.reply', async () => {
    const first = await subscriber(appender('a'))
    const stops = await subscriber()
    const never = await subscriber(appender('c'))
    const stopped = await meshFrom(sequence('short', [first.url, stops.url, never.url]))
    expect((await post(`${stopped.url}/sequences/default/short`, binaryHeaders('com.example.start'), '{}')).status).toBe(202)
    expect(stops.received).toHaveLength(1)
    expect(never.received).toHaveLength(0)
    expect(records(stopped, 'outcome').map((o) => o.outcome)).toEqual(['delivered', 'replied'])

    const last = await subscriber(appender('z'))
    const open = await meshFrom(sequence('open-ended', [last.url]))
    expect((await post(`${open.url}/sequences/default/open-ended`, binaryHeaders('com.example.start'), '{}')).status).toBe(202)
    expect(records(open, 'outcome')).toEqual([
      expect.objectContaining({subscription: 'default/open-ended-kn-sequence-0', outcome: 'delivered', replyDropped: true}),
    ])
  })

  it("answers 500 when a step fails, after the step's own retries", async () => {
    const first = await subscriber(appender('a'))
    const failing = await subscriber((_req, res) => {
      res.writeHead(503).end()
    })
    const mesh = await meshFrom(
      `apiVersion: flows.knative.dev/v1\nkind: Sequence\nmetadata:\n  name: flaky\nspec:\n  steps:\n    - uri: ${first.url}\n    - uri: ${failing.url}\n      delivery:\n        retry: 2\n---\n`,
    )
    const sent = await post(`${mesh.url}/sequences/default/flaky`, binaryHeaders('com.example.start'), '{}')
    expect(sent.status).toBe(500)
    expect(failing.received).toHaveLength(3)
    expect(JSON.parse(sent.text).failed).toEqual([expect.objectContaining({subscription: 'default/flaky-kn-sequence-0'})])
  })

  it('is reached by a Trigger by ref, and its reply goes back to the broker', async () => {
    // the last step sets the type the broker's second trigger filters on
    const steps = [await subscriber(appender('a')), await subscriber(appender('b', 'com.example.order.enriched'))]
    const done = await subscriber()
    const mesh = await meshFrom(
      BROKER +
        sequence(
          'enrich',
          steps.map((s) => s.url),
          '  reply:\n    ref:\n      apiVersion: eventing.knative.dev/v1\n      kind: Broker\n      name: default\n',
        ) +
        trigger('to-sequence', {apiVersion: 'flows.knative.dev/v1', kind: 'Sequence', name: 'enrich'}, 'com.example.order') +
        trigger('done', done.url, 'com.example.order.enriched'),
    )
    const sent = await post(
      `${mesh.url}/default/default`,
      {...binaryHeaders('com.example.order'), 'content-type': 'application/json'},
      '{"path":[]}',
    )
    expect(sent.status).toBe(202)
    expect(jsonBody(done.received[0])).toEqual({path: ['a', 'b']})
    expect(mesh.status().triggers.find((t) => t.name === 'to-sequence')).toMatchObject({
      subscriberUri: `${mesh.url}/sequences/default/enrich`,
      ready: true,
    })
    const hops = records(mesh, 'event').map((e) => e.broker ?? e.channel)
    expect(hops).toEqual(['default/default', 'default/enrich-kn-sequence-0', 'default/enrich-kn-sequence-1', 'default/default'])
  })

  it('is not Ready when a step does not resolve, and says which', async () => {
    const mesh = await meshFrom(
      'apiVersion: flows.knative.dev/v1\nkind: Sequence\nmetadata:\n  name: s\nspec:\n  steps:\n    - ref:\n        apiVersion: serving.knative.dev/v1\n        kind: Service\n        name: ghost\n---\n',
    )
    expect(mesh.status().sequences[0]).toMatchObject({
      ready: false,
      reason: 'SubscriptionsNotReady',
      message: expect.stringMatching(
        /^Subscriptions are not ready yet, or there are none: default\/s-kn-sequence-0: Failed to resolve spec.subscriber: .*ghost/,
      ),
    })
  })
})
