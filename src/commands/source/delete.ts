import {Args} from '@oclif/core'
import {projectFlags, sourceKindFlag} from '../../cli/index.js'
import {ScaffoldCommand, sourceMatch} from '../../cli/scaffold-command.js'
import {deleteResource, type DeleteResult} from '../../scaffold/index.js'

export default class SourceDelete extends ScaffoldCommand<typeof SourceDelete> {
  static override summary = 'Delete an event source: removes its file (or its document from a file holding others).'
  static override examples = [
    '<%= config.bin %> <%= command.id %> heartbeat',
    '<%= config.bin %> <%= command.id %> heartbeat --kind ping --json',
  ]
  static override args = {name: Args.string({required: true, description: 'source name'})}
  static override flags = {...projectFlags, kind: sourceKindFlag}

  async run(): Promise<DeleteResult> {
    const result = deleteResource(this.project(), this.args.name, sourceMatch(this.flags.kind))
    this.log(result.message)
    this.note(result.removed === 'file' ? `Removed ${result.file}` : `Removed its document from ${result.file}`)
    return result
  }
}
