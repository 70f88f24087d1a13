import {createServer, type Server} from 'node:http'
import type {AddressInfo} from 'node:net'
import {afterEach, describe, expect, it} from 'vitest'
import {request} from '../../src/client/http.js'

const servers: Server[] = []
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  }
})

async function serve(handler: Parameters<typeof createServer>[1]): Promise<string> {
  const server = createServer(handler)
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

describe("the commands' HTTP client (talking to a running mesh)", () => {
  it('posts a body with its headers and reads the answer as JSON or text', async () => {
    const url = await serve((req, res) => {
      const chunks: Buffer[] = []
      req
        .on('data', (c: Buffer) => chunks.push(c))
        .on('end', () => {
          res
            .writeHead(202, {'content-type': 'application/json'})
            .end(JSON.stringify({method: req.method, type: req.headers['ce-type'], body: Buffer.concat(chunks).toString()}))
        })
    })
    const response = await request(`${url}/default/default`, {
      method: 'POST',
      headers: {'ce-type': 'com.example.a'},
      body: new TextEncoder().encode('{"n":1}'),
    })
    expect(response.statusCode).toBe(202)
    expect(await response.body.json()).toEqual({method: 'POST', type: 'com.example.a', body: '{"n":1}'})
    const again = await request(`${url}/x`)
    expect(await again.body.text()).toContain('"method":"GET"')
  })

  it('stops reading an answer larger than its bound', async () => {
    const url = await serve((_req, res) => {
      res.writeHead(200).end('x'.repeat(100))
    })
    const response = await request(url)
    await expect(response.body.text(10)).rejects.toMatchObject({code: 'ETOOBIG'})
  })

  it('rejects with the cause code when nothing listens', async () => {
    const url = await serve(() => {})
    const [server] = servers.splice(0)
    await new Promise((resolve) => server!.close(resolve))
    await expect(request(url)).rejects.toMatchObject({code: 'ECONNREFUSED'})
  })

  it('gives up after timeoutMs when no answer comes', async () => {
    const url = await serve(() => {}) // never answers
    await expect(request(url, {timeoutMs: 100})).rejects.toMatchObject({code: 'ETIMEDOUT'})
  })

  it('stops when its signal is aborted', async () => {
    const url = await serve(() => {})
    const controller = new AbortController()
    const pending = request(url, {signal: controller.signal})
    setTimeout(() => controller.abort(), 20)
    await expect(pending).rejects.toMatchObject({name: 'AbortError'})
  })
})
