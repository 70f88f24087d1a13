// The compiled topology of channels and flows, without a mesh: how refs to channels, sequences and parallels
// resolve, Knative's names for a flow's channels and subscriptions, which delivery spec a subscription
// gets, and the reasons a channel, subscription or flow is not Ready.
import {describe, expect, it} from 'vitest'
import {resolveDestination} from '../../src/core/resources/destination.js'
import {parseManifests} from '../../src/core/resources/parse.js'
import {compileTopology} from '../../src/core/topology.js'

const MESH = 'http://127.0.0.1:8080'

function topology(yaml: string, services: Record<string, string> = {}) {
  const parsed = parseManifests(yaml, 'test.yaml')
  expect(parsed.errors).toEqual([])
  return compileTopology(parsed.resources, {meshUrl: MESH, services})
}

const ALL_KINDS = `apiVersion: messaging.knative.dev/v1
kind: Channel
metadata: {name: pipe}
spec:
  channelTemplate: {apiVersion: messaging.knative.dev/v1, kind: InMemoryChannel}
---
apiVersion: messaging.knative.dev/v1
kind: InMemoryChannel
metadata: {name: mem}
---
apiVersion: flows.knative.dev/v1
kind: Sequence
metadata: {name: seq}
spec:
  steps: [{uri: 'http://127.0.0.1:1'}, {uri: 'http://127.0.0.1:2'}]
---
apiVersion: flows.knative.dev/v1
kind: Parallel
metadata: {name: par}
spec:
  branches: [{subscriber: {uri: 'http://127.0.0.1:3'}}]
`

describe('resolving refs to channels and flows', () => {
  const {context} = topology(ALL_KINDS)
  const ref = (apiVersion: string, kind: string, name: string) => resolveDestination({ref: {apiVersion, kind, name}}, 'default', context)

  it('resolves each kind to the path the mesh serves it at', () => {
    expect(ref('messaging.knative.dev/v1', 'Channel', 'pipe')).toEqual({ok: true, uri: `${MESH}/channels/default/pipe`})
    expect(ref('messaging.knative.dev/v1', 'InMemoryChannel', 'mem')).toEqual({ok: true, uri: `${MESH}/channels/default/mem`})
    // a Channel is backed by an InMemoryChannel of its name, and a flow's channels are InMemoryChannels
    expect(ref('messaging.knative.dev/v1', 'InMemoryChannel', 'pipe')).toEqual({ok: true, uri: `${MESH}/channels/default/pipe`})
    expect(ref('messaging.knative.dev/v1', 'InMemoryChannel', 'seq-kn-sequence-1')).toEqual({
      ok: true,
      uri: `${MESH}/channels/default/seq-kn-sequence-1`,
    })
    expect(ref('flows.knative.dev/v1', 'Sequence', 'seq')).toEqual({ok: true, uri: `${MESH}/sequences/default/seq`})
    expect(ref('flows.knative.dev/v1', 'Parallel', 'par')).toEqual({ok: true, uri: `${MESH}/parallels/default/par`})
  })

  it("says what is missing, in Knative's words, and leaves other kinds unsupported", () => {
    expect(ref('messaging.knative.dev/v1', 'Channel', 'mem')).toEqual({
      ok: false,
      reason: 'NotFound',
      message: 'channels.messaging.knative.dev "mem" not found in namespace "default"',
    })
    expect(ref('flows.knative.dev/v1', 'Sequence', 'nope')).toMatchObject({
      ok: false,
      message: 'sequences.flows.knative.dev "nope" not found in namespace "default"',
    })
    expect(ref('messaging.knative.dev/v1', 'KafkaChannel', 'pipe')).toMatchObject({ok: false, reason: 'UnsupportedReference'})
    expect(ref('example.com/v1', 'Channel', 'pipe')).toMatchObject({ok: false, reason: 'UnsupportedReference'})
  })

  it("maps a URI naming a Service's cluster DNS name to the Service's local URL, path and query kept", () => {
    const ctx = {
      meshUrl: MESH,
      brokers: new Set<string>(),
      services: {switcher: 'http://127.0.0.1:3000/', 'shop/display': 'http://127.0.0.1:4000'},
    }
    const uri = (u: string) => resolveDestination({uri: u}, 'default', ctx)
    expect(uri('http://switcher.default.svc.cluster.local/0')).toEqual({ok: true, uri: 'http://127.0.0.1:3000/0'})
    expect(uri('http://switcher.other.svc/1?x=y')).toEqual({ok: true, uri: 'http://127.0.0.1:3000/1?x=y'})
    expect(uri('http://display.shop.svc.cluster.local')).toEqual({ok: true, uri: 'http://127.0.0.1:4000'})
    expect(uri('http://display.default.svc.cluster.local/')).toEqual({ok: true, uri: 'http://display.default.svc.cluster.local/'})
    expect(uri('http://switcher.example.com/0')).toEqual({ok: true, uri: 'http://switcher.example.com/0'})
  })
})

