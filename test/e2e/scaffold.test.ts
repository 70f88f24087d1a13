// The scaffolding commands with a real terminal and a running kne dev: the prompts ask for what is missing,
// and the whole flow init → trigger create → kne dev → kne send → the subscriber gets it, with list and
// describe showing the live status and a trigger created while kne dev runs picked up. kne dev is its own
// process; the other commands run in this one.
import {spawn, spawnSync} from 'node:child_process'
import {mkdtempSync, readFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it, onTestFinished} from 'vitest'
import {parse} from 'yaml'
import {isolatedEnv, LongRunning, runJs} from '../helpers/cli.js'
import {runKne, type CommandResult} from '../helpers/command.js'
import {startSubscriber, type Subscriber, withId} from '../helpers/subscriber.js'

const json = (r: CommandResult): any => JSON.parse(r.stdout) // eslint-disable-line @typescript-eslint/no-explicit-any

describe('trigger create in a terminal', () => {
  let dir: string
  const env = isolatedEnv()
  const manifest = (file: string): unknown => parse(readFileSync(join(dir, 'knative', file), 'utf8'))

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kne-prompt-e2e-'))
    expect((await runKne(['init'], {cwd: dir, env: {KNE_DATA_DIR: env.KNE_DATA_DIR}})).code).toBe(0)
    expect((await runKne(['broker', 'create', 'orders'], {cwd: dir, env: {KNE_DATA_DIR: env.KNE_DATA_DIR}})).code).toBe(0)
  })

  it.skipIf(spawnSync('script', ['--version']).status !== 0)('asks for a missing name and sink in a terminal', async () => {
    // `script` gives the CLI a real pseudo-terminal, so @inquirer/prompts runs as it would for a person
    const child = spawn('script', ['-qfec', `"${process.execPath}" "${runJs}" trigger create --broker orders`, '/dev/null'], {
      cwd: dir,
      env,
    })
    let screen = ''
    child.stdout.on('data', (d: Buffer) => (screen += d.toString()))
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve))
    const waitFor = async (pattern: RegExp): Promise<void> => {
      for (const deadline = Date.now() + 20_000; !pattern.test(screen); await new Promise((r) => setTimeout(r, 50))) {
        if (Date.now() > deadline) throw new Error(`no ${pattern} on screen:\n${screen}`)
      }
    }
    await waitFor(/Trigger name/)
    child.stdin.write('prompted\r')
    await waitFor(/Sink \(where events go\)[\s\S]*another sink/)
    expect(screen).toContain('broker:default') // the trigger's own broker (orders) is not offered
    child.stdin.write('\r') // the first choice: broker:default
    expect(await exited).toBe(0)
    expect(manifest('trigger-prompted.yaml')).toMatchObject({
      spec: {broker: 'orders', subscriber: {ref: {kind: 'Broker', name: 'default'}}},
    })
  })
})

