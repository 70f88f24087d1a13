import {describe, expect, it} from 'vitest'
import {renderJunit} from '../../src/core/flow-test/junit.js'
import {printable} from '../../src/core/flow-test/text.js'
import {errorTest, failedTest, flowRun, flowTest, NASTY, unicodeTest} from '../helpers/flow-test-runs.js'
import {validateJunit, xpath} from '../helpers/junit.js'

async function expectValid(xml: string): Promise<void> {
  expect(await validateJunit(xml)).toEqual({valid: true, errors: []})
}

describe('kne test --reporter junit: JUnit XML that CI systems read', () => {
  it('reports a run that passed: one testsuite per file with its totals, one testcase per test', async () => {
    const run = flowRun([
      flowTest(),
      flowTest({name: 'refunds are routed', durationMs: 1500}),
      flowTest({file: 'test/audit.kne.yaml', name: 'audit sees every order'}),
    ])
    const xml = renderJunit(run)
    await expectValid(xml)

    expect(await xpath(xml, 'string(/testsuites/@tests)')).toBe('3')
    expect(await xpath(xml, 'string(/testsuites/@failures)')).toBe('0')
    expect(await xpath(xml, 'string(/testsuites/@errors)')).toBe('0')
    expect(await xpath(xml, 'string(/testsuites/@time)')).toBe('1.589')
    expect(await xpath(xml, 'count(/testsuites/testsuite)')).toBe('2')
    const orders = '/testsuites/testsuite[@name="test/orders.kne.yaml"]'
    expect(await xpath(xml, `string(${orders}/@tests)`)).toBe('2')
    expect(await xpath(xml, `string(${orders}/@time)`)).toBe('1.542')
    expect(await xpath(xml, `string(${orders}/@timestamp)`)).toBe('2026-12-04T19:00:00.000Z')
    const refunds = `${orders}/testcase[@name="refunds are routed"]`
    expect(await xpath(xml, `string(${refunds}/@classname)`)).toBe('test/orders.kne.yaml')
    expect(await xpath(xml, `string(${refunds}/@file)`)).toBe('test/orders.kne.yaml')
    expect(await xpath(xml, `string(${refunds}/@time)`)).toBe('1.500')
    expect(await xpath(xml, 'count(//failure | //error)')).toBe('0')
    expect(await xpath(xml, `string(${refunds}/system-out)`)).toBe(
      [
        'step 1 send passed: sent com.example.order.created to broker default',
        'step 2 expect passed: delivered to order-processor: com.example.order.created',
        'mesh clock: 3000 ms',
      ].join('\n'),
    )
  })

  it('reports a failure with its message, the step and the details, whatever characters they hold', async () => {
    const xml = renderJunit(flowRun([flowTest(), failedTest]))
    await expectValid(xml)
    expect(xml).not.toContain(']]>')

    expect(await xpath(xml, 'string(/testsuites/@failures)')).toBe('1')
    expect(await xpath(xml, 'string(/testsuites/testsuite/@failures)')).toBe('1')
    const failure = '//testcase[@name="payments are retried"]/failure'
    expect(await xpath(xml, `count(${failure})`)).toBe('1')
    // what XML cannot carry reads as its JSON escape; everything else arrives as it was
    expect(await xpath(xml, `string(${failure}/@message)`)).toBe(printable(failedTest.failure!.message))
    expect(printable(NASTY)).toBe(`<order id="1"> & 'x' ]]> \\u0000\\u0001\\u0007\\u0008\\u000b\\u000c\\u001b\\u001f \\ud800 \\uffff end`)
    expect(await xpath(xml, `string(${failure}/@type)`)).toBe('expect')
    expect(await xpath(xml, `string(${failure})`)).toBe(
      printable(
        [failedTest.failure!.message, `at step 2 (expect): delivered to payments: ${NASTY}`, '', ...failedTest.failure!.details].join('\n'),
      ),
    )
    expect(await xpath(xml, 'string(//testcase[@name="payments are retried"]/system-out)')).toContain(
      'step 3 expect skipped: dead-lettered by trigger vip',
    )
  })

  it('reports a test that could not run as an error, with the field at fault', async () => {
    const xml = renderJunit(flowRun([errorTest, flowTest()]))
    await expectValid(xml)
    expect(await xpath(xml, 'string(/testsuites/@errors)')).toBe('1')
    expect(await xpath(xml, 'string(/testsuites/@failures)')).toBe('0')
    const suite = '/testsuites/testsuite[@name="test/broken.kne.yaml"]'
    expect(await xpath(xml, `string(${suite}/@errors)`)).toBe('1')
    expect(await xpath(xml, `string(${suite}/testcase/error/@message)`)).toBe('steps[2].expect.delivered.to: required')
    expect(await xpath(xml, `string(${suite}/testcase/error)`)).toBe(
      'steps[2].expect.delivered.to: required\nat step 2\nfield: steps[2].expect.delivered.to',
    )
    expect(await xpath(xml, `count(${suite}/testcase/failure | ${suite}/testcase/system-out)`)).toBe('0')
  })

  it('reports a run with no tests as an empty, valid document', async () => {
    const xml = renderJunit(flowRun([]))
    await expectValid(xml)
    expect(await xpath(xml, 'string(/testsuites/@tests)')).toBe('0')
    expect(await xpath(xml, 'count(//testsuite)')).toBe('0')
  })

  it('keeps names in any script, and a result without a failure or a start time still makes a valid report', async () => {
    const bare = flowTest({name: 'failed without a reason', status: 'failed', steps: []})
    const xml = renderJunit(flowRun([unicodeTest, bare], 'not a date'))
    await expectValid(xml)
    expect(await xpath(xml, 'string(//testcase[1]/@name)')).toBe(unicodeTest.name)
    expect(await xpath(xml, 'string(//testcase[1]/@file)')).toBe('test/ünïcødé/注文.kne.yaml')
    expect(await xpath(xml, 'string(//testcase[@name="failed without a reason"]/failure/@message)')).toBe('the test failed')
    expect(await xpath(xml, 'count(//@timestamp)')).toBe('0')
  })

  it('is checked by a validator that refuses what the format does not allow', async () => {
    const xml = renderJunit(flowRun([flowTest()]))
    expect((await validateJunit(xml.replace('tests="1"', 'tests="-1"'))).valid).toBe(false)
    expect((await validateJunit(xml.replace('<testcase name=', '<testcase title='))).valid).toBe(false)
    expect((await validateJunit(xml.replace('</testsuites>', ''))).valid).toBe(false)
    expect((await validateJunit(xml.replace('orders are routed', 'bell \u0007'))).valid).toBe(false)
  })
})
