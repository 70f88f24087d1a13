// The project the registry tests share: a Broker with a dead-letter sink, a declared EventType, a PingSource,
// and the triggers each test passes.
import {mkdirSync, mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'

const PROJECT = {
  'kne.yaml': 'namespace: default\nmanifests: knative\nport: 0\n',
  'knative/broker.yaml': `apiVersion: eventing.knative.dev/v1
kind: Broker
metadata: {name: default}
spec:
  delivery: {deadLetterSink: {uri: "http://127.0.0.1:9/dead"}, retry: 0}
`,
  'knative/eventtypes.yaml': `apiVersion: eventing.knative.dev/v1beta2
kind: EventType
metadata: {name: order-created}
spec:
  type: com.example.order.created
  source: /shop
  description: An order was placed
  reference: {apiVersion: eventing.knative.dev/v1, kind: Broker, name: default}
`,
  'knative/ping.yaml': `apiVersion: sources.knative.dev/v1
kind: PingSource
metadata: {name: heartbeat}
spec:
  schedule: "*/5 * * * *"
  contentType: application/json
  data: '{"beat": 1}'
  sink: {ref: {apiVersion: eventing.knative.dev/v1, kind: Broker, name: default}}
`,
}

export function registryProject(triggers: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'kne-registry-e2e-'))
  for (const [file, text] of Object.entries(PROJECT)) {
    mkdirSync(dirname(join(dir, file)), {recursive: true})
    writeFileSync(join(dir, file), text)
  }
  writeFileSync(join(dir, 'knative/triggers.yaml'), triggers)
  return dir
}

export function trigger(name: string, filter: string, url: string): string {
  return `apiVersion: eventing.knative.dev/v1\nkind: Trigger\nmetadata: {name: ${name}}\nspec:\n  broker: default\n${filter}  subscriber: {uri: "${url}"}\n---\n`
}
