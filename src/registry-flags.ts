// Flags the registry commands share: where the manifests are, and whether to ask a running mesh.
import {Flags} from '@oclif/core'

export const registryFlags = {
  filename: Flags.string({char: 'f', multiple: true,
    description: 'read these manifest files or folders (repeatable) [default: what the running kne dev runs, else kne.yaml\'s manifests folder]'}),
  config: Flags.string({description: 'path to kne.yaml [default: ./kne.yaml, or beside the manifests]'}),
  namespace: Flags.string({char: 'n', description: 'only this namespace [default: every namespace]', env: 'KNE_NAMESPACE'}),
  offline: Flags.boolean({description: 'do not ask a running kne dev: the manifests alone, without what it runs and observed'}),
}

/** The client options the shared flags give. */
export function registryOptions(flags: {filename?: string[]; config?: string; offline?: boolean}, dataDir: string): {files: string[]; config?: string; dataDir: string; live: boolean} {
  return {files: flags.filename ?? [], config: flags.config, dataDir, live: !flags.offline}
}
