import {Flags} from '@oclif/core'
import {KneCommand, prose, registryFlags, registryOptions} from '../../cli/index.js'
import {colors} from '../../client/render.js'
import {lintProject, type RegistryLintResult} from '../../client/registry.js'
import {lintText} from '../../client/registry-render.js'
import {EXIT} from '../../core/errors.js'

export default class RegistryLint extends KneCommand<typeof RegistryLint> {
  static override exitCodes = [EXIT.ok, EXIT.usage, EXIT.invalid]
  static override exitCodeMeanings = {[EXIT.invalid]: 'errors in the event flow (with --strict, also warnings)'}
  static override summary =
    'Check the event flow: sinks that do not resolve, missing dead-letter sinks, filters no type satisfies, unconsumed types, reply loops.'
  static override description = prose`Errors: manifests that do not load, references that do not resolve (a trigger's broker, a sink), reply loops
(a subscriber replies with a type its own trigger accepts, or triggers reply to each other in a cycle). Warnings:
brokers and triggers without a dead-letter sink, trigger filters no known event type satisfies, event types no
trigger consumes, observed events that contradict their EventType, references kne cannot check. Everything is
judged as far as the registry knows: declared types, source-provided types and what a running kne dev observed.
It checks files: the manifests -f names, else kne.yaml's manifests folder, also while kne dev runs.
Exits 3 when there are errors (with --strict, also when there are warnings), 0 otherwise.`
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --strict --json   # in CI',
    '<%= config.bin %> <%= command.id %> -f knative/ --offline',
  ]
  static override flags = {
    filename: Flags.string({
      char: 'f',
      multiple: true,
      description: "manifest file or folder (repeatable) [default: kne.yaml's manifests folder]",
    }),
    config: registryFlags.config,
    offline: registryFlags.offline,
    strict: Flags.boolean({description: 'warnings fail too (exit 3)'}),
  }

  async run(): Promise<RegistryLintResult> {
    const {flags} = this
    const report = await lintProject(registryOptions(flags, this.config.dataDir))
    const c = colors()
    for (const line of lintText(report, c)) this.log(line)
    if (!report.mesh && report.meshProblem) this.note(colors(process.stderr).dim(report.meshProblem))
    if (report.errors > 0 || (flags.strict && report.warnings > 0)) this.setExitCode(EXIT.invalid)
    return report
  }
}
