import {ScaffoldCommand, listFlags, sourceKindFlag, sourceMatch, prose} from '../../scaffold/cli.js'
import {sourceTable, type ListResult} from '../../scaffold/inspect.js'

export default class SourceList extends ScaffoldCommand<typeof SourceList> {
  static override summary = 'List the event sources in the manifests folder (every sources.knative.dev kind).'
  static override description = prose`Columns as kn source list prints them: NAME TYPE RESOURCE SINK READY (NAMESPACE first with -A). Kinds kne does
not run (e.g. KafkaSource) are listed too; READY comes from the running mesh and is <unknown> without one.`
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --kind ping -o yaml']
  static override flags = {...listFlags, kind: sourceKindFlag}

  async run(): Promise<ListResult> {
    return this.runList(sourceMatch(this.flags.kind), sourceTable)
  }
}
