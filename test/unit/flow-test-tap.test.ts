import {describe, expect, it} from 'vitest'
import {parse} from 'yaml'
import {renderTap} from '../../src/core/flow-test/tap.js'
import {printable} from '../../src/core/flow-test/text.js'
import {errorTest, failedTest, flowRun, flowTest, NASTY, unicodeTest} from '../helpers/flow-test-runs.js'

interface TestPoint {
  ok: boolean
  id: number
  description: string
  diagnostics?: Record<string, unknown>
}

/** A strict reader of the TAP 14 kne writes: every line must be the version, the plan, a test point, its YAML block or a comment. */
function readTap(tap: string): {plan: number; points: TestPoint[]; comments: string[]} {
  expect(tap.endsWith('\n')).toBe(true)
  const [version, planLine = '', ...rest] = tap.slice(0, -1).split('\n')
  expect(version).toBe('TAP version 14')
  const plan = /^1\.\.(\d+)$/.exec(planLine)
  expect(plan, planLine).not.toBeNull()
  const points: TestPoint[] = []
  const comments: string[] = []
  let yaml: string[] | undefined
  for (const line of rest) {
    const point = /^(ok|not ok) (\d+) - (.*)$/.exec(line)
    if (yaml) {
      if (line === '  ...') {
        points.at(-1)!.diagnostics = parse(yaml.join('\n')) as Record<string, unknown>
        yaml = undefined
      } else {
        expect(line.startsWith('  '), line).toBe(true)
        yaml.push(line.slice(2))
      }
    } else if (point) {
      points.push({ok: point[1] === 'ok', id: Number(point[2]), description: point[3] ?? ''})
    } else if (line === '  ---') {
      expect(points.at(-1)?.diagnostics, 'a YAML block follows a test point, one per point').toBeUndefined()
      expect(points.length).toBeGreaterThan(0)
      yaml = []
    } else if (line.startsWith('# ')) {
      comments.push(line.slice(2))
    } else {
      throw new Error(`not TAP: ${JSON.stringify(line)}`)
    }
  }
  expect(yaml, 'every YAML block ends').toBeUndefined()
  return {plan: Number(plan?.[1]), points, comments}
}

/** A TAP description read back: `\#` and `\\` unescaped. */
function unescape(description: string): string {
  return description.replace(/\\([\\#])/g, '$1')
}

describe('kne test --reporter tap: TAP version 14', () => {
  it('reports a run that passed: a plan and one ok per test, in order', () => {
    const tap = renderTap(flowRun([flowTest(), flowTest({name: 'refunds are routed'})]))
    expect(tap).toBe(
      [
        'TAP version 14',
        '1..2',
        'ok 1 - orders are routed',
        'ok 2 - refunds are routed',
        '# tests 2',
        '# pass 2',
        '# fail 0',
        '# duration_ms 89',
        '',
      ].join('\n'),
    )
  })

  it('explains a failure and an error in YAML blocks: message, file, step, field and details', () => {
    const run = flowRun([flowTest(), failedTest, errorTest])
    const {plan, points, comments} = readTap(renderTap(run))
    expect(plan).toBe(3)
    expect(points.map((point) => [point.ok, point.id, point.description])).toEqual([
      [true, 1, 'orders are routed'],
      [false, 2, 'payments are retried'],
      [false, 3, 'broken file'],
    ])
    const [passed, failed, error] = points.map((point) => point.diagnostics)
    expect(passed).toBeUndefined()
    expect(failed).toEqual({
      message: printable(failedTest.failure!.message),
      severity: 'fail',
      file: 'test/orders.kne.yaml',
      step: 2,
      summary: printable(`expect: delivered to payments: ${NASTY}`),
      details: failedTest.failure!.details.map(printable),
      duration_ms: 1234,
    })
    expect(error).toEqual({
      message: 'steps[2].expect.delivered.to: required',
      severity: 'error',
      file: 'test/broken.kne.yaml',
      step: 2,
      field: 'steps[2].expect.delivered.to',
      duration_ms: 3,
    })
    expect(comments).toEqual(['tests 3', 'pass 1', 'fail 2', 'duration_ms 1284'])
  })

  it('keeps each description on its line, with # and \\ escaped and any script intact', () => {
    const multiline = flowTest({name: 'first line\nsecond # not a directive\r\nthird'})
    const {points} = readTap(renderTap(flowRun([unicodeTest, multiline])))
    expect(points.map((point) => point.description)).toEqual([
      'Bestellung → 注文 📦 \\#1 \\\\ עברית',
      'first line second \\# not a directive third',
    ])
    expect(points.map((point) => unescape(point.description))).toEqual([unicodeTest.name, 'first line second # not a directive third'])
  })

  it('plans no tests for an empty run', () => {
    const {plan, points} = readTap(renderTap(flowRun([])))
    expect(plan).toBe(0)
    expect(points).toEqual([])
  })
})
