import {listFlags, prose} from '../../cli/index.js'
import {ScaffoldCommand} from '../../cli/scaffold-command.js'
import {eventTransformKind} from '../../kinds/event-transform/descriptor.js'
import {addressableTable, type ListResult} from '../../scaffold/inspect.js'
import {kindIs} from '../../scaffold/workspace.js'

export default class EventTransformList extends ScaffoldCommand<typeof EventTransformList> {
  static override summary = 'List the EventTransforms the running kne dev runs, with their live status, or those in the manifests.'
  static override description = prose`Columns: NAME URL SINK AGE READY REASON (NAMESPACE first with -A). URL, READY and REASON come from the
running mesh; without one they are <unknown>. When kne dev runs, they are the ones it runs; -f FILE|DIR (or --dir)
reads those manifests instead.`
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> -A -o yaml']
  static override flags = listFlags

  async run(): Promise<ListResult> {
    return this.runList(kindIs(eventTransformKind.kind), addressableTable)
  }
}
