import {Flags} from '@oclif/core'
import {KneCommand, prose} from '../cli/index.js'
import {manifestErrorFormatter} from '../core/resources/types.js'
import {exportProject} from '../services/export.js'
import {EXIT} from '../core/errors.js'

export default class Export extends KneCommand<typeof Export> {
  static override exitCodes = [EXIT.ok, EXIT.usage, EXIT.invalid]
  static override summary = 'Print the manifests as kubectl-ready YAML for a real Knative cluster.'
  static override description = prose`Reads the manifests (files or folders; without -f the manifests folder named in kne.yaml), checks them as
kne validate does, and prints every Knative resource as multi-document YAML for kubectl apply -f -: each
resource as written, with metadata.namespace filled in where it was left out, without status or fields the
API server sets, keys in a stable order. Knative's defaults are not added (the cluster applies its own), refs
stay refs (a Service in kne.yaml's service map stays a Service ref), and nothing kne-specific is added.
Documents that are not Knative Eventing kinds (Deployments, Knative Services, ConfigMaps) are passed through
as written, so a Sequence's step Services go with it; --eventing-only leaves them out, with a warning each. A
subscriber or sink URI on a loopback address (127.0.0.0/8, localhost, ::1) gets a warning: inside a cluster it
reaches the pod itself. Manifests a cluster would refuse are not exported: the problems are listed and the exit
code is 3. --json prints a kubectl List instead.`
  static override examples = [
    '<%= config.bin %> <%= command.id %> | kubectl apply -f -',
    '<%= config.bin %> <%= command.id %> -f knative/ --namespace staging > knative-staging.yaml',
    "<%= config.bin %> <%= command.id %> --json | jq '.items[].kind'",
    '<%= config.bin %> <%= command.id %> --eventing-only > eventing.yaml   # without the Deployments and Services beside them',
  ]
  static override flags = {
    filename: Flags.string({
      char: 'f',
      multiple: true,
      description: 'manifest file or folder (repeatable) [default: the manifests folder in kne.yaml]',
    }),
    config: Flags.string({description: 'path to kne.yaml [default: ./kne.yaml, or beside the manifests]'}),
    namespace: Flags.string({
      char: 'n',
      description: 'namespace for resources that set none [default: kne.yaml namespace, else default]',
      env: 'KNE_NAMESPACE',
    }),
    'eventing-only': Flags.boolean({description: 'leave out documents that are not Knative Eventing kinds (Deployments, Services, ...)'}),
  }

  async run(): Promise<{apiVersion: 'v1'; kind: 'List'; items: Record<string, unknown>[]}> {
    const result = exportProject({
      files: this.flags.filename ?? [],
      config: this.flags.config,
      namespace: this.flags.namespace,
      eventingOnly: this.flags['eventing-only'],
    })
    for (const w of result.warnings) this.note(`warning: ${manifestErrorFormatter(process.cwd())(w)}`)
    this.write(result.yaml)
    return {apiVersion: 'v1', kind: 'List', items: result.documents}
  }
}
