import {Args, Flags} from '@oclif/core'
import {ceOverrideFlag, createFlags, keyValueFlag, prose, sinkFlag} from '../../../cli/index.js'
import {ScaffoldCommand} from '../../../cli/scaffold-command.js'
import {scaffoldContainerSource, type Manifest} from '../../../scaffold/index.js'

export default class SourceContainerCreate extends ScaffoldCommand<typeof SourceContainerCreate> {
  static override summary = 'Create a ContainerSource: a container image that sends events to $K_SINK.'
  static override description = prose`Writes a sources.knative.dev/v1 ContainerSource to <manifests>/containersource-NAME.yaml. In a cluster Knative
runs the image with K_SINK (the sink's URL) and K_CE_OVERRIDES set. kne does not run containers: run the program
locally with K_SINK set to the sink's URL (\`kne broker describe NAME -o url\` prints a broker's).`
  static override examples = [
    '<%= config.bin %> <%= command.id %> heartbeats --image gcr.io/knative-nightly/knative.dev/eventing/cmd/heartbeats --arg --period=1 --sink broker:default',
    '<%= config.bin %> <%= command.id %> poller --image ghcr.io/acme/poller:1.2 --env INTERVAL=30s --sink ksvc:event-display',
  ]
  static override args = {name: Args.string({description: 'source name (a Kubernetes name)'})}
  static override flags = {
    ...createFlags,
    image: Flags.string({description: 'container image'}),
    cmd: Flags.string({multiple: true, description: 'command (entrypoint) of the container; repeat for each element'}),
    arg: Flags.string({multiple: true, description: 'argument of the container; repeat for each'}),
    env: keyValueFlag({char: 'e', description: 'environment variable NAME=VALUE (repeatable)'}),
    'service-account': Flags.string({description: 'service account the pod runs as'}),
    sink: sinkFlag,
    'ce-override': ceOverrideFlag,
  }

  async run(): Promise<Manifest> {
    const {flags} = this
    const result = await scaffoldContainerSource(
      {
        name: this.args.name,
        image: flags.image,
        cmd: flags.cmd,
        args: flags.arg,
        env: flags.env,
        serviceAccount: flags['service-account'],
        sink: flags.sink,
        ceOverride: flags['ce-override'],
      },
      {project: this.project(), options: {force: flags.force, dryRun: flags['dry-run']}},
    )
    return this.report(result, flags.output)
  }
}
