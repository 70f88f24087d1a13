// What the mesh's HTTP server does with requests a well-behaved client does not send: malformed paths,
// clients that go away mid-body, hostile nesting, slow or idle connections, foreign Host and Origin headers.
import {describe, expect, it} from 'vitest'
import http from 'node:http'
import net from 'node:net'
import {colors, renderActivity} from '../../src/client/render.js'
import type {ActivityJson} from '../../src/core/activity.js'
import {createMesh, parseManifests, type Mesh} from '../../src/index.js'
import {VirtualClock} from '../../src/mesh/clock.js'
import {useMesh} from '../helpers/mesh.js'
import {trigger} from '../helpers/flows.js'
import {binaryHeaders, post} from '../helpers/subscriber.js'

const kit = useMesh()

const BROKER = 'apiVersion: eventing.knative.dev/v1\nkind: Broker\nmetadata:\n  name: default\n'

async function meshFrom(yaml: string, options: Parameters<typeof createMesh>[0] = {}): Promise<Mesh & {logged: string[]}> {
  const logged: string[] = []
  const mesh = await kit.start({log: (line) => logged.push(line), ...options, resources: parseManifests(yaml, 'test.yaml').resources})
  return Object.assign(mesh, {logged})
}

/** Writes raw bytes on a new connection and resolves with all the server sent back once it closes (or resets) it. */
function rawExchange(mesh: Mesh, ...writes: string[]): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(mesh.port, '127.0.0.1')
    let answer = ''
    socket.on('data', (chunk) => (answer += chunk.toString()))
    socket.on('close', () => resolve(answer))
    socket.on('error', () => {})
    for (const text of writes) socket.write(text)
  })
}

/** Sends the headers and part of a body, then resets the connection. */
function abortMidBody(mesh: Mesh, path: string, headers: string): Promise<void> {
  return new Promise((resolve) => {
    const socket = net.connect(mesh.port, '127.0.0.1', () => {
      socket.write(`POST ${path} HTTP/1.1\r\nHost: 127.0.0.1:${mesh.port}\r\n${headers}Content-Length: 1000\r\n\r\n{"partial":`, () =>
        socket.resetAndDestroy(),
      )
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
    const answer = await post(
      `${mesh.url}/default/default`,
      {'content-type': 'application/cloudevents+json'},
      `{"specversion":"1.0","id":"1","source":"/s","type":"t","data":${data}}`,
    )
    expect(answer.status).toBe(400)
    expect(JSON.parse(answer.text).error).toBe('invalid CloudEvent: structured event body is nested deeper than 1000 levels')
    expect(mesh.journal.since()).toMatchObject([{kind: 'rejected', broker: 'default/default', status: 400}])
  })
})

describe('connection limits', () => {
  const limits = {headersTimeoutMs: 100, requestTimeoutMs: 200, idleTimeoutMs: 100, maxConnections: 3}
  const EVENT_HEADERS = 'ce-specversion: 1.0\r\nce-id: 1\r\nce-source: /s\r\nce-type: t\r\n'

  it('closes a connection that sends nothing, trickles its headers, or sends less body than its Content-Length, with 408', async () => {
    const mesh = await meshFrom(BROKER, {connectionLimits: limits})
    const trickled = new Promise<string>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined
      const socket = net.connect(mesh.port, '127.0.0.1', () => {
        socket.write('POST /default/default HTTP/1.1\r\n')
        timer = setInterval(() => socket.write('x-slow: 1\r\n'), 20)
      })
      let answer = ''
      socket.on('data', (chunk) => (answer += chunk.toString()))
      socket.on('close', () => {
        clearInterval(timer)
        resolve(answer)
      })
      socket.on('error', reject)
    })
    const [idle, trickle, short] = await Promise.all([
      rawExchange(mesh),
      trickled,
      rawExchange(mesh, `POST /default/default HTTP/1.1\r\nHost: 127.0.0.1\r\n${EVENT_HEADERS}Content-Length: 100\r\n\r\nshort`),
    ])
    for (const [name, answer] of Object.entries({idle, trickle, short})) expect(answer, name).toMatch(/^HTTP\/1\.1 408 /)
    expect(mesh.journal.since()).toEqual([])
  })

  it('lets a synchronous broker take longer than the request timeout to answer', async () => {
    const slow = await kit.subscriber((_req, res) => void setTimeout(() => res.writeHead(200).end(), 400))
    const mesh = await meshFrom(
      `${BROKER}---\napiVersion: eventing.knative.dev/v1\nkind: Trigger\nmetadata: {name: slow}\nspec:\n  broker: default\n  subscriber: {uri: "${slow.url}"}\n`,
      {connectionLimits: limits},
    )
    expect((await post(`${mesh.url}/default/default`, binaryHeaders('t'))).status).toBe(202)
  })

  it('closes connections opened past the cap at once, says so once, and serves again when one closes', async () => {
    const mesh = await meshFrom(BROKER, {connectionLimits: {...limits, headersTimeoutMs: 10_000, requestTimeoutMs: 10_000}})
    const open = await Promise.all(
      [1, 2, 3].map(
        () =>
          new Promise<net.Socket>((resolve) => {
            const socket = net.connect(mesh.port, '127.0.0.1', () => resolve(socket))
          }),
      ),
    )
    expect(await rawExchange(mesh, `GET /_kne/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`)).toBe('')
    expect(await rawExchange(mesh)).toBe('')
    expect(mesh.logged).toEqual(['refused a connection: 3 are open already (1 refused so far)'])
    open[0]!.destroy()
    await new Promise((resolve) => open[0]!.on('close', resolve))
    await expect
      .poll(async () => (await post(`${mesh.url}/default/default`, binaryHeaders('t')).catch(() => ({status: 0}))).status)
      .toBe(202)
    for (const socket of open) socket.destroy()
  })
})

