import {listFlags, prose} from '../../cli/index.js'
import {ScaffoldCommand} from '../../cli/scaffold-command.js'
import {addressableTable, type ListResult} from '../../scaffold/inspect.js'
import {kindIs} from '../../scaffold/workspace.js'

export default class JobSinkList extends ScaffoldCommand<typeof JobSinkList> {
  static override summary = 'List the JobSinks the running kne dev runs, with their live status, or those in the manifests.'
  static override description = prose`Columns: NAME URL SINK AGE READY REASON (NAMESPACE first with -A; SINK is empty: a JobSink has none). URL, READY and REASON come from the running
mesh; without one they are <unknown>. A JobSink whose container has no command is not Ready (NoLocalCommand).
-f FILE|DIR (or --dir) reads those manifests instead of what the mesh runs.`
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> -A -o yaml']
  static override flags = listFlags

  async run(): Promise<ListResult> {
    return this.runList(kindIs('JobSink'), addressableTable)
  }
}
