// What sink parsing and mesh addresses need of a kind the mesh serves at a path of its own. It is kept apart
// from the descriptors, which import every reader, so that a command like kne send starts without them.

export interface KindAddress<K extends string = string> {
  readonly kind: K
  readonly group: string
  readonly plural: string
  /** The version kn's sink grammar writes into a reference. */
  readonly apiVersion: string
  /** `/<ingressPath>/<namespace>/<name>` on the mesh; a broker's is '' (`/<namespace>/<name>`). */
  readonly ingressPath: string
  /** kn's sink grammar: `<sinkPrefix>:NAME[:NAMESPACE]`. */
  readonly sinkPrefix?: string
}

/** The descriptor fields an address gives (the descriptor lists its versions itself). */
export function addressFields<K extends string>(address: KindAddress<K>) {
  const {kind, group, plural, ingressPath, sinkPrefix} = address
  return {kind, group, plural, ingressPath, ...(sinkPrefix === undefined ? {} : {sinkPrefix})}
}
