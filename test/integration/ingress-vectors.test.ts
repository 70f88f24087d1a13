import {beforeAll, describe, expect, it} from 'vitest'
import type {Mesh} from '../../src/index.js'
import {hasConformance, readConformanceYaml} from '../helpers/conformance.js'
import {useMesh} from '../helpers/mesh.js'
import type {Subscriber} from '../helpers/subscriber.js'

interface Vector {
  id: string
  name: string
  request: {method: string; path: string; headers?: Record<string, string>; body?: string}
  expect: {knative: string}
}

// Every vector of the conformance file, sent over real HTTP to a mesh with one catch-all trigger.
describe.skipIf(!hasConformance)('broker ingress over HTTP against the CloudEvents ingress vectors', () => {
  const vectors = hasConformance ? readConformanceYaml<{vectors: Vector[]}>('ce-http-ingress-vectors.yaml').vectors : []
  const kit = useMesh()
  let mesh: Mesh
  let sink: Subscriber

  beforeAll(async () => {
    sink = await kit.subscriber()
    const yaml = `apiVersion: eventing.knative.dev/v1
kind: Broker
metadata: {name: default}
---
apiVersion: eventing.knative.dev/v1
kind: Trigger
metadata: {name: all}
spec:
  broker: default
  subscriber: {uri: "${sink.url}"}
`
    mesh = await kit.mesh(yaml)
  })

  it.each(vectors.map((v) => [`${v.id} ${v.name} → ${v.expect.knative}`, v] as const))('%s', async (_, v) => {
    const before = sink.received.length
    const response = await fetch(`${mesh.url}${v.request.path}`, {
      method: v.request.method,
      headers: Object.fromEntries(Object.entries(v.request.headers ?? {}).map(([k, val]) => [k, String(val)])),
      body: v.request.body,
    })
    const want = v.expect.knative
    const statusClass = want.startsWith('2xx') ? 2 : undefined
    if (statusClass === 2) {
      expect(response.status).toBeGreaterThanOrEqual(200)
      expect(response.status).toBeLessThan(300)
      expect(sink.received.length).toBe(before + 1) // a synchronous broker has delivered by the time it answers
    } else if (want === '4xx') {
      expect(response.status).toBeGreaterThanOrEqual(400)
      expect(response.status).toBeLessThan(500)
    } else {
      expect(response.status).toBe(Number(want.slice(0, 3)))
    }
    if (response.status === 400) expect(((await response.json()) as {error: unknown}).error).toEqual(expect.any(String))
    if (want.includes('Allow: POST, OPTIONS')) expect(response.headers.get('allow')).toBe('POST, OPTIONS')
    if (want.includes('WebHook-Allowed-Origin')) {
      expect(response.headers.get('webhook-allowed-origin')).toBe('*')
      expect(response.headers.get('webhook-allowed-rate')).toBe('*')
    }
    if (want.includes('forwarded with knativebrokerttl=1')) {
      const last = mesh.journal
        .since()
        .filter((r) => r.kind === 'event')
        .at(-1)
      expect(last?.kind === 'event' && last.event.extensions.knativebrokerttl).toBe(1)
      expect(sink.received.at(-1)!.headers['ce-knativebrokerttl']).toBeUndefined()
    }
  })
})
