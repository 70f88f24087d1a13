import {Flags} from '@oclif/core'
import {KneCommand, prose} from '../cli/index.js'
import {EXIT, KneError} from '../core/errors.js'
import {manifestErrorFormatter} from '../core/resources/types.js'
import {displayPath, problemsIn} from '../project/manifests.js'
import {validateProject, type ValidationReport} from '../services/validate.js'

export default class Validate extends KneCommand<typeof Validate> {
  static override exitCodes = [EXIT.ok, EXIT.usage, EXIT.invalid]
  static override summary = 'Check Knative manifests the way a cluster would, plus the references between them.'
  static override description = prose`Reads every manifest (files or folders; without -f the manifests folder named in kne.yaml) and checks
YAML syntax, the CRD schema's field types and names, Knative's admission rules (required fields, names,
Destinations, delivery specs, trigger filters, PingSource schedules and data, ...) and the references between
resources: a Trigger whose Broker, or a sink, subscriber or reply whose Broker, Channel, Sequence or Parallel,
no manifest defines. Those are errors: one line each, exit code 3. A Service that the service map does not
name, and a filter that matches every event, are warnings. --json prints the whole report (also on failure).`
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> -f knative/',
    '<%= config.bin %> <%= command.id %> -f broker.yaml -f triggers/ --json   # in CI: exit 3 and a JSON report when something is wrong',
  ]
  static override flags = {
    filename: Flags.string({
      char: 'f',
      multiple: true,
      description: 'manifest file or folder (repeatable) [default: the manifests folder in kne.yaml]',
    }),
    config: Flags.string({description: 'path to kne.yaml [default: ./kne.yaml, or beside the manifests]'}),
    namespace: Flags.string({
      char: 'n',
      description: 'namespace of resources that set none [default: kne.yaml namespace, else default]',
      env: 'KNE_NAMESPACE',
    }),
  }

  async run(): Promise<ValidationReport> {
    const report = validateProject({files: this.flags.filename ?? [], config: this.flags.config, namespace: this.flags.namespace})
    if (this.jsonEnabled()) {
      if (!report.valid) this.setExitCode(EXIT.invalid)
      return report
    }
    const show = manifestErrorFormatter(process.cwd())
    for (const w of report.warnings) this.note(`warning: ${show(w)}`)
    const where = report.paths.map((p) => displayPath(p)).join(', ')
    if (!report.valid) {
      this.fail(
        new KneError(
          `${report.errors.length} problem(s) in ${problemsIn(report.errors, report.config, where)}`,
          'INVALID_MANIFEST',
        ).withDetails(report.errors.map(show)),
      )
    }
    const notRun = report.resources.filter((r) => !r.emulated).length
    this.log(
      `${report.resources.length} resource(s) valid in ${where}${notRun > 0 ? ` (${notRun} not run by kne dev yet)` : ''}${report.warnings.length > 0 ? `, ${report.warnings.length} warning(s)` : ''}`,
    )
    return report
  }
}
