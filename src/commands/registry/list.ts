import {Flags} from '@oclif/core'
import {KneCommand, prose, registryFlags, registryOptions} from '../../cli/index.js'
import {colors} from '../../client/render.js'
import {listRegistry, type RegistryListResult} from '../../client/registry.js'
import {registryTable} from '../../client/registry-render.js'
import {readFromNote} from '../../scaffold/inspect.js'

export default class RegistryList extends KneCommand<typeof RegistryList> {
  static override summary = 'List the event types the project knows: declared, emitted by sources, and observed by kne dev.'
  static override description = prose`One row per event type and the addressable its events come through: TYPE, SOURCE (or the pattern several
sources share), REFERENCE, ORIGIN (declared by an EventType manifest, provided by a source such as a PingSource,
observed by a running kne dev), and how many PRODUCERS and CONSUMERS it has. A consumer is a trigger whose filter
can match the type, in any dialect; "(+N may)" counts triggers whose filters depend on attributes the registry
does not know. When kne dev runs, it is that mesh's registry: the resources it runs and what it observed, from
whichever folder you are in. -f FILE|DIR reads those manifests instead (merged with what a running kne dev
observed, unless --offline); without a mesh, kne.yaml's manifests folder is read.`
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --broker default -n shop',
    '<%= config.bin %> <%= command.id %> -f knative/ --offline --json',
  ]
  static override flags = {
    ...registryFlags,
    broker: Flags.string({char: 'b', description: "only types whose events flow into this broker (in --namespace, else the project's)"}),
  }

  async run(): Promise<RegistryListResult> {
    const {flags} = this
    const result = await listRegistry({...registryOptions(flags, this.config.dataDir), namespace: flags.namespace, broker: flags.broker})
    const c = colors(process.stderr)
    if (result.types.length === 0) this.log('No event types found.')
    else for (const line of registryTable(result.types)) this.log(line)
    if (result.manifestErrors > 0)
      this.note(c.yellow(`${result.manifestErrors} problem(s) in the manifests: kne validate lists them; the registry shows what loaded`))
    for (const problem of result.problems) this.note(c.yellow(`warning: ${problem}`))
    if (!result.mesh && result.meshProblem) this.note(c.dim(result.meshProblem))
    const from = readFromNote(result)
    if (from) this.note(c.dim(from))
    return result
  }
}
