import {randomInt} from 'node:crypto'
import {Flags} from '@oclif/core'
import {durationFlag, fractionFlag, KneCommand, prose, retryAfterFlag} from '../cli/index.js'
import {colors, renderSinkRequest, sinkRequestToJson} from '../client/render.js'
import {EXIT, KneError} from '../core/errors.js'
import {checkSinkBehaviour, startSink, type Sink, type SinkOptions} from '../mesh/sink.js'

export default class SinkCommand extends KneCommand<typeof SinkCommand> {
  // its --json output is a stream of received events
  static override jsonErrorsOnStderr = true
  static override exitCodes = [EXIT.ok, EXIT.usage, EXIT.interrupted]
  static override summary = 'Run a local subscriber that prints every event it receives and answers as told.'
  static override description = prose`Listens on http://<host>:<port>/ and prints each CloudEvent delivered to it (--json: one JSON object per
line). By default it accepts everything (202). Told to fail, it shows retries, backoff and dead-letter sinks at
work: --status 503 answers every event with 503; --fail-first 2 fails the first two requests; --fail-rate 0.3
fails three in ten (the same ones again with the same --seed); --retry-after adds a Retry-After header to
failing answers; --delay holds every answer. With --reply-type it answers with a CloudEvent, which the broker
routes like any other event. Point a trigger's subscriber (or deadLetterSink) at the printed URL.`
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --port 9000 --fail-first 2   # the third attempt succeeds',
    '<%= config.bin %> <%= command.id %> --status 503 --retry-after 5',
    '<%= config.bin %> <%= command.id %> --fail-rate 0.3 --seed 42 --json',
    '<%= config.bin %> <%= command.id %> --delay 2s   # with delivery.timeout PT1S every attempt times out',
    '<%= config.bin %> <%= command.id %> --reply-type com.example.order.confirmed --reply-data \'{"ok":true}\'',
  ]
  static override flags = {
    port: Flags.integer({
      char: 'p',
      min: 0,
      max: 65_535,
      default: 8081,
      description: 'port to listen on (0 picks a free one)',
      env: 'KNE_SINK_PORT',
    }),
    host: Flags.string({default: '127.0.0.1', description: 'interface to bind (loopback by default)'}),
    status: Flags.integer({description: 'status of failing answers [default: 503]; alone, every answer gets it'}),
    'fail-first': Flags.integer({min: 0, description: 'fail the first N requests, then succeed'}),
    'fail-rate': fractionFlag({description: 'fail this share of requests, from 0 to 1 (e.g. 0.3)'}),
    seed: Flags.integer({description: 'seed for --fail-rate, to fail the same requests again [default: random, printed]'}),
    delay: durationFlag({description: 'wait this long before every answer (2s, 500ms)'}),
    'retry-after': retryAfterFlag({description: 'Retry-After on failing answers: seconds, or an HTTP-date'}),
    'reply-type': Flags.string({description: 'answer successes with a CloudEvent reply of this type'}),
    'reply-data': Flags.string({dependsOn: ['reply-type'], description: 'data of the reply (JSON or text)'}),
  }

  async run(): Promise<void> {
    const options = this.sinkOptions()
    const json = this.jsonEnabled()
    const c = colors()
    const out = (line: string): void => {
      process.stdout.write(`${line}\n`)
    }
    let sink: Sink
    try {
      sink = await startSink(options, (request) => {
        if (json) out(JSON.stringify(sinkRequestToJson(request)))
        else for (const line of renderSinkRequest(request, c)) out(line)
      })
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
        this.fail(
          new KneError(`port ${options.port} is already in use`, 'PORT_IN_USE', {
            suggestions: ['pick another with --port N, or --port 0 for any free port'],
          }),
        )
      }
      throw error
    }
    if (json) out(JSON.stringify({kind: 'ready', url: sink.url, seed: options.seed}))
    else {
      if (options.failRate !== undefined) this.note(c.dim(`--fail-rate ${options.failRate} with --seed ${options.seed}`))
      out(c.green(`Ready on ${sink.url}`))
    }
    await new Promise<void>((resolve) => {
      const stop = (): void => {
        sink.close().then(
          () => {
            const {received, failed} = sink.stats
            if (json) out(JSON.stringify({kind: 'stopped', received, failed}))
            else this.note(`kne sink stopped after ${received} request(s), ${failed} answered with a failure`)
            resolve()
          },
          () => resolve(),
        )
      }
      process.once('SIGINT', stop)
      process.once('SIGTERM', stop)
    })
  }

  private sinkOptions(): SinkOptions {
    const {flags} = this
    const failRate = flags['fail-rate']
    const options: SinkOptions = {
      host: flags.host,
      port: flags.port,
      status: flags.status,
      failFirst: flags['fail-first'],
      failRate,
      seed: failRate === undefined ? flags.seed : (flags.seed ?? randomInt(1, 1_000_000)),
      delayMs: flags.delay,
      retryAfter: flags['retry-after'],
      reply: flags['reply-type'] === undefined ? undefined : {type: flags['reply-type'], data: flags['reply-data']},
    }
    const problem = checkSinkBehaviour(options)
    if (problem) this.fail(new KneError(problem, 'INVALID_FLAG'))
    return options
  }
}
