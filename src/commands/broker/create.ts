import {Args, Flags} from '@oclif/core'
import {createFlags, deliveryFlags, prose} from '../../cli/index.js'
import {ScaffoldCommand} from '../../cli/scaffold-command.js'
import {scaffoldBroker, type Manifest} from '../../scaffold/index.js'

export default class BrokerCreate extends ScaffoldCommand<typeof BrokerCreate> {
  static override summary = "Create a broker: writes its manifest to the project's manifests folder."
  static override description = prose`Writes an eventing.knative.dev/v1 Broker to <manifests>/broker-NAME.yaml, with kn's flags. Without delivery
flags the broker gets Knative's defaults (10 retries, exponential backoff from PT0.2S); any delivery flag
replaces them all, as in Knative. kne dev serves the broker at http://127.0.0.1:<port>/<namespace>/NAME.`
  static override examples = [
    '<%= config.bin %> <%= command.id %> orders',
    '<%= config.bin %> <%= command.id %> orders -n shop --dl-sink ksvc:dead-letters --retry 3 --backoff-policy linear --backoff-delay PT1S',
    '<%= config.bin %> <%= command.id %> orders --dry-run -o json',
  ]
  static override args = {name: Args.string({description: 'broker name (a Kubernetes name)'})}
  static override flags = {
    ...createFlags,
    ...deliveryFlags,
    class: Flags.string({description: 'broker class annotation [Knative default: MTChannelBasedBroker]'}),
  }

  async run(): Promise<Manifest> {
    const {flags} = this
    const result = await scaffoldBroker(
      {
        name: this.args.name,
        className: flags.class,
        dlSink: flags['dl-sink'],
        retry: flags.retry,
        backoffPolicy: flags['backoff-policy'],
        backoffDelay: flags['backoff-delay'],
        timeout: flags.timeout,
        retryAfterMax: flags['retry-after-max'],
      },
      {project: this.project(), options: {force: flags.force, dryRun: flags['dry-run']}},
    )
    return this.report(result, flags.output)
  }
}
