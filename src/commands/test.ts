import {Args, Flags} from '@oclif/core'
import {KneCommand, prose} from '../cli/index.js'
import {colors} from '../client/render.js'
import {renderFlowTestResult, renderFlowTestSummary} from '../client/render-flow-test.js'
import {EXIT, KneError} from '../core/errors.js'
import type {FlowTestRun} from '../core/flow-test/report.js'
import {renderReport, REPORT_FORMATS, REPORTERS, type Reporter} from '../core/flow-test/reporters.js'
import {runExitCode, runFlowTests} from '../services/flow-test.js'
import {writeReportFile} from '../services/flow-test-report.js'

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
the nearest candidates (exit 1). --snapshot FILE checks a routing snapshot: which triggers each event type reaches
and which filter decided, compared with a golden file that is written when missing (under --ci a missing one
fails) and rewritten with --update-snapshots; a routing change fails (exit 1) with a sentence per change.
--reporter junit or tap prints JUnit XML or TAP 14 instead of the human lines; with --output FILE the report goes
to FILE and the human lines still print (docs/ci.md). docs/flow-tests.md describes the format.`
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> test/orders.kne.yaml',
    '<%= config.bin %> <%= command.id %> test/ --json   # in CI: one JSON document, exit 1 when a test failed',
    '<%= config.bin %> <%= command.id %> --real-time   # on the wall clock: retries and delays take their real time',
    '<%= config.bin %> <%= command.id %> --snapshot routing.snap.yaml   # which triggers each event type reaches: written once, then checked',
    '<%= config.bin %> <%= command.id %> --snapshot routing.snap.yaml --update-snapshots   # record the routing as it is now',
    '<%= config.bin %> <%= command.id %> --reporter junit --output reports/kne-junit.xml   # for GitHub, GitLab, Jenkins',
    '<%= config.bin %> <%= command.id %> --reporter tap > kne-test.tap',
  ]
  static override args = {
    paths: Args.string({description: 'test files or folders [default: test/ below the project folder]'}),
  }
  static override flags = {
    'real-time': Flags.boolean({description: 'run on the wall clock instead of virtual time'}),
    config: Flags.string({description: "path to kne.yaml [default: the nearest kne.yaml in the test file's folder or above]"}),
    reporter: Flags.string({
      description: "the report: human lines, --json's document, JUnit XML or TAP 14 [default: human]",
      options: [...REPORTERS],
    }),
    output: Flags.string({
      description: 'write the --reporter report to this file (its folder is made) and print the human lines',
      helpValue: '<file>',
    }),
    snapshot: Flags.string({
      description: 'check a routing snapshot file of the project (written when missing); without test paths, only the snapshots run',
      multiple: true,
    }),
    'snapshot-events': Flags.string({
      description: 'an event file (as kne record writes) for the snapshots to route [default: one event per type the registry knows]',
    }),
    'update-snapshots': Flags.boolean({
      char: 'u',
      description: 'rewrite routing snapshots (files and snapshot steps) with the routing as it is now',
    }),
    ci: Flags.boolean({description: 'a missing routing snapshot fails instead of being written (Jest does the same in CI)'}),
  }

  async run(): Promise<FlowTestRun> {
    const {argv} = await this.parse(Test)
    const reporter = this.reporter()
    const {output} = this.flags
    // the human lines go to stdout unless a report takes it (or --json, whose document is the only output)
    const human = !this.jsonEnabled() && (reporter === 'human' || output !== undefined)
    const c = colors()
    const run = await runFlowTests({
      paths: argv as string[],
      config: this.flags.config,
      realTime: this.flags['real-time'],
      snapshots: this.flags.snapshot ?? [],
      snapshotEvents: this.flags['snapshot-events'],
      updateSnapshots: this.flags['update-snapshots'],
      ci: this.flags.ci,
      onResult: human ? (result) => renderFlowTestResult(result, c).forEach((line) => this.log(line)) : undefined,
    })
    const report = reporter === 'human' ? undefined : renderReport(run, reporter)
    if (!human) {
      // under --json, oclif prints the run (this.write prints nothing)
      if (report !== undefined && output !== undefined) writeReportFile(output, report)
      else if (report !== undefined) this.write(report)
      this.setExitCode(runExitCode(run))
      return run
    }
    this.log(renderFlowTestSummary(run, c))
    if (report !== undefined && output !== undefined) {
      writeReportFile(output, report)
      this.note(`${reporter} report written to ${output}`)
    }
    if (run.errors > 0)
      this.fail(
        new KneError(`${run.errors} test${run.errors === 1 ? '' : 's'} could not run: fix the test files first`, 'INVALID_TEST_FILE'),
      )
    // a failed test is the answer, not an error: exit 1, as test runners do
    if (run.failed > 0) this.setExitCode(EXIT.internal)
    return run
  }

  /** --reporter, or json under --json; a report --output can write when it is given. */
  private reporter(): Reporter {
    const {reporter, output} = this.flags
    if (this.jsonEnabled() && reporter !== undefined && reporter !== 'json')
      throw new KneError(
        `--reporter ${reporter} and --json do not go together: --json prints the run as one JSON document, --reporter ${reporter} as ${REPORT_FORMATS[reporter as Reporter]}`,
        'INVALID_FLAG',
        {
          suggestions: [
            reporter === 'human'
              ? 'drop --reporter human'
              : `drop --json, or keep the human lines and write the report: --reporter ${reporter} --output FILE`,
          ],
        },
      )
    const chosen = this.jsonEnabled() ? 'json' : ((reporter ?? 'human') as Reporter)
    if (output !== undefined && chosen === 'human')
      throw new KneError('--output writes the --reporter report to a file: give --reporter junit, tap or json with it', 'INVALID_FLAG', {
        suggestions: [`--reporter junit --output ${output}`],
      })
    return chosen
  }
}
