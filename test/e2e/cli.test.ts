import {existsSync, mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {spawn} from 'node:child_process'
import {isolatedEnv, LongRunning, repoRoot, runCli, runJs} from '../helpers/cli.js'
import {runKne} from '../helpers/command.js'
import {startSubscriber, type Subscriber, withId} from '../helpers/subscriber.js'

const fixtures = join(repoRoot, 'test', 'fixtures')

describe('kne dev + kne send + kne tail, as a user runs them', () => {
  let env: NodeJS.ProcessEnv
  let dev: LongRunning
  let orders: Subscriber
  let audit: Subscriber
  let url: string

  beforeAll(async () => {
    orders = await startSubscriber()
    audit = await startSubscriber()
    env = isolatedEnv()
    dev = new LongRunning(
      [
        'dev',
        '--port',
        '0',
        '-f',
        join(fixtures, 'shop'),
        '--service',
        `order-processor=${orders.url}`,
        '--service',
        `shop/audit=${audit.url}`,
      ],
      env,
    )
    url = (await dev.waitFor(/Ready on (http:\/\/127\.0\.0\.1:\d+)/))[1]!
  })

  afterAll(async () => {
    dev.kill()
    await orders.close()
    await audit.close()
  })

  it('prints every broker URL and trigger at start-up', () => {
    expect(dev.stdout).toContain(`Broker  shop/default  ${url}/shop/default`)
    expect(dev.stdout).toMatch(/Trigger shop\/order-created\s+→ http:\/\/127\.0\.0\.1:\d+\s+Ready/)
  })

  it('sends an event that tail sees delivered, and tail --count exits 0', async () => {
    const tail = new LongRunning(['tail', '--count', '1', '--timeout', '20s', '--json', '--id', 'order-42'], env)
    await tail.waitFor(/connected to/)
    const sent = await runKne(
      ['send', '--type', 'com.example.order.created', '--id', 'order-42', '--to', 'broker:default:shop', '--data', '{"id":42}', '--json'],
      {env: {KNE_DATA_DIR: env.KNE_DATA_DIR!}},
    )
    expect(sent.code, sent.stderr).toBe(0)
    const report = JSON.parse(sent.stdout)
    expect(report.response.status).toBe(202)
    expect(report.event).toMatchObject({type: 'com.example.order.created', source: 'kne', data: {id: 42}})
    expect(await tail.exited).toBe(0)
    const records = tail.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
    expect(records.map((r) => r.kind)).toEqual(expect.arrayContaining(['event', 'attempt', 'outcome', 'settled']))
    expect(records.find((r) => r.kind === 'event').matched.sort()).toEqual(['shop/everything-audited', 'shop/order-created'])
    const got = await orders.waitForMatch(withId('order-42'))
    expect(JSON.parse(got.body.toString())).toEqual({id: 42})
    await audit.waitForMatch(withId('order-42'))
  })

  it('finds the mesh through KNE_URL without a locator', async () => {
    const sent = await runKne(['send', '--type', 'com.example.via.env', '-n', 'shop'], {env: {KNE_URL: url}})
    expect(sent.code, sent.stderr).toBe(0)
    expect(sent.stdout).toContain(`accepted by ${url}/shop/default`)
  })

  it('tail --history replays what happened before it connected', async () => {
    await runKne(['send', '--type', 'com.example.history', '-n', 'shop'], {env: {KNE_DATA_DIR: env.KNE_DATA_DIR!}})
    const tail = await runKne(['tail', '--history', '--count', '1', '--type', 'com.example.history', '--timeout', '10s'], {
      env: {KNE_DATA_DIR: env.KNE_DATA_DIR!},
    })
    expect(tail.code, tail.stderr).toBe(0)
    expect(tail.stdout).toContain('com.example.history')
  })

  it('reads event data from stdin and sends structured mode', async () => {
    const sent = await runCli(
      [
        'send',
        '--type',
        'com.example.order.created',
        '--id',
        'from-stdin',
        '-n',
        'shop',
        '--mode',
        'structured',
        '--data-file',
        '-',
        '--json',
      ],
      env,
      '{"from":"stdin"}',
    )
    expect(sent.code, sent.stderr).toBe(0)
    const received = await orders.waitForMatch(withId('from-stdin'))
    expect(JSON.parse(received.body.toString())).toEqual({from: 'stdin'})
  })

  it("exits 5 with the broker's explanation when the event is rejected", async () => {
    const sent = await runKne(['send', '--type', 'com.example.x', '--to', 'broker:nope:shop'], {env: {KNE_DATA_DIR: env.KNE_DATA_DIR!}})
    expect(sent.code).toBe(5)
    expect(sent.stderr.replace(/\s+›?\s*/g, ' ')).toContain('answered 404: broker shop/nope not found')
  })

  it('tail --timeout exits 6 when the events do not come', async () => {
    const tail = await runKne(['tail', '--count', '1', '--timeout', '300ms', '--type', 'com.example.never'], {
      env: {KNE_DATA_DIR: env.KNE_DATA_DIR!},
    })
    expect(tail.code).toBe(6)
    expect(tail.stderr).toContain('timed out')
  })

  it('a second kne dev warns that one runs, and when it stops the first is still found', async () => {
    const second = new LongRunning(['dev', '--port', '0'], env)
    await second.waitFor(/Ready on/)
    expect(second.stderr).toContain(`warning: another kne mesh is running at ${url}`)
    second.signal('SIGTERM')
    expect(await second.exited).toBe(0)
    const sent = await runKne(['send', '--type', 'com.example.after', '-n', 'shop'], {env: {KNE_DATA_DIR: env.KNE_DATA_DIR!}})
    expect(sent.code, sent.stderr).toBe(0)
    expect(sent.stdout).toContain(`accepted by ${url}/shop/default`)
  })

  it('summarises a burst beyond reading, stops cleanly on SIGTERM with its output written, and removes its locator', async () => {
    const own = isolatedEnv()
    const proc = new LongRunning(['dev', '--port', '0'], own)
    const meshUrl = (await proc.waitFor(/Ready on (http:\/\/127\.0\.0\.1:\d+)/))[1]!
    const locator = join(own.KNE_DATA_DIR!, 'meshes', `${new URL(meshUrl).port}.json`)
    expect(existsSync(locator)).toBe(true)
    await Promise.all(
      Array.from({length: 200}, (_, i) =>
        fetch(`${meshUrl}/default/default`, {
          method: 'POST',
          headers: {
            'ce-specversion': '1.0',
            'ce-id': `burst-${i}`,
            'ce-source': '/e2e',
            'ce-type': 'com.example.burst',
          },
        }),
      ),
    )
    proc.signal('SIGTERM')
    expect(await proc.exited).toBe(0)
    expect(proc.stdout).toContain('printing a summary each second instead (kne tail to follow every event)')
    expect(proc.stdout).toMatch(/\d+ events\/s — kne tail to follow\n/)
    expect(proc.stdout.match(/com\.example\.burst/g)!.length).toBeLessThan(200)
    expect(proc.stderr).toContain('kne dev stopped')
    expect(existsSync(locator)).toBe(false)
  })
})

describe('kne dev stopped twice', () => {
  it('a second Ctrl-C while deliveries drain exits 130 at once', async () => {
    // a subscriber that never answers keeps a delivery under way
    const hanging = await startSubscriber(() => undefined)
    const dir = mkdtempSync(join(tmpdir(), 'kne-ctrl-c-'))
    writeFileSync(
      join(dir, 'mesh.yaml'),
      `apiVersion: eventing.knative.dev/v1
kind: Broker
metadata: {name: default}
---
apiVersion: eventing.knative.dev/v1
kind: Trigger
metadata: {name: hang}
spec:
  broker: default
  subscriber: {uri: "${hanging.url}"}
`,
    )
    const dev = new LongRunning(['dev', '--port', '0', '-f', join(dir, 'mesh.yaml'), '--drain-timeout', '60s'], isolatedEnv())
    try {
      const url = (await dev.waitFor(/Ready on (http:\/\/127\.0\.0\.1:\d+)/))[1]!
      void fetch(`${url}/default/default`, {
        method: 'POST',
        headers: {'ce-specversion': '1.0', 'ce-id': 'held', 'ce-source': '/e2e', 'ce-type': 'com.example.held'},
      }).catch(() => undefined)
      await hanging.waitFor(1)
      dev.signal('SIGINT')
      await dev.waitFor(/SIGINT: stopping; waiting up to 1 m 0 s for 1 deliveries under way/)
      dev.signal('SIGINT')
      expect(await dev.exited).toBe(130)
    } finally {
      dev.kill()
      await hanging.close()
    }
  })
})

describe('kne errors a user can act on', () => {
  it('send without a running mesh exits 4 and says how to start one', async () => {
    const result = await runKne(['send', '--type', 'com.example.x'])
    expect(result.code).toBe(4)
    expect(result.stderr).toContain('no kne mesh is running')
    expect(result.stderr).toContain('kne dev')
  })

  it('sends data piped from a shell straight to a URL with --data -', async () => {
    const sink = await startSubscriber()
    const result = await new Promise<number | null>((resolve) => {
      const child = spawn(
        'sh',
        ['-c', `printf '%s' '{"piped":true}' | "${process.execPath}" "${runJs}" send --type com.example.piped --data - --to ${sink.url}`],
        {env: isolatedEnv()},
      )
      child.on('close', resolve)
    })
    const [got] = await sink.waitFor(1)
    await sink.close()
    expect(result).toBe(0)
    expect(got!.headers['ce-type']).toBe('com.example.piped')
    expect(got!.headers['content-type']).toBe('application/json')
    expect(JSON.parse(got!.body.toString())).toEqual({piped: true})
  })

  it('leaves stdin alone without --data -: a `while read` loop sends one event per line', async () => {
    const sink = await startSubscriber()
    const loop = `printf 'a\\nb\\n' | while read x; do "${process.execPath}" "${runJs}" send --type com.example.$x --to ${sink.url} || exit 9; done`
    const result = await new Promise<number | null>((resolve) => {
      spawn('sh', ['-c', loop], {env: isolatedEnv()}).on('close', resolve)
    })
    await sink.close()
    expect(result).toBe(0)
    expect(sink.received.map((r) => [r.headers['ce-type'], r.body.length])).toEqual([
      ['com.example.a', 0],
      ['com.example.b', 0],
    ])
  })

  it('an unknown command exits 2 and names the nearest command, without a terminal too', async () => {
    const result = await runKne(['triger', 'create'])
    expect(result.code).toBe(2)
    expect(result.stderr).toContain('triger create is not a kne command')
    expect(result.stderr).toContain('did you mean `kne trigger create`?')
  })

  it('send --json keeps the exit code and reports the error as JSON', async () => {
    const result = await runKne(['send', '--type', 'com.example.x', '--json'])
    expect(result.code).toBe(4)
    expect(JSON.parse(result.stdout).error.code).toBe('MESH_NOT_RUNNING')
  })

  it('dev with a broken manifest exits 3 naming the file, the resource and the field', async () => {
    const result = await runKne(['dev', '--port', '0', '-f', join(fixtures, 'broken')])
    expect(result.code).toBe(3)
    expect(result.stderr).toMatch(/trigger\.yaml \(document 2\): Trigger default\/bad-filter: spec\.filter\.attributes\.Event_Type: /)
    expect(result.stderr).toMatch(
      /trigger\.yaml \(document 2\): Trigger default\/bad-filter: spec\.subscriber\.uri: Relative URI is not allowed/,
    )
    expect(result.stderr).toContain('2 problem(s) in the manifests')
  })

  it('dev --json reports a start-up error as one JSON line on stderr, leaving stdout to its records', async () => {
    const result = await runKne(['dev', '--port', '0', '--json', '-f', join(fixtures, 'broken')])
    expect(result.code).toBe(3)
    expect(result.stdout).toBe('')
    const lines = result.stderr.trim().split('\n')
    expect(JSON.parse(lines.at(-1)!)).toMatchObject({error: {message: expect.stringContaining('2 problem(s) in the manifests')}})
  })

  it('dev on a port in use exits 2 and suggests --port 0', async () => {
    const sink = await startSubscriber()
    const port = new URL(sink.url).port
    const result = await runKne(['dev', '--port', port])
    await sink.close()
    expect(result.code).toBe(2)
    expect(result.stderr).toContain('--port 0')
  })

  it('dev with a size it cannot read exits 2 and shows the form sizes take', async () => {
    const result = await runKne(['dev', '--port', '0', '--history-bytes', '64MB'])
    expect(result.code).toBe(2)
    expect(result.stderr).toContain('Parsing --history-bytes')
    expect(result.stderr).toContain('64MB: expected a size in bytes such as 64Mi')
  })
})
