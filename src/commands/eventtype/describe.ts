import {Args} from '@oclif/core'
import {describeFlags} from '../../cli/index.js'
import {ScaffoldCommand} from '../../cli/scaffold-command.js'
import {describeEventType, describeEventTypeText, type EventTypeView} from '../../scaffold/eventtype.js'

export default class EventtypeDescribe extends ScaffoldCommand<typeof EventtypeDescribe> {
  static override summary =
    'Show an eventtype the running kne dev runs (or, with -f, in the manifests): type, source, schema, reference and its conditions.'
  static override examples = [
    '<%= config.bin %> <%= command.id %> order-created',
    '<%= config.bin %> <%= command.id %> order-created -o yaml',
  ]
  static override args = {name: Args.string({required: true, description: 'eventtype name'})}
  static override flags = describeFlags

  async run(): Promise<EventTypeView> {
    const {view, ...from} = await describeEventType(this.project(), this.args.name, this.inspectOptions())
    if (!this.jsonEnabled()) this.noteReadFrom(from)
    if (this.flags.output) this.print(view.manifest, this.flags.output)
    else for (const line of describeEventTypeText(view)) this.log(line)
    return view
  }
}
