// kne export of a folder as a team keeps it: Knative Eventing resources beside the Services and
// Deployments they use. What goes to the cluster is everything it needs, and a warning for every URI
// that only works on this machine.
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {parseAllDocuments} from 'yaml'
import {exportProject} from '../../src/services/export.js'
import {tempDir} from '../helpers/temp.js'

const SEQUENCE = `apiVersion: flows.knative.dev/v1
kind: Sequence
metadata:
  name: pipeline
spec:
  steps:
    - ref: {apiVersion: serving.knative.dev/v1, kind: Service, name: first-step}
    - uri: http://localhost:3000/second
  reply:
    uri: http://127.0.0.2:9000
`
const SERVICE = `apiVersion: serving.knative.dev/v1
kind: Service
metadata:
  name: first-step
spec:
  template:
    spec:
      containers:
        - image: ghcr.io/example/first-step:1.0
`
const TRIGGER = `apiVersion: eventing.knative.dev/v1
kind: Trigger
metadata:
  name: audit
spec:
  broker: default
  subscriber:
    uri: http://[::1]:8081/audit
  delivery:
    deadLetterSink:
      uri: http://dead-letters.shop.svc.cluster.local
`
const BROKER = 'apiVersion: eventing.knative.dev/v1\nkind: Broker\nmetadata:\n  name: default\n'

function folder(files: Record<string, string>): string {
  const dir = tempDir('kne-export-')
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text)
  return dir
}

describe('kne export', () => {
  it('passes the Services a Sequence steps through unchanged, in file order, and warns about loopback URIs', () => {
    const dir = folder({'a-broker.yaml': BROKER, 'b-flow.yaml': `${SEQUENCE}---\n${SERVICE}`, 'c-trigger.yaml': TRIGGER})
    const result = exportProject({files: [dir], cwd: dir})
    const docs = parseAllDocuments(result.yaml).map((d) => d.toJS() as {kind: string; metadata: {name: string; namespace?: string}})
    expect(docs.map((d) => `${d.kind} ${d.metadata.name}`)).toEqual([
      'Broker default',
      'Sequence pipeline',
      'Service first-step',
      'Trigger audit',
    ])
    expect(result.documents[2]).toEqual(parseAllDocuments(SERVICE)[0]!.toJS()) // as written: no namespace added
    expect(result.warnings.map((w) => `${w.resource}: ${w.field}: ${w.message}`)).toEqual([
      expect.stringMatching(
        /^Sequence default\/pipeline: spec\.steps\[1\]\.uri: http:\/\/localhost:3000\/second is a loopback address: inside a cluster it reaches the pod itself/,
      ),
      expect.stringMatching(/^Sequence default\/pipeline: spec\.reply\.uri: http:\/\/127\.0\.0\.2:9000 is a loopback address/),
      expect.stringMatching(/^Trigger default\/audit: spec\.subscriber\.uri: http:\/\/\[::1\]:8081\/audit is a loopback address/),
    ])
  })

  it('with eventingOnly, leaves the other documents out, each with a warning', () => {
    const dir = folder({'flow.yaml': `${SERVICE}---\n${BROKER}`})
    const result = exportProject({files: [dir], cwd: dir, eventingOnly: true})
    expect(result.documents.map((d) => d.kind)).toEqual(['Broker'])
    expect(result.warnings).toEqual([
      expect.objectContaining({
        document: 0,
        resource: 'Service first-step',
        message: 'left out: serving.knative.dev/v1 Service is not a Knative Eventing kind',
      }),
    ])
  })
})
