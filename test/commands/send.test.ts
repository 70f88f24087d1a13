// kne send in process against a mesh in this process: the --json report, the answer's exit codes (5 rejected,
// 6 no answer in --timeout), --async, and the structured content mode.
import {mkdirSync, mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import type {Mesh} from '../../src/index.js'
import {freshDataDir, jsonOf, meshForProject, runKne} from '../helpers/command.js'
import {startSubscriber, type Subscriber, withId} from '../helpers/subscriber.js'

describe('kne send', () => {
  let orders: Subscriber
  let held: Subscriber
  let mesh: Mesh
  const env = {KNE_DATA_DIR: freshDataDir()}
  const send = (args: string[]) => runKne(['send', ...args], {env})

  beforeAll(async () => {
    orders = await startSubscriber()
    // answers nothing: a synchronous broker waits for it
    held = await startSubscriber(() => undefined)
    const project = mkdtempSync(join(tmpdir(), 'kne-send-'))
    writeFileSync(
      join(project, 'kne.yaml'),
      `namespace: shop\nmanifests: knative\nservices: {orders: "${orders.url}", held: "${held.url}"}\n`,
    )
    const manifests = join(project, 'knative')
    const trigger = (name: string, type: string, service: string): string =>
      `apiVersion: eventing.knative.dev/v1\nkind: Trigger\nmetadata: {name: ${name}}\nspec:\n  broker: default\n  filter: {attributes: {type: ${type}}}\n` +
      `  subscriber: {ref: {apiVersion: serving.knative.dev/v1, kind: Service, name: ${service}}}\n`
    mkdirSync(manifests)
    writeFileSync(
      join(manifests, 'all.yaml'),
      [
        'apiVersion: eventing.knative.dev/v1\nkind: Broker\nmetadata: {name: default}\n',
        trigger('orders', 'com.example.order.created', 'orders'),
        trigger('held', 'com.example.held', 'held'),
      ].join('---\n'),
    )
    mesh = await meshForProject(project, env.KNE_DATA_DIR)
  })

  afterAll(async () => {
    await mesh?.close()
    await orders?.close()
    await held?.close()
  })

  it("--json reports the event it built and the broker's answer once the delivery ended", async () => {
    const result = await send([
      '--type',
      'com.example.order.created',
      '-n',
      'shop',
      '--id',
      'o-1',
      '--data',
      '{"id": 42}',
      '--extension',
      'tenant=acme',
      '--json',
    ])
    expect(result.code, result.stderr).toBe(0)
    expect(jsonOf(result)).toMatchObject({
      id: 'o-1',
      event: {type: 'com.example.order.created', source: 'kne', data: {id: 42}, tenant: 'acme'},
      response: {status: 202, url: `${mesh.url}/shop/default`},
    })
    const got = await orders.waitForMatch(withId('o-1'))
    expect(got.headers).toMatchObject({'ce-id': 'o-1', 'ce-tenant': 'acme', 'content-type': 'application/json'})
  })

  it('--mode structured sends the event as one JSON document, which the broker decodes', async () => {
    const result = await send([
      '--type',
      'com.example.order.created',
      '-n',
      'shop',
      '--id',
      'o-2',
      '--data',
      'plain text',
      '--mode',
      'structured',
    ])
    expect(result.code, result.stderr).toBe(0)
    expect(result.stdout).toBe(`Event o-2 (com.example.order.created) accepted by ${mesh.url}/shop/default: 202\n`)
    const received = await orders.waitForMatch(withId('o-2'))
    // delivered in binary mode, as Knative's broker delivers without delivery.format
    expect(received.headers).toMatchObject({'ce-id': 'o-2', 'content-type': 'text/plain'})
    expect(received.body.toString()).toBe('plain text')
  })

  it("exits 5 with the broker's explanation when it refuses the event", async () => {
    const result = await send(['--type', 'com.example.x', '--to', 'broker:nope:shop', '--json'])
    expect(result.code).toBe(5)
    expect(jsonOf(result).error).toMatchObject({
      code: 'EVENT_REJECTED',
      message: expect.stringContaining('answered 404: broker shop/nope not found'),
    })
  })

  it('exits 6 when the answer does not come in --timeout, and --async does not wait for the deliveries', async () => {
    const timedOut = await send(['--type', 'com.example.held', '-n', 'shop', '--timeout', '200ms', '--json'])
    expect(timedOut.code).toBe(6)
    expect(jsonOf(timedOut).error.code).toBe('SEND_TIMEOUT')
    const async = await send(['--type', 'com.example.held', '-n', 'shop', '--async'])
    expect(async.code, async.stderr).toBe(0)
    expect(async.stdout).toContain('its deliveries go on in the mesh')
  })
})
