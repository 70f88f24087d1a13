import {Args, Flags} from '@oclif/core'
import {ceOverrideFlag, createFlags, prose, sinkFlag} from '../../../cli/index.js'
import {ScaffoldCommand} from '../../../cli/scaffold-command.js'
import {scaffoldSinkBinding, type Manifest} from '../../../scaffold/index.js'

export default class SourceBindingCreate extends ScaffoldCommand<typeof SourceBindingCreate> {
  static override summary = 'Create a SinkBinding: gives a workload K_SINK (and K_CE_OVERRIDES) to send events to.'
  static override description = prose`Writes a sources.knative.dev/v1 SinkBinding to <manifests>/sinkbinding-NAME.yaml. --subject names the workload
as Kind:apiVersion:name, or as Kind:apiVersion:key=value[,key=value] for every workload with those labels. kne
does not run workloads: give your local process K_SINK (the sink's URL) and K_CE_OVERRIDES as a bound pod would
get them.`
  static override examples = [
    '<%= config.bin %> <%= command.id %> bind-app --subject Deployment:apps/v1:myapp --sink broker:default',
    '<%= config.bin %> <%= command.id %> bind-jobs --subject Job:batch/v1:app=heartbeat --sink ksvc:event-display --ce-override team=orders',
  ]
  static override args = {name: Args.string({description: 'binding name (a Kubernetes name)'})}
  static override flags = {
    ...createFlags,
    subject: Flags.string({description: 'the workload: Kind:apiVersion:name or Kind:apiVersion:key=value[,key=value]'}),
    sink: sinkFlag,
    'ce-override': ceOverrideFlag,
  }

  async run(): Promise<Manifest> {
    const {flags} = this
    const result = await scaffoldSinkBinding(
      {name: this.args.name, subject: flags.subject, sink: flags.sink, ceOverride: flags['ce-override']},
      {project: this.project(), options: {force: flags.force, dryRun: flags['dry-run']}},
    )
    return this.report(result, flags.output)
  }
}
