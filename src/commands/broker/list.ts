import {ScaffoldCommand, listFlags, prose} from '../../scaffold/cli.js'
import {brokerTable, type ListResult} from '../../scaffold/inspect.js'
import {kindIs} from '../../scaffold/workspace.js'

export default class BrokerList extends ScaffoldCommand<typeof BrokerList> {
  static override summary = 'List the brokers in the manifests folder, with their live status when kne dev runs.'
  static override description = prose`Columns as kubectl prints them: NAME URL AGE READY REASON (NAMESPACE first with -A). URL, READY and REASON come
from the running mesh; without one they are <unknown>. AGE is the age of the manifest file.`
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> -A --no-headers',
    '<%= config.bin %> <%= command.id %> -o yaml',
  ]
  static override flags = listFlags

  async run(): Promise<ListResult> {
    return this.runList(kindIs('Broker'), brokerTable)
  }
}
