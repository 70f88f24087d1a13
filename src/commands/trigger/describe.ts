import {Args} from '@oclif/core'
import {describeFlags} from '../../cli/index.js'
import {ScaffoldCommand} from '../../cli/scaffold-command.js'
import type {DescribeResult} from '../../scaffold/inspect.js'
import {kindIs} from '../../scaffold/workspace.js'

export default class TriggerDescribe extends ScaffoldCommand<typeof TriggerDescribe> {
  static override summary =
    'Show a trigger the running kne dev runs (or, with -f, in the manifests): broker, filters, sink and its resolved URI, delivery, conditions and counters.'
  static override examples = ['<%= config.bin %> <%= command.id %> orders', '<%= config.bin %> <%= command.id %> orders -o yaml']
  static override args = {name: Args.string({required: true, description: 'trigger name'})}
  static override flags = describeFlags

  async run(): Promise<DescribeResult> {
    return this.runDescribe(this.args.name, kindIs('Trigger'))
  }
}
