import {Args, Flags} from '@oclif/core'
import {createFlags, keyValueFlag, prose} from '../../cli/index.js'
import {ScaffoldCommand} from '../../cli/scaffold-command.js'
import {scaffoldKind, type Manifest} from '../../scaffold/index.js'

export default class JobSinkCreate extends ScaffoldCommand<typeof JobSinkCreate> {
  static override summary = 'Create a JobSink: a job per event it receives, the event as a JSON file.'
  static override description = prose`Writes a sinks.knative.dev/v1alpha1 JobSink to <manifests>/jobsink-NAME.yaml. In a cluster Knative starts a
Kubernetes Job from the image for each event, with the event at /etc/jobsink-event/event. kne runs no images:
kne dev runs the container's command and args (--cmd, --arg) as a local process per event, with
/etc/jobsink-event/event in them replaced by the event's file (also in KNE_JOBSINK_EVENT_FILE). Without --cmd
the JobSink loads but is not Ready in kne dev. kne dev serves it at http://127.0.0.1:<port>/jobsinks/<namespace>/NAME.`
  static override examples = [
    '<%= config.bin %> <%= command.id %> job-sink-logger --image docker.io/library/bash:5 --cmd cat --arg /etc/jobsink-event/event',
    '<%= config.bin %> <%= command.id %> report --image ghcr.io/acme/report:1 --cmd node --arg report.js -e MODE=batch --dry-run',
  ]
  static override args = {name: Args.string({description: 'JobSink name (a Kubernetes name)'})}
  static override flags = {
    ...createFlags,
    image: Flags.string({description: "the job container's image (what a cluster runs; kne runs --cmd instead)"}),
    cmd: Flags.string({multiple: true, description: 'command (entrypoint) of the job container; repeat for each element'}),
    arg: Flags.string({multiple: true, description: 'argument of the job container; repeat for each'}),
    env: keyValueFlag({char: 'e', description: 'environment variable NAME=VALUE (repeatable)'}),
  }

  async run(): Promise<Manifest> {
    const {flags} = this
    const result = await scaffoldKind(
      'JobSink',
      {name: this.args.name, image: flags.image, cmd: flags.cmd, args: flags.arg, env: flags.env},
      {project: this.project(), options: {force: flags.force, dryRun: flags['dry-run']}},
    )
    return this.report(result, flags.output)
  }
}
