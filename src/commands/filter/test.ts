import {Flags} from '@oclif/core'
import {KneCommand} from '../../base-command.js'
import {filterTest, type FilterTestReport} from '../../client/filter-test.js'
import {colors} from '../../client/render.js'
import {renderExplanation} from '../../client/render-explain.js'
import {prose} from '../../help-text.js'

export default class FilterTest extends KneCommand<typeof FilterTest> {
  static override summary = 'Evaluate a trigger filter against an event and explain the decision.'
  static override description = prose`Decides as the broker would: which of spec.filters / spec.filter applies, every sub-filter's
result, the attribute values it saw (after Knative's lookup rules), and CESQL values and errors. The event is
a CloudEvent in the JSON format (a file, or - for stdin). Exits 0 when the event would be delivered, 1 when
the filter drops it, 2 when the input (event, filter or trigger) is not valid.`
  static override examples = [
    '<%= config.bin %> <%= command.id %> --event order.json --trigger order-created',
    '<%= config.bin %> <%= command.id %> --event order.json --filter type=com.example.order.created --filter source=/shop',
    '<%= config.bin %> <%= command.id %> --event order.json --cesql "type LIKE \'com.example.%\' AND priority > 2"',
    'cat order.json | <%= config.bin %> <%= command.id %> --event - --filters filters.yaml --json',
  ]
  static override flags = {
    event: Flags.string({char: 'e', required: true, description: 'CloudEvent in the JSON format: a file, or - for stdin'}),
    trigger: Flags.string({char: 't', description: 'a trigger from the manifests, by name'}),
    filename: Flags.string({char: 'f', multiple: true, description: 'manifest file or folder to find --trigger in [default: kne.yaml manifests folder]'}),
    namespace: Flags.string({char: 'n', default: 'default', description: 'namespace of --trigger', env: 'KNE_NAMESPACE'}),
    filter: Flags.string({multiple: true, description: 'legacy exact-match attribute NAME=VALUE (repeatable)'}),
    filters: Flags.string({description: 'YAML file with a spec.filters list (or a mapping with filters/filter)'}),
    cesql: Flags.string({description: 'a CESQL expression'}),
  }

  async run(): Promise<FilterTestReport> {
    const {flags} = this
    const report = filterTest({event: flags.event, trigger: flags.trigger, files: flags.filename, namespace: flags.namespace,
      filter: flags.filter, filtersFile: flags.filters, cesql: flags.cesql})
    if (!report.explanation.delivers) process.exitCode = 1
    this.log(`${report.subject}:`)
    for (const line of renderExplanation(report.explanation, colors())) this.log(line)
    return report
  }
}
