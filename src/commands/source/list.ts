import {listFlags, prose, sourceKindFlag} from '../../cli/index.js'
import {ScaffoldCommand, sourceMatch} from '../../cli/scaffold-command.js'
import {sourceTable, type ListResult} from '../../scaffold/inspect.js'

export default class SourceList extends ScaffoldCommand<typeof SourceList> {
  static override summary = 'List the event sources the running kne dev runs, or those in the manifests (every sources.knative.dev kind).'
  static override description = prose`Columns as kn source list prints them: NAME TYPE RESOURCE SINK READY (NAMESPACE first with -A). Kinds kne does
not run (e.g. KafkaSource) are listed from the manifests; READY comes from the running mesh and is <unknown> without one.
When kne dev runs, they are the ones it runs (from any folder); -f FILE|DIR (or --dir) reads those manifests instead,
with the live status of the ones the mesh serves; without a mesh, the manifests folder is read.`
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --kind ping -o yaml',
    '<%= config.bin %> <%= command.id %> -f samples/',
  ]
  static override flags = {...listFlags, kind: sourceKindFlag}

  async run(): Promise<ListResult> {
    return this.runList(sourceMatch(this.flags.kind), sourceTable)
  }
}
