import {Flags} from '@oclif/core'
import {KneCommand} from '../base-command.js'
import {send, type SendReport} from '../client/send.js'
import {EXIT, KneError} from '../core/errors.js'
import {prose} from '../help-text.js'

export default class Send extends KneCommand<typeof Send> {
  static override summary = 'Build a CloudEvent and send it to a broker, a channel or any URL.'
  static override description = prose`Posts one CloudEvent to a broker or a channel of the running mesh (found through kne dev's locator or
KNE_URL), or to a URL. Data comes from --data, --data-file (- for stdin) or piped stdin; its content type is guessed
(application/json for JSON, text/plain otherwise) unless --content-type is given. Exits 0 only when the
receiver answers 2xx; otherwise prints the status and the broker's explanation and exits 5.`
  static override examples = [
    '<%= config.bin %> <%= command.id %> --type com.example.order.created --data \'{"id": 42}\'',
    '<%= config.bin %> <%= command.id %> --type com.example.ping --to broker:orders:shop --extension tenant=acme',
    '<%= config.bin %> <%= command.id %> --type com.example.review --to channel:reviews --data \'{"text": "great"}\'',
    'echo \'{"id": 42}\' | <%= config.bin %> <%= command.id %> --type com.example.order.created --mode structured',
    '<%= config.bin %> <%= command.id %> --type com.example.test --to http://127.0.0.1:3000 --json',
  ]
  static override flags = {
    type: Flags.string({char: 't', required: true, description: 'event type (ce-type)'}),
    source: Flags.string({char: 's', default: 'kne', description: 'event source (ce-source), a URI-reference'}),
    id: Flags.string({description: 'event id [default: a fresh UUID]'}),
    subject: Flags.string({description: 'event subject'}),
    data: Flags.string({char: 'd', description: 'event data (JSON or text)'}),
    'data-file': Flags.string({description: 'read event data from a file (- for stdin)'}),
    'content-type': Flags.string({description: 'datacontenttype [default: guessed from the data]'}),
    extension: Flags.string({char: 'e', multiple: true, description: 'extension attribute NAME=VALUE (repeatable)'}),
    mode: Flags.string({options: ['binary', 'structured'], default: 'binary', description: 'HTTP content mode'}),
    to: Flags.string({default: 'broker:default', description: 'broker:NAME[:NAMESPACE], channel:NAME[:NAMESPACE] or an http(s) URL'}),
    namespace: Flags.string({char: 'n', default: 'default', description: 'namespace of the broker', env: 'KNE_NAMESPACE'}),
  }

  async run(): Promise<SendReport> {
    const {flags} = this
    const report = await send({
      type: flags.type, source: flags.source, id: flags.id, subject: flags.subject, data: flags.data, dataFile: flags['data-file'],
      contentType: flags['content-type'], extensions: flags.extension, mode: flags.mode as 'binary' | 'structured',
      to: flags.to, namespace: flags.namespace, dataDir: this.config.dataDir,
    })
    const {status, url, body} = report.response
    if (status < 200 || status >= 300) {
      const explanation = typeof body === 'object' && body !== null && 'error' in body ? String((body as {error: unknown}).error) : body === undefined ? 'no explanation' : String(body)
      throw new KneError(`${url} answered ${status}: ${explanation}`, 'EVENT_REJECTED', EXIT.rejected)
    }
    this.log(`Event ${String(report.event.id)} (${flags.type}) accepted by ${url}: ${status}`)
    return report
  }
}
