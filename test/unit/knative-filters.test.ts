// Knative trigger filtering against the shared conformance vectors (knative-filters.yaml: every case of
// every group, one test each) plus the quirks, precedence, validation paths and explanations that the
// vectors do not pin down.
import {describe, expect, it} from 'vitest'
import type {CloudEvent} from '../../src/core/cloudevent.js'
import {decodeJsonEvent} from '../../src/core/codec/json.js'
import {
  compileTriggerFilter,
  explainTriggerFilter,
  filterDelivers,
  triggerFilterWarnings,
  validateTriggerFilter,
  type CesqlExplanation,
  type CompositeExplanation,
  type FilterResult,
  type SubscriptionsApiFilter,
  type TriggerFilterSpec,
} from '../../src/core/filters/index.js'
import {hasConformance, readConformanceYaml} from '../helpers/conformance.js'

interface FilterCase {
  name: string
  filter?: TriggerFilterSpec['filter']
  filters?: TriggerFilterSpec['filters']
  event: Record<string, unknown>
  expect: FilterResult
  deliver: boolean
}
interface ValidationCase {
  name: string
  filter?: TriggerFilterSpec['filter']
  filters?: TriggerFilterSpec['filters']
  valid: boolean
  error?: string
}
interface FiltersDocument {
  groups: {id: string; cases: FilterCase[]}[]
  validation: {cases: ValidationCase[]}
}

const doc: FiltersDocument = hasConformance
  ? readConformanceYaml<FiltersDocument>('knative-filters.yaml')
  : {groups: [], validation: {cases: []}}

/** Groups whose vectors come from broker-filter (trigger level: knativebrokerttl removed first). */
const TRIGGER_LEVEL = new Set(['trigger-handler', 'derived-quirks'])

/** Core attributes that some unit-level vectors carry with values ingress would reject. */
const FILTER_LEVEL_ONLY = ['dataschema', 'datacontenttype'] as const
const filterLevelOnlyCases: string[] = []

/**
 * Decodes a case's JSON-format event with the codec. A few unit-level vectors (Knative's filter tests
 * build events in Go, not through ingress) carry a dataschema/datacontenttype the codec rejects; those
 * are decoded without them and the strings set verbatim afterwards.
 */
function decodeCaseEvent(name: string, raw: Record<string, unknown>): CloudEvent {
  const decoded = decodeJsonEvent(raw)
  if (decoded.ok) return decoded.event
  const rest = {...raw}
  for (const attr of FILTER_LEVEL_ONLY) delete rest[attr]
  const retry = decodeJsonEvent(rest)
  if (!retry.ok) throw new Error(`cannot decode the event of ${JSON.stringify(name)}: ${decoded.error}`)
  filterLevelOnlyCases.push(name)
  const event = retry.event
  for (const attr of FILTER_LEVEL_ONLY) {
    const value = raw[attr]
    if (typeof value === 'string') event[attr] = value
  }
  return event
}

function event(overrides: Partial<CloudEvent> = {}): CloudEvent {
  return {specversion: '1.0', id: '1', source: '/src', type: 'dev.example', extensions: {}, ...overrides}
}

function result(spec: TriggerFilterSpec, e: CloudEvent): FilterResult {
  const compiled = compileTriggerFilter(spec)
  const outcome = compiled.evaluate(e)
  // The explanation must always agree with the evaluation.
  expect(compiled.explain(e).result).toBe(outcome)
  return outcome
}

const PASS: SubscriptionsApiFilter = {exact: {type: 'dev.example'}}
const FAIL: SubscriptionsApiFilter = {exact: {type: 'other'}}
const NOFILTER: SubscriptionsApiFilter = {not: {}}

