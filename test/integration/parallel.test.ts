// Parallel over real HTTP with real filters and subscribers: a filter that answers with an event passes that
// event on (changed or not), an empty answer skips the branch, a branch without a filter gets every event,
// replies go to the branch's reply or else the Parallel's, and a filter gets one attempt and no dead-letter sink.
import {describe, expect, it} from 'vitest'
import {answerEvent, appender, jsonBody, records} from '../helpers/flows.js'
import {useMesh} from '../helpers/mesh.js'
import {binaryHeaders, post, type Responder} from '../helpers/subscriber.js'

const {mesh: meshFrom, subscriber} = useMesh()

interface Branch {
  filter?: string
  subscriber: string
  /** Extra branch fields (reply, delivery), indented for a branch. */
  extra?: string
}

function parallel(name: string, branches: Branch[], extra = ''): string {
  const list = branches
    .map(
      (b) =>
        `    - ${b.filter ? `filter:\n        uri: ${b.filter}\n      ` : ''}subscriber:\n        uri: ${b.subscriber}\n${b.extra ?? ''}`,
    )
    .join('')
  return `apiVersion: flows.knative.dev/v1\nkind: Parallel\nmetadata:\n  name: ${name}\nspec:\n  branches:\n${list}${extra}---\n`
}

/** A filter that passes events whose data has `n` of the given parity, replying with the event it got. */
function parity(even: boolean): Responder {
  return (req, res) => {
    const {n} = JSON.parse(req.body.toString()) as {n: number}
    if ((n % 2 === 0) === even) answerEvent(res, String(req.headers['ce-type']), {n})
    else res.writeHead(200).end()
  }
}

const send = (url: string, n: number) =>
  post(
    `${url}/parallels/default/odd-even`,
    {...binaryHeaders('com.example.number'), 'content-type': 'application/json'},
    JSON.stringify({n}),
  )

describe('Parallel', () => {
  it('runs each branch whose filter answers with an event, and skips those whose filter answers empty', async () => {
    const [evenFilter, oddFilter, evens, odds] = await Promise.all([
      subscriber(parity(true)),
      subscriber(parity(false)),
      subscriber(),
      subscriber(),
    ])
    const mesh = await meshFrom(
      parallel('odd-even', [
        {filter: evenFilter.url, subscriber: evens.url},
        {filter: oddFilter.url, subscriber: odds.url},
      ]),
    )
    expect((await send(mesh.url, 2)).status).toBe(202)
    expect((await send(mesh.url, 3)).status).toBe(202)
    expect((await send(mesh.url, 4)).status).toBe(202)
    // every event reaches both filters, all branches at once
    expect(evenFilter.received).toHaveLength(3)
    expect(oddFilter.received).toHaveLength(3)
    expect(evens.received.map(jsonBody)).toEqual([{n: 2}, {n: 4}])
    expect(odds.received.map(jsonBody)).toEqual([{n: 3}])
    expect(mesh.status().parallels).toEqual([
      {
        namespace: 'default',
        name: 'odd-even',
        url: `${mesh.url}/parallels/default/odd-even`,
        ready: true,
        ingressChannel: 'default/odd-even-kn-parallel',
        branches: [0, 1].map((i) => ({
          filterSubscription: `default/odd-even-kn-parallel-filter-${i}`,
          channel: `default/odd-even-kn-parallel-${i}`,
          subscription: `default/odd-even-kn-parallel-${i}`,
        })),
      },
    ])
  })

  it('passes on the event the filter answered with, and gives a branch without a filter every event', async () => {
    const rewriting = await subscriber((_req, res) => answerEvent(res, 'com.example.rewritten', {rewritten: true}))
    const [filtered, everything] = await Promise.all([subscriber(), subscriber()])
    const mesh = await meshFrom(parallel('odd-even', [{filter: rewriting.url, subscriber: filtered.url}, {subscriber: everything.url}]))
    expect((await send(mesh.url, 1)).status).toBe(202)
    expect(filtered.received[0]!.headers['ce-type']).toBe('com.example.rewritten')
    expect(jsonBody(filtered.received[0])).toEqual({rewritten: true})
    expect(everything.received[0]!.headers['ce-type']).toBe('com.example.number')
    expect(jsonBody(everything.received[0])).toEqual({n: 1})
  })

  it("sends each branch's reply to the branch's reply, else to the Parallel's", async () => {
    const [branchReplies, globalReplies] = await Promise.all([subscriber(), subscriber()])
    const [first, second] = await Promise.all([subscriber(appender('first')), subscriber(appender('second'))])
    const mesh = await meshFrom(
      parallel(
        'odd-even',
        [{subscriber: first.url, extra: `      reply:\n        uri: ${branchReplies.url}\n`}, {subscriber: second.url}],
        `  reply:\n    uri: ${globalReplies.url}\n`,
      ),
    )
    expect((await send(mesh.url, 1)).status).toBe(202)
    expect(branchReplies.received.map(jsonBody)).toEqual([{n: 1, path: ['first']}])
    expect(globalReplies.received.map(jsonBody)).toEqual([{n: 1, path: ['second']}])
  })

  it("gives a filter one attempt and no dead-letter sink, whatever the branch's delivery says", async () => {
    const dls = await subscriber()
    const broken = await subscriber((_req, res) => {
      res.writeHead(503).end()
    })
    const never = await subscriber()
    const mesh = await meshFrom(
      parallel('odd-even', [
        {
          filter: broken.url,
          subscriber: never.url,
          extra: `      delivery:\n        retry: 3\n        deadLetterSink:\n          uri: ${dls.url}\n`,
        },
      ]),
    )
    const sent = await send(mesh.url, 1)
    expect(sent.status).toBe(500)
    expect(JSON.parse(sent.text).failed).toEqual([
      expect.objectContaining({subscription: 'default/odd-even-kn-parallel-filter-0', status: 503}),
    ])
    expect(broken.received).toHaveLength(1)
    expect(dls.received).toHaveLength(0)
    expect(never.received).toHaveLength(0)
    expect(records(mesh, 'attempt')).toHaveLength(1)
  })
})
