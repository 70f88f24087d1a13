import {Args, Flags} from '@oclif/core'
import {describeFlags} from '../../cli/index.js'
import {ScaffoldCommand} from '../../cli/scaffold-command.js'
import type {DescribeResult} from '../../scaffold/inspect.js'
import {kindIs} from '../../scaffold/workspace.js'

export default class JobSinkDescribe extends ScaffoldCommand<typeof JobSinkDescribe> {
  static override summary =
    'Show a JobSink the running kne dev runs (or, with -f, in the manifests): its manifest, address, conditions, recent jobs and job counts.'
  static override examples = [
    '<%= config.bin %> <%= command.id %> job-sink-logger',
    '<%= config.bin %> <%= command.id %> job-sink-logger -o url   # just the URL events go to',
    '<%= config.bin %> <%= command.id %> report -n shop -o yaml',
  ]
  static override args = {name: Args.string({required: true, description: 'JobSink name'})}
  static override flags = {
    ...describeFlags,
    output: Flags.string({
      char: 'o',
      options: ['yaml', 'json', 'url'],
      description: 'print the JobSink (with live status) in this format, or only its URL',
    }),
  }

  async run(): Promise<DescribeResult> {
    return this.runDescribe(this.args.name, kindIs('JobSink'))
  }
}