/** One request through node:http, which (unlike fetch) sends the Host header it is given. */
function send(
  mesh: Mesh,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string,
): Promise<{status: number; text: string}> {
  return new Promise((resolve, reject) => {
    const req = http.request({host: '127.0.0.1', port: mesh.port, method, path, headers}, (res) => {
      let text = ''
      res.on('data', (chunk: Buffer) => (text += chunk.toString()))
      res.on('end', () => resolve({status: res.statusCode ?? 0, text}))
    })
    req.on('error', reject)
    req.end(body)
  })
}

const EVENT = {'ce-specversion': '1.0', 'ce-id': '1', 'ce-source': '/s', 'ce-type': 't'}

describe('requests from web pages', () => {
  it('answers only requests whose Host names the mesh: a rebound name gets 403, whatever the path', async () => {
    const mesh = await meshFrom(BROKER)
    for (const host of ['127.0.0.1', 'localhost', '[::1]', 'LocalHost', 'localhost:9999']) {
      const port = host.includes(':') && !host.startsWith('[') ? '' : `:${mesh.port}`
      expect((await send(mesh, 'POST', '/default/default', {...EVENT, host: `${host}${port}`})).status, host).toBe(202)
      expect((await send(mesh, 'GET', '/_kne/v1/activity', {host: `${host}${port}`})).status, host).toBe(200)
    }
    for (const [method, path] of [
      ['POST', '/default/default'],
      ['GET', '/_kne/v1/activity'],
      ['GET', '/_kne/v1/status'],
      ['GET', '/_kne/ui/'],
      ['GET', '/_kne/ui/app.js'],
      ['POST', '/_kne/v1/send'],
    ]) {
      const refused = await send(mesh, method!, path!, {...EVENT, host: `rebound.example:${mesh.port}`})
      expect(refused.status, path).toBe(403)
      expect(JSON.parse(refused.text).error).toMatch(
        /^kne answers requests addressed to localhost, 127\.0\.0\.1, \[::1\], not "rebound\.example:\d+"/,
      )
    }
    expect(mesh.journal.since().filter((r) => r.kind === 'event')).toHaveLength(5)
  })

  it('answers any Host when bound to every interface', async () => {
    const mesh = await meshFrom(BROKER, {host: '0.0.0.0'})
    expect((await send(mesh, 'POST', '/default/default', {...EVENT, host: `kne.internal:${mesh.port}`})).status).toBe(202)
  })

  it('does not fire a PingSource for a page of another origin or a body that is not JSON', async () => {
    const sink = await kit.subscriber()
    // on a clock that does not move, the schedule never fires: only the requests below can
    const mesh = await meshFrom(
      `apiVersion: sources.knative.dev/v1\nkind: PingSource\nmetadata:\n  name: beat\nspec:\n  schedule: "0 * * * *"\n  sink:\n    uri: ${sink.url}\n`,
      {clock: new VirtualClock()},
    )
    const fire = (headers: Record<string, string>, body?: string) =>
      send(mesh, 'POST', '/_kne/v1/sources/pingsources/default/beat/fire', headers, body)
    const self = `127.0.0.1:${mesh.port}`
    const foreign = await fire({host: self, origin: 'http://attacker.example'})
    expect(foreign.status).toBe(403)
    expect(JSON.parse(foreign.text).error).toMatch(/another origin \(http:\/\/attacker\.example\)/)
    expect((await fire({host: self, origin: 'null', 'content-type': 'application/json'})).status).toBe(403)
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      expect((await fire({host: self, 'content-type': type}, 'x')).status, type).toBe(415)
    }
    expect(sink.received).toHaveLength(0)
    // the CLI (no Origin, no body), and the mesh's own pages (same origin, JSON)
    expect((await fire({host: self})).status).toBe(200)
    expect((await fire({host: self, origin: `http://${self}`, 'content-type': 'application/json'}, '{}')).status).toBe(200)
    expect(sink.received).toHaveLength(2)
  })

  it('does not send an event for a page of another origin or a body that is not JSON', async () => {
    const sink = await kit.subscriber()
    const mesh = await meshFrom(`${BROKER}---\n${trigger('all', sink.url)}`)
    const self = `127.0.0.1:${mesh.port}`
    const body = JSON.stringify({to: 'broker:default', event: {type: 'com.example.page'}})
    const sendEvent = (headers: Record<string, string>) => send(mesh, 'POST', '/_kne/v1/send', {host: self, ...headers}, body)
    const foreign = await sendEvent({origin: 'http://attacker.example', 'content-type': 'application/json'})
    expect(foreign.status).toBe(403)
    expect(JSON.parse(foreign.text).error).toMatch(/another origin \(http:\/\/attacker\.example\)/)
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      expect((await sendEvent({origin: `http://${self}`, 'content-type': type})).status, type).toBe(415)
    }
    expect(mesh.journal.since().filter((r) => r.kind === 'event')).toHaveLength(0)
    // the console itself: same origin, JSON
    expect((await sendEvent({origin: `http://${self}`, 'content-type': 'application/json'})).status).toBe(200)
    await mesh.idle()
    expect(sink.received.map((r) => r.headers['ce-type'])).toEqual(['com.example.page'])
  })
})