describe.skipIf(!hasConformance)('knative-filters.yaml', () => {
  it('has the groups and case counts the guide lists (so every case below runs)', () => {
    expect(Object.fromEntries(doc.groups.map((g) => [g.id, g.cases.length]))).toEqual({
      'legacy-attributes': 13,
      exact: 12,
      prefix: 11,
      suffix: 11,
      all: 18,
      any: 18,
      not: 4,
      cesql: 9,
      'trigger-handler': 14,
      'derived-quirks': 8,
    })
    expect(doc.validation.cases).toHaveLength(24)
  })

  for (const group of doc.groups) {
    describe(group.id, () => {
      for (const c of group.cases) {
        it(c.name, () => {
          const e = decodeCaseEvent(c.name, c.event)
          const spec: TriggerFilterSpec = {filter: c.filter, filters: c.filters}
          const compiled = compileTriggerFilter(spec)
          const triggerLevel = TRIGGER_LEVEL.has(group.id)
          const outcome = triggerLevel ? compiled.evaluate(e) : compiled.evaluateVerbatim(e)
          expect(outcome).toBe(c.expect)
          expect(filterDelivers(outcome)).toBe(c.deliver)
          expect(compiled.applied).toBe(Array.isArray(c.filters) && c.filters.length > 0 ? 'filters' : c.filter != null ? 'filter' : 'none')
          const explanation = explainTriggerFilter(spec, e)
          expect(explanation.result).toBe(compiled.evaluate(e))
          expect(JSON.parse(JSON.stringify(explanation))).toEqual(explanation)
        })
      }
    })
  }

  it('decodes every event with the codec except the one vector with filter-level-only attributes', () => {
    for (const group of doc.groups) for (const c of group.cases) decodeCaseEvent(c.name, c.event)
    expect([...new Set(filterLevelOnlyCases)]).toEqual(['All supported attribute fields (V1)'])
  })

  it('at trigger level the unit-level "Match numeric extension" case fails: knativebrokerttl is removed first', () => {
    const c = doc.groups.find((g) => g.id === 'cesql')!.cases.find((x) => x.name === 'Match numeric extension')!
    const e = decodeCaseEvent(c.name, c.event)
    const compiled = compileTriggerFilter({filters: c.filters})
    expect(compiled.evaluateVerbatim(e)).toBe('pass')
    expect(compiled.evaluate(e)).toBe('fail')
    expect(e.extensions.knativebrokerttl).toBe(20) // the caller's event is not modified
  })

  describe('validation', () => {
    for (const c of doc.validation.cases) {
      it(c.name, () => {
        const errors = validateTriggerFilter({filter: c.filter, filters: c.filters})
        expect(errors.length === 0, JSON.stringify(errors)).toBe(c.valid)
        for (const error of errors) expect(error.path).toMatch(/^spec\.filters?(\.|\[|$)/)
        if (c.error !== undefined) expect(errors.map((x) => x.message).join('\n')).toContain(c.error)
        // Whatever is admitted compiles without throwing.
        if (c.valid) expect(() => compileTriggerFilter({filter: c.filter, filters: c.filters})).not.toThrow()
      })
    }
  })
})

describe('legacy filter.attributes quirks', () => {
  it('"" requires the attribute to be present and non-empty', () => {
    const spec = {filter: {attributes: {subject: ''}}}
    expect(result(spec, event())).toBe('fail')
    expect(result(spec, event({subject: 's'}))).toBe('pass')
    expect(result({filter: {attributes: {myext: ''}}}, event({extensions: {myext: ''}}))).toBe('fail')
    expect(result({filter: {attributes: {myext: ''}}}, event({extensions: {myext: 'x'}}))).toBe('pass')
  })

  it('a non-string extension never equals its string form, but is "present" for ""', () => {
    expect(result({filter: {attributes: {myint: '20'}}}, event({extensions: {myint: 20}}))).toBe('fail')
    expect(result({filter: {attributes: {flag: 'true'}}}, event({extensions: {flag: true}}))).toBe('fail')
    expect(result({filter: {attributes: {myint: ''}}}, event({extensions: {myint: 0}}))).toBe('pass')
    expect(result({filter: {attributes: {myint: '20'}}}, event({extensions: {myint: '20'}}))).toBe('pass')
  })

  it('reads unset time as Go zero time and normalises a set time like Go MarshalText', () => {
    expect(result({filter: {attributes: {time: '0001-01-01T00:00:00Z'}}}, event())).toBe('pass')
    const cases: [string, string][] = [
      ['2020-03-21T12:34:56.780Z', '2020-03-21T12:34:56.78Z'],
      ['2020-03-21T12:34:56.000Z', '2020-03-21T12:34:56Z'],
      ['2020-03-21T12:34:56+00:00', '2020-03-21T12:34:56Z'],
      ['2020-03-21T12:34:56-00:00', '2020-03-21T12:34:56Z'],
      ['2020-03-21T12:34:56.5+02:00', '2020-03-21T12:34:56.5+02:00'],
      ['2020-03-21T12:34:56.1234567891Z', '2020-03-21T12:34:56.123456789Z'],
    ]
    for (const [sent, seen] of cases) {
      expect(result({filter: {attributes: {time: seen}}}, event({time: sent})), sent).toBe('pass')
      expect(result({filters: [{exact: {time: seen}}]}, event({time: sent})), sent).toBe('pass')
    }
    expect(result({filter: {attributes: {time: '2020-03-21T12:34:56.780Z'}}}, event({time: '2020-03-21T12:34:56.780Z'}))).toBe('fail')
  })

  it('maps schemaurl to dataschema, datamediatype to the content type without parameters, unset ones to ""', () => {
    const e = event({dataschema: 'http://schema', datacontenttype: 'application/json ; charset=utf-8'})
    expect(result({filter: {attributes: {schemaurl: 'http://schema', datamediatype: 'application/json'}}}, e)).toBe('pass')
    expect(result({filter: {attributes: {datacontenttype: 'application/json ; charset=utf-8'}}}, e)).toBe('pass')
    expect(result({filters: [{exact: {datacontentencoding: 'x'}}]}, e)).toBe('fail')
    expect(result({filters: [{prefix: {subject: 'a'}}]}, e)).toBe('fail')
    const v03 = event({specversion: '0.3', dataschema: 'http://s', datacontentencoding: 'base64'})
    expect(
      result(
        {filter: {attributes: {schemaurl: 'http://s', dataschema: 'http://s', datacontentencoding: 'base64', specversion: '0.3'}}},
        v03,
      ),
    ).toBe('pass')
  })

  it('a missing extension fails; an empty attributes map passes; filter without attributes is no filter', () => {
    expect(result({filter: {attributes: {nope: 'x'}}}, event())).toBe('fail')
    expect(result({filter: {attributes: {}}}, event())).toBe('pass')
    expect(result({filter: {}}, event())).toBe('nofilter')
    expect(compileTriggerFilter({filter: {}}).applied).toBe('filter')
    expect(result({}, event())).toBe('nofilter')
  })
})

describe('SubscriptionsAPI dialects', () => {
  it('exact/prefix/suffix compare non-string values through Go %v and fail on missing extensions', () => {
    const e = event({extensions: {myint: 20, flag: false}})
    expect(result({filters: [{exact: {myint: '20'}}]}, e)).toBe('pass')
    expect(result({filters: [{suffix: {myint: '0'}}]}, e)).toBe('pass')
    expect(result({filters: [{exact: {flag: 'false'}}]}, e)).toBe('pass')
    for (const dialect of ['exact', 'prefix', 'suffix'] as const) {
      expect(result({filters: [{[dialect]: {missing: 'x'}}]}, e), dialect).toBe('fail')
    }
  })

  it('an empty name or value skips the whole element, even with other keys', () => {
    expect(result({filters: [{exact: {type: ''}}]}, event())).toBe('nofilter')
    expect(result({filters: [{prefix: {type: 'nope', source: ''}}]}, event())).toBe('nofilter')
    expect(result({filters: [{exact: {type: ''}}, FAIL]}, event())).toBe('fail')
  })

  it('uses the first non-empty dialect: exact, prefix, suffix, all, any, not, cesql', () => {
    expect(result({filters: [{exact: {type: 'dev.example'}, prefix: {type: 'nope'}}]}, event())).toBe('pass')
    expect(result({filters: [{exact: {}, prefix: {type: 'nope'}}]}, event())).toBe('fail')
    // exact is chosen (non-empty) and then skipped: prefix is never considered
    expect(result({filters: [{exact: {type: ''}, prefix: {type: 'nope'}}]}, event())).toBe('nofilter')
    expect(result({filters: [{all: [], any: [FAIL]}]}, event())).toBe('fail')
    expect(result({filters: [{not: PASS, cesql: 'true'}]}, event())).toBe('fail')
    expect(result({filters: [{cesql: '', suffix: {type: 'nope'}}]}, event())).toBe('fail')
  })

  it('all: first fail decides, else the last result; any: first pass decides, else the last result', () => {
    expect(result({filters: [{all: [PASS, NOFILTER]}]}, event())).toBe('nofilter')
    expect(result({filters: [{all: [NOFILTER, PASS]}]}, event())).toBe('pass')
    expect(result({filters: [{all: [NOFILTER, FAIL, PASS]}]}, event())).toBe('fail')
    expect(result({filters: [{any: [FAIL, NOFILTER]}]}, event())).toBe('nofilter')
    expect(result({filters: [{any: [NOFILTER, FAIL]}]}, event())).toBe('fail')
    expect(result({filters: [{any: [FAIL, PASS, NOFILTER]}]}, event())).toBe('pass')
  })

  it('skipped children do not count, but an all/any of skipped children is a NoFilter child', () => {
    expect(result({filters: [{any: [FAIL, {}]}]}, event())).toBe('fail')
    expect(result({filters: [{any: [FAIL, {all: [{}]}]}]}, event())).toBe('nofilter')
    expect(result({filters: [{any: [FAIL, {exact: {type: ''}}]}]}, event())).toBe('fail')
  })

  it('not flips pass and fail and keeps nofilter', () => {
    expect(result({filters: [{not: PASS}]}, event())).toBe('fail')
    expect(result({filters: [{not: FAIL}]}, event())).toBe('pass')
    expect(result({filters: [{not: {}}]}, event())).toBe('nofilter')
    expect(result({filters: [{not: {not: {}}}]}, event())).toBe('nofilter')
    expect(result({filters: [{not: {exact: {type: ''}}}]}, event())).toBe('nofilter')
  })

  it('cesql: true passes; false, errors and non-boolean results fail; empty is no filter', () => {
    const e = event({subject: 'abc'})
    expect(result({filters: [{cesql: "subject = 'abc'"}]}, e)).toBe('pass')
    expect(result({filters: [{cesql: "subject = 'x'"}]}, e)).toBe('fail')
    expect(result({filters: [{cesql: 'missing = 1'}]}, e)).toBe('fail')
    expect(result({filters: [{cesql: "subject = 'abc'"}]}, event())).toBe('fail') // unset subject is missing for CESQL
    expect(result({filters: [{cesql: '1 + 1'}]}, e)).toBe('fail')
    expect(result({filters: [{cesql: ''}]}, e)).toBe('nofilter')
  })

  it('an unparsable CESQL expression that reaches the data plane is skipped', () => {
    expect(result({filters: [{cesql: 'this is wrong'}]}, event())).toBe('nofilter')
    expect(result({filters: [{cesql: 'this is wrong'}, FAIL]}, event())).toBe('fail')
  })

  it('ANDs the top-level list', () => {
    expect(result({filters: [PASS, {prefix: {source: '/s'}}]}, event())).toBe('pass')
    expect(result({filters: [PASS, {prefix: {source: '/x'}}]}, event())).toBe('fail')
    expect(result({filters: [PASS, NOFILTER]}, event())).toBe('nofilter')
  })
})

describe('precedence', () => {
  const legacyFail = {attributes: {type: 'other'}}
  it('a non-empty filters list alone decides; [] leaves the legacy filter in charge', () => {
    expect(result({filter: legacyFail, filters: [PASS]}, event())).toBe('pass')
    expect(result({filter: legacyFail, filters: [{}]}, event())).toBe('nofilter')
    expect(compileTriggerFilter({filter: legacyFail, filters: [{}]}).applied).toBe('filters')
    expect(result({filter: legacyFail, filters: []}, event())).toBe('fail')
    expect(compileTriggerFilter({filter: legacyFail, filters: []}).applied).toBe('filter')
    expect(result({filter: legacyFail, filters: null}, event())).toBe('fail')
    expect(compileTriggerFilter({filters: []}).applied).toBe('none')
  })
})

describe('knativebrokerttl is invisible to trigger filters', () => {
  const withTtl = event({extensions: {knativebrokerttl: 255, other: 'x'}})
  it.each<[string, SubscriptionsApiFilter]>([
    ['exact', {exact: {knativebrokerttl: '255'}}],
    ['prefix', {prefix: {knativebrokerttl: '2'}}],
    ['cesql', {cesql: 'EXISTS knativebrokerttl'}],
  ])('%s', (_name, filter) => {
    const compiled = compileTriggerFilter({filters: [filter]})
    expect(compiled.evaluateVerbatim(withTtl)).toBe('pass')
    expect(compiled.evaluate(withTtl)).toBe('fail')
    expect(compiled.explain(withTtl)).toMatchObject({ttlRemoved: true, result: 'fail'})
  })

  it('legacy filters too, and other extensions stay visible; the event is not modified', () => {
    expect(result({filter: {attributes: {knativebrokerttl: ''}}}, withTtl)).toBe('fail')
    expect(result({filter: {attributes: {other: 'x'}}}, withTtl)).toBe('pass')
    expect(withTtl.extensions).toEqual({knativebrokerttl: 255, other: 'x'})
    expect(compileTriggerFilter({}).explain(event()).ttlRemoved).toBe(false)
  })
})

describe('validateTriggerFilter', () => {
  const paths = (spec: TriggerFilterSpec): string[] => validateTriggerFilter(spec).map((e) => e.path)

  it('reports attribute names with their field path', () => {
    expect(paths({filter: {attributes: {Foo_bar: 'x', ok: 'y'}}})).toEqual(['spec.filter.attributes.Foo_bar'])
    expect(paths({filters: [PASS, {exact: {Type: 'x'}}]})).toEqual(['spec.filters[1].exact.Type'])
    expect(paths({filters: [{all: [PASS, {any: [{not: {suffix: {'a.b': 'x'}}}]}]}]})).toEqual([
      'spec.filters[0].all[1].any[0].not.suffix["a.b"]',
    ])
    const [error] = validateTriggerFilter({filters: [{prefix: {'0abc': 'x'}}]})
    expect(error!.message).toContain('"0abc"')
    expect(error!.message).toContain('lowercase')
  })

  it('rejects more than one dialect per filter object, naming them', () => {
    const errors = validateTriggerFilter({filters: [PASS, {not: PASS, cesql: 'true'}]})
    expect(errors).toEqual([
      {path: 'spec.filters[1]', message: expect.stringContaining('multiple dialects found, filters can have only one dialect set')},
    ])
    expect(errors[0]!.message).toContain('not, cesql')
    // empty dialects do not count (Knative checks len > 0 / non-nil / non-empty)
    expect(validateTriggerFilter({filters: [{exact: {}, all: [], cesql: '', prefix: {type: 'x'}}]})).toEqual([])
  })

  it('rejects CESQL that does not parse and reports the position', () => {
    const errors = validateTriggerFilter({filters: [{any: [{cesql: "type = 'a' AND"}]}]})
    expect(errors).toHaveLength(1)
    expect(errors[0]!.path).toBe('spec.filters[0].any[0].cesql')
    expect(errors[0]!.message).toMatch(/line 1, column \d+/)
    expect(validateTriggerFilter({filters: [{cesql: "type = 'a'"}]})).toEqual([])
  })

  it('rejects values of the wrong type the way the CRD schema does', () => {
    const spec = {filters: [{exact: {myint: 20}}, {all: 'x'}, 'nope', {not: []}, {cesql: 5}]} as unknown as TriggerFilterSpec
    expect(paths(spec)).toEqual([
      'spec.filters[0].exact.myint',
      'spec.filters[1].all',
      'spec.filters[2]',
      'spec.filters[3].not',
      'spec.filters[4].cesql',
    ])
    expect(paths({filter: 'x'} as unknown as TriggerFilterSpec)).toEqual(['spec.filter'])
    expect(paths({filters: {}} as unknown as TriggerFilterSpec)).toEqual(['spec.filters'])
  })

  it('admits what Knative admits even when it matches everything, and warns about it', () => {
    const spec: TriggerFilterSpec = {filter: {attributes: {type: 'x'}}, filters: [{exact: {type: ''}}, {}, {any: []}]}
    expect(validateTriggerFilter(spec)).toEqual([])
    expect(triggerFilterWarnings(spec).map((w) => w.path)).toEqual([
      'spec.filter',
      'spec.filters[0].exact.type',
      'spec.filters[1]',
      'spec.filters[2]',
    ])
    expect(triggerFilterWarnings({filters: [PASS]})).toEqual([])
  })

  it('never throws on junk', () => {
    for (const junk of [{filters: [null]}, {filters: [[]]}, {filter: {attributes: []}}, {filters: [{not: 1}]}]) {
      expect(() => validateTriggerFilter(junk as unknown as TriggerFilterSpec)).not.toThrow()
      expect(() => compileTriggerFilter(junk as unknown as TriggerFilterSpec).evaluate(event())).not.toThrow()
    }
  })
})

describe('explainTriggerFilter', () => {
  it('says which part applied and why, and shows the values each node saw', () => {
    const x = explainTriggerFilter(
      {filter: {attributes: {type: 'dev.example', subject: ''}}, filters: []},
      event({extensions: {knativebrokerttl: 3}}),
    )
    expect(x).toMatchObject({applied: 'filter', result: 'fail', delivers: false, ttlRemoved: true})
    expect(x.reason).toContain('spec.filters is empty')
    expect(x.root).toEqual({
      path: 'spec.filter.attributes',
      dialect: 'attributes',
      result: 'fail',
      checks: [
        {name: 'type', expected: 'dev.example', actual: 'dev.example', matched: true},
        {name: 'subject', expected: '', actual: '', matched: false, note: expect.stringContaining('unset')},
      ],
    })
  })

  it('marks short-circuited children and skipped elements, and reports CESQL errors', () => {
    const x = explainTriggerFilter(
      {filters: [{any: [PASS, FAIL]}, {exact: {type: ''}}, {cesql: 'missing = 1'}]},
      event({extensions: {n: 7}}),
    )
    expect(x.applied).toBe('filters')
    expect(x.result).toBe('fail')
    const root = x.root as CompositeExplanation
    expect(root.path).toBe('spec.filters')
    const [anyNode, skipped, cesql] = root.children
    expect(anyNode).toMatchObject({dialect: 'any', path: 'spec.filters[0].any', result: 'pass'})
    const anyChildren = (anyNode as CompositeExplanation).children
    expect(anyChildren[0]).toMatchObject({path: 'spec.filters[0].any[0].exact', result: 'pass'})
    expect(anyChildren[0]).not.toHaveProperty('shortCircuited')
    expect(anyChildren[1]).toMatchObject({result: 'fail', shortCircuited: true})
    expect(skipped).toMatchObject({dialect: 'skipped', path: 'spec.filters[1].exact', result: 'nofilter'})
    expect(cesql).toMatchObject({dialect: 'cesql', expression: 'missing = 1', result: 'fail'})
    expect((cesql as CesqlExplanation).errors.length).toBeGreaterThan(0)
  })

  it('shows the %v form a non-string value was compared as', () => {
    const x = explainTriggerFilter({filters: [{prefix: {myint: '2'}}]}, event({extensions: {myint: 20}}))
    expect(x.root).toMatchObject({children: [{dialect: 'prefix', checks: [{name: 'myint', actual: 20, compared: '20', matched: true}]}]})
    const missing = explainTriggerFilter({filters: [{exact: {nope: 'x'}}]}, event())
    expect(missing.root).toMatchObject({children: [{checks: [{actual: null, matched: false}]}]})
  })

  it('explains no filter', () => {
    expect(explainTriggerFilter({}, event())).toEqual({
      applied: 'none',
      reason: expect.any(String),
      result: 'nofilter',
      delivers: true,
      ttlRemoved: false,
      root: null,
    })
  })
})
