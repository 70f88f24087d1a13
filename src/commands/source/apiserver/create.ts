import {Args, Flags} from '@oclif/core'
import {ceOverrideFlag, createFlags, prose, sinkFlag} from '../../../cli/index.js'
import {ScaffoldCommand} from '../../../cli/scaffold-command.js'
import {API_SERVER_MODES} from '../../../core/manifests/index.js'
import {scaffoldApiServerSource, type Manifest} from '../../../scaffold/index.js'

export default class SourceApiserverCreate extends ScaffoldCommand<typeof SourceApiserverCreate> {
  static override summary = 'Create an ApiServerSource: Kubernetes API events (add, update, delete) sent to a sink.'
  static override description = prose`Writes a sources.knative.dev/v1 ApiServerSource to <manifests>/apiserversource-NAME.yaml. --resource is
Kind:apiVersion, optionally with a label selector (Kind:apiVersion:key=value[,key=value]); repeat it to watch
several kinds. kne has no Kubernetes API server to watch: it loads and validates the source but emits nothing.`
  static override examples = [
    '<%= config.bin %> <%= command.id %> k8s-events --resource Event:v1 --service-account events-reader --sink broker:default',
    '<%= config.bin %> <%= command.id %> deployments --resource Deployment:apps/v1:app=shop --mode Resource --sink ksvc:event-display',
  ]
  static override args = {name: Args.string({description: 'source name (a Kubernetes name)'})}
  static override flags = {
    ...createFlags,
    resource: Flags.string({multiple: true, description: 'what to watch: Kind:apiVersion[:key=value[,key=value]] (repeatable)'}),
    mode: Flags.string({
      options: [...API_SERVER_MODES],
      description: 'Reference (the default in Knative) sends a reference; Resource the whole object',
    }),
    'service-account': Flags.string({description: 'service account allowed to watch the resources [Knative default: default]'}),
    sink: sinkFlag,
    'ce-override': ceOverrideFlag,
  }

  async run(): Promise<Manifest> {
    const {flags} = this
    const result = await scaffoldApiServerSource(
      {
        name: this.args.name,
        resource: flags.resource ?? [],
        mode: flags.mode,
        serviceAccount: flags['service-account'],
        sink: flags.sink,
        ceOverride: flags['ce-override'],
      },
      {project: this.project(), options: {force: flags.force, dryRun: flags['dry-run']}},
    )
    return this.report(result, flags.output)
  }
}
