import {Flags} from '@oclif/core'
import {KneCommand, prose, registryFlags, registryOptions} from '../../cli/index.js'
import {colors} from '../../client/render.js'
import {CODEGEN_LANGUAGES, registryCodegen, type CodegenLanguage, type RegistryCodegenResult} from '../../client/registry.js'
import {readFromNote} from '../../scaffold/inspect.js'

export default class RegistryCodegen extends KneCommand<typeof RegistryCodegen> {
  static override summary = 'Write types for code from the registry: each event type with typed data, and the union of them all.'
  static override description = prose`For TypeScript: for each event type the registry knows, a type of its data made from its JSON Schema
(declared in an EventType, provided by a source, or inferred from the events kne dev saw; unknown without one),
an interface for the event (the CloudEvents attributes, type as a literal, the extensions every event carries,
and the typed data), and KnownEvent, the union of them all, discriminated by type: a subscriber that narrows on
event.type gets that type's data. The file compiles with tsc --strict. Without -o the code goes to stdout.`
  static override examples = [
    '<%= config.bin %> <%= command.id %> --lang typescript -o src/events.ts',
    '<%= config.bin %> <%= command.id %> --lang typescript -n shop > events.ts',
  ]
  static override flags = {
    ...registryFlags,
    lang: Flags.string({options: [...CODEGEN_LANGUAGES], default: 'typescript', description: 'the language to write'}),
    out: Flags.string({char: 'o', description: 'write the code to this file (replaced whole) [default: stdout]', helpValue: '<file>'}),
  }

  async run(): Promise<RegistryCodegenResult> {
    const {flags} = this
    const result = await registryCodegen({
      ...registryOptions(flags, this.config.dataDir),
      namespace: flags.namespace,
      lang: flags.lang as CodegenLanguage,
      out: flags.out,
    })
    const dim = colors(process.stderr).dim
    if (result.code !== undefined) this.write(result.code)
    else this.log(`Wrote ${result.file} (${result.types.length} event type(s))`)
    if (result.types.length === 0) this.note('no event types known: only the CloudEvents attributes are written')
    if (result.skipped.length > 0) this.note(`left out (a type given as a template): ${result.skipped.join(', ')}`)
    const untyped = result.types.filter((t) => t.schemaOrigin === undefined).map((t) => t.type)
    if (untyped.length > 0) this.note(dim(`no schema known, data typed unknown: ${untyped.join(', ')}`))
    if (!result.mesh && result.meshProblem) this.note(dim(result.meshProblem))
    const from = readFromNote(result)
    if (from) this.note(dim(from))
    return result
  }
}
