// A ContainerSource as local processes. kne cannot run images, so each container runs its own
// `command` + `args` (Kubernetes semantics: command replaces the image's entrypoint, `$(VAR)` refers to
// the container's environment), or the whole source runs the command kne.yaml maps to it. Every process
// gets the container's env and the SinkBinding contract Knative injects (semantics §5.4).
import type {ContainerSource} from '../resources/types.js'
import {textOf} from '../resources/read.js'

/** A command kne runs: a string goes through the shell, a list is the argv. */
export interface LocalCommand {
  command: string | string[]
  /** Absolute, or relative to kne.yaml's folder. */
  cwd?: string
  env: Record<string, string>
}

export interface ProcessPlan {
  /** What the output is prefixed with: `namespace/source`, plus `/container` when there are several. */
  name: string
  command: string | string[]
  cwd?: string
  env: Record<string, string>
}

export type ContainerSourcePlan = {ok: true; processes: ProcessPlan[]; notes: string[]} | {ok: false; reason: string; message: string}

export interface Container {
  name?: unknown
  image?: unknown
  command?: unknown
  args?: unknown
  env?: unknown
}

/** `$(NAME)` is the variable's value when it is defined, `$$` a literal `$`; anything else stays as written. */
export function expandKubernetesVariables(text: string, env: Readonly<Record<string, string>>): string {
  return text.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (match, name: string | undefined) => {
    if (name === undefined) return '$'
    return Object.hasOwn(env, name) ? env[name]! : match
  })
}

function strings(value: unknown): string[] | undefined {
  return Array.isArray(value) ? value.map((v) => String(v)) : undefined
}

/** A container's `env` list (in order, each value expanded against the ones before it); valueFrom cannot be resolved locally. */
export function containerEnv(container: Container, notes: string[], label: string): Record<string, string> {
  const env: Record<string, string> = {}
  for (const item of Array.isArray(container.env) ? container.env : []) {
    const entry = item as {name?: unknown; value?: unknown; valueFrom?: unknown}
    if (typeof entry.name !== 'string') continue
    if (entry.valueFrom !== undefined) {
      notes.push(`${label}: env ${entry.name} uses valueFrom, which kne cannot resolve; it is left out`)
      continue
    }
    env[entry.name] = expandKubernetesVariables(textOf(entry.value), env)
  }
  return env
}

/**
 * The processes that stand in for the source's containers. `binding` is the SinkBinding contract (K_SINK,
 * K_CE_OVERRIDES); it comes last, as Knative's webhook appends it after removing older values.
 */
export function planContainerSource(
  source: ContainerSource,
  binding: Readonly<Record<string, string>>,
  mapped?: LocalCommand,
): ContainerSourcePlan {
  const {namespace, name} = source.metadata
  const containers = source.spec.template.spec.containers as Container[]
  const notes: string[] = []
  const label = `${namespace}/${name}`
  if (mapped) {
    const env = {...(containers[0] ? containerEnv(containers[0], notes, label) : {}), ...mapped.env, ...binding}
    if (containers.length > 1) notes.push(`${label}: kne.yaml maps one command for ${containers.length} containers; it runs once`)
    return {ok: true, notes, processes: [{name: label, command: mapped.command, ...(mapped.cwd ? {cwd: mapped.cwd} : {}), env}]}
  }
  const processes: ProcessPlan[] = []
  for (const container of containers) {
    const containerName = typeof container.name === 'string' ? container.name : name
    const command = strings(container.command)
    if (!command || command.length === 0) {
      const image = typeof container.image === 'string' ? container.image : 'its image'
      return {
        ok: false,
        reason: 'NoLocalCommand',
        message: `container ${containerName} has no command, and kne cannot run ${image}: give the container a command, or map one in kne.yaml (containerSources: {${name}: {command: ...}})`,
      }
    }
    const env = {...containerEnv(container, notes, label), ...binding}
    const argv = [...command, ...(strings(container.args) ?? [])].map((arg) => expandKubernetesVariables(arg, env))
    processes.push({name: containers.length > 1 ? `${label}/${containerName}` : label, command: argv, env})
  }
  return {ok: true, processes, notes}
}
