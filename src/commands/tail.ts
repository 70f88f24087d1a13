import {Flags} from '@oclif/core'
import {durationFlag, KneCommand, prose} from '../cli/index.js'
import {findMesh} from '../client/locator.js'
import {getExplanation} from '../client/mesh-client.js'
import {colors, formatMs, renderActivity} from '../client/render.js'
import {renderArrivalExplanation} from '../client/render-explain.js'
import {tail} from '../client/tail.js'
import {EXIT, KneError} from '../core/errors.js'

export default class Tail extends KneCommand<typeof Tail> {
  static override jsonErrorsOnStderr = true
  static override exitCodes = [EXIT.ok, EXIT.usage, EXIT.unreachable, EXIT.timeout, EXIT.interrupted]
  static override summary = "Stream the mesh's activity: events in, trigger matches, delivery attempts, replies and outcomes."
  static override description = prose`Follows the running mesh (kne dev) and prints one line per event, per delivery attempt and per
outcome; --json prints one JSON object per line instead. Nothing published after tail has connected is
missed ("connected" is written to stderr at that moment). With --count N it exits 0 once N picked events
have settled (every matching trigger reached its outcome); with --timeout it exits 6 if they did not
come in time, and it exits 4 if the mesh stops first. --history first replays what the mesh still holds,
so a script can send and then tail; --id picks the event it sent. Under --json, stdout carries only
records (one JSON object per line) and an error is one JSON line on stderr.`
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --type com.example.order.created --count 1 --timeout 15s --json',
    '<%= config.bin %> <%= command.id %> --broker orders -n shop',
    'id=$(<%= config.bin %> send --type com.example.ping --json | jq -r .id) && <%= config.bin %> <%= command.id %> --history --id "$id" --count 1 --timeout 30s',
    '<%= config.bin %> <%= command.id %> --trigger order-created -n shop   # the events a trigger matched, and its deliveries',
    "<%= config.bin %> <%= command.id %> --explain   # why did (or didn't) my event reach each trigger?",
  ]
  static override flags = {
    broker: Flags.string({char: 'b', description: 'only this broker (NAME, in --namespace)'}),
    channel: Flags.string({description: 'only this channel (NAME, in --namespace)', exclusive: ['broker']}),
    namespace: Flags.string({char: 'n', default: 'default', description: 'namespace of --broker or --channel', env: 'KNE_NAMESPACE'}),
    type: Flags.string({char: 't', description: 'only events of this type'}),
    source: Flags.string({char: 's', description: 'only events from this source'}),
    id: Flags.string({description: 'only the event with this id'}),
    trigger: Flags.string({
      description: 'only the events this trigger matched, and its deliveries (NAME in --namespace, or NAMESPACE/NAME)',
    }),
    count: Flags.integer({char: 'c', min: 1, description: 'exit after this many events have settled'}),
    timeout: durationFlag({description: 'give up after this long (15s, 500ms, 2m, or seconds): exit 6 if --count was not reached'}),
    history: Flags.boolean({description: 'first replay the activity the mesh still holds'}),
    explain: Flags.boolean({char: 'x', description: 'after each event, explain why each trigger of its broker matched or not'}),
  }

  async run(): Promise<void> {
    const {flags} = this
    const {url} = findMesh(this.config.dataDir)
    const json = this.jsonEnabled()
    const c = colors()
    const interrupt = new AbortController()
    const onSigint = (): void => interrupt.abort()
    process.once('SIGINT', onSigint)
    try {
      const result = await tail(
        url,
        {
          selector: {
            broker: flags.broker === undefined ? undefined : `${flags.namespace}/${flags.broker}`,
            channel: flags.channel === undefined ? undefined : `${flags.namespace}/${flags.channel}`,
            type: flags.type,
            source: flags.source,
            id: flags.id,
            trigger: flags.trigger === undefined || flags.trigger.includes('/') ? flags.trigger : `${flags.namespace}/${flags.trigger}`,
          },
          count: flags.count,
          timeoutMs: flags.timeout,
          history: flags.history,
          signal: interrupt.signal,
          onSubscribed: () => process.stderr.write(c.dim(`connected to ${url}\n`)),
        },
        async (record) => {
          process.stdout.write(`${json ? JSON.stringify(record) : renderActivity(record, c)}\n`)
          // a channel's arrivals pass no filters: only a broker's have an explanation
          if (!flags.explain || record.kind !== 'event' || record.broker === undefined) return
          const explanation = await getExplanation(url, record.arrival)
          if (json) process.stdout.write(`${JSON.stringify({kind: 'explanation', ...explanation})}\n`)
          else process.stdout.write(`${renderArrivalExplanation(explanation, c).join('\n')}\n`)
        },
      )
      if (interrupt.signal.aborted) {
        if (flags.count !== undefined && result.settled < flags.count)
          throw new KneError(`interrupted: ${result.settled} of ${flags.count} events settled`, 'INTERRUPTED')
        this.setExitCode(EXIT.interrupted)
        return
      }
      if (flags.count !== undefined && result.settled < flags.count) {
        if (result.timedOut)
          throw new KneError(
            `timed out after ${formatMs(flags.timeout!)}: ${result.settled} of ${flags.count} events settled`,
            'TAIL_TIMEOUT',
          )
        if (result.meshStopped)
          throw new KneError(`the mesh at ${url} stopped: ${result.settled} of ${flags.count} events settled`, 'MESH_STOPPED')
      }
      if (result.meshStopped) this.note(`the mesh at ${url} stopped`)
    } finally {
      process.off('SIGINT', onSigint)
    }
  }
}
