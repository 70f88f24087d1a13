import {Args, Flags} from '@oclif/core'
import {KneCommand, prose} from '../cli/index.js'
import {initProject, type InitResult} from '../scaffold/index.js'

export default class Init extends KneCommand<typeof Init> {
  static override summary = 'Create a kne project: kne.yaml, a manifests folder with a default broker and an example trigger.'
  static override description = prose`Writes, in DIR (default: the current folder), kne.yaml (namespace, manifests folder, port, and the local URL of
the example's event-display service), a manifests folder (knative/) holding a Broker named "default" and a
Trigger that delivers every event to event-display, a README with the commands to run it, and a .gitignore
line for .kne/ (where kne dev --persist keeps its event log). A file that
already exists is never overwritten: it is kept and listed as such, so init can be run again safely.`
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> shop --namespace shop --port 9000',
    '<%= config.bin %> <%= command.id %> && kne sink & kne dev   # then: kne send --type com.example.hello',
  ]
  static override args = {dir: Args.string({description: 'project folder (created if missing)', default: '.'})}
  static override flags = {
    namespace: Flags.string({char: 'n', description: "namespace of the project's resources", default: 'default'}),
    port: Flags.integer({char: 'p', min: 0, max: 65_535, description: 'port kne dev serves on [default: 8080]'}),
    manifests: Flags.string({description: 'manifests folder, inside the project', default: 'knative'}),
  }

  async run(): Promise<InitResult> {
    const result = initProject({
      dir: this.args.dir,
      namespace: this.flags.namespace,
      port: this.flags.port,
      manifests: this.flags.manifests,
    })
    this.log(`${result.created.length > 0 ? 'Created' : 'Kept'} a kne project in ${result.dir}`)
    for (const file of result.created) this.log(`  created ${file}`)
    for (const file of result.updated) this.log(`  updated ${file}`)
    for (const file of result.kept) this.log(`  kept    ${file} (exists)`)
    for (const note of result.notes) this.note(`note: ${note}`)
    const ns = result.config.namespace === 'default' ? '' : ` -n ${result.config.namespace}`
    this.log(
      `Next: \`kne sink\` in one terminal, \`kne dev\` in another (in ${result.dir}), then \`kne send${ns} --type com.example.hello\``,
    )
    return result
  }
}