describe("a flow's channels and subscriptions", () => {
  it('wires a Sequence as Knative does: step i on channel i, replying to channel i+1, the last to spec.reply', () => {
    const t = topology(`${ALL_KINDS}---
apiVersion: flows.knative.dev/v1
kind: Sequence
metadata: {name: three}
spec:
  steps: [{uri: 'http://127.0.0.1:1'}, {uri: 'http://127.0.0.1:2', delivery: {retry: 4}}, {uri: 'http://127.0.0.1:3'}]
  reply: {uri: 'http://127.0.0.1:9'}
`)
    const subs = [0, 1, 2].map((i) => t.channels.get(`default/three-kn-sequence-${i}`)!.subscriptions)
    expect(subs.map((s) => s.map((r) => [r.key, r.subscriberUri, r.replyUri, r.delivery, r.owner]))).toEqual([
      [
        [
          'default/three-kn-sequence-0',
          'http://127.0.0.1:1',
          `${MESH}/channels/default/three-kn-sequence-1`,
          undefined,
          'Sequence default/three',
        ],
      ],
      [
        [
          'default/three-kn-sequence-1',
          'http://127.0.0.1:2',
          `${MESH}/channels/default/three-kn-sequence-2`,
          {retry: 4},
          'Sequence default/three',
        ],
      ],
      [['default/three-kn-sequence-2', 'http://127.0.0.1:3', 'http://127.0.0.1:9', undefined, 'Sequence default/three']],
    ])
    expect(t.addresses.get(`${MESH}/sequences/default/three`)).toEqual({
      kind: 'channel',
      route: t.channels.get('default/three-kn-sequence-0'),
    })
  })

  it('wires a Parallel as Knative does: filter subscriptions on the ingress channel, one channel and subscription per branch', () => {
    const t = topology(`apiVersion: flows.knative.dev/v1
kind: Parallel
metadata: {name: p}
spec:
  branches:
    - {filter: {uri: 'http://127.0.0.1:1'}, subscriber: {uri: 'http://127.0.0.1:2'}, reply: {uri: 'http://127.0.0.1:8'}, delivery: {retry: 2}}
    - {subscriber: {uri: 'http://127.0.0.1:3'}}
  reply: {uri: 'http://127.0.0.1:9'}
`)
    const ingress = t.channels.get('default/p-kn-parallel')!
    expect(ingress.subscriptions.map((s) => [s.key, s.subscriberUri, s.replyUri, s.delivery])).toEqual([
      ['default/p-kn-parallel-filter-0', 'http://127.0.0.1:1', `${MESH}/channels/default/p-kn-parallel-0`, undefined],
      ['default/p-kn-parallel-filter-1', `${MESH}/channels/default/p-kn-parallel-1`, undefined, undefined],
    ])
    expect(
      [0, 1].map((i) =>
        t.channels.get(`default/p-kn-parallel-${i}`)!.subscriptions.map((s) => [s.key, s.subscriberUri, s.replyUri, s.delivery]),
      ),
    ).toEqual([
      [['default/p-kn-parallel-0', 'http://127.0.0.1:2', 'http://127.0.0.1:8', {retry: 2}]],
      [['default/p-kn-parallel-1', 'http://127.0.0.1:3', 'http://127.0.0.1:9', undefined]],
    ])
    expect(t.addresses.get(`${MESH}/parallels/default/p`)).toEqual({kind: 'channel', route: ingress})
  })

  it('stops a flow whose channel name is taken, and a Channel whose name an InMemoryChannel has', () => {
    const t = topology(`apiVersion: messaging.knative.dev/v1
kind: InMemoryChannel
metadata: {name: s-kn-sequence-0}
---
apiVersion: flows.knative.dev/v1
kind: Sequence
metadata: {name: s}
spec:
  steps: [{uri: 'http://127.0.0.1:1'}]
---
apiVersion: messaging.knative.dev/v1
kind: InMemoryChannel
metadata: {name: twin}
---
apiVersion: messaging.knative.dev/v1
kind: Channel
metadata: {name: twin}
`)
    expect(t.sequences.get('default/s')!.status).toEqual({
      ready: false,
      reason: 'ChannelsNotReady',
      message: 'channel default/s-kn-sequence-0 already exists and is not owned by Sequence default/s',
    })
    expect(t.addresses.has(`${MESH}/sequences/default/s`)).toBe(false)
    expect(t.channels.get('default/twin')!.kind).toBe('InMemoryChannel')
    expect(t.conflictingChannels).toEqual([
      expect.objectContaining({
        kind: 'Channel',
        key: 'default/twin',
        status: {
          ready: false,
          reason: 'BackingChannelFailed',
          message: 'InMemoryChannel default/twin already has this name and is not owned by this Channel',
        },
      }),
    ])
  })
})

