import {Args} from '@oclif/core'
import {describeFlags, sourceKindFlag} from '../../cli/index.js'
import {ScaffoldCommand, sourceMatch} from '../../cli/scaffold-command.js'
import type {DescribeResult} from '../../scaffold/inspect.js'

export default class SourceDescribe extends ScaffoldCommand<typeof SourceDescribe> {
  static override summary = 'Show an event source the running kne dev runs (or, with -f, in the manifests): its spec, sink and live status.'
  static override examples = [
    '<%= config.bin %> <%= command.id %> heartbeat',
    '<%= config.bin %> <%= command.id %> heartbeat --kind ping -o yaml',
  ]
  static override args = {name: Args.string({required: true, description: 'source name'})}
  static override flags = {...describeFlags, kind: sourceKindFlag}

  async run(): Promise<DescribeResult> {
    return this.runDescribe(this.args.name, sourceMatch(this.flags.kind))
  }
}
