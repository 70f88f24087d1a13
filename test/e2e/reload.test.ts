// Hot reload from the built CLI: kne dev -f DIR, an event, an edit on disk, and the next event follows
// the edit; a broken file is reported and the last good config stays in force; fixing it recovers.
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {isolatedEnv, LongRunning} from '../helpers/cli.js'
import {binaryHeaders, post, startSubscriber, type Subscriber} from '../helpers/subscriber.js'

const BROKER = 'apiVersion: eventing.knative.dev/v1\nkind: Broker\nmetadata:\n  name: default\n'
const trigger = (type: string, url: string, key = 'type') =>
  `apiVersion: eventing.knative.dev/v1\nkind: Trigger\nmetadata:\n  name: route\nspec:\n  broker: default\n  filter:\n    attributes:\n      ${key}: ${type}\n  subscriber:\n    uri: ${url}\n`

describe('kne dev hot reload', () => {
  let dir: string
  let dev: LongRunning
  let url: string
  let first: Subscriber
  let second: Subscriber

  /** Waits until kne dev has printed `n` reload lines in all. */
  async function reloads(n: number): Promise<string> {
    const deadline = Date.now() + 15_000
    for (;;) {
      const lines = dev.stdout.split('\n').filter((l) => l.startsWith('reload: '))
      if (lines.length >= n) return lines[n - 1]!
      if (Date.now() > deadline) throw new Error(`only ${lines.length} of ${n} reloads\nstdout:\n${dev.stdout}\nstderr:\n${dev.stderr}`)
      await new Promise((r) => setTimeout(r, 25))
    }
  }

  const send = (type: string) => post(`${url}/default/default`, binaryHeaders(type))

  beforeAll(async () => {
    first = await startSubscriber()
    second = await startSubscriber()
    dir = mkdtempSync(join(tmpdir(), 'kne-reload-e2e-'))
    writeFileSync(join(dir, 'broker.yaml'), BROKER)
    writeFileSync(join(dir, 'trigger.yaml'), trigger('com.example.a', first.url))
    dev = new LongRunning(['dev', '--port', '0', '-f', dir, '--quiet'], isolatedEnv())
    url = (await dev.waitFor(/Ready on (http:\/\/127\.0\.0\.1:\d+)/))[1]!
    await dev.waitFor(/Watching the manifests for changes/)
  })

  afterAll(async () => {
    dev.kill()
    await first.close()
    await second.close()
  })

  it('routes the next event by the edited trigger', async () => {
    expect((await send('com.example.a')).status).toBe(202)
    await first.waitFor(1)
    writeFileSync(join(dir, 'trigger.yaml'), trigger('com.example.b', second.url))
    expect(await reloads(1)).toMatch(/^reload: .*trigger\.yaml changed → 1 broker\(s\), 1 trigger\(s\) \[~Trigger default\/route\]$/)
    await send('com.example.a')
    await send('com.example.b')
    await second.waitFor(1)
    expect(first.received).toHaveLength(1)
  })

  it('reports a broken file with file, resource and field, and keeps its last good version in force', async () => {
    writeFileSync(join(dir, 'trigger.yaml'), trigger('com.example.c', first.url, 'Bad_Key'))
    expect(await reloads(2)).toMatch(/trigger\.yaml changed \(refused: its last good version stays in force\): 1 problem\(s\)/)
    await dev.waitFor(/trigger\.yaml: Trigger default\/route: spec\.filter\.attributes\.Bad_Key: invalid attribute name/)
    await send('com.example.b')
    await second.waitFor(2)
    expect(first.received).toHaveLength(1)
  })

  it('recovers when the file is fixed, and picks up new and removed files', async () => {
    writeFileSync(join(dir, 'trigger.yaml'), trigger('com.example.c', first.url))
    expect(await reloads(3)).toMatch(/trigger\.yaml changed → 1 broker\(s\), 1 trigger\(s\)/)
    await send('com.example.c')
    await first.waitFor(2)
    writeFileSync(
      join(dir, 'kafka.yaml'),
      'apiVersion: sources.knative.dev/v1beta1\nkind: KafkaSource\nmetadata:\n  name: beat\nspec:\n  sink:\n    uri: http://127.0.0.1:1\n',
    )
    expect(await reloads(4)).toMatch(/kafka\.yaml added → 1 broker\(s\), 1 trigger\(s\) \[\+KafkaSource default\/beat\]/)
    await dev.waitFor(/KafkaSource default\/beat: kne does not run KafkaSource yet/)
    rmSync(join(dir, 'kafka.yaml'))
    expect(await reloads(5)).toMatch(/kafka\.yaml removed → 1 broker\(s\), 1 trigger\(s\) \[-KafkaSource default\/beat\]/)
  })

  it('stops promptly on SIGTERM with the watcher running', async () => {
    dev.signal('SIGTERM')
    expect(await dev.exited).toBe(0)
  })
})
