import {describe, expect, it} from 'vitest'
import {renderJunit} from '../../src/core/flow-test/junit.js'
import {printable} from '../../src/core/flow-test/text.js'
import {errorTest, failedTest, flowRun, flowTest, NASTY, unicodeTest} from '../helpers/flow-test-runs.js'
import {validateJunit, xpaths} from '../helpers/junit.js'

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

    const orders = '/testsuites/testsuite[@name="test/orders.kne.yaml"]'
    const refunds = `${orders}/testcase[@name="refunds are routed"]`
    expect(
      await xpaths(xml, {
        tests: '/testsuites/@tests',
        failures: '/testsuites/@failures',
        errors: '/testsuites/@errors',
        time: '/testsuites/@time',
        suites: 'count(/testsuites/testsuite)',
        suiteNames: 'concat(/testsuites/testsuite[1]/@name, " ", /testsuites/testsuite[2]/@name)',
        ordersTests: `${orders}/@tests`,
        ordersTime: `${orders}/@time`,
        ordersTimestamp: `${orders}/@timestamp`,
        classname: `${refunds}/@classname`,
        file: `${refunds}/@file`,
        caseTime: `${refunds}/@time`,
        failed: 'count(//failure | //error)',
        out: `${refunds}/system-out`,
      }),
    ).toEqual({
      tests: '3',
      failures: '0',
      errors: '0',
      time: '1.589',
      suites: '2',
      suiteNames: 'test/orders.kne.yaml test/audit.kne.yaml',
      ordersTests: '2',
      ordersTime: '1.542',
      ordersTimestamp: '2026-12-04T19:00:00.000Z',
      classname: 'test/orders.kne.yaml',
      file: 'test/orders.kne.yaml',
      caseTime: '1.500',
      failed: '0',
      out: [
        'step 1 send passed: sent com.example.order.created to broker default',
        'step 2 expect passed: delivered to order-processor: com.example.order.created',
        'mesh clock: 3000 ms',
      ].join('\n'),
    })
  })

  it('reports a failure with its message, the step and the details, whatever characters they hold', async () => {
    const xml = renderJunit(flowRun([flowTest(), failedTest]))
    await expectValid(xml)
    expect(xml).not.toContain(']]>')
    // what XML cannot carry reads as its JSON escape; everything else arrives as it was
    expect(printable(NASTY)).toBe(`<order id="1"> & 'x' ]]> \\u0000\\u0001\\u0007\\u0008\\u000b\\u000c\\u001b\\u001f \\ud800 \\uffff end`)

    const testcase = '//testcase[@name="payments are retried"]'
    const {out, ...failure} = await xpaths(xml, {
      failures: '/testsuites/@failures',
      suiteFailures: '/testsuites/testsuite/@failures',
      count: `count(${testcase}/failure)`,
      message: `${testcase}/failure/@message`,
      type: `${testcase}/failure/@type`,
      text: `${testcase}/failure`,
      out: `${testcase}/system-out`,
    })
    expect(failure).toEqual({
      failures: '1',
      suiteFailures: '1',
      count: '1',
      message: printable(failedTest.failure!.message),
      type: 'expect',
      text: printable(
        [failedTest.failure!.message, `at step 2 (expect): delivered to payments: ${NASTY}`, '', ...failedTest.failure!.details].join('\n'),
      ),
    })
    expect(out).toContain('step 3 expect skipped: dead-lettered by trigger vip')
  })

  it('reports a test that could not run as an error, with the field at fault', async () => {
    const xml = renderJunit(flowRun([errorTest, flowTest()]))
    await expectValid(xml)
    const suite = '/testsuites/testsuite[@name="test/broken.kne.yaml"]'
    expect(
      await xpaths(xml, {
        errors: '/testsuites/@errors',
        failures: '/testsuites/@failures',
        suiteErrors: `${suite}/@errors`,
        message: `${suite}/testcase/error/@message`,
        text: `${suite}/testcase/error`,
        others: `count(${suite}/testcase/failure | ${suite}/testcase/system-out)`,
      }),
    ).toEqual({
      errors: '1',
      failures: '0',
      suiteErrors: '1',
      message: 'steps[2].expect.delivered.to: required',
      text: 'steps[2].expect.delivered.to: required\nat step 2\nfield: steps[2].expect.delivered.to',
      others: '0',
    })
  })

  it('reports a run with no tests as an empty, valid document', async () => {
    const xml = renderJunit(flowRun([]))
    await expectValid(xml)
    expect(await xpaths(xml, {tests: '/testsuites/@tests', suites: 'count(//testsuite)'})).toEqual({tests: '0', suites: '0'})
  })

  it('keeps names in any script, and a result without a failure or a start time still makes a valid report', async () => {
    const bare = flowTest({name: 'failed without a reason', status: 'failed', steps: []})
    const xml = renderJunit(flowRun([unicodeTest, bare], 'not a date'))
    await expectValid(xml)
    expect(
      await xpaths(xml, {
        name: '//testcase[1]/@name',
        file: '//testcase[1]/@file',
        message: '//testcase[@name="failed without a reason"]/failure/@message',
        timestamps: 'count(//@timestamp)',
      }),
    ).toEqual({name: unicodeTest.name, file: 'test/ünïcødé/注文.kne.yaml', message: 'the test failed', timestamps: '0'})
  })

  it('is checked by a validator that refuses what the format does not allow', async () => {
    const xml = renderJunit(flowRun([flowTest()]))
    expect((await validateJunit(xml.replace('tests="1"', 'tests="-1"'))).valid).toBe(false)
    expect((await validateJunit(xml.replace('<testcase name=', '<testcase title='))).valid).toBe(false)
    expect((await validateJunit(xml.replace('</testsuites>', ''))).valid).toBe(false)
    expect((await validateJunit(xml.replace('orders are routed', 'bell \u0007'))).valid).toBe(false)
  })
})
