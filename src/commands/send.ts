import {Flags} from '@oclif/core'
import {destinationFlag, durationFlag, KneCommand, keyValueFlag, prose} from '../cli/index.js'
import type {ReplayReport} from '../client/replay.js'
import {colors} from '../client/render.js'
import {
  accepted,
  describeProgress,
  refusalMessage,
  send,
  sendExample,
  type ExampleSendReport,
  type SendOptions,
  type SendReport,
} from '../client/send.js'
import {EXIT, KneError} from '../core/errors.js'

export default class Send extends KneCommand<typeof Send> {
  static override exitCodes = [EXIT.ok, EXIT.usage, EXIT.unreachable, EXIT.rejected, EXIT.timeout, EXIT.interrupted]
  static override summary = 'Build a CloudEvent and send it to a broker, a channel, a sequence or parallel, or any URL.'
  static override description = prose`Posts one CloudEvent to a broker, a channel, a sequence or a parallel of the running mesh (found
through kne dev's locator or KNE_URL), or to a URL. Data comes from --data, or --data-file; stdin is read only
when one of them is - . Its content type is guessed (application/json for JSON, text/plain for other text)
unless --content-type is given; data that looks like JSON but does not parse is refused unless
--content-type says what it is. A synchronous broker answers once every delivery has ended: while it
retries, progress is shown on stderr; --async returns as soon as the mesh has accepted the event, and
--timeout gives up waiting (exit 6; the mesh goes on delivering). Exits 0 only when the receiver answers
2xx (or, with --async, accepts the event); otherwise prints the status and the broker's explanation and
exits 5. --json prints the event, its id and the answer. --file sends the events of an event file instead
(as kne record writes it, or cloudevents/conformance's YAML), in order, each to where it was recorded
arriving unless --to is given (kne replay has the same, with pacing).`
  static override examples = [
    '<%= config.bin %> <%= command.id %> --type com.example.order.created --data \'{"id": 42}\'',
    '<%= config.bin %> <%= command.id %> --type com.example.ping --to broker:orders:shop --extension tenant=acme',
    '<%= config.bin %> <%= command.id %> --type com.example.review --to channel:reviews --data \'{"text": "great"}\'',
    'echo \'{"id": 42}\' | <%= config.bin %> <%= command.id %> --type com.example.order.created --data - --mode structured',
    '<%= config.bin %> <%= command.id %> --type com.example.order.created --to sequence:checkout --async',
    'id=$(<%= config.bin %> <%= command.id %> --type com.example.ping --json | jq -r .id) && <%= config.bin %> tail --history --id "$id" --count 1',
    '<%= config.bin %> <%= command.id %> --type com.example.test --to http://127.0.0.1:3000 --json',
    '<%= config.bin %> <%= command.id %> --file orders.yaml   # the events kne record wrote',
    "<%= config.bin %> <%= command.id %> --example com.example.order.created   # the registry's example (kne registry example)",
  ]
  static override flags = {
    type: Flags.string({char: 't', description: 'event type (ce-type); required unless --file'}),
    file: Flags.string({
      char: 'f',
      description: 'send the events of this file (YAML or JSONL, as kne record writes it) instead of building one',
      exclusive: ['type', 'source', 'id', 'subject', 'data', 'data-file', 'content-type', 'extension', 'mode'],
      helpValue: '<file>',
    }),
    example: Flags.string({
      description:
        "send the registry's example of this type (as kne registry example prints it) with a fresh id and time; --source, --id, --subject and --extension replace its attributes",
      exclusive: ['type', 'file', 'data', 'data-file', 'content-type'],
      helpValue: '<type>',
    }),
    source: Flags.string({
      char: 's',
      description: "event source (ce-source), a URI-reference [default: kne; with --example, the example's]",
    }),
    id: Flags.string({description: 'event id [default: a fresh UUID]'}),
    subject: Flags.string({description: 'event subject'}),
    data: Flags.string({char: 'd', description: 'event data (JSON or text; - reads it from stdin)'}),
    'data-file': Flags.string({description: 'read event data from a file (- for stdin)'}),
    'content-type': Flags.string({description: 'datacontenttype [default: guessed from the data]'}),
    extension: keyValueFlag({char: 'e', description: 'extension attribute NAME=VALUE (repeatable)'}),
    mode: Flags.string({options: ['binary', 'structured'], default: 'binary', description: 'HTTP content mode'}),
    to: destinationFlag({
      description:
        'broker:NAME[:NAMESPACE], channel:…, sequence:…, parallel:… or an http(s) URL [default: broker:default; with --file, where each event was recorded]',
    }),
    namespace: Flags.string({char: 'n', default: 'default', description: 'namespace of the broker', env: 'KNE_NAMESPACE'}),
    async: Flags.boolean({description: 'do not wait for the deliveries: the mesh accepting the event is enough'}),
    timeout: durationFlag({description: 'give up waiting for the answer after this long (30s, 500ms, 2m): exit 6'}),
  }

