import {Args} from '@oclif/core'
import {KneCommand, prose, registryFlags, registryOptions} from '../../cli/index.js'
import {colors} from '../../client/render.js'
import {describeRegistryType, type RegistryDescribeResult} from '../../client/registry.js'
import {describeEntryText} from '../../client/registry-render.js'
import {readFromNote} from '../../scaffold/inspect.js'

export default class RegistryDescribe extends KneCommand<typeof RegistryDescribe> {
  static override summary = 'Everything about one event type: attributes, schema, an example, producers, consumers, and commands to use it.'
  static override description = prose`Shows the type's attributes (required or optional, fixed values and examples), description, data schema
(declared in an EventType, provided by a source, or inferred from the events kne dev saw), one example event,
who produces it and which triggers consume it: every trigger whose filter can match the type, whatever
dialect it uses ("may match" when the filter depends on attributes the registry does not know). It ends with
ready-to-paste kne trigger create and kne send lines. An unknown type exits 2 and names the nearest known ones.`
  static override examples = [
    '<%= config.bin %> <%= command.id %> com.example.order.created',
    '<%= config.bin %> <%= command.id %> dev.knative.sources.ping -n shop --json',
  ]
  static override args = {type: Args.string({required: true, description: 'the event type (ce-type)'})}
  static override flags = registryFlags

  async run(): Promise<RegistryDescribeResult> {
    const result = await describeRegistryType(this.args.type, {
      ...registryOptions(this.flags, this.config.dataDir),
      namespace: this.flags.namespace,
    })
    const c = colors()
    result.entries.forEach((entry, i) => {
      if (i > 0) this.log('')
      for (const line of describeEntryText(entry, c)) this.log(line)
    })
    if (!result.mesh && result.meshProblem) this.note(colors(process.stderr).dim(result.meshProblem))
    const from = readFromNote(result)
    if (from) this.note(colors(process.stderr).dim(from))
    return result
  }
}
