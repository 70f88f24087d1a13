// kne's resource model against Knative's real CRD schemas: what kne loads, a cluster accepts; what kne
// exports, a cluster accepts; the documented samples a cluster refuses, kne refuses with a clear reason.
import {readdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {parseAllDocuments} from 'yaml'
import {exportManifest, exportManifests} from '../../src/core/resources/export.js'
import {parseManifests} from '../../src/core/resources/parse.js'
import type {ManifestResource} from '../../src/core/resources/types.js'
import {conformanceDir, hasConformance} from '../helpers/conformance.js'
import {crdValidator, hasCrds} from '../helpers/crds.js'
import {repoRoot} from '../helpers/cli.js'

/** Samples a Knative cluster refuses (or that are fragments of a page), and the field kne names for each. */
const REFUSED: Record<string, {field?: string; message: RegExp}[]> = {
  // GUIDE.md §6: the three documented samples with bugs
  'md-triggers__README-L91.yaml': [
    {field: 'spec.filters[0]', message: /multiple dialects found, filters can have only one dialect set \(found exact, suffix\)/},
  ],
  'md-triggers__README-L275.yaml': [{field: 'spec.filters', message: /must be a list/}],
  'md-triggers__README-L303.yaml': [
    {field: 'spec.filter.subscriber', message: /unknown field.*indented too far/},
    {field: 'spec.subscriber', message: /expected at least one, got none/},
  ],
  // fragments (`...` stands for the rest) and placeholders (`<integer>`)
  'md-containersource-ref__reference-L41.yaml': [{message: /invalid YAML at line 18/}],
  'md-ping-ref__reference-L58.yaml': [{message: /invalid YAML/}],
  'md-sinkbinding-ref__reference-L54.yaml': [{message: /invalid YAML/}],
  'md-triggers__README-L125.yaml': [{message: /invalid YAML/}],
  'md-triggers__README-L177.yaml': [{message: /invalid YAML/}],
  'md-triggers__README-L196.yaml': [{message: /invalid YAML/}],
  'md-triggers__README-L215.yaml': [{message: /invalid YAML/}],
  'md-triggers__README-L235.yaml': [{message: /invalid YAML/}],
  'md-delivery__event-delivery-L17.yaml': [
    {field: 'spec.channel', message: /missing field/},
    {field: 'spec.delivery.retry', message: /<integer>/},
  ],
  'md-delivery__event-delivery-L46.yaml': [{field: 'spec.delivery.backoffPolicy', message: /<policy-type>/}],
  'md-subscription__subscriptions-L75.yaml': [{field: 'metadata.name', message: /"<subscription-name>" is not a valid Kubernetes name/}],
  'md-retryafter__delivery-retryafter-L51.yaml': [{field: 'spec.channel', message: /the Subscription must reference a channel/}],
}

const samplesDir = conformanceDir ? join(conformanceDir, 'knative-samples') : ''
const samples = hasConformance
  ? readdirSync(samplesDir)
      .filter((f) => f.endsWith('.yaml'))
      .sort()
  : []
const read = (file: string) => parseManifests(readFileSync(join(samplesDir, file), 'utf8'), file)
const loaded = (file: string): ManifestResource[] => {
  const parsed = read(file)
  return [...parsed.resources, ...parsed.others]
}

describe.skipIf(!hasConformance || !hasCrds)('Knative doc samples against the CRD schemas', () => {
  const loadable = samples.filter((f) => !(f in REFUSED))

  it('loads every sample a cluster accepts without a problem', () => {
    expect(loadable.length).toBeGreaterThanOrEqual(25)
    for (const file of loadable) expect(read(file).errors, file).toEqual([])
  })

  it.each(loadable)('%s: each resource kne loads validates against its CRD schema', (file) => {
    const validator = crdValidator()
    for (const resource of loaded(file)) {
      const problems = validator.validate(resource.manifest)
      // kinds without a CRD here (KafkaSource, GitHubSource, EventPolicy) are not Knative Eventing core
      if (problems === undefined) {
        expect('supported' in resource, `${file}: ${resource.kind} has no CRD, so kne must keep it as an other resource`).toBe(true)
        continue
      }
      expect(problems, `${file}: ${resource.kind} ${resource.metadata.name}`).toEqual([])
    }
  })

  it.each(Object.keys(REFUSED))('%s: refused with the field and reason', (file) => {
    const {errors, resources} = read(file)
    expect(resources).toEqual([])
    for (const expected of REFUSED[file]!) {
      expect(errors, file).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            file,
            ...(expected.field ? {field: expected.field} : {}),
            message: expect.stringMatching(expected.message),
          }),
        ]),
      )
    }
  })

  it('agrees with the API server on the two doc bugs it catches itself, and catches the webhook-only one', () => {
    const validator = crdValidator()
    const raw = (file: string) => parseAllDocuments(readFileSync(join(samplesDir, file), 'utf8'))[0]!.toJS() as Record<string, unknown>
    expect(validator.validate(raw('md-triggers__README-L275.yaml'))!.join()).toMatch(/filters must be array/)
    expect(validator.validate(raw('md-triggers__README-L303.yaml'))!.join()).toMatch(/must NOT have additional properties: subscriber/)
    // a valid shape for the schema; only Knative's webhook refuses it, and kne says what the webhook says
    expect(validator.validate(raw('md-triggers__README-L91.yaml'))).toEqual([])
  })

  it.each(loadable)('%s: kne export output validates and reads back to the same resources', (file) => {
    const validator = crdValidator()
    const resources = loaded(file)
    const yaml = exportManifests(resources)
    const docs = parseAllDocuments(yaml).map((d) => d.toJS() as Record<string, unknown>)
    expect(docs).toHaveLength(resources.length)
    for (const doc of docs) {
      expect((doc.metadata as {namespace?: string}).namespace).toBeTruthy()
      const problems = validator.validate(doc)
      if (problems !== undefined) expect(problems, `${file}: ${String(doc.kind)}`).toEqual([])
    }
    const again = parseManifests(yaml, 'exported.yaml')
    expect(again.errors).toEqual([])
    expect([...again.resources, ...again.others].map((r) => r.spec)).toEqual(resources.map((r) => r.spec))
    // exporting the export changes nothing: the key order is stable
    expect(exportManifests([...again.resources, ...again.others])).toBe(yaml)
  })
})

