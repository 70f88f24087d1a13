// EventTransform and JobSink against Knative's CRD schemas (test/fixtures/crds, from knative/eventing
// config/core/resources): what the readers accept, written back as an export, is what a cluster accepts.
import {readdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {Ajv, type ValidateFunction} from 'ajv'
import {describe, expect, it} from 'vitest'
import {parse, parseAllDocuments} from 'yaml'
import {exportManifest} from '../../src/core/resources/export.js'
import {parseManifests} from '../../src/core/resources/parse.js'
import {kindInfo} from '../../src/core/manifests/index.js'
import {eventTransformKind} from '../../src/kinds/event-transform/descriptor.js'
import {EVENT_TRANSFORM_SPEC_FIELDS, readEventTransform} from '../../src/kinds/event-transform/read.js'
import {renderManifest} from '../../src/scaffold/templates.js'
import {exportProject} from '../../src/services/export.js'
import {JOB_SINK_SPEC_FIELDS, readJobSink} from '../../src/kinds/job-sink/read.js'
import {repoRoot} from '../helpers/cli.js'
import {rootSchema, type Schema} from '../helpers/crds.js'
import {readWith} from '../helpers/kind-reader.js'

const fixtures = join(repoRoot, 'test', 'fixtures')

function validators(): Map<string, ValidateFunction> {
  const ajv = new Ajv({allErrors: true, strict: false})
  const map = new Map<string, ValidateFunction>()
  for (const file of readdirSync(join(fixtures, 'crds'))) {
    const crd = parse(readFileSync(join(fixtures, 'crds', file), 'utf8')) as {
      spec: {group: string; names: {kind: string}; versions: {name: string; schema: {openAPIV3Schema: Schema}}[]}
    }
    for (const version of crd.spec.versions) {
      const apiVersion = `${crd.spec.group}/${version.name}`
      map.set(
        `${apiVersion} ${crd.spec.names.kind}`,
        ajv.compile(rootSchema(version.schema.openAPIV3Schema, apiVersion, crd.spec.names.kind)),
      )
    }
  }
  return map
}

const schemas = validators()
const problems = (document: Record<string, unknown>): string[] => {
  const validate = schemas.get(`${String(document.apiVersion)} ${String(document.kind)}`)
  if (!validate) throw new Error(`no CRD for ${String(document.apiVersion)} ${String(document.kind)}`)
  return validate(document) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''} ${JSON.stringify(e.params)}`)
}

const readers = {
  EventTransform: (text: string) => readWith(readEventTransform, EVENT_TRANSFORM_SPEC_FIELDS, text),
  JobSink: (text: string) => readWith(readJobSink, JOB_SINK_SPEC_FIELDS, text),
}

const examples = readdirSync(join(fixtures, 'knative-docs'))
  .filter((f) => /^(eventtransform-readme|eventtransform-jsonata-md-L|jobsink)/.test(f) && !f.includes('L119'))
  .sort()

describe('EventTransform and JobSink against their CRD schemas', () => {
  it.each(examples)('%s: each document, as the reader reads it and as kne exports it, validates', (file) => {
    const text = readFileSync(join(fixtures, 'knative-docs', file), 'utf8')
    for (const document of parseAllDocuments(text).map((d) => d.toJS() as Record<string, unknown>)) {
      const read = readers[document.kind as keyof typeof readers]
      if (!read) continue // the Trigger beside an EventTransform
      const {spec, errors} = read(JSON.stringify(document))
      expect(errors).toEqual([])
      const metadata = document.metadata as {name: string}
      expect(
        problems({
          apiVersion: document.apiVersion,
          kind: document.kind,
          metadata: {name: metadata.name, namespace: 'default'},
          spec: JSON.parse(JSON.stringify(spec)) as unknown,
        }),
      ).toEqual([])
    }
    const parsed = parseManifests(text, file)
    expect(parsed.errors).toEqual([])
    for (const resource of [...parsed.resources, ...parsed.others].filter((r) => r.kind in readers))
      expect(problems(exportManifest(resource)), `${file} exported`).toEqual([])
    // and as kne export prints them (exportProject), the Trigger beside an EventTransform left to its own test
    const exported = exportProject({files: [join(fixtures, 'knative-docs', file)]}).documents.filter((d) => String(d.kind) in readers)
    expect(exported.length).toBeGreaterThan(0)
    for (const document of exported) expect(problems(document), `${file} through kne export`).toEqual([])
  })

  it('validates what kne eventtransform create writes', () => {
    const manifest = renderManifest(
      kindInfo('EventTransform')!.template,
      eventTransformKind.scaffold!.values!({
        name: 't',
        namespace: 'default',
        sink: {ref: {apiVersion: 'eventing.knative.dev/v1', kind: 'Broker', name: 'default'}},
        jsonata: '{"specversion": "1.0", "id": id, "source": source, "type": "t", "data": data}',
        replyJsonata: '$',
      }),
    )
    expect(problems(manifest)).toEqual([])
  })

  it('refuses what a cluster refuses, so a passing test means something', () => {
    const transform = {apiVersion: 'eventing.knative.dev/v1alpha1', kind: 'EventTransform', metadata: {name: 't'}}
    expect(problems({...transform, spec: {jsonata: {expr: '$'}}}).join()).toMatch(/additionalProperty":"expr"/)
    expect(problems({...transform, spec: {reply: {discard: 'yes'}}}).join()).toMatch(/must be boolean/)
    expect(problems({apiVersion: 'sinks.knative.dev/v1alpha1', kind: 'JobSink', metadata: {name: 'j'}, spec: {job: 'x'}}).join()).toMatch(
      /must be object/,
    )
    // the job keeps unknown fields (x-kubernetes-preserve-unknown-fields): its checks are kne's reader's
    expect(
      problems({apiVersion: 'sinks.knative.dev/v1alpha1', kind: 'JobSink', metadata: {name: 'j'}, spec: {job: {anything: 1}}}),
    ).toEqual([])
  })
})
