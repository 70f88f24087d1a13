// The event log from the built CLI, where the process is the subject: kne dev --persist killed with SIGKILL
// in the middle of retries and started again on the same folder loses no accepted event; a second kne dev
// cannot take a log folder in use; a damaged record is reported and kne dev starts anyway.
import {appendFileSync, readdirSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {brokerWithTrigger} from '../helpers/flows.js'
import {describe, expect, it, onTestFinished} from 'vitest'
import {isolatedEnv, LongRunning} from '../helpers/cli.js'
import {post, startSubscriber, type Subscriber} from '../helpers/subscriber.js'
import {tempDir} from '../helpers/temp.js'
import {openEventLogReadOnly} from '../../src/mesh/event-log/file-store.js'

/** An asynchronous broker (answers 202 at once) and a trigger that retries 4 times, 300 ms apart. */
function manifests(subscriberUrl: string): string {
  return brokerWithTrigger(subscriberUrl, {async: true, delivery: '{retry: 4, backoffPolicy: linear, backoffDelay: PT0.3S}'})
}

function startDev(dir: string, log: string, env: NodeJS.ProcessEnv): LongRunning {
  const dev = new LongRunning(['dev', '-f', join(dir, 'app.yaml'), '--port', '0', '--persist', log, '--no-watch', '--quiet'], env)
  onTestFinished(() => dev.kill())
  return dev
}

/** A project folder whose broker delivers to a subscriber that accepts everything, and where its log goes. */
async function project(): Promise<{subscriber: Subscriber; dir: string; log: string}> {
  const subscriber = await startSubscriber()
  onTestFinished(() => subscriber.close())
  const dir = tempDir('kne-persist-e2e-')
  writeFileSync(join(dir, 'app.yaml'), manifests(subscriber.url))
  return {subscriber, dir, log: join(dir, 'log')}
}

const readyUrl = async (dev: LongRunning): Promise<string> => (await dev.waitFor(/Ready on (http:\/\/127\.0\.0\.1:\d+)/))[1]!

describe('kne dev --persist', () => {
  it('killed with SIGKILL during retries and started again, delivers every accepted event (duplicates counted)', async () => {
    const events = 24
    // each event fails its first two attempts: at any moment most of them wait for a retry
    const answers = new Map<string, number>()
    const delivered = new Map<string, number>()
    const subscriber = await startSubscriber((req, res) => {
      const id = String(req.headers['ce-id'])
      const n = (answers.get(id) ?? 0) + 1
      answers.set(id, n)
      if (n <= 2) return void res.writeHead(503).end()
      delivered.set(id, (delivered.get(id) ?? 0) + 1)
      res.writeHead(200).end()
    })
    onTestFinished(() => subscriber.close())
    const dir = tempDir('kne-persist-e2e-')
    writeFileSync(join(dir, 'app.yaml'), manifests(subscriber.url))
    const log = join(dir, 'log')
    const env = isolatedEnv()
    const first = startDev(dir, log, env)
    const url = await readyUrl(first)
    for (let i = 0; i < events; i++) {
      const answer = await post(
        `${url}/default/default`,
        {
          'ce-specversion': '1.0',
          'ce-id': `order-${i}`,
          'ce-type': 'com.example.order.created',
          'ce-source': '/shop',
          'content-type': 'application/json',
        },
        JSON.stringify({n: i}),
      )
      expect(answer.status).toBe(202)
    }
    // some events are on their second attempt, none delivered yet: kill it there
    await subscriber.waitFor(events + 4, 10_000)
    first.kill()
    await first.exited
    const deliveredBeforeKill = delivered.size
    const second = startDev(dir, log, env)
    await readyUrl(second)
    const deadline = Date.now() + 20_000
    while (delivered.size < events && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
    expect([...Array(events).keys()].filter((i) => !delivered.has(`order-${i}`))).toEqual([])
    const duplicates = [...delivered.values()].reduce((sum, n) => sum + n - 1, 0)
    // at-least-once: only a delivery under way at the kill may be repeated
    expect(duplicates).toBeLessThanOrEqual(events - deliveredBeforeKill)
    second.signal('SIGTERM')
    expect(await second.exited).toBe(0)
  })

  it('killed with SIGKILL while a synchronous broker answers, has every event it answered 202 for in its log', async () => {
    const subscriber = await startSubscriber()
    onTestFinished(() => subscriber.close())
    const dir = tempDir('kne-persist-e2e-')
    // a synchronous broker answers once its deliveries ended: its records wait to be written with others' until then
    writeFileSync(join(dir, 'app.yaml'), brokerWithTrigger(subscriber.url, {}))
    const log = join(dir, 'log')
    const dev = startDev(dir, log, isolatedEnv())
    const url = await readyUrl(dev)
    const answered: string[] = []
    let killed = false
    const sender = async (first: number): Promise<void> => {
      for (let i = first; !killed; i += 8) {
        const headers = {'ce-specversion': '1.0', 'ce-id': `sync-${i}`, 'ce-type': 'com.example.order.created', 'ce-source': '/shop'}
        const answer = await post(`${url}/default/default`, headers, '{}').catch(() => undefined)
        if (answer === undefined) return // the connection died with kne
        if (answer.status === 202) answered.push(`sync-${i}`)
        // killed right after an answer, with the other senders' requests under way
        if (answered.length >= 150 && !killed) {
          killed = true
          dev.kill()
        }
      }
    }
    await Promise.all(Array.from({length: 8}, (_, i) => sender(i)))
    await dev.exited
    const kept = new Set([...openEventLogReadOnly(log).read()].flatMap((r) => (r.kind === 'event' ? [r.id] : [])))
    expect(answered.length).toBeGreaterThanOrEqual(150)
    expect(answered.filter((id) => !kept.has(id))).toEqual([])
  })

  it('refuses a log folder another kne dev uses, naming its pid', async () => {
    const {dir, log} = await project()
    const first = startDev(dir, log, isolatedEnv())
    await readyUrl(first)
    const second = startDev(dir, log, isolatedEnv())
    expect(await second.exited).not.toBe(0)
    // oclif wraps the message at the terminal's width
    expect(second.stderr.replace(/\s+›\s+/g, ' ')).toMatch(/is used by another kne dev \(pid \d+\)/)
  })

  it('reports a damaged record with its file and offset, and starts', async () => {
    const {subscriber, dir, log} = await project()
    const first = startDev(dir, log, isolatedEnv())
    const url = await readyUrl(first)
    const sent = await post(`${url}/default/default`, {'ce-specversion': '1.0', 'ce-id': 'a', 'ce-type': 't', 'ce-source': '/s'})
    expect(sent.status).toBe(202)
    await subscriber.waitFor(1)
    first.signal('SIGTERM')
    await first.exited
    const segments = join(log, 'segments')
    appendFileSync(join(segments, readdirSync(segments).sort().at(-1)!), '00000000 {"not": "a record"}\n')
    const second = startDev(dir, log, isolatedEnv())
    await readyUrl(second)
    expect(second.stderr).toMatch(/segments\/\d+\.log.*offset \d+/)
  })
})