describe('scaffold → kne dev → kne send, end to end', () => {
  let dir: string
  let env: NodeJS.ProcessEnv
  let dev: LongRunning
  let display: Subscriber
  let hello: Subscriber
  let meshUrl: string

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kne-flow-e2e-'))
    env = isolatedEnv()
    display = await startSubscriber()
    hello = await startSubscriber()
    expect((await runKne(['init'], {cwd: dir, env: {KNE_DATA_DIR: env.KNE_DATA_DIR!}})).code).toBe(0)
    const created = await runKne(['trigger', 'create', 'hello', '--filter', 'type=com.example.hello', '--sink', 'ksvc:hello'], {
      cwd: dir,
      env: {KNE_DATA_DIR: env.KNE_DATA_DIR!},
    })
    expect(created.code, created.stderr).toBe(0)
    dev = new LongRunning(
      [
        'dev',
        '--config',
        join(dir, 'kne.yaml'),
        '--port',
        '0',
        '--quiet',
        '--service',
        `hello=${hello.url}`,
        '--service',
        `event-display=${display.url}`,
      ],
      env,
    )
    meshUrl = (await dev.waitFor(/Ready on (http:\/\/127\.0\.0\.1:\d+)/))[1]!
  })

  afterAll(async () => {
    dev?.kill()
    await display?.close()
    await hello?.close()
  })

  const kne = (args: string[]) => runKne(args, {cwd: dir, env: {KNE_DATA_DIR: env.KNE_DATA_DIR!}})

  it('the scaffolded trigger gets the events its filter lets through', async () => {
    const sent = await kne(['send', '--type', 'com.example.hello', '--id', 'hello-1', '--data', '{"hi":1}'])
    expect(sent.code, sent.stderr).toBe(0)
    const got = await hello.waitForMatch(withId('hello-1'))
    expect(got.headers['ce-type']).toBe('com.example.hello')
    expect(JSON.parse(got.body.toString())).toEqual({hi: 1})
    expect((await kne(['send', '--type', 'com.example.other', '--id', 'other-1'])).code).toBe(0)
    // the example trigger takes everything
    await display.waitForMatch(withId('hello-1'))
    await display.waitForMatch(withId('other-1'))
    // the broker answered once its deliveries ended, so hello would have it by now
    expect(hello.received.filter(withId('other-1'))).toEqual([])
  })

  it('list and describe show the live status: URL, Ready, resolved subscriber, counters', async () => {
    const delivered = async (): Promise<number> => json(await kne(['trigger', 'describe', 'hello', '--json'])).item.live.counters.delivered
    const before = await delivered()
    expect((await kne(['send', '--type', 'com.example.hello'])).code).toBe(0)
    const [brokers, triggers, described] = await Promise.all([
      kne(['broker', 'list']),
      kne(['trigger', 'list', '--json']),
      kne(['trigger', 'describe', 'hello', '--json']),
    ])
    expect(brokers.stdout).toMatch(new RegExp(`\\ndefault\\s+${meshUrl}/default/default\\s+\\d+s\\s+True\\n`))
    expect(json(triggers).mesh).toEqual({url: meshUrl})
    expect(
      json(triggers).items.map((i: {name: string; live: {ready: string; subscriberUri: string}}) => [
        i.name,
        i.live.ready,
        i.live.subscriberUri,
      ]),
    ).toEqual([
      ['event-display', 'True', display.url],
      ['hello', 'True', hello.url],
    ])
    expect(json(described).item.live).toMatchObject({loaded: true, ready: 'True', counters: {delivered: before + 1}})
    const yaml = await kne(['trigger', 'describe', 'hello', '-o', 'yaml'])
    expect(parse(yaml.stdout).status).toMatchObject({
      subscriberUri: hello.url,
      conditions: expect.arrayContaining([{type: 'Ready', status: 'True'}]),
    })
  })

  it('a trigger created while kne dev runs is picked up and gets its events', async () => {
    const created = await kne(['trigger', 'create', 'late', '--filter', 'type=com.example.late', '--sink', hello.url])
    expect(created.code, created.stderr).toBe(0)
    onTestFinished(async () => {
      // the project is shared: remove the trigger and wait until kne dev has reloaded without it
      await kne(['trigger', 'delete', 'late'])
      await dev.waitFor(/reload: .*trigger-late\.yaml removed/)
    })
    let late: {live: {loaded: boolean; ready: string}} | undefined
    for (const deadline = Date.now() + 15_000; !late?.live.loaded && Date.now() < deadline;) {
      late = json(await kne(['trigger', 'list', '--json'])).items.find((i: {name: string}) => i.name === 'late')
    }
    expect(late?.live).toMatchObject({loaded: true, ready: 'True'})
    expect((await kne(['send', '--type', 'com.example.late', '--id', 'late-1'])).code).toBe(0)
    const received = await hello.waitForMatch(withId('late-1'))
    expect(received.headers['ce-type']).toBe('com.example.late')
  })

  it('a trigger the running mesh does not serve (another folder) is reported as not loaded', async () => {
    const other = join(dir, 'elsewhere')
    expect(
      (
        await runKne(['trigger', 'create', 'stray', '--dir', other, '--sink', 'ksvc:hello'], {
          cwd: dir,
          env: {KNE_DATA_DIR: env.KNE_DATA_DIR!},
        })
      ).code,
    ).toBe(0)
    const list = await runKne(['trigger', 'list', '--dir', other], {cwd: dir, env: {KNE_DATA_DIR: env.KNE_DATA_DIR!}})
    expect(list.code).toBe(0)
    expect(list.stdout).toMatch(
      /\nstray\s+default\s+ksvc:hello\s+\d+s\s+<unknown>\s+<unknown>\s+NotLoaded : the running kne mesh does not serve/,
    )
  })
})
