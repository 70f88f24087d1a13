import {Args, Flags} from '@oclif/core'
import {KneCommand, prose} from '../cli/index.js'
import {colors} from '../client/render.js'
import {renderFlowTestResult, renderFlowTestSummary} from '../client/render-flow-test.js'
import {EXIT, KneError} from '../core/errors.js'
import type {FlowTestRun} from '../core/flow-test/report.js'
import {runExitCode, runFlowTests} from '../services/flow-test.js'

export default class Test extends KneCommand<typeof Test> {
  static override exitCodes = [EXIT.ok, EXIT.internal, EXIT.usage, EXIT.invalid, EXIT.interrupted]
  static override exitCodeMeanings = {
    [EXIT.internal]: 'a test failed',
    [EXIT.invalid]: 'a test file (or the manifests a test runs) is not valid',
  }
  static override strict = false
  static override summary = 'Run event-flow tests: send events to your manifests on a private mesh and check where they went.'
  static override description = prose`Runs *.kne.yaml test files (without arguments: test/**/*.kne.yaml below the project's folder). Each
test runs the project's manifests (or its own) on a private mesh of its own, with stand-in subscribers that answer
as told, sends events and checks what the mesh did with them: delivered, replied, dead-lettered, failed or not
delivered, to whom, with which attributes and data. Time is virtual unless --real-time: retries and delays pass at
once, so ten exponential retries end in milliseconds. Every file is checked before any test runs; a bad one is
reported with its file, step and field (exit 3). A failed expectation prints what the mesh did with the event and
the nearest candidates (exit 1). docs/flow-tests.md describes the format.`
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> test/orders.kne.yaml',
    '<%= config.bin %> <%= command.id %> test/ --json   # in CI: one JSON document, exit 1 when a test failed',
    '<%= config.bin %> <%= command.id %> --real-time   # on the wall clock: retries and delays take their real time',
  ]
  static override args = {
    paths: Args.string({description: 'test files or folders [default: test/ below the project folder]'}),
  }
  static override flags = {
    'real-time': Flags.boolean({description: 'run on the wall clock instead of virtual time'}),
    config: Flags.string({description: "path to kne.yaml [default: the nearest kne.yaml in the test file's folder or above]"}),
    reporter: Flags.string({description: 'how to report the run', options: ['human', 'json'], default: 'human'}),
  }

  async run(): Promise<FlowTestRun> {
    const {argv} = await this.parse(Test)
    const json = this.jsonEnabled() || this.flags.reporter === 'json'
    const c = colors()
    const run = await runFlowTests({
      paths: argv as string[],
      config: this.flags.config,
      realTime: this.flags['real-time'],
      onResult: json ? undefined : (result) => renderFlowTestResult(result, c).forEach((line) => this.log(line)),
    })
    if (json) {
      if (!this.jsonEnabled()) this.write(`${JSON.stringify(run, null, 2)}\n`)
      this.setExitCode(runExitCode(run))
      return run
    }
    this.log(renderFlowTestSummary(run, c))
    if (run.errors > 0)
      this.fail(
        new KneError(`${run.errors} test${run.errors === 1 ? '' : 's'} could not run: fix the test files first`, 'INVALID_TEST_FILE'),
      )
    // a failed test is the answer, not an error: exit 1, as test runners do
    if (run.failed > 0) this.setExitCode(EXIT.internal)
    return run
  }
}
