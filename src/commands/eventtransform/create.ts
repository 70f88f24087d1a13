import {readFileSync} from 'node:fs'
import {Args, Flags} from '@oclif/core'
import {createFlags, prose, sinkFlag} from '../../cli/index.js'
import {ScaffoldCommand} from '../../cli/scaffold-command.js'
import {EXIT, KneError} from '../../core/errors.js'
import {eventTransformKind} from '../../kinds/event-transform/descriptor.js'
import {scaffoldKind, type Manifest} from '../../scaffold/index.js'

export default class EventTransformCreate extends ScaffoldCommand<typeof EventTransformCreate> {
  static override summary = 'Create an EventTransform: a JSONata expression that maps each event it receives to a new one.'
  static override description = prose`Writes an eventing.knative.dev/v1alpha1 EventTransform to <manifests>/eventtransform-NAME.yaml. The
expression (--jsonata, or --jsonata-file) gets the whole event in the CloudEvents JSON format (attributes,
extensions and data) and returns the new event, with "specversion": "1.0". With --sink the new event goes there
and the sink's response is the answer (--reply-jsonata transforms it, --reply-discard drops it); without one, the
new event is the answer, so a Trigger whose subscriber is the EventTransform puts it back on its broker.
kne dev serves it at /eventtransforms/<namespace>/NAME; --sink eventtransform:NAME names it elsewhere.
An expression JSONata cannot compile is refused, with the line and column.`
  static override examples = [
    `<%= config.bin %> <%= command.id %> rename --jsonata '{"specversion": "1.0", "id": id, "source": source, "type": "order.renamed", "data": data}'`,
    '<%= config.bin %> <%= command.id %> to-crm --jsonata-file transforms/crm.jsonata --sink ksvc:crm --reply-discard',
  ]
  static override args = {name: Args.string({description: 'EventTransform name (a Kubernetes name)'})}
  static override flags = {
    ...createFlags,
    jsonata: Flags.string({description: 'the JSONata expression (spec.jsonata.expression)', exclusive: ['jsonata-file']}),
    'jsonata-file': Flags.string({description: 'read the JSONata expression from this file'}),
    sink: sinkFlag,
    'reply-jsonata': Flags.string({
      description: "JSONata expression for the sink's response (spec.reply.jsonata.expression); needs --sink",
    }),
    'reply-discard': Flags.boolean({description: "answer with the sink's status and no body (spec.reply.discard); needs --sink"}),
  }

  async run(): Promise<Manifest> {
    const {flags} = this
    const result = await scaffoldKind(
      eventTransformKind.kind,
      {
        name: this.args.name,
        jsonata: flags['jsonata-file'] === undefined ? flags.jsonata : readExpression(flags['jsonata-file']),
        sink: flags.sink,
        replyJsonata: flags['reply-jsonata'],
        replyDiscard: flags['reply-discard'],
      },
      {project: this.project(), options: {force: flags.force, dryRun: flags['dry-run']}},
    )
    return this.report(result, flags.output)
  }
}

function readExpression(file: string): string {
  try {
    return readFileSync(file, 'utf8')
  } catch (error) {
    throw new KneError(`--jsonata-file ${file}: ${(error as Error).message}`, 'NOT_FOUND', EXIT.usage)
  }
}