describe('requests to addresses the mesh does not serve', () => {
  const printed = async (mesh: Mesh): Promise<string[]> => {
    const text = await (await fetch(`${mesh.url}/_kne/v1/activity`)).text()
    return text
      .trim()
      .split('\n')
      .map((line) => renderActivity(JSON.parse(line) as ActivityJson, colors({isTTY: false} as NodeJS.WriteStream)).slice(13))
  }

  it('records a request to a broker that does not exist, and kne tail prints it with the brokers that do', async () => {
    const mesh = await meshFrom(`${BROKER}---\n${BROKER.replace('name: default', 'name: orders')}`)
    const answer = await post(`${mesh.url}/default/ordres`, {...EVENT, 'ce-type': 'com.example.order', 'ce-id': 'o-1'})
    expect(answer.status).toBe(404)
    expect(JSON.parse(answer.text).error).toBe('broker default/ordres not found; this mesh serves default/default, default/orders')
    expect((await post(`${mesh.url}/`, EVENT)).status).toBe(404)
    expect((await post(`${mesh.url}/default`, EVENT)).status).toBe(400)
    expect(await printed(mesh)).toEqual([
      '/default/ordres ✗ not found 404: broker default/ordres not found; this mesh serves default/default, default/orders (com.example.order id=o-1)',
      '/ ✗ not found 404: no broker at /: post to /<namespace>/<broker>; this mesh serves default/default, default/orders',
      '- ✗ rejected 400: malformed broker path "/default": expected /<namespace>/<broker>',
    ])
    expect(mesh.journal.since()[0]).toMatchObject({
      kind: 'not-found',
      status: 404,
      path: '/default/ordres',
      serves: ['default/default', 'default/orders'],
      type: 'com.example.order',
    })
  })

  it('records an event posted to a channel that does not exist, but not a probe of one', async () => {
    const mesh = await meshFrom('apiVersion: messaging.knative.dev/v1\nkind: InMemoryChannel\nmetadata:\n  name: orders\n')
    expect((await post(`${mesh.url}/channels/default/ordres`, EVENT)).status).toBe(404)
    expect((await post(`${mesh.url}/channels/default/ordres`, {}, undefined, 'GET')).status).toBe(404)
    expect(await printed(mesh)).toEqual([
      '/channels/default/ordres ✗ not found 404: channel default/ordres not found; this mesh serves default/orders',
    ])
  })
})
