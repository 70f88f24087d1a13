// kne test --reporter junit|tap and --output FILE in this process: a run with a passing and a failing flow test,
// its JUnit report checked by xmllint against the JUnit schema, its TAP read line by line, and the flags that
// do not go together refused before any test runs.
import {existsSync, mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {jsonOf, runKne} from '../helpers/command.js'
import {validateJunit, xpaths} from '../helpers/junit.js'
import {tempDir} from '../helpers/temp.js'

const MANIFESTS = `apiVersion: eventing.knative.dev/v1
kind: Broker
metadata:
  name: default
---
apiVersion: eventing.knative.dev/v1
kind: Trigger
metadata:
  name: orders
spec:
  broker: default
  filter:
    attributes:
      type: com.example.order.created
  subscriber:
    ref: {apiVersion: v1, kind: Service, name: order-processor}
`

const PASSING = `name: an order reaches the order processor
subscribers:
  order-processor: {}
steps:
  - send: {broker: default, type: com.example.order.created, data: {id: 1}}
  - expect:
      delivered: {to: order-processor, type: com.example.order.created, data: {id: 1}}
`

const FAILING = `name: an order reaches payments <& "quoted" ]]>
subscribers:
  order-processor: {}
  payments: {}
steps:
  - send: {broker: default, type: com.example.order.created, data: {id: 2}}
  - expect:
      delivered: {to: payments, type: com.example.order.created}
`

/** A project with a passing test (test/orders.kne.yaml) and a failing one (test/payments.kne.yaml). */
function project(): string {
  const dir = tempDir('kne-reporters-')
  writeFileSync(join(dir, 'kne.yaml'), 'manifests: knative\n')
  mkdirSync(join(dir, 'knative'))
  writeFileSync(join(dir, 'knative', 'resources.yaml'), MANIFESTS)
  mkdirSync(join(dir, 'test'))
  writeFileSync(join(dir, 'test', 'orders.kne.yaml'), PASSING)
  writeFileSync(join(dir, 'test', 'payments.kne.yaml'), FAILING)
  return dir
}

describe('kne test --reporter and --output', () => {
  it('--reporter junit --output FILE writes a JUnit report the schema accepts, and still prints the human lines', async () => {
    const dir = project()
    const result = await runKne(['test', '--reporter', 'junit', '--output', 'reports/kne-junit.xml'], {cwd: dir})
    expect(result.code, result.stderr).toBe(1)
    expect(result.stdout).toContain('✓ an order reaches the order processor — test/orders.kne.yaml')
    expect(result.stdout).toContain('✗ an order reaches payments <& "quoted" ]]> — test/payments.kne.yaml')
    expect(result.stdout).toMatch(/2 tests: 1 passed, 1 failed/)
    expect(result.stderr).toContain('junit report written to reports/kne-junit.xml')

    const report = readFileSync(join(dir, 'reports', 'kne-junit.xml'), 'utf8')
    expect(await validateJunit(report)).toEqual({valid: true, errors: []})
    const failed = '//testsuite[@name="test/payments.kne.yaml"]/testcase'
    const {message, text, ...counts} = await xpaths(report, {
      totals: 'concat(/testsuites/@tests, " ", /testsuites/@failures, " ", /testsuites/@errors)',
      passed: '//testsuite[@name="test/orders.kne.yaml"]/testcase/@name',
      failed: `${failed}/@name`,
      message: `${failed}/failure/@message`,
      text: `${failed}/failure`,
    })
    expect(counts).toEqual({
      totals: '2 1 0',
      passed: 'an order reaches the order processor',
      failed: 'an order reaches payments <& "quoted" ]]>',
    })
    expect(message).toContain('expected delivered to payments')
    // the same explanation the human lines give
    expect(result.stdout).toContain(message)
    expect(text).toContain('nearest candidates')
  })

  it('--reporter junit alone prints only the report on stdout', async () => {
    const result = await runKne(['test', '--reporter', 'junit'], {cwd: project()})
    expect(result.code, result.stderr).toBe(1)
    expect(result.stdout.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites')).toBe(true)
    expect(await validateJunit(result.stdout)).toEqual({valid: true, errors: []})
  })

  it('--reporter tap prints TAP 14: the plan, ok and not ok, and why in a YAML block', async () => {
    const result = await runKne(['test', '--reporter', 'tap'], {cwd: project()})
    expect(result.code, result.stderr).toBe(1)
    const lines = result.stdout.split('\n')
    expect(lines.slice(0, 3)).toEqual(['TAP version 14', '1..2', 'ok 1 - an order reaches the order processor'])
    expect(lines[3]).toBe('not ok 2 - an order reaches payments <& "quoted" ]]>')
    expect(lines[4]).toBe('  ---')
    expect(lines[5]).toMatch(/^ {2}message: .*expected delivered to payments/)
    expect(lines).toContain('  file: test/payments.kne.yaml')
  })

  it('--json --output FILE prints the JSON document and writes the same one', async () => {
    const dir = project()
    const result = await runKne(['test', '--json', '--output', 'run.json'], {cwd: dir})
    expect(result.code, result.stderr).toBe(1)
    expect(JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8'))).toEqual(jsonOf(result))
  })

  it('refuses --json with another reporter, and --output without a report, before any test runs', async () => {
    const dir = project()
    const both = await runKne(['test', '--json', '--reporter', 'junit', '--output', 'junit.xml'], {cwd: dir})
    expect(both.code).toBe(2)
    expect(jsonOf(both).error).toMatchObject({
      code: 'INVALID_FLAG',
      message: expect.stringContaining('--reporter junit and --json do not go together'),
    })
    const humanAndJson = await runKne(['test', '--json', '--reporter', 'human'], {cwd: dir})
    expect(humanAndJson.code).toBe(2)
    expect(jsonOf(humanAndJson).error.suggestions).toEqual(['drop --reporter human'])
    const human = await runKne(['test', '--output', 'junit.xml'], {cwd: dir})
    expect(human.code).toBe(2)
    expect(human.stderr).toContain('--output writes the --reporter report to a file')
    expect(human.stdout).toBe('')
    expect(existsSync(join(dir, 'junit.xml'))).toBe(false)
  })

  it('says why a report cannot be written (exit 2), after the human lines', async () => {
    const dir = project()
    writeFileSync(join(dir, 'reports'), 'a file, not a folder')
    const result = await runKne(['test', '--reporter', 'tap', '--output', 'reports/kne.tap'], {cwd: dir})
    expect(result.code).toBe(2)
    expect(result.stdout).toMatch(/2 tests: 1 passed, 1 failed/)
    expect(result.stderr).toContain('reports/kne.tap: cannot write the report (EEXIST)')
  })
})
