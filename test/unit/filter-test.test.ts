// `kne filter test` without an event file (the event built from its attributes, as kne send builds it)
// and without a filter (every trigger of the broker, as the README promises).
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {filterTest, type BrokerFilterReport, type FilterTestReport} from '../../src/client/filter-test.js'
import {repoRoot} from '../helpers/cli.js'
import {tempDir} from '../helpers/temp.js'

const shop = join(repoRoot, 'test', 'fixtures', 'shop')

describe('kne filter test', () => {
  it('builds the event from --type, --source and --extension when no --event is given', () => {
    const report = filterTest({
      attributes: {type: 'com.example.order.created', source: '/shop', extensions: ['priority=3']},
      cesql: "source = '/shop' AND priority = '3'",
      namespace: 'default',
    }) as FilterTestReport
    expect(report.event).toMatchObject({type: 'com.example.order.created', source: '/shop', priority: '3'})
    expect(report.explanation.delivers).toBe(true)
  })

  it('without --trigger or a filter, evaluates every trigger of the broker', () => {
    const report = filterTest({attributes: {type: 'com.example.refund'}, files: [shop], namespace: 'shop'}) as BrokerFilterReport
    expect(report.subject).toBe('broker shop/default')
    expect(report.triggers.map((t) => [t.trigger, t.explanation.delivers])).toEqual([
      ['shop/order-created', false],
      ['shop/everything-audited', true],
    ])
    expect(report.delivers).toBe(true)
  })

  it("reads a --filters file within the manifests' limits: many anchors are a usage error naming the file", () => {
    const file = join(tempDir('kne-filters-'), 'filters.yaml')
    writeFileSync(file, Array.from({length: 2_001}, (_, i) => `- exact: &a${i} {type: com.example.order.created}`).join('\n'))
    expect(() => filterTest({attributes: {type: 'com.example.order.created'}, filtersFile: file, namespace: 'default'})).toThrow(
      new RegExp(`--filters ${file}: .*anchors`),
    )
  })

  it('asks for the event when neither --event nor --type is given', () => {
    expect(() => filterTest({cesql: 'true', namespace: 'default'})).toThrow(/give the event either as a file .* or by its attributes/)
  })
})
