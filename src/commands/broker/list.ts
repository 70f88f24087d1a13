import {listFlags, prose} from '../../cli/index.js'
import {ScaffoldCommand} from '../../cli/scaffold-command.js'
import {brokerTable, type ListResult} from '../../scaffold/inspect.js'
import {kindIs} from '../../scaffold/workspace.js'

export default class BrokerList extends ScaffoldCommand<typeof BrokerList> {
  static override summary = 'List the brokers the running kne dev runs, with their live status, or those in the manifests.'
  static override description = prose`Columns as kubectl prints them: NAME URL AGE READY REASON (NAMESPACE first with -A). URL, READY and REASON come
from the running mesh; without one they are <unknown>. AGE is the age of the manifest file.
When kne dev runs, they are the ones it runs (from any folder); -f FILE|DIR (or --dir) reads those manifests instead,
with the live status of the ones the mesh serves; without a mesh, the manifests folder is read.`
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> -A --no-headers',
    '<%= config.bin %> <%= command.id %> -o yaml',
    '<%= config.bin %> <%= command.id %> -f knative/   # the manifests, not the running mesh',
  ]
  static override flags = listFlags

  async run(): Promise<ListResult> {
    return this.runList(kindIs('Broker'), brokerTable)
  }
}
