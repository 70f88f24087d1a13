import {Args, Flags} from '@oclif/core'
import {destinationFlag, durationFlag, KneCommand, prose} from '../cli/index.js'
import {
  describeReplayed,
  replayExitCode,
  replaySummary,
  replayUntilInterrupted,
  type ReplayPace,
  type ReplayReport,
} from '../client/replay.js'
import {EXIT, KneError} from '../core/errors.js'

/** A rate of events: 50, or 50/s. */
const rateFlag = Flags.custom<number>({
  helpValue: '<n/s>',
  async parse(input) {
    const match = /^(\d+(?:\.\d+)?)(?:\/s)?$/.exec(input.trim())
    const rate = match ? Number(match[1]) : Number.NaN
    if (!(rate > 0)) throw new KneError(`${input}: expected events a second, such as 50 or 50/s`, 'INVALID_FLAG')
    return rate
  },
})

/** How much faster than recorded: 2 halves the gaps, 0.5 doubles them. */
const speedFlag = Flags.custom<number>({
  helpValue: '<factor>',
  async parse(input) {
    const speed = /^\d+(?:\.\d+)?$/.test(input.trim()) ? Number(input) : Number.NaN
    if (!(speed > 0)) throw new KneError(`${input}: expected a factor above 0, such as 2 or 0.5`, 'INVALID_FLAG')
    return speed
  },
})

export default class Replay extends KneCommand<typeof Replay> {
  static override exitCodes = [EXIT.ok, EXIT.usage, EXIT.unreachable, EXIT.rejected, EXIT.timeout, EXIT.interrupted]
  static override exitCodeMeanings = {[EXIT.rejected]: 'an event was not accepted (each is reported)'}
  static override summary = 'Send the events of a recording (kne record) again, in order, to where they arrived.'
  static override description = prose`Reads FILE (YAML of cloudevents/conformance, as kne record writes it, or JSONL) and sends its
events in order, each to the broker or channel it was recorded arriving at (--to sends all of them
elsewhere; an event with no kne comment goes to broker:default). As fast as each is answered by default (a
synchronous broker answers once its deliveries ended, so subscribers see the events in the file's order);
--rate sends N a second; --as-recorded keeps the recorded gaps between events, and --speed 2 halves them.
Each event keeps its recorded id unless --new-ids gives it a fresh one (Knative does not deduplicate ids, so a
replay with the same ids is delivered again). --dry-run lists what would be sent. Exits 0 when every event
was accepted, 5 when one was not (each is reported, and the others are still sent).`
  static override examples = [
    '<%= config.bin %> <%= command.id %> orders.yaml',
    '<%= config.bin %> <%= command.id %> orders.yaml --as-recorded --speed 10',
    '<%= config.bin %> <%= command.id %> traffic.jsonl --rate 50 --new-ids',
    '<%= config.bin %> <%= command.id %> orders.yaml --to broker:staging:shop --dry-run',
    '<%= config.bin %> <%= command.id %> orders.yaml --json | jq .rejected',
  ]
  static override args = {
    file: Args.string({required: true, description: 'the event file (YAML or JSONL)'}),
  }
  static override flags = {
    to: destinationFlag({description: 'send every event here instead (broker:NAME[:NAMESPACE], channel:…, sequence:…, parallel:…, a URL)'}),
    namespace: Flags.string({
      char: 'n',
      default: 'default',
      description: 'namespace of --to, and of events without one',
      env: 'KNE_NAMESPACE',
    }),
    rate: rateFlag({description: 'send this many events a second', exclusive: ['speed', 'as-recorded']}),
    'as-recorded': Flags.boolean({description: 'keep the recorded gaps between events'}),
    speed: speedFlag({description: 'with the recorded gaps divided by this factor (implies --as-recorded)'}),
    'new-ids': Flags.boolean({description: 'give each event a fresh id'}),
    'dry-run': Flags.boolean({description: 'list what would be sent; send nothing'}),
    async: Flags.boolean({description: 'send the next event once the mesh accepted one, without waiting for its deliveries'}),
    timeout: durationFlag({description: "give up waiting for one event's answer after this long: exit 6"}),
  }

  async run(): Promise<ReplayReport> {
    const {args, flags} = this
    const pace: ReplayPace =
      flags.rate !== undefined
        ? {kind: 'rate', perSecond: flags.rate}
        : flags.speed !== undefined || flags['as-recorded']
          ? {kind: 'recorded', speed: flags.speed ?? 1}
          : {kind: 'answered'}
    const dryRun = flags['dry-run']
    const report = await replayUntilInterrupted(
      args.file,
      {
        to: flags.to,
        namespace: flags.namespace,
        dataDir: this.config.dataDir,
        pace,
        newIds: flags['new-ids'],
        dryRun,
        async: flags.async,
        timeoutMs: flags.timeout,
      },
      (event) => this.log(describeReplayed(event, dryRun)),
    )
    this.note(replaySummary(report))
    this.setExitCode(replayExitCode(report))
    return report
  }
}
