// GET /_kne/v1/metrics over real HTTP: Prometheus's text format, parsed as a scraper reads it.
import {describe, expect, it} from 'vitest'
import {VirtualClock} from '../../src/index.js'
import {useMesh} from '../helpers/mesh.js'
import {binaryHeaders, post} from '../helpers/subscriber.js'

const kit = useMesh()

interface Sample {
  name: string
  labels: Record<string, string>
  value: number
}

/** The exposition format 0.0.4: HELP and TYPE comments, then `name{label="value",…} number` lines. */
function parseExposition(text: string): {types: Map<string, string>; samples: Sample[]} {
  const types = new Map<string, string>()
  const samples: Sample[] = []
  for (const line of text.split('\n')) {
    if (line === '') continue
    const type = /^# TYPE (\S+) (counter|gauge|histogram|summary|untyped)$/.exec(line)
    if (type) {
      types.set(type[1]!, type[2]!)
      continue
    }
    if (line.startsWith('# HELP ')) continue
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line)
    expect(sample, `a sample line: ${line}`).not.toBeNull()
    const labels: Record<string, string> = {}
    for (const [, name, value] of sample![2]?.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g) ?? [])
      labels[name!] = value!.replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\')
    samples.push({name: sample![1]!, labels, value: Number(sample![3])})
  }
  return {types, samples}
}

function valueOf(samples: Sample[], name: string, labels: Record<string, string>): number | undefined {
  return samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value
}

describe('GET /_kne/v1/metrics', () => {
  it('counts per broker and trigger, a cumulative latency histogram, pending deliveries and the history size', async () => {
    const ok = await kit.subscriber()
    const failing = await kit.subscriber((_req, res) => {
      res.writeHead(500).end()
    })
    const dls = await kit.subscriber()
    const clock = new VirtualClock()
    const yaml = [
      'apiVersion: eventing.knative.dev/v1\nkind: Broker\nmetadata:\n  name: default\n  namespace: shop\n',
      `apiVersion: eventing.knative.dev/v1\nkind: Trigger\nmetadata:\n  name: orders\n  namespace: shop\nspec:\n  broker: default\n  subscriber:\n    uri: ${ok.url}\n`,
      `apiVersion: eventing.knative.dev/v1\nkind: Trigger\nmetadata:\n  name: audit\n  namespace: shop\nspec:\n  broker: default\n  filter:\n    attributes:\n      type: order.created\n` +
        `  subscriber:\n    uri: ${failing.url}\n  delivery:\n    retry: 1\n    backoffPolicy: exponential\n    backoffDelay: PT2S\n    deadLetterSink:\n      uri: ${dls.url}\n`,
    ].join('---\n')
    const mesh = await kit.mesh(yaml, {clock})
    for (const type of ['order.created', 'order.shipped'])
      expect((await clock.runUntil(post(`${mesh.url}/shop/default`, binaryHeaders(type)))).status).toBe(202)
    expect((await post(`${mesh.url}/shop/default`, {'ce-specversion': '1.0'})).status).toBe(400)

    const response = await fetch(`${mesh.url}/_kne/v1/metrics`)
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8')
    const {types, samples} = parseExposition(await response.text())

    const broker = {namespace: 'shop', broker: 'default'}
    expect(types.get('kne_broker_events_accepted_total')).toBe('counter')
    expect(valueOf(samples, 'kne_broker_events_accepted_total', broker)).toBe(2)
    expect(valueOf(samples, 'kne_broker_events_rejected_total', broker)).toBe(1)
    expect(valueOf(samples, 'kne_broker_events_pending', broker)).toBe(0)

    const orders = {...broker, trigger: 'orders'}
    const audit = {...broker, trigger: 'audit'}
    expect(valueOf(samples, 'kne_trigger_events_matched_total', orders)).toBe(2)
    expect(valueOf(samples, 'kne_trigger_events_delivered_total', orders)).toBe(2)
    expect(valueOf(samples, 'kne_trigger_events_matched_total', audit)).toBe(1)
    expect(valueOf(samples, 'kne_trigger_events_dead_lettered_total', audit)).toBe(1)
    expect(valueOf(samples, 'kne_trigger_events_failed_total', audit)).toBe(0)
    expect(valueOf(samples, 'kne_trigger_deliveries_in_flight', audit)).toBe(0)

    // the dead-lettered delivery waited 2 s of virtual time before its second attempt
    expect(types.get('kne_trigger_delivery_duration_seconds')).toBe('histogram')
    const buckets = samples.filter((s) => s.name === 'kne_trigger_delivery_duration_seconds_bucket' && s.labels.trigger === 'audit')
    const counts = buckets.map((b) => b.value)
    expect(counts).toEqual([...counts].sort((a, b) => a - b))
    expect(valueOf(samples, 'kne_trigger_delivery_duration_seconds_bucket', {...audit, le: '1'})).toBe(0)
    expect(valueOf(samples, 'kne_trigger_delivery_duration_seconds_bucket', {...audit, le: '2.5'})).toBe(1)
    expect(valueOf(samples, 'kne_trigger_delivery_duration_seconds_bucket', {...audit, le: '+Inf'})).toBe(1)
    expect(valueOf(samples, 'kne_trigger_delivery_duration_seconds_count', audit)).toBe(1)
    expect(valueOf(samples, 'kne_trigger_delivery_duration_seconds_sum', audit)).toBeGreaterThanOrEqual(2)
    expect(valueOf(samples, 'kne_trigger_delivery_duration_seconds_count', orders)).toBe(2)

    expect(valueOf(samples, 'kne_deliveries_pending', {})).toBe(0)
    expect(valueOf(samples, 'kne_history_records', {})).toBe(mesh.journal.since().length)
    expect(valueOf(samples, 'kne_history_bytes', {})).toBe(mesh.journal.bytes)
  })

  it('answers only GET, as the rest of the control API', async () => {
    const mesh = await kit.mesh('apiVersion: eventing.knative.dev/v1\nkind: Broker\nmetadata:\n  name: default\n')
    const answer = await fetch(`${mesh.url}/_kne/v1/metrics`, {method: 'POST', headers: {'content-type': 'application/json'}})
    expect(answer.status).toBe(405)
  })
})
