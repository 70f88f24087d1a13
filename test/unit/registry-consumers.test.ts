import {describe, expect, it} from 'vitest'
import {compileTriggerFilter, type TriggerFilterSpec} from '../../src/core/filters/index.js'
import {matchTrigger, type TypeFacts} from '../../src/core/registry/index.js'

/** An order type whose source is fixed and whose subject and extensions vary (unknown). */
function orderFacts(extra: Record<string, string | null> = {}): TypeFacts {
  return {
    type: 'com.example.order.created',
    known: new Map<string, string | null>([
      ['type', 'com.example.order.created'],
      ['source', '/shop/eu'],
      ['specversion', '1.0'],
      ['datacontenttype', 'application/json'],
      ...Object.entries(extra),
    ]),
  }
}

function verdict(spec: TriggerFilterSpec, facts: TypeFacts = orderFacts()): string {
  return matchTrigger(compileTriggerFilter(spec), facts).verdict
}

describe('consumer matching: which trigger filters can match a type', () => {
  it('a trigger without a filter consumes every type', () => {
    expect(verdict({})).toBe('matches')
    expect(verdict({filters: []})).toBe('matches')
  })

  it('legacy filter.attributes on known attributes: matches or not, with Knative\'s "" rule', () => {
    expect(verdict({filter: {attributes: {type: 'com.example.order.created'}}})).toBe('matches')
    expect(verdict({filter: {attributes: {type: 'com.example.order.paid'}}})).toBe('no-match')
    expect(verdict({filter: {attributes: {type: 'com.example.order.created', source: '/shop/us'}}})).toBe('no-match')
    // "" means present and non-empty: datacontenttype is set, subject is known to be unset
    expect(verdict({filter: {attributes: {datacontenttype: ''}}})).toBe('matches')
    expect(verdict({filter: {attributes: {subject: ''}}}, orderFacts({subject: null}))).toBe('no-match')
  })

  it('exact, prefix and suffix dialects', () => {
    expect(verdict({filters: [{exact: {type: 'com.example.order.created'}}]})).toBe('matches')
    expect(verdict({filters: [{prefix: {type: 'com.example.order.'}}]})).toBe('matches')
    expect(verdict({filters: [{prefix: {type: 'com.example.invoice.'}}]})).toBe('no-match')
    expect(verdict({filters: [{suffix: {source: '/eu'}}]})).toBe('matches')
    expect(verdict({filters: [{suffix: {source: '/us'}}]})).toBe('no-match')
  })

  it('all, any and not combine as Knative combines them', () => {
    expect(verdict({filters: [{all: [{prefix: {type: 'com.example.'}}, {suffix: {type: '.created'}}]}]})).toBe('matches')
    expect(verdict({filters: [{any: [{exact: {type: 'x'}}, {suffix: {type: '.created'}}]}]})).toBe('matches')
    expect(verdict({filters: [{not: {exact: {type: 'com.example.order.created'}}}]})).toBe('no-match')
    expect(verdict({filters: [{not: {prefix: {type: 'com.other.'}}}]})).toBe('matches')
  })

  it('CESQL expressions on known attributes are evaluated by the CESQL engine', () => {
    expect(verdict({filters: [{cesql: "type LIKE 'com.example.order.%' AND source = '/shop/eu'"}]})).toBe('matches')
    expect(verdict({filters: [{cesql: "type IN ('a', 'b')"}]})).toBe('no-match')
    expect(verdict({filters: [{cesql: 'EXISTS subject'}]}, orderFacts({subject: null}))).toBe('no-match')
  })

  it('says "may match" when the answer depends on an attribute the registry does not know', () => {
    const match = matchTrigger(
      compileTriggerFilter({filters: [{exact: {type: 'com.example.order.created', tenant: 'acme'}}]}),
      orderFacts(),
    )
    expect(match.verdict).toBe('may-match')
    expect(match.unknownAttributes).toEqual(['tenant'])
    expect(match.reason).toContain('tenant')
    expect(verdict({filter: {attributes: {type: 'com.example.order.created', subject: 'order-1'}}})).toBe('may-match')
    expect(verdict({filters: [{cesql: "type = 'com.example.order.created' AND INT(priority) > 2"}]})).toBe('may-match')
  })

  it('settles a filter that reads unknown attributes when the known ones decide it anyway', () => {
    // the type is wrong: whatever tenant holds, the AND fails
    expect(verdict({filters: [{exact: {type: 'com.example.order.paid', tenant: 'acme'}}]})).toBe('no-match')
    expect(verdict({filters: [{all: [{exact: {tenant: 'acme'}}, {prefix: {type: 'com.other.'}}]}]})).toBe('no-match')
    expect(verdict({filters: [{cesql: "type = 'nope' AND tenant = 'acme'"}, {exact: {subject: 'x'}}]})).toBe('no-match')
    // any: the known branch passes, so the unknown one cannot change the outcome
    expect(verdict({filters: [{any: [{exact: {tenant: 'acme'}}, {exact: {type: 'com.example.order.created'}}]}]})).toBe('matches')
    // not over an unknown comparison: could go either way
    expect(verdict({filters: [{not: {exact: {tenant: 'acme'}}}]})).toBe('may-match')
    // not over a failing known AND an unknown: the inner AND always fails, so not always passes
    expect(verdict({filters: [{not: {all: [{exact: {type: 'nope'}}, {exact: {tenant: 'x'}}]}}]})).toBe('matches')
  })

  it('looks inside CESQL: comparisons on unknown attributes are assumed each way, AND/OR/NOT and short-circuits as the engine has them', () => {
    expect(verdict({filters: [{cesql: "source LIKE '/apis/%' AND team = 'ops'"}]})).toBe('no-match')
    expect(verdict({filters: [{cesql: "type = 'com.example.order.created' OR tenant = 'x'"}]})).toBe('matches')
    // tenant is read first: when it is missing the expression errors, so this is not certain
    expect(verdict({filters: [{cesql: "tenant = 'x' OR type = 'com.example.order.created'"}]})).toBe('may-match')
    expect(verdict({filters: [{cesql: "NOT (tenant = 'x') AND type = 'nope'"}]})).toBe('no-match')
    expect(verdict({filters: [{cesql: "NOT (tenant = 'x' AND type = 'nope')"}]})).toBe('may-match')
    expect(verdict({filters: [{not: {cesql: "tenant = 'x' AND type = 'nope'"}}]})).toBe('matches')
  })

  it('uses the exact type and source a filter requires, also against a source pattern', () => {
    const patterned: TypeFacts = {
      type: 'dev.knative.sources.ping',
      known: new Map([['type', 'dev.knative.sources.ping']]),
      templates: new Map([['source', '/apis/v1/namespaces/{namespace}/pingsources/{pingsource}']]),
    }
    expect(verdict({filters: [{exact: {source: '/apis/v1/namespaces/default/pingsources/heartbeat'}}]}, patterned)).toBe('may-match')
    expect(verdict({filters: [{exact: {source: 'https://elsewhere'}}]}, patterned)).toBe('no-match')
    expect(verdict({filter: {attributes: {type: 'dev.knative.sources.ping'}}}, patterned)).toBe('matches')
  })

  it('treats a type given as a template as unknown, within the template', () => {
    const facts: TypeFacts = {
      type: 'com.example.{region}.order',
      known: new Map(),
      templates: new Map([['type', 'com.example.{region}.order']]),
    }
    expect(verdict({filter: {attributes: {type: 'com.example.eu.order'}}}, facts)).toBe('may-match')
    expect(verdict({filter: {attributes: {type: 'com.other.order'}}}, facts)).toBe('no-match')
    expect(verdict({filters: [{prefix: {type: 'com.example.'}}]}, facts)).toBe('may-match')
  })

  it('reads CESQL aliases and lookups the way the filters do (schemaurl is dataschema)', () => {
    const facts = orderFacts({dataschema: 'https://schemas.example.com/order'})
    expect(verdict({filters: [{exact: {schemaurl: 'https://schemas.example.com/order'}}]}, facts)).toBe('matches')
    expect(verdict({filters: [{exact: {datamediatype: 'application/json'}}]}, facts)).toBe('matches')
  })

  it('a skipped (inadmissible) element takes no part, as in Knative', () => {
    // an empty exact value makes Knative skip the element: only the type decides
    expect(verdict({filters: [{exact: {tenant: ''}}, {exact: {type: 'com.example.order.created'}}]})).toBe('matches')
  })
})
