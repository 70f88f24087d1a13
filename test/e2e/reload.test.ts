// Hot reload from the built CLI: kne dev -f DIR, an event, an edit on disk, and the next event follows
// the edit; a broken file is reported and the last good config stays in force; fixing it recovers. One
// kne dev serves the file; each test writes its own manifest files and removes them when it ends.
import {existsSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it, onTestFinished} from 'vitest'
import {isolatedEnv, LongRunning} from '../helpers/cli.js'
import {useMesh} from '../helpers/mesh.js'
import {binaryHeaders, post} from '../helpers/subscriber.js'
import {tempDir} from '../helpers/temp.js'

const BROKER = 'apiVersion: eventing.knative.dev/v1\nkind: Broker\nmetadata:\n  name: default\n'
const trigger = (name: string, type: string, url: string, key = 'type') =>
  `apiVersion: eventing.knative.dev/v1\nkind: Trigger\nmetadata:\n  name: ${name}\nspec:\n  broker: default\n  filter:\n    attributes:\n      ${key}: ${type}\n  subscriber:\n    uri: ${url}\n`

describe('kne dev hot reload', () => {
  const kit = useMesh()
  let dir: string
  let dev: LongRunning
  let url: string

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kne-reload-e2e-'))
    writeFileSync(join(dir, 'broker.yaml'), BROKER)
    dev = new LongRunning(['dev', '--port', '0', '-f', dir, '--quiet'], isolatedEnv())
    url = (await dev.waitFor(/Ready on (http:\/\/127\.0\.0\.1:\d+)/))[1]!
    await dev.waitFor(/Watching the manifests for changes/)
  })

  afterAll(() => {
    dev.kill()
    rmSync(dir, {recursive: true, force: true})
  })

  /** Runs `edit` and resolves with the first reload line after it that names `file`. */
  async function reload(file: string, edit: () => void): Promise<string> {
    const from = dev.stdout.length
    const names = new RegExp(`[/ ]${file.replace('.', '\\.')} (added|changed|removed)`)
    edit()
    const deadline = Date.now() + 15_000
    for (;;) {
      const line = dev.stdout
        .slice(from)
        .split('\n')
        .find((l) => l.startsWith('reload: ') && names.test(l))
      if (line) return line
      if (Date.now() > deadline) throw new Error(`no reload of ${file}\nstdout:\n${dev.stdout}\nstderr:\n${dev.stderr}`)
      await new Promise((r) => setTimeout(r, 25))
    }
  }

  /** Writes `file` into the watched folder and resolves with its reload line; the file goes when the test ends. */
  function write(file: string, text: string): Promise<string> {
    const path = join(dir, file)
    if (!existsSync(path))
      onTestFinished(async () => {
        if (existsSync(path)) await reload(file, () => rmSync(path))
      })
    return reload(file, () => writeFileSync(path, text))
  }

  const send = (type: string) => post(`${url}/default/default`, binaryHeaders(type))

  it('routes the next event by the edited trigger', async () => {
    const [first, second] = await Promise.all([kit.subscriber(), kit.subscriber()])
    expect(await write('edited.yaml', trigger('edited', 'com.example.a', first.url))).toMatch(
      /edited\.yaml added → 1 broker\(s\), 1 trigger\(s\) \[\+Trigger default\/edited\]$/,
    )
    expect((await send('com.example.a')).status).toBe(202)
    await first.waitFor(1)
    expect(await write('edited.yaml', trigger('edited', 'com.example.b', second.url))).toMatch(
      /^reload: .*edited\.yaml changed → 1 broker\(s\), 1 trigger\(s\) \[~Trigger default\/edited\]$/,
    )
    await send('com.example.a')
    await send('com.example.b')
    await second.waitFor(1)
    expect(first.received).toHaveLength(1)
  })

  it('reports a broken file with file, resource and field, and keeps its last good version in force', async () => {
    const [kept, refused] = await Promise.all([kit.subscriber(), kit.subscriber()])
    await write('guarded.yaml', trigger('guarded', 'com.example.kept', kept.url))
    expect(await write('guarded.yaml', trigger('guarded', 'com.example.kept', refused.url, 'Bad_Key'))).toMatch(
      /guarded\.yaml changed \(refused: its last good version stays in force\): 1 problem\(s\)/,
    )
    await dev.waitFor(/guarded\.yaml: Trigger default\/guarded: spec\.filter\.attributes\.Bad_Key: invalid attribute name/)
    await send('com.example.kept')
    await kept.waitFor(1)
    expect(refused.received).toHaveLength(0)
  })

  it('recovers when the file is fixed, and picks up new and removed files', async () => {
    const fixed = await kit.subscriber()
    expect(await write('recovered.yaml', trigger('recovered', 'com.example.c', fixed.url, 'Bad_Key'))).toMatch(
      /recovered\.yaml added \(refused: not loaded\): 1 problem\(s\)/,
    )
    expect(await write('recovered.yaml', trigger('recovered', 'com.example.c', fixed.url))).toMatch(
      /recovered\.yaml changed → 1 broker\(s\), 1 trigger\(s\) \[\+Trigger default\/recovered\]$/,
    )
    await send('com.example.c')
    await fixed.waitFor(1)
    expect(
      await write(
        'kafka.yaml',
        'apiVersion: sources.knative.dev/v1beta1\nkind: KafkaSource\nmetadata:\n  name: beat\nspec:\n  sink:\n    uri: http://127.0.0.1:1\n',
      ),
    ).toMatch(/kafka\.yaml added → 1 broker\(s\), 1 trigger\(s\) \[\+KafkaSource default\/beat\]/)
    await dev.waitFor(/KafkaSource default\/beat: kne does not run KafkaSource yet/)
    expect(await reload('kafka.yaml', () => rmSync(join(dir, 'kafka.yaml')))).toMatch(
      /kafka\.yaml removed → 1 broker\(s\), 1 trigger\(s\) \[-KafkaSource default\/beat\]/,
    )
  })
})

describe('kne dev hot reload, stopped', () => {
  it('stops promptly on SIGTERM with the watcher running', async () => {
    const dir = tempDir('kne-reload-e2e-')
    writeFileSync(join(dir, 'broker.yaml'), BROKER)
    const dev = new LongRunning(['dev', '--port', '0', '-f', dir, '--quiet'], isolatedEnv())
    onTestFinished(() => dev.kill())
    await dev.waitFor(/Watching the manifests for changes/)
    dev.signal('SIGTERM')
    expect(await dev.exited).toBe(0)
  })

  it('stops cleanly on a SIGTERM sent as soon as it prints Ready, while the watcher is still starting', async () => {
    const dir = tempDir('kne-reload-e2e-')
    writeFileSync(join(dir, 'broker.yaml'), BROKER)
    const dev = new LongRunning(['dev', '--port', '0', '-f', dir], isolatedEnv())
    onTestFinished(() => dev.kill())
    await dev.waitFor(/Ready on http/)
    dev.signal('SIGTERM')
    expect(await dev.exited).toBe(0)
    expect(dev.stderr).toContain('kne dev stopped')
  })
})
