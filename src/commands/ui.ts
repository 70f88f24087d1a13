import {Flags} from '@oclif/core'
import {KneCommand, prose, stateDirFlag} from '../cli/index.js'
import {runningMeshStatus} from '../client/detach.js'
import {openUrl} from '../client/open-url.js'
import {consoleUrl} from '../core/api.js'
import {EXIT} from '../core/errors.js'

export interface UiReport {
  url: string
  /** Whether a browser was asked to open it. */
  opened: boolean
  /** Why it was not opened, when an opener was tried. */
  reason?: string
}

export default class Ui extends KneCommand<typeof Ui> {
  static override exitCodes = [EXIT.ok, EXIT.usage, EXIT.unreachable]
  static override summary = "Open the running mesh's web console (topology, live events, send, registry, dead letters) in the browser."
  static override description = prose`Finds the running mesh as kne status does (KNE_URL, else the most recently started one of the state dir)
and opens its console, http://<host>:<port>/_kne/ui/, with the platform's opener (xdg-open, open, or Windows' URL handler). Where none
can open it, the URL is printed to open by hand. --no-open and --json only print it. kne dev prints the same URL
when it starts. Exits 4 when no mesh runs.`
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --no-open   # print the URL only',
    '<%= config.bin %> <%= command.id %> --json | jq -r .url',
  ]
  static override flags = {
    open: Flags.boolean({default: true, allowNo: true, description: 'open the URL in the default browser (--no-open only prints it)'}),
    'state-dir': stateDirFlag,
  }

  async run(): Promise<UiReport> {
    const status = await runningMeshStatus(this.flags['state-dir'] ?? this.config.dataDir, process.env.KNE_URL)
    const url = consoleUrl(status.url)
    if (!this.flags.open || this.jsonEnabled()) {
      this.log(url)
      return {url, opened: false}
    }
    const reason = await openUrl(url)
    if (reason === undefined) {
      this.log(`Opened ${url}`)
      return {url, opened: true}
    }
    this.log(url)
    this.note(`could not open a browser (${reason}): open the URL above`)
    return {url, opened: false, reason}
  }
}
