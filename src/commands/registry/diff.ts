import {Args} from '@oclif/core'
import {KneCommand, prose, registryFlags, registryOptions} from '../../cli/index.js'
import {colors} from '../../client/render.js'
import {CURRENT_REGISTRY, diffRegistry, type RegistryDiffResult} from '../../client/registry.js'
import {EXIT} from '../../core/errors.js'

/** Exit code when a change breaks consumers, as diff tools give for "different" (for CI). */
export const BREAKING_EXIT = EXIT.internal

export default class RegistryDiff extends KneCommand<typeof RegistryDiff> {
  static override exitCodes = [EXIT.ok, BREAKING_EXIT, EXIT.usage, EXIT.invalid]
  static override exitCodeMeanings = {[BREAKING_EXIT]: 'a change breaks consumers (as for every command, also a bug in kne)'}
  static override summary = 'Compare two registries: the event types added, removed and changed, and which changes break consumers.'
  static override description = prose`OLD and NEW are registry exports (what kne registry export writes: EventType manifests, a file or a
folder, or an AsyncAPI 3 or xRegistry document) or current: the running kne dev's registry, else the project's. Types are compared by namespace and
type. A change breaks consumers when a required field is added to the data schema, a field's type changes, a
required field is removed, a required attribute is added or a fixed attribute value changes, or a type that a
trigger consumes is removed (consumers come from both sides and from the current registry). Exits 1 when a
change breaks consumers, 0 otherwise: a CI step fails on a breaking change.`
  static override examples = [
    '<%= config.bin %> <%= command.id %> contracts/eventtypes.yaml current',
    'git show main:knative/eventtypes.yaml > /tmp/old.yaml && <%= config.bin %> <%= command.id %> /tmp/old.yaml knative/',
    '<%= config.bin %> <%= command.id %> old-export/ new-export/ --json',
    '<%= config.bin %> <%= command.id %> registry.json current   # an xRegistry export (kne registry export --format xregistry)',
  ]
  static override args = {
    old: Args.string({required: true, description: `the registry before: a registry export (file or folder), or ${CURRENT_REGISTRY}`}),
    new: Args.string({required: true, description: `the registry after: a registry export (file or folder), or ${CURRENT_REGISTRY}`}),
  }
  static override flags = registryFlags

  async run(): Promise<RegistryDiffResult> {
    const result = await diffRegistry(this.args.old, this.args.new, {
      ...registryOptions(this.flags, this.config.dataDir),
      namespace: this.flags.namespace,
    })
    const c = colors()
    const breaking = c.red('BREAKING')
    const name = (t: {namespace: string; type: string}): string =>
      c.bold(t.type) + c.dim(t.namespace === 'default' ? '' : ` (${t.namespace})`)
    for (const t of result.added) this.log(`${c.green('+')} ${name(t)}  added`)
    for (const t of result.removed)
      this.log(
        `${c.red('-')} ${name(t)}  removed${t.breaking ? `  ${breaking}: consumed by ${t.consumers.map((x) => `trigger ${x}`).join(', ')}` : ''}`,
      )
    for (const t of result.changed) {
      this.log(`${c.yellow('~')} ${name(t)}`)
      for (const change of t.changes) this.log(`    ${change.breaking ? `${breaking}  ` : ''}${change.at}: ${change.message}`)
    }
    const counts = `${result.added.length} added, ${result.removed.length} removed, ${result.changed.length} changed`
    this.note(
      result.breaking > 0
        ? `${counts}; ${result.breaking} change(s) break consumers`
        : `${counts}${result.added.length + result.removed.length + result.changed.length === 0 ? ': the registries describe the same types' : '; nothing breaks consumers'}`,
    )
    if (result.breaking > 0) this.setExitCode(BREAKING_EXIT)
    return result
  }
}
