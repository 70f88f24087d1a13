// The TriggerIndex must never change a decision: it may only skip triggers whose filter is certain to
// fail. Checked against a full scan on the conformance cases and on randomised triggers and events.
import {describe, expect, it} from 'vitest'
import type {CloudEvent, ExtensionValue} from '../../src/core/cloudevent.js'
import {decodeJsonEvent} from '../../src/core/codec/json.js'
import {
  TriggerIndex,
  compileTriggerFilter,
  filterDelivers,
  type CompiledTriggerFilter,
  type SubscriptionsApiFilter,
  type TriggerFilterSpec,
  type TriggerIndexEntry,
} from '../../src/core/filters/index.js'
import {hasConformance, readConformanceYaml} from '../helpers/conformance.js'

function fullScan<T>(entries: readonly TriggerIndexEntry<T>[], event: CloudEvent): T[] {
  return entries.filter((e) => filterDelivers(e.filter.evaluate(event))).map((e) => e.value)
}

function assertSameAsFullScan<T>(entries: readonly TriggerIndexEntry<T>[], index: TriggerIndex<T>, event: CloudEvent): void {
  const expected = fullScan(entries, event)
  expect(index.matches(event).map((m) => m.value)).toEqual(expected)
  // candidates keep insertion order and include every trigger that delivers
  const order = index.candidates(event).map((v) => entries.findIndex((e) => e.value === v))
  expect(order).toEqual([...order].sort((a, b) => a - b))
  for (const value of expected) expect(index.candidates(event)).toContain(value)
}

/** Wraps a compiled filter to count evaluations (a real decorator, delegating every call). */
function counting(filter: CompiledTriggerFilter, counter: {evaluations: number}): CompiledTriggerFilter {
  return {
    applied: filter.applied,
    requires: filter.requires,
    evaluate: (event) => {
      counter.evaluations++
      return filter.evaluate(event)
    },
    evaluateVerbatim: (event) => filter.evaluateVerbatim(event),
    explain: (event) => filter.explain(event),
  }
}

function event(overrides: Partial<CloudEvent> = {}): CloudEvent {
  return {specversion: '1.0', id: '1', source: '/src', type: 'dev.example', extensions: {}, ...overrides}
}

describe('requirements the index relies on', () => {
  const requires = (spec: TriggerFilterSpec) => compileTriggerFilter(spec).requires
  it('come from legacy type/source with non-empty values', () => {
    expect(requires({filter: {attributes: {type: 't', source: 's', x: 'y'}}})).toEqual({type: 't', source: 's'})
    expect(requires({filter: {attributes: {type: '', source: 's'}}})).toEqual({source: 's'})
  })

  it('come from top-level exact elements and exact elements inside top-level all', () => {
    expect(requires({filters: [{exact: {type: 't'}}]})).toEqual({type: 't'})
    expect(requires({filters: [{prefix: {type: 'x'}}, {all: [{all: [{exact: {source: 's', type: 't'}}]}]}]})).toEqual({
      type: 't',
      source: 's',
    })
    expect(requires({filters: [{exact: {type: 't'}, prefix: {type: 'x'}}]})).toEqual({type: 't'})
  })

  it('ignore any, not, prefix, cesql, skipped elements and an overridden legacy filter', () => {
    expect(requires({filters: [{any: [{exact: {type: 't'}}]}]})).toEqual({})
    expect(requires({filters: [{not: {exact: {type: 't'}}}]})).toEqual({})
    expect(requires({filters: [{prefix: {type: 't'}}, {cesql: "type = 't'"}]})).toEqual({})
    expect(requires({filters: [{exact: {type: 't', source: ''}}]})).toEqual({})
    expect(requires({filter: {attributes: {type: 't'}}, filters: [{}]})).toEqual({})
  })
})

