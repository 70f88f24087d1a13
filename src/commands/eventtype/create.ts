import {Args, Flags} from '@oclif/core'
import {createFlags, destinationFlag, prose} from '../../cli/index.js'
import {ScaffoldCommand} from '../../cli/scaffold-command.js'
import {createEventType} from '../../scaffold/eventtype.js'
import type {Manifest} from '../../scaffold/index.js'

export default class EventtypeCreate extends ScaffoldCommand<typeof EventtypeCreate> {
  static override summary = 'Create an eventtype: declare an event type in the registry (an eventing.knative.dev/v1beta2 EventType).'
  static override description = prose`Writes an EventType to <manifests>/eventtype-NAME.yaml, with kn's flags: -t/--type, --source, and where its
events come through, -b/--broker or -r/--reference (broker:NAME or channel:NAME; not both). --schema-data can
hold the JSON Schema of the data, which kne registry describe shows.`
  static override examples = [
    '<%= config.bin %> <%= command.id %> order-created --type com.example.order.created --source /shop --broker default',
    '<%= config.bin %> <%= command.id %> myeventtype -t example.type -n myproject',
    '<%= config.bin %> <%= command.id %> payment -t com.example.payment -r channel:payments --schema-data \'{"type":"object","required":["amount"]}\'',
  ]
  static override args = {name: Args.string({required: true, description: 'eventtype name (a Kubernetes name)'})}
  static override flags = {
    ...createFlags,
    type: Flags.string({char: 't', required: true, description: 'the CloudEvents type (ce-type)'}),
    source: Flags.string({description: 'the CloudEvents source (ce-source), a URI reference'}),
    broker: Flags.string({char: 'b', description: 'the broker its events come through'}),
    reference: destinationFlag({
      char: 'r',
      description: 'the addressable its events come through: broker:NAME or channel:NAME (with :NAMESPACE optional)',
    }),
    description: Flags.string({description: 'what the event means'}),
    schema: Flags.string({description: "URI of the data schema (spec.schema, the events' dataschema)"}),
    'schema-data': Flags.string({description: 'the data schema itself, e.g. a JSON Schema (spec.schemaData)'}),
  }

  async run(): Promise<Manifest> {
    const {flags} = this
    const result = createEventType(
      this.project(),
      {
        name: this.args.name,
        type: flags.type,
        source: flags.source,
        broker: flags.broker,
        reference: flags.reference,
        description: flags.description,
        schema: flags.schema,
        schemaData: flags['schema-data'],
      },
      {force: flags.force, dryRun: flags['dry-run']},
    )
    return this.report(result, flags.output)
  }
}
