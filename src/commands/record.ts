import {Flags} from '@oclif/core'
import {durationFlag, KneCommand, prose} from '../cli/index.js'
import {findMesh} from '../client/locator.js'
import {record, type RecordResult} from '../client/record.js'
import {formatMs} from '../client/render.js'
import {eventFileFormat, type EventFileFormat} from '../core/event-file.js'
import {EXIT, KneError} from '../core/errors.js'

export default class Record extends KneCommand<typeof Record> {
  static override exitCodes = [EXIT.ok, EXIT.usage, EXIT.unreachable, EXIT.timeout, EXIT.interrupted]
  static override summary = "Record the events that arrive at the mesh's brokers and channels to a file, for kne replay."
  static override description = prose`Follows the running mesh (kne dev) and writes each event that arrives at a broker or a channel
from outside the mesh (what producers and sources send; not the replies and in-mesh hops those events cause,
which replaying them makes again) to FILE, with its data whole. The file is cloudevents/conformance's YAML,
one document per event, each preceded by a comment saying where and when it arrived (# kne: broker
default/default at …), or with --format jsonl (or a .jsonl file) one JSON object per line. Each event is
written as it comes, so the file is whole whenever the recording stops: after --count events, after
--timeout, or at Ctrl-C (exit 0 without --count). The count is said on stderr; --json prints it as one JSON
document. kne replay FILE and kne send --file FILE send the events again.`
  static override examples = [
    '<%= config.bin %> <%= command.id %> -o orders.yaml   # until Ctrl-C',
    '<%= config.bin %> <%= command.id %> -o orders.yaml --broker orders -n shop --type com.example.order.created --count 10',
    '<%= config.bin %> <%= command.id %> -o traffic.jsonl --timeout 5m',
    '<%= config.bin %> <%= command.id %> -o recent.yaml --history --timeout 1s   # what the mesh still holds',
  ]
  static override flags = {
    out: Flags.string({char: 'o', required: true, description: 'the file to write the events to (emptied first)', helpValue: '<file>'}),
    broker: Flags.string({char: 'b', description: 'only events arriving at this broker (NAME, in --namespace)'}),
    channel: Flags.string({description: 'only events arriving at this channel (NAME, in --namespace)', exclusive: ['broker']}),
    namespace: Flags.string({char: 'n', default: 'default', description: 'namespace of --broker or --channel', env: 'KNE_NAMESPACE'}),
    type: Flags.string({char: 't', description: 'only events of this type'}),
    source: Flags.string({char: 's', description: 'only events from this source'}),
    count: Flags.integer({char: 'c', min: 1, description: 'stop after this many events'}),
    timeout: durationFlag({description: 'stop after this long (15s, 2m, 1h): exit 6 if --count was not reached'}),
    format: Flags.string({options: ['yaml', 'jsonl'], description: 'the file format [default: jsonl for a .jsonl file, else yaml]'}),
    history: Flags.boolean({description: 'first record the events the mesh still holds (those whose data it kept whole)'}),
  }

  async run(): Promise<RecordResult> {
    const {flags} = this
    const {url} = findMesh(this.config.dataDir)
    const format = (flags.format as EventFileFormat | undefined) ?? eventFileFormat(flags.out, '')
    const interrupt = new AbortController()
    const onSigint = (): void => interrupt.abort()
    process.once('SIGINT', onSigint)
    let result: RecordResult
    try {
      result = await record(url, flags.out, {
        selector: {
          broker: flags.broker === undefined ? undefined : `${flags.namespace}/${flags.broker}`,
          channel: flags.channel === undefined ? undefined : `${flags.namespace}/${flags.channel}`,
          type: flags.type,
          source: flags.source,
        },
        format,
        count: flags.count,
        timeoutMs: flags.timeout,
        history: flags.history,
        signal: interrupt.signal,
        onSubscribed: () => this.note(`recording from ${url} to ${flags.out} (Ctrl-C stops)`),
        onSkipped: (warning) => this.note(`warning: ${warning}`),
      })
    } finally {
      process.off('SIGINT', onSigint)
    }
    const recorded = `${result.recorded} ${result.recorded === 1 ? 'event' : 'events'} recorded to ${flags.out}`
    const short = flags.count !== undefined && result.recorded < flags.count
    if (short && interrupt.signal.aborted)
      throw new KneError(`interrupted: ${result.recorded} of ${flags.count} events recorded to ${flags.out}`, 'INTERRUPTED')
    if (short && result.timedOut)
      throw new KneError(
        `timed out after ${formatMs(flags.timeout!)}: ${result.recorded} of ${flags.count} events recorded to ${flags.out}`,
        'RECORD_TIMEOUT',
      )
    if (short && result.meshStopped)
      throw new KneError(`the mesh at ${url} stopped: ${result.recorded} of ${flags.count} events recorded to ${flags.out}`, 'MESH_STOPPED')
    this.note(result.meshStopped ? `the mesh at ${url} stopped; ${recorded}` : recorded)
    return result
  }
}
