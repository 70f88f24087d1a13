import {Args, Flags} from '@oclif/core'
import {KneCommand, prose} from '../../../cli/index.js'
import {firePingSource} from '../../../client/run-ping.js'
import {loadProjectConfig} from '../../../project/manifests.js'
import type {FireAnswer} from '../../../core/api.js'
import {EXIT} from '../../../core/errors.js'

export default class SourcePingFire extends KneCommand<typeof SourcePingFire> {
  static override exitCodes = [EXIT.ok, EXIT.usage, EXIT.invalid, EXIT.unreachable, EXIT.rejected]
  static override exitCodeMeanings = {[EXIT.invalid]: 'the PingSource is not Ready (its sink does not resolve)'}
  static override summary = "Send a PingSource's event now, without waiting for its schedule."
  static override description = prose`Asks the running mesh (kne dev, or KNE_URL) to send the event the PingSource sends on each tick
(type dev.knative.sources.ping, source /apis/v1/namespaces/<namespace>/pingsources/NAME, a fresh id, its data
and ceOverrides) to its sink right away, with the retries a scheduled tick gets. The schedule is not
changed. Exits 0 when the sink accepted the event (2xx), 5 when it did not, 2 for an unknown PingSource, 3 for
one that is not Ready (its sink does not resolve), 4 when no mesh is running.`
  static override examples = [
    '<%= config.bin %> <%= command.id %> heartbeat',
    '<%= config.bin %> <%= command.id %> nightly-report -n billing --json',
  ]
  static override args = {name: Args.string({required: true, description: 'PingSource name'})}
  static override flags = {
    namespace: Flags.string({char: 'n', description: "namespace [default: kne.yaml's namespace, else default]", env: 'KNE_NAMESPACE'}),
  }

  async run(): Promise<FireAnswer> {
    const namespace = this.flags.namespace ?? loadProjectConfig(undefined).config.namespace
    const answer = await firePingSource(this.config.dataDir, namespace, this.args.name)
    this.log(
      `PingSource '${this.args.name}' fired in namespace '${namespace}': event ${answer.id} accepted by ${answer.sinkUri} (${answer.status})`,
    )
    return answer
  }
}
