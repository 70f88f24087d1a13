// Knative's own Sequence and Parallel samples (knative/docs, unmodified, from the shared conformance
// folder) run by the built CLI: kne dev loads them with their Services mapped by --service to a local app
// that plays each Service's part, kne send starts the flow, and the events arrive where the docs say.
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {isolatedEnv, LongRunning} from '../helpers/cli.js'
import {runKne} from '../helpers/command.js'
import {conformanceDir, hasConformance} from '../helpers/conformance.js'
import {startSubscriber, type Received, type Responder, type Subscriber} from '../helpers/subscriber.js'
import {answerEvent} from '../helpers/flows.js'
import {mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'

const sample = (name: string): string => join(conformanceDir ?? '', 'knative-samples', name)

/** One local app playing several Services: each is mapped to its own path, and answers as `parts[path]` says. */
async function app(
  parts: Record<string, Responder>,
): Promise<Subscriber & {at(path: string, from?: number): Received[]; services(): string[]}> {
  const server = await startSubscriber((req, res, i) => {
    const part = parts[req.url.split('?')[0]!.split('/')[1]!]
    if (part) return part(req, res, i)
    res.writeHead(200).end()
  })
  return Object.assign(server, {
    /** What `path` received, from the `from`th request the app got (what a test sent: the app's length before it). */
    at: (path: string, from = 0) => server.received.slice(from).filter((r) => r.url === path || r.url.startsWith(`${path}/`)),
    services: () => Object.keys(parts).flatMap((name) => ['--service', `${name}=${server.url}/${name}`]),
  })
}

const data = (r: Received | undefined): unknown => JSON.parse(r!.body.toString())

/** Starts kne dev on the given manifests; resolves with its URL once it is ready. */
async function dev(args: string[], env: NodeJS.ProcessEnv, processes: LongRunning[]): Promise<string> {
  const proc = new LongRunning(['dev', '--port', '0', '--no-watch', '--quiet', ...args], env)
  processes.push(proc)
  return (await proc.waitFor(/Ready on (http:\/\/127\.0\.0\.1:\d+)/))[1]!
}

describe.skipIf(!hasConformance)("Knative's Sequence and Parallel samples under kne dev", () => {
  const processes: LongRunning[] = []
  const servers: Subscriber[] = []
  afterAll(async () => {
    for (const p of processes) p.kill()
    for (const s of servers) await s.close()
  })

  describe('the bookstore: a Trigger sends new comments through a Sequence whose reply comes back to the broker', () => {
    let env: NodeJS.ProcessEnv
    let bookstore: Awaited<ReturnType<typeof app>>

    beforeAll(async () => {
      env = isolatedEnv()
      bookstore = await app({
        // the docs' bad-word filter marks the comment and hands it on as moderated-comment
        // (both keep the comment's source, so that kne tail --source follows one comment through the flow)
        'bad-word-filter': (req, res) =>
          answerEvent(res, 'moderated-comment', data(req), {'ce-badwordfilter': 'good', 'ce-source': String(req.headers['ce-source'])}),
        'sentiment-analysis-app': (req, res) =>
          answerEvent(res, 'moderated-comment', data(req), {
            'ce-badwordfilter': String(req.headers['ce-badwordfilter']),
            'ce-sentimentresult': 'positive',
            'ce-source': String(req.headers['ce-source']),
          }),
      })
      servers.push(bookstore)
      await dev(
        [
          '-f',
          sample('bookstore__200-broker.yaml'),
          '-f',
          sample('bookstore-seq__100-create-sequence.yaml'),
          '-f',
          sample('bookstore-seq__200-create-trigger.yaml'),
          '-f',
          sample('bookstore__200-log-trigger.yaml'),
          ...bookstore.services(),
          '--service',
          `node-server-svc=${bookstore.url}`,
          '--service',
          `event-display=${bookstore.url}/event-display`,
        ],
        env,
        processes,
      )
    })

    it("runs both steps in order and inserts the moderated comment through the broker's db-insert trigger", async () => {
      const from = bookstore.received.length
      const sent = await runKne(
        ['send', '--type', 'new-review-comment', '--to', 'broker:bookstore-broker', '--data', '{"reviewText":"a fine book"}', '--json'],
        {env: {KNE_DATA_DIR: env.KNE_DATA_DIR!}},
      )
      expect(sent.code, sent.stderr).toBe(0)
      expect(data(bookstore.at('/bad-word-filter', from)[0])).toEqual({reviewText: 'a fine book'})
      expect(bookstore.at('/sentiment-analysis-app', from)[0]!.headers).toMatchObject({
        'ce-type': 'moderated-comment',
        'ce-badwordfilter': 'good',
      })
      // the trigger's `uri: /insert` is resolved against the Service's URL (RFC 3986), as in Knative
      const inserted = bookstore.at('/insert', from)
      expect(inserted).toHaveLength(1)
      expect(inserted[0]!.headers).toMatchObject({
        'ce-type': 'moderated-comment',
        'ce-badwordfilter': 'good',
        'ce-sentimentresult': 'positive',
      })
      // log-trigger sees the comment and the Sequence's reply
      expect(bookstore.at('/event-display', from).map((r) => r.headers['ce-type'])).toEqual(
        expect.arrayContaining(['new-review-comment', 'moderated-comment']),
      )
    })

    it("shows the event's path through the Sequence's channels in kne tail", async () => {
      const sent = await runKne(
        [
          'send',
          '--type',
          'new-review-comment',
          '--source',
          '/reviews/traced',
          '--to',
          'broker:bookstore-broker',
          '--data',
          '{"reviewText":"ok"}',
        ],
        {env: {KNE_DATA_DIR: env.KNE_DATA_DIR!}},
      )
      expect(sent.code, sent.stderr).toBe(0)
      const tail = await runKne(['tail', '--history', '--json', '--source', '/reviews/traced', '--count', '4', '--timeout', '10s'], {
        env: {KNE_DATA_DIR: env.KNE_DATA_DIR!},
      })
      expect(tail.code, tail.stderr).toBe(0)
      const arrivals = tail.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as {kind: string; broker?: string; channel?: string; via?: string})
        .filter((r) => r.kind === 'event')
        .map((r) => `${r.broker ?? r.channel} ${r.via}`)
      expect(arrivals).toEqual([
        'default/bookstore-broker ingress',
        'default/sequence-kn-sequence-0 ingress',
        'default/sequence-kn-sequence-1 reply',
        'default/bookstore-broker reply',
      ])
    })
  })

  describe('mutually exclusive branches: a Parallel whose filters are one switcher Service at two paths', () => {
    let env: NodeJS.ProcessEnv
    let url: string
    let parts: Awaited<ReturnType<typeof app>>

    beforeAll(async () => {
      env = isolatedEnv()
      const number = (r: Received): number => (data(r) as {n: number}).n
      parts = await app({
        // the docs' switcher passes an event on /0 or on /1, never both
        'me-even-odd-switcher': (req, res) => {
          if (number(req) % 2 === Number(req.url.endsWith('/1'))) answerEvent(res, String(req.headers['ce-type']), data(req))
          else res.writeHead(200).end()
        },
        'me-even-transformer': (req, res) => answerEvent(res, 'me.transformed', {n: number(req), message: 'we are even!'}),
        'me-odd-transformer': (req, res) => answerEvent(res, 'me.transformed', {n: number(req), message: 'this is odd!'}),
        'me-event-display': (_req, res) => {
          res.writeHead(202).end()
        },
      })
      servers.push(parts)
      url = await dev(['-f', sample('md-parmutex-md__README-L98.yaml'), ...parts.services()], env, processes)
    })

    it("sends each event down the one branch its filter passes, and every reply to the Parallel's reply", async () => {
      for (const n of [2, 3, 4]) {
        const sent = await runKne(
          ['send', '--type', 'me.number', '--to', `${url}/parallels/default/me-odd-even-parallel`, '--data', JSON.stringify({n})],
          {env: {KNE_DATA_DIR: env.KNE_DATA_DIR!}},
        )
        expect(sent.code, sent.stderr).toBe(0)
      }
      expect(parts.at('/me-even-odd-switcher/0')).toHaveLength(3)
      expect(parts.at('/me-even-odd-switcher/1')).toHaveLength(3)
      expect(parts.at('/me-even-transformer').map(data)).toEqual([{n: 2}, {n: 4}])
      expect(parts.at('/me-event-display').map(data)).toEqual([
        {n: 2, message: 'we are even!'},
        {n: 3, message: 'this is odd!'},
        {n: 4, message: 'we are even!'},
      ])
    })
  })

  describe('a Sequence replying to a Sequence, a Parallel with filter Services, and a Channel by name', () => {
    let env: NodeJS.ProcessEnv
    let url: string
    let parts: Awaited<ReturnType<typeof app>>
    const appender =
      (label: string): Responder =>
      (req, res) => {
        const body = data(req) as {path?: string[]}
        answerEvent(res, String(req.headers['ce-type']), {...body, path: [...(body.path ?? []), label]})
      }
    const passIf =
      (even: boolean): Responder =>
      (req, res) => {
        if (((data(req) as {n: number}).n % 2 === 0) === even) answerEvent(res, String(req.headers['ce-type']), data(req))
        else res.writeHead(200).end()
      }

    beforeAll(async () => {
      env = isolatedEnv()
      parts = await app({
        ...Object.fromEntries(['first', 'second', 'third', 'fourth', 'fifth', 'sixth'].map((s) => [s, appender(s)])),
        'even-filter': passIf(true),
        'odd-filter': passIf(false),
        'even-transformer': appender('even'),
        'odd-transformer': appender('odd'),
        'event-display': (_req, res) => {
          res.writeHead(202).end()
        },
      })
      servers.push(parts)
      const own = mkdtempSync(join(tmpdir(), 'kne-flows-e2e-'))
      writeFileSync(
        join(own, 'channel.yaml'),
        'apiVersion: messaging.knative.dev/v1\nkind: Channel\nmetadata:\n  name: reviews\n---\n' +
          'apiVersion: messaging.knative.dev/v1\nkind: Subscription\nmetadata:\n  name: to-display\nspec:\n  channel:\n    apiVersion: messaging.knative.dev/v1\n    kind: Channel\n    name: reviews\n' +
          '  subscriber:\n    ref:\n      apiVersion: serving.knative.dev/v1\n      kind: Service\n      name: event-display\n',
      )
      url = await dev(
        [
          '-f',
          sample('seqr2s__sequence1.yaml'),
          '-f',
          sample('seqr2s__sequence2.yaml'),
          '-f',
          sample('parmulti__parallel.yaml'),
          '-f',
          own,
          ...parts.services(),
        ],
        env,
        processes,
      )
    })

    it('chains six steps across two Sequences into event-display', async () => {
      const from = parts.received.length
      const sent = await runKne(
        ['send', '--type', 'samples.http.mod3', '--to', `${url}/sequences/default/first-sequence`, '--data', '{"path":[]}'],
        {env: {KNE_DATA_DIR: env.KNE_DATA_DIR!}},
      )
      expect(sent.code, sent.stderr).toBe(0)
      expect(parts.at('/event-display', from).map(data)).toEqual([{path: ['first', 'second', 'third', 'fourth', 'fifth', 'sixth']}])
    })

    it('filters by Service in the Parallel, and kne send reaches a Channel as channel:NAME', async () => {
      const from = parts.received.length
      const sent = await runKne(['send', '--type', 'odd.even', '--to', `${url}/parallels/default/odd-even-parallel`, '--data', '{"n":7}'], {
        env: {KNE_DATA_DIR: env.KNE_DATA_DIR!},
      })
      expect(sent.code, sent.stderr).toBe(0)
      expect(parts.at('/odd-transformer', from).map(data)).toEqual([{n: 7}])
      expect(parts.at('/even-transformer', from)).toHaveLength(0)
      const viaChannel = await runKne(['send', '--type', 'review', '--to', 'channel:reviews', '--data', '{"text":"ok"}', '--json'], {
        env: {KNE_DATA_DIR: env.KNE_DATA_DIR!},
      })
      expect(viaChannel.code, viaChannel.stderr).toBe(0)
      expect(JSON.parse(viaChannel.stdout).response).toMatchObject({status: 202, url: `${url}/channels/default/reviews`})
      expect(parts.at('/event-display', from).map(data)).toEqual([{n: 7, path: ['odd']}, {text: 'ok'}])
    })
  })
})
