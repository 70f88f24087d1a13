// `kne tail` as scripts run it: what it exits with when the mesh goes away before --count was reached,
// and that under --json a broken stream is one JSON line on stderr, never a document on stdout.
import {createServer} from 'node:http'
import type {AddressInfo} from 'node:net'
import {describe, expect, it} from 'vitest'
import {createMesh} from '../../src/index.js'
import {isolatedEnv, LongRunning} from '../helpers/cli.js'

describe('kne tail when the mesh goes away', () => {
  it('--count exits 4 with a message when the mesh stops before the events settled', async () => {
    const mesh = await createMesh({})
    const tail = new LongRunning(['tail', '--count', '1', '--json'], isolatedEnv({KNE_URL: mesh.url}))
    await tail.waitFor(/connected to/)
    await mesh.close()
    expect(await tail.exited).toBe(4)
    const [line, ...more] = tail.stderr.trim().split('\n').slice(1)
    expect(more).toEqual([])
    expect(JSON.parse(line!).error).toMatchObject({code: 'MESH_STOPPED', message: `the mesh at ${mesh.url} stopped: 0 of 1 events settled`})
    expect(tail.stdout).toBe('')
  })

  it('--json reports a stream reset as one JSON line on stderr and exits 4', async () => {
    const server = createServer((_req, res) => {
      res.writeHead(200, {'content-type': 'application/x-ndjson'})
      res.write('{"kind":"subscribed","next":1}\n')
      setImmediate(() => res.socket?.destroy())
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    const tail = new LongRunning(['tail', '--json'], isolatedEnv({KNE_URL: url}))
    const code = await tail.exited
    server.close()
    expect(code).toBe(4)
    expect(tail.stdout).toBe('')
    const lines = tail.stderr.trim().split('\n')
    expect(JSON.parse(lines.at(-1)!).error).toMatchObject({code: 'STREAM_BROKEN'})
    expect(lines.at(-1)).toContain('broke off')
  })
})

describe('kne tail on Ctrl-C', () => {
  it('exits 130, and says how far --count got', async () => {
    const mesh = await createMesh({})
    const tail = new LongRunning(['tail', '--count', '2'], isolatedEnv({KNE_URL: mesh.url}))
    await tail.waitFor(/connected to/)
    tail.signal('SIGINT')
    expect(await tail.exited).toBe(130)
    expect(tail.stderr).toContain('interrupted: 0 of 2 events settled')
    await mesh.close()
  })
})
