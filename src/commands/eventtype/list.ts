import {listFlags, prose} from '../../cli/index.js'
import {ScaffoldCommand} from '../../cli/scaffold-command.js'
import {eventTypeTable, listEventTypes, type EventTypeListResult} from '../../scaffold/eventtype.js'
import {renderTable} from '../../scaffold/inspect.js'

export default class EventtypeList extends ScaffoldCommand<typeof EventtypeList> {
  static override summary = 'List the eventtypes (EventType manifests) the running kne dev runs, or in the manifests.'
  static override description = prose`Columns as kn prints them: NAME TYPE SOURCE REFERENCE AGE READY (NAMESPACE first with -A). READY follows
ReferenceExists: False when the reference names a resource the manifests do not define. AGE is the age of the
manifest file. When kne dev runs, the eventtypes it runs are listed; -f FILE|DIR (or --dir) lists those
manifests instead, and without a running mesh the manifests folder is read. kne registry list shows every known event type, also those sources emit and kne dev observed.`
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> -A --no-headers',
    '<%= config.bin %> <%= command.id %> -o yaml',
  ]
  static override flags = listFlags

  async run(): Promise<EventTypeListResult> {
    const {flags} = this
    const project = this.project()
    const result = await listEventTypes(project, {...this.inspectOptions(), allNamespaces: flags['all-namespaces']})
    if (!this.jsonEnabled()) this.noteReadFrom(result)
    if (flags.output) this.print({apiVersion: 'v1', kind: 'List', items: result.items.map((i) => i.manifest)}, flags.output)
    else if (result.items.length === 0)
      this.log(`No eventtypes found${flags['all-namespaces'] ? '' : ` in namespace '${project.namespace}'`}.`)
    else for (const line of renderTable(eventTypeTable(result.items, flags['all-namespaces']), flags['no-headers'])) this.log(line)
    return result
  }
}
