// kne dev's start: the services kne.yaml gives a command are listening on their ports before the mesh is
// reported Ready; one that exits, or does not listen in time, is named with why instead of holding it up.
import {writeFileSync} from 'node:fs'
import {connect} from 'node:net'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {startDev, type DevSession} from '../../src/mesh/dev.js'
import {useMesh} from '../helpers/mesh.js'
import {tempDir} from '../helpers/temp.js'

const kit = useMesh()

async function start(services: Record<string, string>, serviceStartTimeoutMs?: number): Promise<DevSession> {
  const dir = tempDir('kne-dev-start-')
  const entries = Object.entries(services).map(
    ([name, code]) => `  ${name}:\n    command: [${JSON.stringify(process.execPath)}, -e, ${JSON.stringify(code)}]\n`,
  )
  writeFileSync(join(dir, 'kne.yaml'), `port: 0\nservices:\n${entries.join('')}`)
  const session = await startDev({
    files: [],
    config: join(dir, 'kne.yaml'),
    port: 0,
    cwd: dir,
    log: () => {},
    output: () => {},
    serviceStartTimeoutMs,
  })
  kit.defer(() => session.mesh.close())
  return session
}

function accepts(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({host: '127.0.0.1', port: Number(new URL(url).port)})
    socket.once('connect', () => resolve(true)).once('error', () => resolve(false))
  })
}

describe('kne dev start-up', () => {
  it('is Ready only once a service it starts listens on its port', async () => {
    // the service takes a while before it listens, as `npm start` does
    const session = await start({
      slow: `setTimeout(() => require('http').createServer((q, s) => s.end()).listen(Number(process.env.PORT), '127.0.0.1'), 200)`,
    })
    const [service] = session.mesh.sources.localServiceStatus()
    expect(await accepts(service!.url)).toBe(true)
    expect(session.servicesNotListening).toEqual([])
  })

  it('names a service that exits, without waiting out the bound for it', async () => {
    // a bound beyond the test's own timeout: waiting it out would fail the test
    const session = await start({crashes: 'process.exit(3)'}, 60_000)
    expect(session.servicesNotListening.map((s) => [s.name, s.reason])).toEqual([['crashes', 'exit code 3']])
  })

  it('names a service that does not listen in time', async () => {
    const session = await start({silent: 'setInterval(() => {}, 1000)'}, 300)
    expect(session.servicesNotListening).toEqual([
      {name: 'silent', url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/), reason: 'nothing accepts connections after 0.3 s'},
    ])
  })
})
