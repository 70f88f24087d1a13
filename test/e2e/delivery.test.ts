// Delivery as a user sees it with the built CLI: kne sink as a failing subscriber and as a dead-letter
// sink, kne.yaml's broker defaults deciding the retries, kne tail showing every attempt, the bound of an
// asynchronous broker, and what kne dev reports when it is stopped with deliveries under way.
import {mkdirSync, mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {isolatedEnv, LongRunning} from '../helpers/cli.js'
import {runKne} from '../helpers/command.js'

interface JsonLine {
  kind: string
  [key: string]: unknown
}

function jsonLines(text: string): JsonLine[] {
  return text
    .trim()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as JsonLine)
}

/** A folder holding kne.yaml and a knative/ manifests folder. */
function project(kneYaml: string, manifests: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'kne-delivery-'))
  writeFileSync(join(dir, 'kne.yaml'), kneYaml)
  mkdirSync(join(dir, 'knative'))
  writeFileSync(join(dir, 'knative', 'resources.yaml'), manifests)
  return dir
}

async function startSinkCli(args: string[], env: NodeJS.ProcessEnv): Promise<{proc: LongRunning; url: string}> {
  const proc = new LongRunning(['sink', '--port', '0', '--json', ...args], env)
  const url = (await proc.waitFor(/"kind":"ready","url":"(http:\/\/127\.0\.0\.1:\d+)"/))[1]!
  return {proc, url}
}

const processes: LongRunning[] = []
afterAll(() => {
  for (const p of processes) p.kill()
})

describe('kne sink as subscriber and dead-letter sink of kne dev', () => {
  let env: NodeJS.ProcessEnv
  let flaky: {proc: LongRunning; url: string}
  let refusing: {proc: LongRunning; url: string}
  let dls: {proc: LongRunning; url: string}
  let dev: LongRunning

  beforeAll(async () => {
    env = isolatedEnv()
    ;[flaky, refusing, dls] = await Promise.all([
      startSinkCli(['--fail-first', '2'], env),
      startSinkCli(['--status', '422'], env),
      startSinkCli([], env),
    ])
    processes.push(flaky.proc, refusing.proc, dls.proc)
    const dir = project(
      'brokerDefaults:\n  delivery:\n    retry: 3\n    backoffPolicy: linear\n    backoffDelay: PT0.1S\n',
      [
        'apiVersion: eventing.knative.dev/v1\nkind: Broker\nmetadata:\n  name: default\n',
        `apiVersion: eventing.knative.dev/v1\nkind: Trigger\nmetadata:\n  name: orders\nspec:\n  broker: default\n  filter:\n    attributes:\n      type: com.example.order\n  subscriber:\n    uri: ${flaky.url}\n`,
        `apiVersion: eventing.knative.dev/v1\nkind: Trigger\nmetadata:\n  name: audit\nspec:\n  broker: default\n  filter:\n    attributes:\n      type: com.example.audit\n  subscriber:\n    uri: ${refusing.url}\n  delivery:\n    deadLetterSink:\n      uri: ${dls.url}\n`,
      ].join('---\n'),
    )
    dev = new LongRunning(['dev', '--port', '0', '--config', join(dir, 'kne.yaml')], env)
    processes.push(dev)
    await dev.waitFor(/Ready on (http:\/\/127\.0\.0\.1:\d+)/)
  })

  it("retries as kne.yaml's brokerDefaults say, tail shows every attempt with its wait, and the sink counts them when stopped", async () => {
    const tail = new LongRunning(['tail', '--count', '1', '--timeout', '20s', '--json', '--type', 'com.example.order'], env)
    processes.push(tail)
    await tail.waitFor(/connected to/)
    const sent = await runKne(['send', '--type', 'com.example.order', '--id', 'order-1', '--data', '{"id":1}'], {
      env: {KNE_DATA_DIR: env.KNE_DATA_DIR!},
    })
    expect(sent.code, sent.stderr).toBe(0)
    expect(await tail.exited).toBe(0)
    const records = jsonLines(tail.stdout)
    const attempts = records.filter((r) => r.kind === 'attempt').map((r) => [r.attempt, r.status, r.nextDelayMs ?? null])
    expect(attempts).toEqual([
      [1, 503, 0],
      [2, 503, 100],
      [3, 202, null],
    ])
    expect(records.find((r) => r.kind === 'outcome')).toMatchObject({outcome: 'delivered', id: 'order-1', trigger: 'default/orders'})

    await flaky.proc.waitFor(/"n":3/)
    const received = jsonLines(flaky.proc.stdout).filter((r) => r.kind === 'received')
    expect(received.map((r) => (r.answer as {status: number}).status)).toEqual([503, 503, 202])
    const first = received[0]!
    expect(first.event).toMatchObject({id: 'order-1', type: 'com.example.order', data: {id: 1}})
    expect(first.headers).toMatchObject({prefer: 'reply', 'kn-namespace': 'default'})

    // on SIGINT kne sink says how many requests it answered
    flaky.proc.signal('SIGINT')
    expect(await flaky.proc.exited).toBe(0)
    expect(jsonLines(flaky.proc.stdout).at(-1)).toEqual({kind: 'stopped', received: 3, failed: 2})
  })

  it('dead-letters a refused event to another kne sink with the Knative error extensions', async () => {
    const sent = await runKne(['send', '--type', 'com.example.audit', '--id', 'audit-1'], {env: {KNE_DATA_DIR: env.KNE_DATA_DIR!}})
    expect(sent.code, sent.stderr).toBe(0)
    await dls.proc.waitFor(/"kind":"received"/)
    const [dead] = jsonLines(dls.proc.stdout).filter((r) => r.kind === 'received')
    expect(dead!.event).toMatchObject({
      id: 'audit-1',
      knativeerrordest: refusing.url,
      knativeerrorcode: '422',
      knativeerrordata: Buffer.from('kne sink: answering --status 422 as told\n').toString('base64'),
    })
    expect(dead!.headers).toMatchObject({'kn-namespace': 'default'})
    expect(dead!.headers).not.toHaveProperty('prefer')
  })
})

