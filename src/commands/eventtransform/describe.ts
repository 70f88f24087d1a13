import {Args} from '@oclif/core'
import {describeFlags, outputFlag} from '../../cli/index.js'
import {ScaffoldCommand} from '../../cli/scaffold-command.js'
import {eventTransformKind} from '../../kinds/event-transform/descriptor.js'
import type {DescribeResult} from '../../scaffold/inspect.js'
import {kindIs} from '../../scaffold/workspace.js'

export default class EventTransformDescribe extends ScaffoldCommand<typeof EventTransformDescribe> {
  static override summary =
    'Show an EventTransform the running kne dev runs (or, with -f, in the manifests): its expressions, sink, conditions and counters.'
  static override examples = [
    '<%= config.bin %> <%= command.id %> rename',
    '<%= config.bin %> <%= command.id %> rename -o url   # just the URL the running mesh serves it at',
    '<%= config.bin %> <%= command.id %> rename -o yaml',
  ]
  static override args = {name: Args.string({required: true, description: 'EventTransform name'})}
  static override flags = {
    ...describeFlags,
    output: outputFlag('print the EventTransform (with live status) in this format, or only its URL', ['yaml', 'json', 'url']),
  }

  async run(): Promise<DescribeResult> {
    return this.runDescribe(this.args.name, kindIs(eventTransformKind.kind))
  }
}
