import {KneCommand, prose, stateDirFlag} from '../cli/index.js'
import {runningMeshStatus, type RunningMeshStatus} from '../client/detach.js'
import {colors} from '../client/render.js'
import {renderMeshStatus} from '../client/render-status.js'
import {EXIT} from '../core/errors.js'

export default class Status extends KneCommand<typeof Status> {
  static override exitCodes = [EXIT.ok, EXIT.usage, EXIT.unreachable]
  static override summary = 'Whether a kne mesh is running: its URL, pid, uptime, resources and counters.'
  static override description = prose`Asks the running mesh (the one KNE_URL names, else the most recently started one of the state dir)
for its status: URL, pid, how long it has run, its log file when kne dev --detach started it, the events its brokers
and channels accepted and how their deliveries ended, per broker and trigger. --json prints the control API's whole
status, with uptimeMs and logFile. Exits 4 when no mesh runs, so a script can ask "is it up?".`
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --json | jq .url',
    '<%= config.bin %> <%= command.id %> --state-dir .kne-ci || <%= config.bin %> dev --detach --port 0 --state-dir .kne-ci',
  ]
  static override flags = {
    'state-dir': stateDirFlag,
  }

  async run(): Promise<RunningMeshStatus> {
    const status = await runningMeshStatus(this.flags['state-dir'] ?? this.config.dataDir, process.env.KNE_URL)
    for (const line of renderMeshStatus(status, colors())) this.log(line)
    return status
  }
}
