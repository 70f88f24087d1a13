import {Flags} from '@oclif/core'
import {KneCommand, prose, registryFlags, registryOptions} from '../../cli/index.js'
import {colors} from '../../client/render.js'
import {exportRegistry, exportRegistryDocument, type RegistryDocumentResult, type RegistryExportResult} from '../../client/registry.js'
import {EXIT, KneError} from '../../core/errors.js'
import {EVENT_TYPE_VERSIONS, type EventTypeVersion} from '../../core/registry/index.js'
import {toYaml} from '../../scaffold/templates.js'
import {readFromNote} from '../../scaffold/inspect.js'

export const EXPORT_FORMATS = ['eventtypes', 'asyncapi', 'xregistry'] as const

export default class RegistryExport extends KneCommand<typeof RegistryExport> {
  static override summary =
    'Print the registry as EventType manifests (or write the missing ones to the manifests folder), an AsyncAPI 3.0 document or an xRegistry document.'
  static override description = prose`Each type the registry knows becomes an eventing.knative.dev EventType a Knative cluster accepts. v1beta2 (the
default, Knative's storage version) carries type, source, the schema URI, schemaData (the declared or inferred
JSON Schema of the data) and the reference; v1beta3 lists the attributes (type, source, specversion, id and the
others known) and has no field for a data schema. With --write, every type that no EventType declares yet is
written to the manifests folder, one file each, so that observed types become committed, reviewable contracts;
an existing file or EventType is never overwritten without --force.

--format asyncapi writes an AsyncAPI 3.0 document (YAML; JSON when -o names a .json file): the mesh as an HTTP
server, a channel per broker and channel at its ingress path, a message per type with the CloudEvents attributes
as binary-mode ce-* headers and the data's JSON Schema as payload, an example event, and operations: send for
each producer kne knows, receive for each trigger with its filter. --format xregistry writes the registry as an
xRegistry (CloudEvents Registry) document: a message group per broker or channel with a CloudEvents message
definition per type, the JSON Schemas in schema groups, and an HTTP endpoint per broker and channel; kne
registry import reads it back. --broker limits either document to one broker.`
  static override examples = [
    '<%= config.bin %> <%= command.id %> > knative/eventtypes.yaml',
    '<%= config.bin %> <%= command.id %> --version v1beta3',
    '<%= config.bin %> <%= command.id %> --write   # while kne dev runs: commit what it observed',
    '<%= config.bin %> <%= command.id %> --format asyncapi -o asyncapi.yaml',
    '<%= config.bin %> <%= command.id %> --format asyncapi --broker default/orders',
    '<%= config.bin %> <%= command.id %> --format xregistry -o registry.json',
  ]
  static override flags = {
    ...registryFlags,
    format: Flags.string({
      options: [...EXPORT_FORMATS],
      default: 'eventtypes',
      description: 'what to write: EventType manifests, an AsyncAPI 3.0 document, or an xRegistry document',
    }),
    broker: Flags.string({
      char: 'b',
      description: "with --format asyncapi|xregistry, only this broker: NAMESPACE/NAME, or NAME in --namespace (else the project's)",
    }),
    out: Flags.string({
      char: 'o',
      helpValue: '<file>',
      description: 'with --format asyncapi|xregistry, write the document to this file instead of stdout',
    }),
    version: Flags.string({options: [...EVENT_TYPE_VERSIONS], default: 'v1beta2', description: 'EventType API version to write'}),
    write: Flags.boolean({description: 'write the types no EventType declares yet to the manifests folder'}),
    force: Flags.boolean({dependsOn: ['write'], description: 'with --write, replace EventTypes of the same name'}),
    dir: Flags.string({description: "with --write, the manifests folder [default: kne.yaml's manifests folder, else ./knative]"}),
  }

  async run(): Promise<RegistryExportResult | RegistryDocumentResult> {
    const {flags} = this
    if (flags.format !== 'eventtypes') return this.document(flags.format as 'asyncapi' | 'xregistry')
    for (const flag of ['broker', 'out'] as const)
      if (flags[flag] !== undefined)
        throw new KneError(`--${flag} goes with --format asyncapi or xregistry`, 'INVALID_FLAG', EXIT.usage, [
          'kne registry list --broker B shows the types of one broker',
        ])
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

  private async document(format: 'asyncapi' | 'xregistry'): Promise<RegistryDocumentResult> {
    const {flags} = this
    for (const flag of ['write', 'force', 'dir'] as const)
      if (flags[flag] !== undefined && flags[flag] !== false)
        throw new KneError(`--${flag} goes with --format eventtypes`, 'INVALID_FLAG', EXIT.usage, [
          `--format ${format} -o FILE writes the document to a file`,
        ])
    const result = await exportRegistryDocument({
      ...registryOptions(flags, this.config.dataDir),
      format,
      namespace: flags.namespace,
      broker: flags.broker,
      output: flags.out,
    })
    if (!result.mesh && result.meshProblem) this.note(result.meshProblem)
    const from = readFromNote(result)
    if (from) this.note(colors(process.stderr).dim(from))
    if (result.types === 0) this.note('no event types known: the document has no messages')
    if (result.file)
      this.log(`Wrote ${result.file} (${format === 'asyncapi' ? 'AsyncAPI 3.0' : 'xRegistry'}, ${result.types} event type(s))`)
    else this.write(result.text)
    const {text: _, ...json} = result
    return json as RegistryDocumentResult
  }
}
