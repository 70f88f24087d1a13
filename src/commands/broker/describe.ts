import {Args, Flags} from '@oclif/core'
import {describeFlags} from '../../cli/index.js'
import {ScaffoldCommand} from '../../cli/scaffold-command.js'
import type {DescribeResult} from '../../scaffold/inspect.js'
import {kindIs} from '../../scaffold/workspace.js'

export default class BrokerDescribe extends ScaffoldCommand<typeof BrokerDescribe> {
  static override summary =
    'Show a broker the running kne dev runs (or, with -f, in the manifests): its manifest, address, delivery, conditions and counters.'
  static override examples = [
    '<%= config.bin %> <%= command.id %> default',
    '<%= config.bin %> <%= command.id %> default -o url   # just the URL of the running broker',
    '<%= config.bin %> <%= command.id %> orders -n shop -o yaml',
  ]
  static override args = {name: Args.string({required: true, description: 'broker name'})}
  static override flags = {
    ...describeFlags,
    output: Flags.string({
      char: 'o',
      options: ['yaml', 'json', 'url'],
      description: 'print the broker (with live status) in this format, or only its URL',
    }),
  }

  async run(): Promise<DescribeResult> {
    return this.runDescribe(this.args.name, kindIs('Broker'))
  }
}