describe('TriggerIndex', () => {
  it('returns candidates in insertion order across type, source and unindexed buckets', () => {
    const specs: TriggerFilterSpec[] = [
      {},
      {filters: [{exact: {type: 'a'}}]},
      {filter: {attributes: {source: '/s'}}},
      {filters: [{exact: {type: 'b'}}]},
      {filters: [{prefix: {type: 'a'}}]},
      {filter: {attributes: {type: 'a', source: '/s'}}},
      {filter: {attributes: {type: 'a', source: '/other'}}},
      {filters: [{exact: {type: 'a'}}]},
    ]
    const index = new TriggerIndex(specs.map((spec, i) => ({filter: compileTriggerFilter(spec), value: i})))
    expect(index.size).toBe(8)
    expect(index.candidates(event({type: 'a', source: '/s'}))).toEqual([0, 1, 2, 4, 5, 7])
    expect(index.candidates(event({type: 'b', source: '/x'}))).toEqual([0, 3, 4])
    expect(index.candidates(event({type: 'z', source: '/x'}))).toEqual([0, 4])
  })

  it('with 1000 exact-type triggers evaluates only the matching ones plus the unindexable ones', () => {
    const counter = {evaluations: 0}
    const specs: TriggerFilterSpec[] = []
    for (let i = 0; i < 1000; i++) {
      const type = `com.example.t${i % 250}`
      specs.push(
        i % 3 === 0
          ? {filter: {attributes: {type}}}
          : i % 3 === 1
            ? {filters: [{exact: {type}}]}
            : {filters: [{all: [{exact: {type}}, {prefix: {source: '/s'}}]}]},
      )
    }
    specs.splice(10, 0, {}, {filters: [{prefix: {type: 'com.example.t4'}}]}, {filters: [{cesql: "type LIKE '%t42'"}]})
    const entries = specs.map((spec, i) => ({filter: counting(compileTriggerFilter(spec), counter), value: i}))
    const index = new TriggerIndex(entries)

    const hit = event({type: 'com.example.t42', source: '/s'})
    const matched = index.matches(hit).map((m) => m.value)
    expect(counter.evaluations).toBe(4 + 3)
    counter.evaluations = 0
    expect(matched).toEqual(fullScan(entries, hit))
    expect(matched).toHaveLength(4 + 3)
    expect(counter.evaluations).toBe(specs.length)

    counter.evaluations = 0
    expect(index.matches(event({type: 'nothing.here'})).map((m) => m.value)).toEqual([10])
    expect(counter.evaluations).toBe(3)
  })

  it.runIf(hasConformance)('gives the same matches as a full scan on the conformance cases', () => {
    interface Case {
      filter?: TriggerFilterSpec['filter']
      filters?: TriggerFilterSpec['filters']
      event: Record<string, unknown>
    }
    const doc = readConformanceYaml<{groups: {cases: Case[]}[]}>('knative-filters.yaml')
    const cases = doc.groups.flatMap((g) => g.cases)
    const entries = cases.map((c, i) => ({filter: compileTriggerFilter({filter: c.filter, filters: c.filters}), value: i}))
    const index = new TriggerIndex(entries)
    const events = cases.map((c) => decodeJsonEvent(c.event)).flatMap((d) => (d.ok ? [d.event] : []))
    expect(events.length).toBeGreaterThan(cases.length - 2)
    let candidates = 0
    for (const e of events) {
      assertSameAsFullScan(entries, index, e)
      candidates += index.candidates(e).length
    }
    expect(candidates).toBeLessThan(events.length * entries.length) // the index does narrow
  })

  it('gives the same matches as a full scan on randomised triggers and events', () => {
    const random = mulberry32(20240611)
    const entries = Array.from({length: 300}, (_, i) => ({filter: compileTriggerFilter(randomSpec(random)), value: i}))
    const index = new TriggerIndex(entries)
    expect(entries.filter((e) => e.filter.requires.type !== undefined).length).toBeGreaterThan(30)
    expect(entries.filter((e) => e.filter.requires.source !== undefined && e.filter.requires.type === undefined).length).toBeGreaterThan(5)
    let candidates = 0
    let delivered = 0
    for (let i = 0; i < 400; i++) {
      const e = randomEvent(random)
      assertSameAsFullScan(entries, index, e)
      candidates += index.candidates(e).length
      delivered += index.matches(e).length
    }
    expect(candidates).toBeLessThan(400 * entries.length)
    expect(delivered).toBeGreaterThan(400) // the random triggers do match events
  })
})

// ---------------------------------------------------------------------------------------------------
// Randomised triggers and events over a small vocabulary, so that matches are frequent.

type Random = () => number

function mulberry32(seed: number): Random {
  let a = seed
  return () => {
    a = (a + 0x6d2b79f5) | 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)]!
const TYPES = ['a', 'b', 'c', 'dev.knative.x']
const SOURCES = ['/s1', '/s2', 'urn:x']
const NAMES = ['type', 'type', 'source', 'subject', 'e1', 'e2', 'knativebrokerttl']
const VALUES = [...TYPES, ...SOURCES, 'v', '1', '', 'dev', '/s', 'x']
const CESQL = ["type = 'a'", 'EXISTS e1', "e1 = 'v'", "source LIKE '/s%'", 'e2 > 0', '', "subject = 'v'", 'knativebrokerttl > 1']

function randomMap(random: Random): Record<string, string> {
  const map: Record<string, string> = {}
  const size = 1 + Math.floor(random() * 2)
  for (let i = 0; i < size; i++) map[pick(random, NAMES)] = random() < 0.7 ? pick(random, [...TYPES, ...SOURCES]) : pick(random, VALUES)
  return map
}

function randomElement(random: Random, depth: number): SubscriptionsApiFilter {
  const roll = random()
  const leaf = depth >= 3
  if (roll < 0.3) return {exact: randomMap(random)}
  if (roll < 0.4) return {prefix: randomMap(random)}
  if (roll < 0.45) return {suffix: randomMap(random)}
  if (roll < 0.55 && !leaf) return {all: Array.from({length: Math.floor(random() * 4)}, () => randomElement(random, depth + 1))}
  if (roll < 0.65 && !leaf) return {any: Array.from({length: Math.floor(random() * 4)}, () => randomElement(random, depth + 1))}
  if (roll < 0.75 && !leaf) return {not: random() < 0.2 ? {} : randomElement(random, depth + 1)}
  if (roll < 0.9) return {cesql: pick(random, CESQL)}
  if (roll < 0.95) return {exact: {type: pick(random, TYPES)}, prefix: randomMap(random)} // several dialects
  return {}
}

function randomSpec(random: Random): TriggerFilterSpec {
  const roll = random()
  const legacy = {
    attributes: random() < 0.8 ? {type: pick(random, ['', ...TYPES]), ...(random() < 0.3 ? randomMap(random) : {})} : randomMap(random),
  }
  const filters = Array.from({length: Math.floor(random() * 3)}, () => randomElement(random, 0))
  if (roll < 0.35) return {filter: legacy}
  if (roll < 0.75) return {filters}
  if (roll < 0.9) return {filter: legacy, filters}
  return {}
}

function randomEvent(random: Random): CloudEvent {
  const extensions: Record<string, ExtensionValue> = {}
  for (const name of ['e1', 'e2', 'knativebrokerttl']) {
    if (random() < 0.5) extensions[name] = pick<ExtensionValue>(random, ['v', '1', 1, 5, true, 'a', '/s1'])
  }
  const e = event({type: pick(random, TYPES), source: pick(random, SOURCES), extensions})
  if (random() < 0.5) e.subject = pick(random, ['v', 'a', '/s1'])
  return e
}
