import {Flags} from '@oclif/core'
import {destinationFlag, KneCommand, keyValueFlag, prose} from '../cli/index.js'
import {bindingContract, runWithContract} from '../client/run.js'
import {EXIT, KneError} from '../core/errors.js'
import {K_CE_OVERRIDES, K_SINK} from '../core/sources/binding.js'

export default class Run extends KneCommand<typeof Run> {
  static override exitCodes = [EXIT.ok, EXIT.usage, EXIT.invalid, EXIT.unreachable, EXIT.cannotRun, EXIT.commandNotFound, EXIT.interrupted]
  static override exitCodeMeanings = {
    [EXIT.ok]: "the command's own exit code is kne run's (128+N when signal N ended it)",
    [EXIT.usage]: 'bad flag, or a --sink that does not resolve',
    [EXIT.invalid]: 'a SinkBinding whose sink does not resolve',
    [EXIT.cannotRun]: 'the command cannot be run',
    [EXIT.commandNotFound]: 'the command cannot be found',
  }
  static override summary = 'Run a local command bound to a sink, as a SinkBinding binds a workload (K_SINK, K_CE_OVERRIDES).'
  static override usage = '<%= command.id %> [--sink SINK | --binding NAME] [-n NAMESPACE] [--ce-override KEY=VALUE] -- COMMAND [ARGS...]'
  static override description = prose`Starts the command after -- with K_SINK set to the sink's URL and K_CE_OVERRIDES to the
JSON of the ceOverrides (empty when there are none), exactly as Knative's SinkBinding sets them in a pod; K_CA_CERTS
too when the sink has CA certs. The sink is --sink (kn's grammar: broker:NAME, ksvc:NAME, channel:NAME, svc:NAME,
each with :NAMESPACE optional, or a URL; references are resolved by the running mesh) or the sink of a SinkBinding
in the manifests (--binding). The command's output goes to this terminal, Ctrl-C and SIGTERM are passed on to it,
and kne run exits with its exit code (128+N when signal N ended it, 127 when the command cannot be found).

Exit codes of kne run itself: 2 bad flag, or a --sink that does not resolve; 3 a SinkBinding whose sink does not
resolve; 4 a reference needs the mesh and none is running.`
  static override examples = [
    '<%= config.bin %> <%= command.id %> --sink broker:default -- node producer.js',
    '<%= config.bin %> <%= command.id %> --binding node-sinkbinding -- npm start',
    '<%= config.bin %> <%= command.id %> --sink http://127.0.0.1:3000 --ce-override env=dev -- python emit.py',
  ]
  static override strict = false
  // the command's own output is the output: there is nothing for --json to print
  static override enableJsonFlag = false
  static override flags = {
    sink: destinationFlag({
      char: 's',
      description: 'where the command sends events: broker:NAME, ksvc:NAME, channel:NAME, svc:NAME ([:NAMESPACE]) or a URL',
    }),
    binding: Flags.string({char: 'b', description: 'take the sink and ceOverrides of this SinkBinding of the manifests'}),
    namespace: Flags.string({
      char: 'n',
      description: "namespace of the sink and the binding [default: kne.yaml's namespace, else default]",
      env: 'KNE_NAMESPACE',
    }),
    'ce-override': keyValueFlag({description: "extension KEY=VALUE for K_CE_OVERRIDES (repeatable; added to the binding's)"}),
    filename: Flags.string({
      char: 'f',
      multiple: true,
      description: "manifest file or folder to find --binding in [default: kne.yaml's manifests folder]",
    }),
    config: Flags.string({description: 'path to kne.yaml [default: ./kne.yaml, or beside the manifests]'}),
  }

  async run(): Promise<void> {
    const separator = this.argv.indexOf('--')
    const command = separator < 0 ? [] : this.argv.slice(separator + 1)
    if (command.length === 0) {
      this.fail(
        new KneError('no command to run: put it after --', 'INVALID_FLAG', {
          suggestions: ['kne run --sink broker:default -- node producer.js'],
        }),
      )
    }
    const contract = await bindingContract({
      sink: this.flags.sink,
      binding: this.flags.binding,
      namespace: this.flags.namespace,
      ceOverrides: this.flags['ce-override'],
      files: this.flags.filename,
      config: this.flags.config,
      dataDir: this.config.dataDir,
    })
    this.note(
      `kne run: ${K_SINK}=${contract.sinkUri} (${contract.via})${contract.env[K_CE_OVERRIDES] ? ` ${K_CE_OVERRIDES}=${contract.env[K_CE_OVERRIDES]}` : ''}`,
    )
    this.setExitCode(await runWithContract(command, contract.env))
  }
}