describe.skipIf(!hasCrds)('the CRD validator used by these tests', () => {
  it('refuses what a cluster refuses, so a passing schema test means something', () => {
    const validator = crdValidator()
    const trigger = {
      apiVersion: 'eventing.knative.dev/v1',
      kind: 'Trigger',
      metadata: {name: 't'},
      spec: {broker: 'b', subscriber: {uri: 'http://x', bogus: 1}},
    }
    expect(validator.validate(trigger)!.join()).toMatch(/additional properties: bogus/)
    expect(
      validator.validate({...trigger, spec: {broker: 'b', subscriber: {uri: 'http://x'}, delivery: {retry: 'three'}}})!.join(),
    ).toMatch(/retry must be integer/)
    expect(validator.validate({...trigger, apiVersion: 'eventing.knative.dev/v1beta1'})).toBeUndefined()
    expect(validator.types).toEqual(
      expect.arrayContaining([
        'sources.knative.dev/v1 PingSource',
        'eventing.knative.dev/v1beta3 EventType',
        'flows.knative.dev/v1 Parallel',
      ]),
    )
  })

  it("validates kne's own fixtures and their export", () => {
    const validator = crdValidator()
    for (const folder of ['shop', 'kinds/knative']) {
      for (const file of readdirSync(join(repoRoot, 'test', 'fixtures', folder))) {
        const parsed = parseManifests(readFileSync(join(repoRoot, 'test', 'fixtures', folder, file), 'utf8'), file)
        expect(parsed.errors, file).toEqual([])
        for (const r of [...parsed.resources, ...parsed.others]) {
          if ('supported' in r) continue // no CRD for kinds kne does not model
          expect(validator.validate(r.manifest), `${file} ${r.kind}`).toEqual([])
          expect(validator.validate(exportManifest(r)), `${file} ${r.kind} exported`).toEqual([])
        }
      }
    }
  })
})