  async run(): Promise<SendReport | ReplayReport | ExampleSendReport> {
    const {flags} = this
    if (flags.file !== undefined) return this.sendFile(flags.file)
    if (flags.example !== undefined) return this.sendExample(flags.example)
    const {type} = flags
    if (type === undefined)
      throw new KneError(
        '--type is required (or --file to send the events of a file, or --example TYPE to send an example)',
        'MISSING_FLAG',
      )
    const report = await withProgress((onProgress) =>
      send(
        {
          type,
          source: flags.source ?? 'kne',
          data: flags.data,
          dataFile: flags['data-file'],
          contentType: flags['content-type'],
          ...this.sending(),
        },
        onProgress,
      ),
    )
    this.logAccepted(report, type)
    return report
  }

  /** --example: the registry's example of a type, sent as an event built from flags is. */
  private async sendExample(type: string): Promise<ExampleSendReport> {
    const {flags} = this
    const report = await withProgress((onProgress) => sendExample(type, {source: flags.source, ...this.sending()}, onProgress))
    this.note(colors(process.stderr).dim(`the example of ${type} at ${report.example.reference}: ${report.example.from}`))
    this.logAccepted(report, type)
    return report
  }

  /** What a built event and an example share: the attributes the flags give, and where and how it is sent. */
  private sending(): Pick<SendOptions, 'id' | 'subject' | 'extensions' | 'mode' | 'to' | 'namespace' | 'dataDir' | 'async' | 'timeoutMs'> {
    const {flags} = this
    return {
      id: flags.id,
      subject: flags.subject,
      extensions: flags.extension,
      mode: flags.mode as 'binary' | 'structured',
      to: flags.to ?? 'broker:default',
      namespace: flags.namespace,
      dataDir: this.config.dataDir,
      async: flags.async,
      timeoutMs: flags.timeout,
    }
  }

  /** The broker's answer: exit 5 with its explanation unless it accepted the event. */
  private logAccepted(report: SendReport, type: string): void {
    const {status, url} = report.response
    if (!accepted(report.response)) throw new KneError(refusalMessage(report.response), 'EVENT_REJECTED')
    if (report.awaited === false) this.log(`Event ${report.id} (${type}) accepted by ${url}; its deliveries go on in the mesh`)
    else this.log(`Event ${report.id} (${type}) accepted by ${url}: ${status}`)
  }

  /** --file: the file's events in order, as kne replay sends them (loaded only then: it reads YAML). */
  private async sendFile(file: string): Promise<ReplayReport> {
    const {flags} = this
    const {describeReplayed, replayUntilInterrupted, replayExitCode, replaySummary} = await import('../client/replay.js')
    const report = await replayUntilInterrupted(
      file,
      {to: flags.to, namespace: flags.namespace, dataDir: this.config.dataDir, async: flags.async, timeoutMs: flags.timeout},
      (event) => this.log(describeReplayed(event, false)),
    )
    this.note(replaySummary(report))
    this.setExitCode(replayExitCode(report))
    return report
  }
}

/** Runs a send with its progress shown on stderr, the progress line ended however the send ends. */
async function withProgress<R>(sending: (onProgress: (p: Parameters<typeof describeProgress>[0]) => void) => Promise<R>): Promise<R> {
  const progress = progressLine()
  try {
    return await sending((p) => progress.show(describeProgress(p)))
  } finally {
    progress.end()
  }
}

/** Progress on stderr: one line rewritten in place on a terminal, else a line per change. */
function progressLine(): {show: (line: string) => void; end: () => void} {
  const tty = process.stderr.isTTY === true
  let last = ''
  return {
    show(line) {
      if (line === last) return
      last = line
      process.stderr.write(tty ? `\r\x1b[K${line}` : `${line}\n`)
    },
    end() {
      if (tty && last !== '') process.stderr.write('\r\x1b[K')
    },
  }
}
