import {Flags} from '@oclif/core'
import {KneCommand, prose, registryFlags, registryOptions} from '../../cli/index.js'
import {colors} from '../../client/render.js'
import {exportRegistry, type RegistryExportResult} from '../../client/registry.js'
import {EVENT_TYPE_VERSIONS, type EventTypeVersion} from '../../core/registry/index.js'
import {toYaml} from '../../scaffold/templates.js'
import {readFromNote} from '../../scaffold/inspect.js'

export default class RegistryExport extends KneCommand<typeof RegistryExport> {
  static override summary = 'Print EventType manifests for every known event type, or write the missing ones to the manifests folder.'
  static override description = prose`Each type the registry knows becomes an eventing.knative.dev EventType a Knative cluster accepts. v1beta2 (the
default, Knative's storage version) carries type, source, the schema URI, schemaData (the declared or inferred
JSON Schema of the data) and the reference; v1beta3 lists the attributes (type, source, specversion, id and the
others known) and has no field for a data schema. With --write, every type that no EventType declares yet is
written to the manifests folder, one file each, so that observed types become committed, reviewable contracts;
an existing file or EventType is never overwritten without --force.`
  static override examples = [
    '<%= config.bin %> <%= command.id %> > knative/eventtypes.yaml',
    '<%= config.bin %> <%= command.id %> --version v1beta3',
    '<%= config.bin %> <%= command.id %> --write   # while kne dev runs: commit what it observed',
  ]
  static override flags = {
    ...registryFlags,
    version: Flags.string({options: [...EVENT_TYPE_VERSIONS], default: 'v1beta2', description: 'EventType API version to write'}),
    write: Flags.boolean({description: 'write the types no EventType declares yet to the manifests folder'}),
    force: Flags.boolean({dependsOn: ['write'], description: 'with --write, replace EventTypes of the same name'}),
    dir: Flags.string({description: "with --write, the manifests folder [default: kne.yaml's manifests folder, else ./knative]"}),
  }

  async run(): Promise<RegistryExportResult> {
    const {flags} = this
    const result = await exportRegistry({
      ...registryOptions(flags, this.config.dataDir),
      namespace: flags.namespace,
      version: flags.version as EventTypeVersion,
      ...(flags.write ? {write: {force: flags.force, dir: flags.dir}} : {}),
    })
    for (const note of result.items.flatMap((i) => i.notes)) this.note(`note: ${note}`)
    if (!result.mesh && result.meshProblem) this.note(result.meshProblem)
    const from = readFromNote(result)
    if (from) this.note(colors(process.stderr).dim(from))
    const {written} = result
    if (!written) {
      if (result.items.length === 0) this.note('no event types known: nothing to export')
      this.write(result.items.map((i) => toYaml(i.manifest)).join('---\n'))
      return result
    }
    for (const w of written) {
      if (w.action === 'created' || w.action === 'replaced')
        this.log(`${w.action === 'created' ? 'Wrote' : 'Replaced'} ${w.file} (${w.type})`)
      else if (w.action === 'exists') this.note(`kept: EventType '${w.name}' exists already (pass --force to replace it)`)
    }
    const declared = written.filter((w) => w.action === 'declared').length
    if (declared > 0) this.note(`${declared} type(s) already declared by an EventType: left as they are`)
    if (!written.some((w) => w.action === 'created' || w.action === 'replaced')) this.note('nothing written')
    return result
  }
}
