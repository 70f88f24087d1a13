// What the web console needs of the control API, over real HTTP: sending an event and seeing its path
// (POST /_kne/v1/send), the last manifest reload (GET /_kne/v1/reloads), the registry as kne registry list
// builds it, and the console's own files at /_kne/ui/ with a strict Content-Security-Policy.
import {describe, expect, it} from 'vitest'
import type {ReloadsAnswer, SendAnswer} from '../../src/core/api.js'
import type {Registry} from '../../src/core/registry/index.js'
import {BROKER, trigger} from '../helpers/flows.js'
import {useMesh} from '../helpers/mesh.js'
import {watchedProject} from '../helpers/project.js'
import {post} from '../helpers/subscriber.js'

const kit = useMesh()
const JSON_HEADERS = {'content-type': 'application/json'}

async function sendVia(url: string, body: unknown): Promise<{status: number; body: SendAnswer & {error?: string}}> {
  const answer = await post(`${url}/_kne/v1/send`, JSON_HEADERS, JSON.stringify(body))
  return {status: answer.status, body: JSON.parse(answer.text) as SendAnswer & {error?: string}}
}

describe('POST /_kne/v1/send', () => {
  it("sends the event through the broker's ingress and answers with its arrival, each trigger's decision and its attempts", async () => {
    const orders = await kit.subscriber()
    const audit = await kit.subscriber()
    const mesh = await kit.mesh(
      `${BROKER}${trigger('orders', orders.url, 'com.example.order.created')}${trigger('audit', audit.url, 'com.example.audit')}`,
    )
    const {status, body} = await sendVia(mesh.url, {
      to: 'broker:default',
      event: {type: 'com.example.order.created', source: '/shop', extensions: {region: 'eu'}, data: {id: 7}},
    })
    expect(status).toBe(200)
    // a synchronous broker answers once its fan-out ended, so the path is whole already
    expect(body).toMatchObject({url: `${mesh.url}/default/default`, status: 202, event: {type: 'com.example.order.created', data: {id: 7}}})
    expect(body.arrival).toBeTypeOf('number')
    const [received] = orders.received
    expect(received?.headers).toMatchObject({'ce-type': 'com.example.order.created', 'ce-source': '/shop', 'ce-region': 'eu'})
    expect(JSON.parse(received!.body.toString())).toEqual({id: 7})
    expect(audit.received).toHaveLength(0)
    const triggers = body.detail?.explanation?.triggers ?? []
    expect(triggers.find((t) => t.trigger === 'default/audit')?.explanation).toMatchObject({delivers: false})
    expect(triggers.find((t) => t.trigger === 'default/orders')?.explanation).toMatchObject({delivers: true})
    expect(body.detail?.path.map((r) => r.kind)).toEqual(expect.arrayContaining(['event', 'attempt', 'outcome']))
  })

  it('sends string data as it is and to a channel as well', async () => {
    const sink = await kit.subscriber()
    const mesh = await kit.mesh(
      `apiVersion: messaging.knative.dev/v1\nkind: InMemoryChannel\nmetadata:\n  name: inbox\n---\napiVersion: messaging.knative.dev/v1\nkind: Subscription\nmetadata:\n  name: reader\nspec:\n  channel:\n    apiVersion: messaging.knative.dev/v1\n    kind: InMemoryChannel\n    name: inbox\n  subscriber:\n    uri: ${sink.url}\n`,
    )
    const {body} = await sendVia(mesh.url, {
      to: 'channel:inbox:default',
      event: {type: 'note', data: 'plain words', datacontenttype: 'text/plain'},
    })
    expect(body.status).toBeLessThan(300)
    await mesh.idle()
    expect(sink.received[0]?.body.toString()).toBe('plain words')
    expect(sink.received[0]?.headers['content-type']).toBe('text/plain')
  })

  it('refuses what it cannot send with 400 and the reason, and reports what ingress refused', async () => {
    const mesh = await kit.mesh(BROKER)
    const cases: [unknown, RegExp][] = [
      [{to: 'broker:default', event: {}}, /event\.type is required/],
      [{to: 'http://elsewhere.example/', event: {type: 't'}}, /not the mesh's/],
      [{to: 'thing:x', event: {type: 't'}}, /unknown prefix "thing"/],
      [{to: 'broker:default', event: {type: 't', extensions: {n: 1}}}, /extensions must be an object of string values/],
      [{to: 'broker:default', event: {type: 't', extensions: {'Bad-Name': 'x'}}}, /Bad-Name/],
      [{to: 'broker:default', event: {type: 't', extensions: {'a=b': 'x'}}}, /"a=b" is not an attribute name/],
      [{to: 'broker:default', event: {type: 't'}, extra: true}, /unknown field "extra"/],
      [[], /must be a JSON object/],
    ]
    for (const [body, error] of cases) {
      const answer = await sendVia(mesh.url, body)
      expect(answer.status, JSON.stringify(body)).toBe(400)
      expect(answer.body.error).toMatch(error)
    }
    const notJson = await post(`${mesh.url}/_kne/v1/send`, JSON_HEADERS, '{"to":')
    expect(notJson.status).toBe(400)
    expect(JSON.parse(notJson.text).error).toMatch(/not JSON/)
    expect((await fetch(`${mesh.url}/_kne/v1/send`)).status).toBe(405)
    const missing = await sendVia(mesh.url, {to: 'broker:nowhere', event: {type: 't'}})
    expect(missing.status).toBe(200)
    expect(missing.body).toMatchObject({status: 404, error: expect.stringMatching(/broker default\/nowhere not found/)})
    expect(missing.body.arrival).toBeUndefined()
  })
})

describe('GET /_kne/v1/activity?last=N', () => {
  it('gives the latest N records of the history', async () => {
    const mesh = await kit.mesh(BROKER)
    for (const id of ['a', 'b', 'c'])
      await post(`${mesh.url}/default/default`, {'ce-specversion': '1.0', 'ce-id': id, 'ce-type': 't', 'ce-source': '/s'})
    const lines = (await (await fetch(`${mesh.url}/_kne/v1/activity?last=2`)).text()).trim().split('\n')
    const all = mesh.journal.since()
    expect(lines.map((line) => (JSON.parse(line) as {seq: number}).seq)).toEqual(all.slice(-2).map((r) => r.seq))
  })
})

describe('GET /_kne/v1/reloads', () => {
  it("keeps a refused file's problems until a reload takes the file, whatever else reloads meanwhile", async () => {
    const project = await watchedProject(kit, {'broker.yaml': BROKER, 'other.yaml': BROKER.replace('default', 'other')})
    const reloads = async (): Promise<ReloadsAnswer> => (await (await fetch(`${project.mesh.url}/_kne/v1/reloads`)).json()) as ReloadsAnswer
    expect(await reloads()).toEqual({count: 0, problems: []})
    await project.change(() => project.write('broker.yaml', 'kind: Broker\nmetadata: [\n'))
    const broken = await reloads()
    expect(broken.count).toBe(1)
    expect(broken.last?.problems[0]?.file).toMatch(/broker\.yaml$/)
    expect(broken.problems).toEqual(broken.last?.problems)
    // another file's good edit: the broken one is still broken
    await project.change(() => project.write('other.yaml', BROKER.replace('default', 'renamed')))
    const later = await reloads()
    expect(later).toMatchObject({count: 2, last: {problems: []}})
    expect(later.problems).toEqual(broken.problems)
    await project.change(() => project.write('broker.yaml', BROKER))
    expect(await reloads()).toMatchObject({count: 3, problems: []})
  })
})

describe('GET /_kne/v1/registry/entries', () => {
  it('lists the declared event types with their consumers, as kne registry list does', async () => {
    const mesh = await kit.mesh(
      `${BROKER}${trigger('orders', 'http://127.0.0.1:9/', 'com.example.order.created')}apiVersion: eventing.knative.dev/v1beta2\nkind: EventType\nmetadata:\n  name: order-created\nspec:\n  type: com.example.order.created\n  reference:\n    apiVersion: eventing.knative.dev/v1\n    kind: Broker\n    name: default\n`,
    )
    const registry = (await (await fetch(`${mesh.url}/_kne/v1/registry/entries`)).json()) as Registry
    const entry = registry.entries.find((e) => e.type === 'com.example.order.created')
    expect(entry?.origins).toContain('declared')
    expect(entry?.consumers.map((c) => c.trigger)).toEqual(['default/orders'])
  })
})

describe('the console at /_kne/ui/', () => {
  it('serves its page and assets with their content types, a strict CSP and nosniff, and redirects /_kne/ui', async () => {
    const mesh = await kit.mesh(BROKER)
    const redirect = await fetch(`${mesh.url}/_kne/ui`, {redirect: 'manual'})
    expect(redirect.status).toBe(308)
    expect(redirect.headers.get('location')).toBe('/_kne/ui/')
    for (const [path, type] of [
      ['/_kne/ui/', 'text/html; charset=utf-8'],
      ['/_kne/ui/app.js', 'text/javascript; charset=utf-8'],
      ['/_kne/ui/app.css', 'text/css; charset=utf-8'],
    ] as const) {
      const answer = await fetch(`${mesh.url}${path}`)
      expect(answer.status, path).toBe(200)
      expect(answer.headers.get('content-type')).toBe(type)
      expect(answer.headers.get('content-security-policy')).toMatch(/^default-src 'self'; script-src 'self'; style-src 'self';/)
      expect(answer.headers.get('x-content-type-options')).toBe('nosniff')
    }
    const page = await (await fetch(`${mesh.url}/_kne/ui/`)).text()
    // nothing from elsewhere: no CDN, no web fonts
    expect(page).not.toMatch(/https?:\/\//)
    for (const path of ['/_kne/ui/secret.txt', '/_kne/ui/%2e%2e%2fpackage.json', '/_kne/ui/sub/app.js']) {
      expect((await fetch(`${mesh.url}${path}`)).status, path).toBe(404)
    }
  })
})
