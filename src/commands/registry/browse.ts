import {KneCommand, prose, registryFlags, registryOptions} from '../../cli/index.js'
import {browseRegistry} from '../../client/registry-browse.js'
import {KneError} from '../../core/errors.js'

export default class RegistryBrowse extends KneCommand<typeof RegistryBrowse> {
  static override summary = 'Browse the event registry interactively: search types, read one, create a trigger for it or send an example.'
  static override description = prose`A terminal browser over kne registry list and describe: type to search, pick a type to read its attributes,
schema, example, producers and consumers, then create a trigger for it (written to the manifests folder) or
send its example event to its broker in the running kne dev, without leaving the prompt (following its
deliveries for at most 15 s). It needs a terminal: without one it exits 2 (use kne registry list and describe,
with --json, in scripts). Ctrl-C exits 130.`
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> -n shop']
  static override flags = registryFlags

  async run(): Promise<void> {
    if (this.jsonEnabled() || process.stdin.isTTY !== true || process.stdout.isTTY !== true) {
      this.fail(
        new KneError('kne registry browse is interactive and needs a terminal', 'NOT_A_TTY', {
          suggestions: ['in scripts use kne registry list --json and kne registry describe TYPE --json'],
        }),
      )
    }
    await browseRegistry({...registryOptions(this.flags, this.config.dataDir), namespace: this.flags.namespace})
  }
}
