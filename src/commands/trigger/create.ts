import {Args, Flags} from '@oclif/core'
import {createFlags, deliveryFlags, keyValueFlag, prose, sinkFlag} from '../../cli/index.js'
import {ScaffoldCommand} from '../../cli/scaffold-command.js'
import {scaffoldTrigger, type Manifest} from '../../scaffold/index.js'

export default class TriggerCreate extends ScaffoldCommand<typeof TriggerCreate> {
  static override summary = 'Create a trigger: events from a broker that pass its filter go to a sink.'
  static override description = prose`Writes an eventing.knative.dev/v1 Trigger to <manifests>/trigger-NAME.yaml. --filter writes kn's legacy exact
match (spec.filter.attributes; "" matches any non-empty value). --exact, --prefix, --suffix and --cesql write
the SubscriptionsAPI filters kn cannot (spec.filters: one element per dialect, one per CESQL expression, all of
them must pass); they cannot be mixed with --filter, which Knative would then ignore. Delivery flags replace the
broker's delivery for this trigger (all of it: --retry without --backoff-delay and --backoff-policy retries back to
back, as in Knative, and a warning says so). Missing NAME, --sink (and --broker, when there are brokers other than default) are asked for in a
terminal; without one the command exits 2.`
  static override examples = [
    '<%= config.bin %> <%= command.id %> orders --broker default --filter type=com.example.order.created --sink ksvc:order-processor',
    '<%= config.bin %> <%= command.id %> audit --prefix type=com.example. --suffix source=/eu --sink http://127.0.0.1:3000',
    '<%= config.bin %> <%= command.id %> big-orders --cesql "type = \'com.example.order.created\' AND INT(amount) > 100" --sink ksvc:vip',
    '<%= config.bin %> <%= command.id %> orders --sink svc:receiver:shop --retry 3 --backoff-policy exponential --backoff-delay PT0.5S --dl-sink ksvc:dead-letters',
  ]
  static override args = {name: Args.string({description: 'trigger name (a Kubernetes name)'})}
  static override flags = {
    ...createFlags,
    broker: Flags.string({description: 'broker to subscribe to [default: default]'}),
    sink: sinkFlag,
    filter: keyValueFlag({description: 'legacy exact match KEY=VALUE on an attribute (repeatable; a=1,b=2 is two)'}),
    exact: keyValueFlag({description: 'SubscriptionsAPI exact match KEY=VALUE (repeatable)'}),
    prefix: keyValueFlag({description: 'SubscriptionsAPI prefix match KEY=VALUE (repeatable)'}),
    suffix: keyValueFlag({description: 'SubscriptionsAPI suffix match KEY=VALUE (repeatable)'}),
    cesql: Flags.string({multiple: true, description: 'CloudEvents SQL expression that must be true (repeatable)'}),
    ...deliveryFlags,
    format: Flags.string({
      options: ['json', 'binary'],
      description: 'HTTP format of events delivered to the subscriber [default: as received]',
    }),
  }

  async run(): Promise<Manifest> {
    const {flags} = this
    const result = await scaffoldTrigger(
      {
        name: this.args.name,
        broker: flags.broker,
        sink: flags.sink,
        filter: flags.filter,
        exact: flags.exact,
        prefix: flags.prefix,
        suffix: flags.suffix,
        cesql: flags.cesql,
        dlSink: flags['dl-sink'],
        retry: flags.retry,
        backoffPolicy: flags['backoff-policy'],
        backoffDelay: flags['backoff-delay'],
        timeout: flags.timeout,
        retryAfterMax: flags['retry-after-max'],
        format: flags.format,
      },
      {project: this.project(), options: {force: flags.force, dryRun: flags['dry-run']}},
    )
    return this.report(result, flags.output)
  }
}
