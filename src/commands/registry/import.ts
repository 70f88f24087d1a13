import {Args, Flags} from '@oclif/core'
import {configFlag, KneCommand, prose} from '../../cli/index.js'
import {colors} from '../../client/render.js'
import {importRegistryDocument, type RegistryImportResult} from '../../client/registry.js'

export default class RegistryImport extends KneCommand<typeof RegistryImport> {
  static override summary = 'Write the event types of an xRegistry or AsyncAPI 3 document as EventType manifests.'
  static override description = prose`Reads FILE (JSON or YAML) and writes one EventType per event type it describes to the manifests folder, one file
each (eventtype-NAME.yaml), as kne eventtype create does. xRegistry: every CloudEvents/1.0 message definition, its
envelopemetadata attributes with their values and whether they are required, and its data schema (inline, or a
schema resource of the document). AsyncAPI 3: every message whose ce-type header has one fixed value, its ce-*
headers as attributes and its payload as the data schema. Types that describe attributes v1beta2 has no field
for become v1beta3 EventTypes, the others v1beta2 (which keeps the schema). What no EventType holds is listed
as not mapped. A document kne cannot read, or one with a problem (no type value, a reference to something the
document does not have), exits 3 naming the path inside it, and nothing is written; nor is anything written when
an EventType of the same name exists, unless --force. kne registry export --format xregistry writes documents this
reads back to the same EventTypes.`
  static override examples = [
    '<%= config.bin %> <%= command.id %> registry.json',
    '<%= config.bin %> <%= command.id %> asyncapi.yaml --dry-run',
    '<%= config.bin %> <%= command.id %> registry.json --dir knative/imported --force',
  ]
  static override args = {file: Args.string({required: true, description: 'an xRegistry (JSON) or AsyncAPI 3 (YAML or JSON) document'})}
  static override flags = {
    config: configFlag,
    dir: Flags.string({description: "the manifests folder to write to [default: kne.yaml's manifests folder, else ./knative]"}),
    force: Flags.boolean({description: 'replace EventTypes of the same name'}),
    'dry-run': Flags.boolean({description: 'check everything and say what would be written, but write nothing'}),
  }

  async run(): Promise<RegistryImportResult> {
    const {flags} = this
    const result = importRegistryDocument({
      file: this.args.file,
      config: flags.config,
      dir: flags.dir,
      force: flags.force,
      dryRun: flags['dry-run'],
    })
    const c = colors(process.stderr)
    const verb = (action: string) => (action === 'dry-run' ? 'Would write' : action === 'replaced' ? 'Replaced' : 'Wrote')
    for (const w of result.written) {
      this.log(`${verb(w.action)} ${w.file} (${w.type}, ${w.apiVersion.split('/')[1]})`)
      for (const warning of w.warnings) this.note(c.yellow(`  warning: ${warning}`))
    }
    if (result.written.length === 0) this.note('no event types in the document: nothing written')
    if (result.unmapped.length > 0) {
      this.note(c.yellow(`not mapped (${result.unmapped.length}):`))
      for (const u of result.unmapped.slice(0, 100)) this.note(c.yellow(`  ${u.path || '/'}: ${u.message}`))
      if (result.unmapped.length > 100) this.note(c.yellow(`  … and ${result.unmapped.length - 100} more (--json lists them all)`))
    }
    if (result.dryRun && result.written.length > 0) this.note(c.dim('dry run: nothing written'))
    return result
  }
}
