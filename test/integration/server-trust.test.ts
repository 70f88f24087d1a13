// What the mesh's HTTP server does with requests a well-behaved client does not send: malformed paths,
// clients that go away mid-body, hostile nesting, slow or idle connections, foreign Host and Origin headers.
import {afterEach, describe, expect, it} from 'vitest'
import net from 'node:net'
import {createMesh, parseManifests, type Mesh} from '../../src/index.js'
import {binaryHeaders, post} from '../helpers/subscriber.js'

const cleanups: (() => Promise<unknown>)[] = []
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!()
})

const BROKER = 'apiVersion: eventing.knative.dev/v1\nkind: Broker\nmetadata:\n  name: default\n'

async function meshFrom(yaml: string, options: Parameters<typeof createMesh>[0] = {}): Promise<Mesh & {logged: string[]}> {
  const logged: string[] = []
  const mesh = await createMesh({log: (line) => logged.push(line), ...options, resources: parseManifests(yaml, 'test.yaml').resources})
  cleanups.push(() => mesh.close())
  return Object.assign(mesh, {logged})
}

/** Writes raw bytes on a new connection and resolves with all the server sent back once it closes. */
function rawExchange(mesh: Mesh, ...writes: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(mesh.port, '127.0.0.1')
    let answer = ''
    socket.on('data', (chunk) => (answer += chunk.toString()))
    socket.on('close', () => resolve(answer))
    socket.on('error', reject)
    for (const text of writes) socket.write(text)
  })
}

/** Sends the headers and part of a body, then resets the connection. */
function abortMidBody(mesh: Mesh, path: string, headers: string): Promise<void> {
  return new Promise((resolve) => {
    const socket = net.connect(mesh.port, '127.0.0.1', () => {
      socket.write(`POST ${path} HTTP/1.1\r\nHost: 127.0.0.1:${mesh.port}\r\n${headers}Content-Length: 1000\r\n\r\n{"partial":`, () => socket.resetAndDestroy())
    })
    socket.on('close', () => resolve())
    socket.on('error', () => {})
  })
}

describe('malformed requests', () => {
  it('answers 400, not 500, to malformed percent-encoding in a control path', async () => {
    const mesh = await meshFrom(BROKER)
    for (const path of ['/_kne/v1/sources/pingsources/a/%/fire', '/_kne/v1/sources/pingsources/%E2%82/b/fire', '/_kne/v1/%zz']) {
      const answer = await post(`${mesh.url}${path}`, {})
      expect(answer.status, path).toBe(400)
      expect(JSON.parse(answer.text).error).toMatch(/malformed percent-encoding/)
    }
    expect(mesh.logged).toEqual([])
  })

  it('logs nothing when a client goes away mid-body, and keeps serving', async () => {
    const mesh = await meshFrom(BROKER)
    await abortMidBody(mesh, '/default/default', 'ce-specversion: 1.0\r\nce-id: 1\r\nce-source: /s\r\nce-type: t\r\n')
    await abortMidBody(mesh, '/_kne/v1/sources/pingsources/default/p/fire', 'Content-Type: application/json\r\n')
    await abortMidBody(mesh, '/_kne/v1/status', '')
    expect((await post(`${mesh.url}/default/default`, binaryHeaders('t'))).status).toBe(202)
    expect(mesh.logged).toEqual([])
  })

  it('refuses a structured event a million levels deep with 400, recorded like any invalid event', async () => {
    const mesh = await meshFrom(BROKER)
    const data = '['.repeat(1_000_000) + ']'.repeat(1_000_000)
    const answer = await post(`${mesh.url}/default/default`, {'content-type': 'application/cloudevents+json'},
      `{"specversion":"1.0","id":"1","source":"/s","type":"t","data":${data}}`)
    expect(answer.status).toBe(400)
    expect(JSON.parse(answer.text).error).toBe('invalid CloudEvent: structured event body is nested deeper than 1000 levels')
    expect(mesh.journal.since()).toMatchObject([{kind: 'rejected', broker: 'default/default', status: 400}])
  })
})
