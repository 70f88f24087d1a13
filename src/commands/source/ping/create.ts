import {Args, Flags} from '@oclif/core'
import {ceOverrideFlag, createFlags, prose, sinkFlag} from '../../../cli/index.js'
import {ScaffoldCommand} from '../../../cli/scaffold-command.js'
import {scaffoldPingSource, type Manifest} from '../../../scaffold/index.js'

export default class SourcePingCreate extends ScaffoldCommand<typeof SourcePingCreate> {
  static override summary = 'Create a PingSource: sends a fixed event to a sink on a cron schedule.'
  static override description = prose`Writes a sources.knative.dev/v1 PingSource to <manifests>/pingsource-NAME.yaml. Each tick sends an event of type
dev.knative.sources.ping from /apis/v1/namespaces/<namespace>/pingsources/NAME carrying --data (or the bytes of
--data-base64) with --content-type as its datacontenttype. --schedule takes 5 or 6 cron fields or a descriptor
such as @hourly (not @every); --timezone an IANA name. --data is stored as given (kn guesses base64; use -e
base64 or --data-base64 for that).`
  static override examples = [
    '<%= config.bin %> <%= command.id %> heartbeat --schedule "*/1 * * * *" --data \'{"message": "hello"}\' --content-type application/json --sink broker:default',
    '<%= config.bin %> <%= command.id %> nightly --schedule "0 3 * * *" --timezone Europe/Amsterdam --data-base64 aGVsbG8= --sink ksvc:event-display',
  ]
  static override args = {name: Args.string({description: 'source name (a Kubernetes name)'})}
  static override flags = {
    ...createFlags,
    schedule: Flags.string({description: 'cron schedule, e.g. "*/2 * * * *" (every two minutes)'}),
    data: Flags.string({char: 'd', description: 'event data, as text (JSON with --content-type application/json)'}),
    'data-base64': Flags.string({description: 'event data, base64-encoded bytes (spec.dataBase64)', exclusive: ['data']}),
    encoding: Flags.string({char: 'e', options: ['text', 'base64'], description: "how --data is encoded (kn's flag) [default: text]"}),
    'content-type': Flags.string({description: 'datacontenttype of the events, e.g. application/json'}),
    timezone: Flags.string({description: 'IANA time zone of the schedule, e.g. Europe/Amsterdam [default: UTC]'}),
    sink: sinkFlag,
    'ce-override': ceOverrideFlag,
  }

  async run(): Promise<Manifest> {
    const {flags} = this
    const result = await scaffoldPingSource(
      {
        name: this.args.name,
        schedule: flags.schedule,
        data: flags.data,
        dataBase64: flags['data-base64'],
        encoding: flags.encoding,
        contentType: flags['content-type'],
        timezone: flags.timezone,
        sink: flags.sink,
        ceOverride: flags['ce-override'],
      },
      {project: this.project(), options: {force: flags.force, dryRun: flags['dry-run']}},
    )
    return this.report(result, flags.output)
  }
}
