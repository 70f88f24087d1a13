import {Args} from '@oclif/core'
import {projectFlags} from '../../cli/index.js'
import {ScaffoldCommand} from '../../cli/scaffold-command.js'
import type {DeleteResult} from '../../scaffold/delete.js'
import {deleteEventType} from '../../scaffold/eventtype.js'

export default class EventtypeDelete extends ScaffoldCommand<typeof EventtypeDelete> {
  static override summary = 'Delete an eventtype: removes its file (or its document from a file holding others).'
  static override examples = [
    '<%= config.bin %> <%= command.id %> order-created',
    '<%= config.bin %> <%= command.id %> myeventtype -n myproject --json',
  ]
  static override args = {name: Args.string({required: true, description: 'eventtype name'})}
  static override flags = projectFlags

  async run(): Promise<DeleteResult> {
    const result = deleteEventType(this.project(), this.args.name)
    this.log(result.message)
    this.note(result.removed === 'file' ? `Removed ${result.file}` : `Removed its document from ${result.file}`)
    return result
  }
}
