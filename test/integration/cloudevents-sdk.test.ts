// Interop with the CloudEvents JavaScript SDK: what its HTTP emitter sends through a kne broker, its HTTP.toEvent
// decodes at the subscriber, and a reply it builds goes back onto the broker.
import {afterEach, describe, expect, it} from 'vitest'
import {CloudEvent, emitterFor, HTTP, httpTransport, Mode} from 'cloudevents'
import {createMesh, parseManifests, type Mesh} from '../../src/index.js'
import {startSubscriber, type Received, type Responder, type Subscriber} from '../helpers/subscriber.js'

const cleanups: (() => Promise<unknown>)[] = []
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!()
})

async function subscriber(responder?: Responder): Promise<Subscriber> {
  const s = await startSubscriber(responder)
  cleanups.push(() => s.close())
  return s
}

async function meshFrom(yaml: string): Promise<Mesh> {
  const parsed = parseManifests(yaml, 'test.yaml')
  expect(parsed.errors).toEqual([])
  const mesh = await createMesh({resources: parsed.resources})
  cleanups.push(() => mesh.close())
  return mesh
}

function brokerWithTriggers(triggers: {name: string; type: string; url: string; format?: DeliveryFormat}[]): string {
  const broker = 'apiVersion: eventing.knative.dev/v1\nkind: Broker\nmetadata:\n  name: default\n'
  return [
    broker,
    ...triggers.map(
      ({name, type, url, format}) =>
        `apiVersion: eventing.knative.dev/v1\nkind: Trigger\nmetadata:\n  name: ${name}\nspec:\n  broker: default\n` +
        `  filter:\n    attributes:\n      type: ${type}\n  subscriber:\n    uri: ${url}\n` +
        (format === 'json' ? '  delivery:\n    format: json\n' : ''),
    ),
  ].join('---\n')
}

/** What an SDK user's handler does with a request: text for JSON bodies, bytes otherwise, then HTTP.toEvent. */
function decode(received: Received): CloudEvent<unknown> {
  const contentType = String(received.headers['content-type'] ?? '')
  const body = /json/i.test(contentType) ? received.body.toString('utf8') : received.body
  return HTTP.toEvent({headers: received.headers, body}) as CloudEvent<unknown>
}

/** A trigger's delivery.format: binary mode by default, structured with json. */
type DeliveryFormat = 'binary' | 'json'
/** Each way the SDK can send, with each way the broker can deliver. */
const modes: [Mode, DeliveryFormat][] = [
  [Mode.BINARY, 'binary'],
  [Mode.STRUCTURED, 'binary'],
  [Mode.BINARY, 'json'],
  [Mode.STRUCTURED, 'json'],
]

describe('the CloudEvents SDK through a kne broker', () => {
  it.each(modes)(
    'delivers what the SDK emits in %s mode (delivery format %s), JSON data, attributes and extensions intact',
    async (mode, format) => {
      const sink = await subscriber()
      const mesh = await meshFrom(brokerWithTriggers([{name: 'orders', type: 'com.example.order.created', url: sink.url, format}]))
      const emit = emitterFor(httpTransport(`${mesh.url}/default/default`), {mode})
      const sent = new CloudEvent({
        id: `order-${mode}`,
        source: '/shop/checkout',
        type: 'com.example.order.created',
        subject: 'order-42',
        time: '2026-12-04T10:00:00.000Z',
        dataschema: 'https://example.com/schemas/order',
        datacontenttype: 'application/json',
        data: {order: 42, items: ['tea', 'cake'], total: 7.5, note: 'Zürich €'},
        tenant: 'acme',
        priority: 3,
      })
      await emit(sent)
      const [got] = await sink.waitFor(1)
      expect(got!.headers['content-type']).toMatch(format === 'json' ? /^application\/cloudevents\+json/ : /^application\/json/)
      const event = decode(got!)
      expect(event.id).toBe(`order-${mode}`)
      expect(event.source).toBe('/shop/checkout')
      expect(event.type).toBe('com.example.order.created')
      expect(event.specversion).toBe('1.0')
      expect(event.subject).toBe('order-42')
      expect(event.time).toBe('2026-12-04T10:00:00.000Z')
      expect(event.dataschema).toBe('https://example.com/schemas/order')
      expect(event.datacontenttype).toBe('application/json')
      expect(event.data).toEqual({order: 42, items: ['tea', 'cake'], total: 7.5, note: 'Zürich €'})
      expect(event.tenant).toBe('acme')
      // Extensions travel as strings in binary mode; an integer survives structured mode as an integer.
      expect(String(event.priority)).toBe('3')
      // The broker adds its arrival time, as Knative's broker does.
      expect(Date.parse(String(event.knativearrivaltime))).not.toBeNaN()
    },
  )

  it.each(modes)('delivers binary (Buffer) data that the SDK emits in %s mode (delivery format %s) byte for byte', async (mode, format) => {
    const sink = await subscriber()
    const mesh = await meshFrom(brokerWithTriggers([{name: 'images', type: 'com.example.image', url: sink.url, format}]))
    const bytes = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0xff, 0x7b, 0x0a])
    await emitterFor(httpTransport(`${mesh.url}/default/default`), {mode})(
      new CloudEvent({
        source: '/camera',
        type: 'com.example.image',
        datacontenttype: 'application/octet-stream',
        data: bytes,
      }),
    )
    const [got] = await sink.waitFor(1)
    const event = decode(got!)
    expect(event.type).toBe('com.example.image')
    expect(event.datacontenttype).toBe('application/octet-stream')
    expect(Buffer.from(event.data as Uint8Array).equals(bytes)).toBe(true)
    expect(event.data_base64 ?? Buffer.from(event.data as Uint8Array).toString('base64')).toBe(bytes.toString('base64'))
  })

  it('puts a reply the subscriber builds with the SDK (HTTP.binary) back on the broker, for another trigger', async () => {
    const replier: Responder = (req, res) => {
      const order = decode(req)
      const reply = new CloudEvent({
        source: '/shop/billing',
        type: 'com.example.invoice.issued',
        subject: order.subject,
        datacontenttype: 'application/json',
        data: {invoiceFor: order.id, amount: (order.data as {total: number}).total},
        correlation: order.id,
      })
      const {headers, body} = HTTP.binary(reply)
      res.writeHead(200, headers as Record<string, string>).end(body as string)
    }
    const billing = await subscriber(replier)
    const invoices = await subscriber()
    const mesh = await meshFrom(
      brokerWithTriggers([
        {name: 'billing', type: 'com.example.order.created', url: billing.url},
        {name: 'invoices', type: 'com.example.invoice.issued', url: invoices.url},
      ]),
    )
    await emitterFor(httpTransport(`${mesh.url}/default/default`), {mode: Mode.STRUCTURED})(
      new CloudEvent({
        id: 'order-7',
        source: '/shop/checkout',
        type: 'com.example.order.created',
        subject: 'order-7',
        datacontenttype: 'application/json',
        data: {total: 12},
      }),
    )
    const [got] = await invoices.waitFor(1)
    const invoice = decode(got!)
    expect(invoice.type).toBe('com.example.invoice.issued')
    expect(invoice.source).toBe('/shop/billing')
    expect(invoice.subject).toBe('order-7')
    expect(invoice.correlation).toBe('order-7')
    expect(invoice.data).toEqual({invoiceFor: 'order-7', amount: 12})
    expect(billing.received).toHaveLength(1)
  })
})
