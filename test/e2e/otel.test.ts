// kne dev exporting traces, as a user runs it: OTEL_EXPORTER_OTLP_ENDPOINT pointing at a collector, an event
// sent, Ctrl-C; the spans arrive before the process ends, and it ends by itself, also when the collector is
// gone (reported once).
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import {isolatedEnv, LongRunning} from '../helpers/cli.js'
import {startCollector} from '../helpers/otlp.js'
import {binaryHeaders, post, startSubscriber} from '../helpers/subscriber.js'
import {tempDir} from '../helpers/temp.js'

const processes: LongRunning[] = []
afterAll(() => {
  for (const p of processes) p.kill()
})

async function devWith(env: Record<string, string>, subscriberUrl: string): Promise<{dev: LongRunning; url: string}> {
  const dir = tempDir('kne-e2e-otel-')
  writeFileSync(
    join(dir, 'app.yaml'),
    'apiVersion: eventing.knative.dev/v1\nkind: Broker\nmetadata:\n  name: default\n---\n' +
      `apiVersion: eventing.knative.dev/v1\nkind: Trigger\nmetadata:\n  name: orders\nspec:\n  broker: default\n  subscriber:\n    uri: ${subscriberUrl}\n`,
  )
  const dev = new LongRunning(['dev', '--port', '0', '--no-watch', '-f', join(dir, 'app.yaml')], isolatedEnv(env), dir)
  processes.push(dev)
  const url = (await dev.waitFor(/Ready on (http:\/\/\S+)/))[1]!
  return {dev, url}
}

describe('kne dev --otel-endpoint / OTEL_EXPORTER_OTLP_ENDPOINT', () => {
  it('prints where traces go, sends the spans of the last events on Ctrl-C and exits by itself', async () => {
    const collector = await startCollector()
    const sub = await startSubscriber()
    try {
      const {dev, url} = await devWith({OTEL_EXPORTER_OTLP_ENDPOINT: collector.url}, sub.url)
      expect(dev.stdout).toContain(`Traces     ${collector.url}/v1/traces`)
      expect((await post(`${url}/default/default`, binaryHeaders('order.created', {'ce-id': 'e2e-1'}))).status).toBe(202)
      dev.signal('SIGINT')
      expect(await dev.exited).toBe(0)
      const names = collector.spans.map((s) => s.name)
      expect(names).toEqual(expect.arrayContaining(['broker:default.default', 'trigger:orders.default', 'send subscriber']))
    } finally {
      await Promise.all([collector.close(), sub.close()])
    }
  })

  it('reports a collector it cannot reach once, delivers all the same, and still exits by itself', async () => {
    const gone = await startCollector()
    await gone.close()
    const sub = await startSubscriber()
    try {
      const {dev, url} = await devWith({OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${gone.url}/v1/traces`}, sub.url)
      for (let i = 0; i < 3; i++) expect((await post(`${url}/default/default`, binaryHeaders('order.created'))).status).toBe(202)
      dev.signal('SIGINT')
      expect(await dev.exited).toBe(0)
      expect(sub.received).toHaveLength(3)
      expect(dev.stderr.match(/traces are not reaching/g)).toHaveLength(1)
    } finally {
      await sub.close()
    }
  })
})
