import {Args, Flags} from '@oclif/core'
import {KneCommand, prose, registryFlags, registryOptions} from '../../cli/index.js'
import {colors} from '../../client/render.js'
import {registryExample, type RegistryExampleResult} from '../../client/registry.js'
import {readFromNote} from '../../scaffold/inspect.js'

export default class RegistryExample extends KneCommand<typeof RegistryExample> {
  static override summary = 'Print an example event of a type: declared, the latest observed, or made from its schema.'
  static override description = prose`Prints one event of the type in the CloudEvents JSON format on stdout, and on stderr which example it is:
the example the EventType's JSON Schema gives (its examples keyword), else the latest event kne dev saw, else
the event a source such as a PingSource sends, else one made from the schema with every required field
(const, enum, default, formats such as date-time, uuid and email, bounds, nested objects and arrays). kne send
--example TYPE sends the same event, with a fresh id and time. An unknown type, or one without a schema or a
seen event, exits 2.`
  static override examples = [
    '<%= config.bin %> <%= command.id %> com.example.order.created',
    '<%= config.bin %> <%= command.id %> com.example.order.created --broker orders -n shop --json',
    '<%= config.bin %> <%= command.id %> com.example.order.created | jq .data',
  ]
  static override args = {type: Args.string({required: true, description: 'the event type (ce-type)'})}
  static override flags = {
    ...registryFlags,
    broker: Flags.string({char: 'b', description: "prefer the type as it flows into this broker (in --namespace, else the project's)"}),
  }

  async run(): Promise<RegistryExampleResult> {
    const {flags} = this
    const result = await registryExample(this.args.type, {
      ...registryOptions(flags, this.config.dataDir),
      namespace: flags.namespace,
      broker: flags.broker,
    })
    this.log(JSON.stringify(result.event, null, 2))
    const dim = colors(process.stderr).dim
    this.note(dim(`${result.type} at ${result.reference}: ${result.from}`))
    const from = readFromNote(result)
    if (from) this.note(dim(from))
    return result
  }
}
