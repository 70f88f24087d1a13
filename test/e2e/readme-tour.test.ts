// The README's project tour, run as written: every `kne` line of it, in order, in a fresh folder. Its `kne sink`
// stand-ins are real subscribers on free ports (the tour's ports are swapped for theirs), `kne dev` gets
// --port 0, and `kubectl apply` is left out: kne export's output is checked instead.
import {existsSync, mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import {isolatedEnv, LongRunning, repoRoot, runCliIn} from '../helpers/cli.js'
import {startSubscriber, type Subscriber} from '../helpers/subscriber.js'

/** The shell lines of the README's "A project" block, comments and trailing `&` removed. */
function tourLines(): string[] {
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8')
  const section = readme.slice(readme.indexOf('## A project'))
  const block = /```sh\n([\s\S]*?)```/.exec(section)![1]!
  return block
    .split('\n')
    .map((line) => line.replace(/\s+#.*$/, '').trim())
    .filter(Boolean)
}

/** Words of one command, as a shell splits them (single and double quotes). */
function words(command: string): string[] {
  return [...command.matchAll(/'([^']*)'|"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3]!)
}

describe('the README tour', () => {
  const running: LongRunning[] = []
  const subscribers: Subscriber[] = []
  afterAll(async () => {
    for (const p of running) p.kill()
    await Promise.all(subscribers.map((s) => s.close()))
  })

  it('runs as written: every trigger is Ready and the order reaches the order processor', async () => {
    const env = isolatedEnv()
    let cwd = mkdtempSync(join(tmpdir(), 'kne-readme-tour-'))
    const sinks = new Map<string, Subscriber>()
    const ports = (text: string): string =>
      text.replace(/127\.0\.0\.1:(\d+)/g, (whole, port: string) => sinks.get(port)?.url.replace(/^http:\/\//, '') ?? whole)
    let exported = ''
    for (const line of tourLines()) {
      for (const command of line.replace(/\s*&$/, '').split(/\s*&&\s*|\s*\|\s*/)) {
        const [program, ...args] = words(ports(command))
        if (program === 'cd') {
          cwd = join(cwd, args[0]!)
          continue
        }
        if (program === 'kubectl') {
          expect(exported).toContain('kind: Trigger')
          continue
        }
        expect(program, line).toBe('kne')
        if (args[0] === 'sink') {
          const port = args.includes('--port') ? args[args.indexOf('--port') + 1]! : '8081'
          const subscriber = await startSubscriber()
          subscribers.push(subscriber)
          sinks.set(port, subscriber)
          // kne init wrote the sink's usual address into kne.yaml
          const config = join(cwd, 'kne.yaml')
          if (existsSync(config)) writeFileSync(config, ports(readFileSync(config, 'utf8')))
          continue
        }
        if (args[0] === 'dev') {
          const dev = new LongRunning([...args, '--port', '0'], env, cwd)
          running.push(dev)
          await dev.waitFor(/Ready on/)
          continue
        }
        const result = await runCliIn(cwd, args, env)
        expect(result.code, `${line}\n${result.stderr}`).toBe(0)
        if (args[0] === 'export') exported = result.stdout
      }
    }
    const received = await sinks.get('8081')!.waitFor(2)
    expect(received.map((r) => r.headers['ce-type'])).toEqual(['com.example.order.created', 'com.example.order.created'])
    const list = await runCliIn(cwd, ['trigger', 'list', '--json'], env)
    const triggers = JSON.parse(list.stdout) as {readFrom: string; items: {name: string; live: {ready: string; reason?: string}}[]}
    expect(triggers.readFrom).toBe('mesh')
    expect(triggers.items.map((t) => [t.name, t.live.ready, t.live.reason]).sort()).toEqual([
      ['event-display', 'True', undefined],
      ['orders', 'True', undefined],
      ['vip', 'True', undefined],
    ])
  }, 30_000)
})