describe('an asynchronous broker under load, then stopped', () => {
  it('answers 429 at its bound; on SIGTERM answers 503 and reports by id the deliveries that did not finish', async () => {
    const env = isolatedEnv()
    const slow = await startSinkCli(['--delay', '30s'], env)
    processes.push(slow.proc)
    const dir = project(
      '',
      [
        'apiVersion: eventing.knative.dev/v1\nkind: Broker\nmetadata:\n  name: default\n  annotations:\n    messaging.knative.dev/async-handler: "true"\n',
        `apiVersion: eventing.knative.dev/v1\nkind: Trigger\nmetadata:\n  name: slow\nspec:\n  broker: default\n  subscriber:\n    uri: ${slow.url}\n`,
      ].join('---\n'),
    )
    const dev = new LongRunning(
      ['dev', '--port', '0', '--config', join(dir, 'kne.yaml'), '--max-pending', '2', '--drain-timeout', '2s', '--json'],
      env,
    )
    processes.push(dev)
    const url = (await dev.waitFor(/"kind":"ready","url":"(http:\/\/127\.0\.0\.1:\d+)"/))[1]!
    const post = (id: string): Promise<Response> =>
      fetch(`${url}/default/default`, {
        method: 'POST',
        headers: {
          'ce-specversion': '1.0',
          'ce-id': id,
          'ce-source': '/e2e',
          'ce-type': 'com.example.slow',
        },
      })
    expect((await post('slow-1')).status).toBe(202)
    expect((await post('slow-2')).status).toBe(202)
    const refused = await post('slow-3')
    expect(refused.status).toBe(429)
    expect(refused.headers.get('retry-after')).toBe('1')
    await slow.proc.waitFor(/"n":2/)

    dev.signal('SIGTERM')
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect((await post('late-1')).status).toBe(503)
    expect(await dev.exited).toBe(0)
    const lines = jsonLines(dev.stdout)
    const stopped = lines.find((l) => l.kind === 'stopped')!
    expect((stopped.unfinished as {id: string; trigger: string}[]).map((u) => [u.id, u.trigger]).sort()).toEqual([
      ['slow-1', 'default/slow'],
      ['slow-2', 'default/slow'],
    ])
    expect(
      lines
        .filter((l) => l.kind === 'outcome')
        .map((l) => [l.id, l.outcome])
        .sort(),
    ).toEqual([
      ['slow-1', 'failed'],
      ['slow-2', 'failed'],
    ])
    // written in batches, yet the records of the drain still come before the last line
    expect(lines.at(-1)).toBe(stopped)
    expect(dev.stderr).toMatch(/not finished: event slow-1 .*default\/slow/)
    expect(dev.stderr).toMatch(/not finished: event slow-2 .*default\/slow/)
    slow.proc.signal('SIGTERM')
    expect(await slow.proc.exited).toBe(0)
  })
})