describe('a Subscription', () => {
  it("takes its channel's delivery and dead-letter sink when it has no delivery, and its own otherwise", () => {
    const t = topology(`apiVersion: messaging.knative.dev/v1
kind: InMemoryChannel
metadata: {name: pipe}
spec:
  delivery: {retry: 3, deadLetterSink: {uri: 'http://127.0.0.1:9'}}
---
apiVersion: messaging.knative.dev/v1
kind: Subscription
metadata: {name: inherits}
spec:
  channel: {apiVersion: messaging.knative.dev/v1, kind: InMemoryChannel, name: pipe}
  subscriber: {uri: 'http://127.0.0.1:1'}
---
apiVersion: messaging.knative.dev/v1
kind: Subscription
metadata: {name: own}
spec:
  channel: {apiVersion: messaging.knative.dev/v1, kind: InMemoryChannel, name: pipe}
  subscriber: {uri: 'http://127.0.0.1:1'}
  delivery: {retry: 1}
`)
    const [inherits, own] = t.channels.get('default/pipe')!.subscriptions
    expect(inherits).toMatchObject({delivery: {retry: 3}, deadLetterSinkUri: 'http://127.0.0.1:9', status: {ready: true}})
    expect(own).toMatchObject({delivery: {retry: 1}, status: {ready: true}})
    expect(own!.deadLetterSinkUri).toBeUndefined()
  })

  it("names the first reference that does not resolve, as Knative's reconciler does", () => {
    const sub = (fields: string) =>
      topology(`apiVersion: messaging.knative.dev/v1
kind: InMemoryChannel
metadata: {name: pipe}
---
apiVersion: messaging.knative.dev/v1
kind: Subscription
metadata: {name: s}
spec:
  channel: {apiVersion: messaging.knative.dev/v1, kind: InMemoryChannel, name: pipe}
${fields}`).channels.get('default/pipe')!.subscriptions[0]!.status
    const missing = '{ref: {apiVersion: eventing.knative.dev/v1, kind: Broker, name: nope}}'
    expect(sub(`  subscriber: ${missing}\n  reply: ${missing}\n`)).toMatchObject({
      reason: 'SubscriberResolveFailed',
      message: expect.stringMatching(/^Failed to resolve spec.subscriber: brokers/),
    })
    expect(sub(`  subscriber: {uri: 'http://127.0.0.1:1'}\n  reply: ${missing}\n`)).toMatchObject({reason: 'ReplyResolveFailed'})
    expect(sub(`  subscriber: {uri: 'http://127.0.0.1:1'}\n  delivery: {deadLetterSink: ${missing}}\n`)).toMatchObject({
      reason: 'DeadLetterSinkResolveFailed',
    })
  })
})
