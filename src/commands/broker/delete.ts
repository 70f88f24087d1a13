import {Args} from '@oclif/core'
import {projectFlags} from '../../cli/index.js'
import {ScaffoldCommand} from '../../cli/scaffold-command.js'
import {deleteResource, type DeleteResult} from '../../scaffold/index.js'
import {kindIs} from '../../scaffold/workspace.js'

export default class BrokerDelete extends ScaffoldCommand<typeof BrokerDelete> {
  static override summary = 'Delete a broker: removes its file (or its document from a file holding others).'
  static override examples = ['<%= config.bin %> <%= command.id %> orders', '<%= config.bin %> <%= command.id %> orders -n shop --json']
  static override args = {name: Args.string({required: true, description: 'broker name'})}
  static override flags = projectFlags

  async run(): Promise<DeleteResult> {
    const result = deleteResource(this.project(), this.args.name, kindIs('Broker'))
    this.log(result.message)
    this.note(result.removed === 'file' ? `Removed ${result.file}` : `Removed its document from ${result.file}`)
    return result
  }
}
