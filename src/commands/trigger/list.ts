import {listFlags, prose} from '../../cli/index.js'
import {ScaffoldCommand} from '../../cli/scaffold-command.js'
import {triggerTable, type ListResult} from '../../scaffold/inspect.js'
import {kindIs} from '../../scaffold/workspace.js'

export default class TriggerList extends ScaffoldCommand<typeof TriggerList> {
  static override summary = 'List the triggers the running kne dev runs, with their live status, or those in the manifests.'
  static override description = prose`Columns as kn prints them: NAME BROKER SINK AGE CONDITIONS READY REASON (NAMESPACE first with -A). SINK is in
kn's sink grammar; CONDITIONS, READY and REASON come from the running mesh and are <unknown> without one. --json
(and describe) also give the resolved subscriber URI and delivery counters.
When kne dev runs, they are the ones it runs (from any folder); -f FILE|DIR (or --dir) reads those manifests instead,
with the live status of the ones the mesh serves; without a mesh, the manifests folder is read.`
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> -n shop --no-headers',
    '<%= config.bin %> <%= command.id %> --json',
    '<%= config.bin %> <%= command.id %> -f knative/triggers.yaml',
  ]
  static override flags = listFlags

  async run(): Promise<ListResult> {
    return this.runList(kindIs('Trigger'), triggerTable)
  }
}
