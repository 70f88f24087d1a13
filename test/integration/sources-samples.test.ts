// The Knative docs' PingSource and SinkBinding samples (../shared/conformance/knative-samples), loaded as
// written and run: their events reach the sinks they name, and the bookstore's SinkBinding binds a service
// kne runs to the bookstore broker, whose trigger routes back to that service's /insert path.
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {parseManifests, type Mesh, type MeshOptions} from '../../src/index.js'
import type {ProcessOutput} from '../../src/mesh/processes.js'
import {conformanceDir, hasConformance} from '../helpers/conformance.js'
import {useMesh} from '../helpers/mesh.js'
import {binaryHeaders, post, type Subscriber} from '../helpers/subscriber.js'

const kit = useMesh()

const sample = (file: string): string => readFileSync(join(conformanceDir!, 'knative-samples', file), 'utf8')

async function meshFrom(yaml: string, options: MeshOptions = {}): Promise<Mesh> {
  const parsed = parseManifests(yaml, 'sample.yaml')
  expect(parsed.errors).toEqual([])
  return kit.start({...options, resources: parsed.resources, log: () => undefined})
}

const subscriber = (): Promise<Subscriber> => kit.subscriber()

const fire = (mesh: Mesh, name: string) => post(`${mesh.url}/_kne/v1/sources/pingsources/default/${name}/fire`, {})

describe.skipIf(!hasConformance)('Knative doc samples: PingSource and SinkBinding', () => {
  it('ping-source.yaml and ping-source-binary.yaml send their data to event-display', async () => {
    const display = await subscriber()
    const mesh = await meshFrom(`${sample('ping__ping-source.yaml')}\n---\n${sample('ping__ping-source-binary.yaml')}`, {
      services: {'event-display': display.url},
    })
    expect(mesh.status().sources.map((s) => [s.name, s.ready, s.sinkUri])).toEqual([
      ['test-ping-source', true, display.url],
      ['test-ping-source-binary', true, display.url],
    ])
    expect((await fire(mesh, 'test-ping-source')).status).toBe(200)
    expect((await fire(mesh, 'test-ping-source-binary')).status).toBe(200)
    const [json, binary] = await display.waitFor(2)
    expect(json!.headers).toMatchObject({
      'ce-type': 'dev.knative.sources.ping',
      'ce-source': '/apis/v1/namespaces/default/pingsources/test-ping-source',
      'content-type': 'application/json',
    })
    expect(json!.body.toString()).toBe('{"message": "Hello world!"}')
    expect(binary!.headers['content-type']).toBe('text/plain')
    expect(binary!.body.toString()).toBe('data')
  })

  it("the PingSource reference's ceOverrides reach the sink as extensions (its `...` completed, 42 quoted)", async () => {
    const sink = await subscriber()
    // the page elides the rest of the spec, and an unquoted 42 is not a string (the API server refuses it)
    const text = sample('md-ping-ref__reference-L58.yaml')
      .replace('  ...\n', `  sink:\n    uri: ${sink.url}\n`)
      .replace('additional: 42', 'additional: "42"')
    const mesh = await meshFrom(text)
    expect((await fire(mesh, 'test-heartbeats')).status).toBe(200)
    const [event] = await sink.waitFor(1)
    expect(event!.headers).toMatchObject({'ce-extra': 'this is an extra attribute', 'ce-additional': '42'})
  })

  it("the sequence sample's PingSource fires into the default broker", async () => {
    const sub = await subscriber()
    const trigger = `apiVersion: eventing.knative.dev/v1\nkind: Trigger\nmetadata:\n  name: all\nspec:\n  broker: default\n  subscriber:\n    uri: ${sub.url}\n`
    const mesh = await meshFrom(
      `apiVersion: eventing.knative.dev/v1\nkind: Broker\nmetadata:\n  name: default\n---\n${trigger}---\n${sample('seqbt__ping-source.yaml')}`,
    )
    expect((await fire(mesh, 'ping-source')).status).toBe(200)
    const [event] = await sub.waitFor(1)
    expect(event!.body.toString()).toBe('{"message": "Hello world!"}')
  })

  it("the troubleshooting example's ApiServerSource resolves its channel sink, and says its v1 Event watch never fires here", async () => {
    const mesh = await meshFrom(sample('trouble__example.yaml'), {services: {'knative-debug/svc': 'http://127.0.0.1:1/'}})
    const source = mesh.status().sources.find((s) => s.kind === 'ApiServerSource')
    expect(source).toMatchObject({
      namespace: 'knative-debug',
      name: 'src',
      ready: true,
      sinkUri: `${mesh.url}/channels/knative-debug/chan`,
      message: expect.stringMatching(/^kne has no v1 Event objects/),
    })
  })

  it('bookstore: the SinkBinding selects the node-server by label, which sends through the broker back to its /insert', async () => {
    const output: ProcessOutput[] = []
    // the sample's node-server: prints its K_SINK, and the path and type of what it receives
    const server = `require('http').createServer((req, res) => { console.log(req.url + ' ' + req.headers['ce-type']); res.writeHead(202).end() })
      .listen(Number(process.env.PORT), '127.0.0.1', () => console.log('K_SINK=' + process.env.K_SINK))`
    const mesh = await meshFrom(`${sample('bookstore__200-broker.yaml')}\n---\n${sample('bookstore__300-sinkbinding.yaml')}`, {
      sources: {
        output: (r) => output.push(r),
        localServices: {'node-server-svc': {command: [process.execPath, '-e', server], env: {}, labels: {app: 'node-server'}}},
      },
    })
    const printed = () => output.map((o) => o.line)
    await expect.poll(printed).toContain(`K_SINK=${mesh.url}/default/bookstore-broker`)
    expect(mesh.status().sources).toMatchObject([{kind: 'SinkBinding', name: 'node-sinkbinding', ready: true, counters: {bound: 1}}])
    const answer = await post(`${mesh.url}/default/bookstore-broker`, binaryHeaders('moderated-comment', {'ce-badwordfilter': 'good'}))
    expect(answer.status).toBe(202)
    await expect.poll(printed).toContain('/insert moderated-comment')
  })
})
