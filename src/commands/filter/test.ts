import {Flags} from '@oclif/core'
import {KneCommand, keyValueFlag, prose} from '../../cli/index.js'
import {filterTest, type BrokerFilterReport, type FilterTestReport} from '../../client/filter-test.js'
import {colors} from '../../client/render.js'
import {renderBrokerFilterReport, renderExplanation} from '../../client/render-explain.js'
import {EXIT} from '../../core/errors.js'

/** Like grep's 1: the answer is no, nothing went wrong. */
const NOT_DELIVERED = 1

export default class FilterTest extends KneCommand<typeof FilterTest> {
  static override exitCodes = [EXIT.ok, NOT_DELIVERED, EXIT.usage]
  static override exitCodeMeanings = {
    [EXIT.ok]: 'the event would be delivered (to at least one trigger)',
    [NOT_DELIVERED]: 'the event would not be delivered',
    [EXIT.usage]: 'the event, filter or trigger is not valid',
  }
  static override summary = 'Evaluate a trigger filter against an event and explain the decision.'
  static override description = prose`Decides as the broker would: which of spec.filters / spec.filter applies, every sub-filter's
result, the attribute values it saw (after Knative's lookup rules), and CESQL values and errors. The event is
a CloudEvent in the JSON format (--event FILE, or - for stdin), or is built from --type, --source, --subject
and --extension as kne send builds it. The filter is a trigger's from the manifests (--trigger), or one
given with --filter, --filters or --cesql; without any, every trigger of --broker is evaluated. Exits 0
when the event would be delivered (to at least one trigger), 1 when it would not, 2 when the input (event,
filter or trigger) is not valid.`
  static override examples = [
    '<%= config.bin %> <%= command.id %> --event order.json --trigger order-created',
    '<%= config.bin %> <%= command.id %> --event order.json --filter type=com.example.order.created --filter source=/shop',
    '<%= config.bin %> <%= command.id %> --event order.json --cesql "type LIKE \'com.example.%\' AND priority > 2"',
    'cat order.json | <%= config.bin %> <%= command.id %> --event - --filters filters.yaml --json',
    '<%= config.bin %> <%= command.id %> --type com.example.order.created --source /shop --extension priority=3   # every trigger of the default broker',
  ]
  static override flags = {
    event: Flags.string({char: 'e', description: 'CloudEvent in the JSON format: a file, or - for stdin'}),
    type: Flags.string({description: "without --event: the event's type", exclusive: ['event']}),
    source: Flags.string({description: "without --event: the event's source [default: kne]", dependsOn: ['type']}),
    subject: Flags.string({description: "without --event: the event's subject", dependsOn: ['type']}),
    extension: keyValueFlag({description: 'without --event: an extension attribute NAME=VALUE (repeatable)', dependsOn: ['type']}),
    trigger: Flags.string({char: 't', description: 'a trigger from the manifests, by name'}),
    broker: Flags.string({
      char: 'b',
      description: 'without a trigger or a filter: the broker whose triggers are evaluated [default: default]',
    }),
    filename: Flags.string({
      char: 'f',
      multiple: true,
      description: 'manifest file or folder to find --trigger in [default: kne.yaml manifests folder]',
    }),
    namespace: Flags.string({char: 'n', default: 'default', description: 'namespace of --trigger', env: 'KNE_NAMESPACE'}),
    filter: keyValueFlag({description: 'legacy exact-match attribute NAME=VALUE (repeatable)'}),
    filters: Flags.string({description: 'YAML file with a spec.filters list (or a mapping with filters/filter)'}),
    cesql: Flags.string({description: 'a CESQL expression'}),
  }

  async run(): Promise<FilterTestReport | BrokerFilterReport> {
    const {flags} = this
    const report = filterTest({
      event: flags.event,
      trigger: flags.trigger,
      files: flags.filename,
      namespace: flags.namespace,
      attributes: {type: flags.type, source: flags.source, subject: flags.subject, extensions: flags.extension},
      broker: flags.broker,
      filter: flags.filter,
      filtersFile: flags.filters,
      cesql: flags.cesql,
    })
    if ('triggers' in report) {
      if (!report.delivers) this.setExitCode(NOT_DELIVERED)
      for (const line of renderBrokerFilterReport(report, colors())) this.log(line)
      return report
    }
    if (!report.explanation.delivers) this.setExitCode(NOT_DELIVERED)
    this.log(`${report.subject}:`)
    for (const line of renderExplanation(report.explanation, colors())) this.log(line)
    return report
  }
}
