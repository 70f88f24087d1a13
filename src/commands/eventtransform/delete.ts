import {Args} from '@oclif/core'
import {projectFlags} from '../../cli/index.js'
import {ScaffoldCommand} from '../../cli/scaffold-command.js'
import {eventTransformKind} from '../../kinds/event-transform/descriptor.js'
import {deleteResource, type DeleteResult} from '../../scaffold/index.js'
import {kindIs} from '../../scaffold/workspace.js'

export default class EventTransformDelete extends ScaffoldCommand<typeof EventTransformDelete> {
  static override summary = 'Delete an EventTransform: removes its file (or its document from a file holding others).'
  static override examples = ['<%= config.bin %> <%= command.id %> rename', '<%= config.bin %> <%= command.id %> rename -n shop --json']
  static override args = {name: Args.string({required: true, description: 'EventTransform name'})}
  static override flags = projectFlags

  async run(): Promise<DeleteResult> {
    const result = deleteResource(this.project(), this.args.name, kindIs(eventTransformKind.kind))
    this.log(result.message)
    this.note(result.removed === 'file' ? `Removed ${result.file}` : `Removed its document from ${result.file}`)
    return result
  }
}
