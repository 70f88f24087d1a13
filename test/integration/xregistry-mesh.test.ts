// GET /_kne/v1/xregistry/...: a running mesh serves its registry (what it runs and what it observed) in
// xRegistry's shape over real HTTP, read-only, behind the control API's Host and Origin checks.
import http from 'node:http'
import {describe, expect, it} from 'vitest'
import type {Mesh} from '../../src/index.js'
import {useMesh} from '../helpers/mesh.js'
import {binaryHeaders, post} from '../helpers/subscriber.js'

const kit = useMesh()

const PROJECT = `apiVersion: eventing.knative.dev/v1
kind: Broker
metadata: {name: default}
---
apiVersion: eventing.knative.dev/v1beta2
kind: EventType
metadata: {name: order-created}
spec:
  type: com.example.order.created
  source: /shop
  reference: {apiVersion: eventing.knative.dev/v1, kind: Broker, name: default}
`

type Json = Record<string, any> // eslint-disable-line @typescript-eslint/no-explicit-any -- documents are read field by field

async function get(mesh: Mesh, path: string): Promise<{status: number; body: Json}> {
  const response = await fetch(`${mesh.url}/_kne/v1/xregistry${path}`)
  return {status: response.status, body: (await response.json()) as Json}
}

describe('the mesh serves its registry as xRegistry', () => {
  it('the registry, its groups and messages, declared and observed, with self URLs; nested collections with ?inline', async () => {
    const mesh = await kit.mesh(PROJECT)
    const sent = await post(
      `${mesh.url}/default/default`,
      binaryHeaders('com.example.order.paid', {'content-type': 'application/json'}),
      '{"id": 1}',
    )
    expect(sent.status).toBe(202)
    const base = `${mesh.url}/_kne/v1/xregistry`

    const root = await get(mesh, '/')
    expect(root.status).toBe(200)
    expect(root.body).toMatchObject({
      registryid: 'kne',
      self: `${base}/`,
      messagegroupscount: 1,
      messagegroupsurl: `${base}/messagegroups`,
      endpointscount: 1,
    })
    expect(root.body).not.toHaveProperty('messagegroups')

    const group = await get(mesh, '/messagegroups/default.broker.default')
    expect(group.body).toMatchObject({messagescount: 2, messagesurl: `${base}/messagegroups/default.broker.default/messages`})
    const messages = await get(mesh, '/messagegroups/default.broker.default/messages')
    expect(Object.keys(messages.body).sort()).toEqual(['com.example.order.created', 'com.example.order.paid'])
    const paid = await get(mesh, '/messagegroups/default.broker.default/messages/com.example.order.paid')
    expect(paid.body).toMatchObject({
      self: `${base}/messagegroups/default.broker.default/messages/com.example.order.paid`,
      envelopemetadata: {type: {value: 'com.example.order.paid', required: true}, datacontenttype: {value: 'application/json'}},
      dataschemaformat: 'JsonSchema/draft/2020-12',
      dataschemauri: `${base}/schemagroups/default.broker.default/schemas/com.example.order.paid`,
    })
    const schema = await get(mesh, '/schemagroups/default.broker.default/schemas/com.example.order.paid')
    expect(schema.body.schema).toMatchObject({type: 'object', required: ['id']})
    const endpoint = await get(mesh, '/endpoints/default.broker.default')
    expect(endpoint.body.protocoloptions.endpoints).toEqual([{uri: `${mesh.url}/default/default`}])

    const inline = await get(mesh, '/?inline')
    expect(Object.keys(inline.body.messagegroups['default.broker.default'].messages)).toHaveLength(2)
    expect((await get(mesh, '/model')).body).toHaveProperty('groups.messagegroups.resources.messages')
  })

  it('answers 404 for what it does not have, 405 to anything but GET, 403 to a foreign Host', async () => {
    const mesh = await kit.mesh(PROJECT)
    expect((await get(mesh, '/messagegroups/nope')).status).toBe(404)
    expect((await get(mesh, '/apis')).status).toBe(404)
    const put = await fetch(`${mesh.url}/_kne/v1/xregistry/messagegroups/x`, {
      method: 'PUT',
      headers: {'content-type': 'application/json'},
      body: '{}',
    })
    expect(put.status).toBe(405)
    const foreign = await new Promise<number>((resolve, reject) => {
      const req = http.request(
        {host: '127.0.0.1', port: mesh.port, path: '/_kne/v1/xregistry/', headers: {host: 'attacker.example:80'}},
        (res) => {
          res.resume()
          resolve(res.statusCode ?? 0)
        },
      )
      req.on('error', reject)
      req.end()
    })
    expect(foreign).toBe(403)
  })
})
