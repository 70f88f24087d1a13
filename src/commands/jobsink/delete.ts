import {Args} from '@oclif/core'
import {projectFlags} from '../../cli/index.js'
import {ScaffoldCommand} from '../../cli/scaffold-command.js'
import {deleteResource, type DeleteResult} from '../../scaffold/index.js'
import {kindIs} from '../../scaffold/workspace.js'

export default class JobSinkDelete extends ScaffoldCommand<typeof JobSinkDelete> {
  static override summary = 'Delete a JobSink: removes its file (or its document from a file holding others).'
  static override examples = ['<%= config.bin %> <%= command.id %> report', '<%= config.bin %> <%= command.id %> report -n shop --json']
  static override args = {name: Args.string({required: true, description: 'JobSink name'})}
  static override flags = projectFlags

  async run(): Promise<DeleteResult> {
    const result = deleteResource(this.project(), this.args.name, kindIs('JobSink'))
    this.log(result.message)
    this.note(result.removed === 'file' ? `Removed ${result.file}` : `Removed its document from ${result.file}`)
    return result
  }
}
