import {KneCommand, durationFlag, prose, stateDirFlag} from '../cli/index.js'
import {locateMesh, stopMesh, type StoppedMesh} from '../client/detach.js'
import {describeDelivery, unfinishedFate} from '../client/render.js'
import {EXIT} from '../core/errors.js'

export default class Stop extends KneCommand<typeof Stop> {
  static override exitCodes = [EXIT.ok, EXIT.usage, EXIT.unreachable, EXIT.rejected, EXIT.timeout]
  static override exitCodeMeanings = {
    [EXIT.rejected]: 'deliveries were left unfinished by the drain (each is printed)',
    [EXIT.timeout]: 'the mesh did not exit after its drain (it is killed)',
  }
  static override summary = 'Drain and stop a kne mesh started with kne dev (--detach), and print what it left unfinished.'
  static override description = prose`Stops the most recently started mesh of the state dir (KNE_URL picks another of them): it stops accepting
events, lets deliveries under way finish for up to --drain-timeout (else its own kne dev --drain-timeout), and
exits. kne stop waits for that, then prints each delivery the drain did not finish, as kne dev does (read from
the log file of a mesh started with --detach). Exits 0 when nothing was left unfinished, 5 when something was,
4 when no mesh runs.`
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --drain-timeout 30s --json',
    '<%= config.bin %> <%= command.id %> --state-dir .kne-ci',
  ]
  static override flags = {
    'drain-timeout': durationFlag({description: "how long deliveries under way may take to finish [default: the mesh's --drain-timeout]"}),
    'state-dir': stateDirFlag,
  }

  async run(): Promise<StoppedMesh> {
    const stateDir = this.flags['state-dir'] ?? this.config.dataDir
    const mesh = locateMesh(stateDir, process.env.KNE_URL?.trim().replace(/\/+$/, '') || undefined)
    const stopped = await stopMesh(mesh, stateDir, this.flags['drain-timeout'])
    for (const u of stopped.unfinished ?? [])
      this.log(`not finished: ${describeDelivery(u)}: ${unfinishedFate(stopped.resumable === true)}`)
    this.note(
      `stopped the mesh at ${stopped.url} (pid ${stopped.pid})${stopped.unfinished === undefined ? '' : `: ${stopped.unfinished.length} unfinished deliveries`}`,
    )
    if ((stopped.unfinished ?? []).length > 0) this.setExitCode(EXIT.rejected)
    return stopped
  }
}
