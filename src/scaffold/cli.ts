// What the scaffolding commands share: their flags (kn's names) and how they print results.
import {Flags, type Command} from '@oclif/core'
import {KneCommand} from '../base-command.js'
import type {Manifest} from '../core/manifests/index.js'
import {EXIT, KneError} from '../core/errors.js'
import {readMesh} from '../client/read-mesh.js'
import {colors} from '../client/render.js'
import type {CreateResult} from './create.js'
import {
  asList, describeResource, describeText, isSource, listResources, readFromNote, renderTable, withStatus,
  type DescribeResult, type InspectOptions, type ListResult, type ResourceView, type Table,
} from './inspect.js'
import {displayPath, openProject, type ProjectContext} from './project.js'
import {toYaml} from './templates.js'
import type {KindMatch} from './workspace.js'

export const projectFlags = {
  namespace: Flags.string({char: 'n', description: "namespace [default: kne.yaml's namespace, else default]", env: 'KNE_NAMESPACE'}),
  dir: Flags.string({description: "manifests folder [default: kne.yaml's manifests folder, else ./knative]"}),
  config: Flags.string({description: 'path to kne.yaml [default: ./kne.yaml]'}),
}

export const createFlags = {
  ...projectFlags,
  force: Flags.boolean({description: 'replace the resource if it already exists'}),
  'dry-run': Flags.boolean({description: 'print the manifest and write nothing'}),
  output: Flags.string({char: 'o', options: ['yaml', 'json'], description: 'print the manifest written, in this format'}),
}

export const sinkFlag = Flags.string({
  char: 's',
  description: 'where events go: ksvc:NAME, svc:NAME, broker:NAME, channel:NAME (each with :NAMESPACE optional) or an http(s) URL',
})

export const ceOverrideFlag = Flags.string({multiple: true, description: 'extension KEY=VALUE set on every event the source sends (repeatable)'})

export const deliveryFlags = {
  'dl-sink': Flags.string({description: 'dead-letter sink for events that cannot be delivered (sink grammar, as --sink)'}),
  retry: Flags.integer({min: 0, description: 'retries after the first attempt'}),
  'backoff-policy': Flags.string({options: ['linear', 'exponential'], description: 'how the delay between retries grows'}),
  'backoff-delay': Flags.string({description: 'base delay between retries, ISO-8601 (PT0.2S; 200ms is turned into PT0.2S)'}),
  timeout: Flags.string({description: 'timeout of each delivery attempt, ISO-8601 (PT5S; 5s is accepted)'}),
  'retry-after-max': Flags.string({description: 'upper bound on Retry-After waits, ISO-8601 (Knative: needs the delivery-retryafter feature)'}),
}

/** -f, as kne validate and export take it: list and describe read these manifests instead of the running mesh. */
export const filenameFlag = Flags.string({char: 'f', multiple: true,
  description: 'read these manifest files or folders (repeatable) [default: what the running kne dev runs, else the manifests folder]'})

export const listFlags = {
  ...projectFlags,
  filename: filenameFlag,
  'all-namespaces': Flags.boolean({char: 'A', description: 'list resources of every namespace'}),
  'no-headers': Flags.boolean({description: 'print the table without its header row'}),
  output: Flags.string({char: 'o', options: ['yaml', 'json'], description: 'print the resources (with live status) in this format'}),
}

export const describeFlags = {
  ...projectFlags,
  filename: filenameFlag,
  output: Flags.string({char: 'o', options: ['yaml', 'json'], description: 'print the resource (with live status) in this format'}),
}

/** A scaffolding command: finds its project, prints manifests and kn's messages. */
export abstract class ScaffoldCommand<T extends typeof Command> extends KneCommand<T> {
  protected project(): ProjectContext {
    const flags = this.flags as {namespace?: string; dir?: string; config?: string}
    return openProject({namespace: flags.namespace, dir: flags.dir, config: flags.config})
  }

  /** Prints a data structure as YAML (default) or JSON. */
  protected print(value: unknown, format: string | undefined): void {
    process.stdout.write(format === 'json' ? `${JSON.stringify(value, null, 2)}\n` : toYaml(value))
  }

  /** kn's message (or the manifest, with -o or --dry-run), where it went, and any warnings; returns the manifest for --json. */
  protected report(result: CreateResult, output: string | undefined): Manifest {
    for (const w of result.warnings) this.note(`warning: ${w}`)
    if (!this.jsonEnabled()) {
      if (output || result.action === 'dry-run') this.print(result.manifest, output)
      else this.log(result.message)
      const file = displayPath({cwd: process.cwd()}, result.file)
      this.note(result.action === 'dry-run' ? `dry run: nothing written (would go to ${file})` : `${result.action === 'replaced' ? 'Replaced in' : 'Wrote'} ${file}`)
    }
    return result.manifest
  }

  protected inspectOptions(): InspectOptions {
    const flags = this.flags as unknown as {filename?: string[]; dir?: string}
    return {files: flags.filename ?? [], explicitDir: flags.dir !== undefined, readMesh: () => readMesh(this.config.dataDir)}
  }

  /** Says, dimmed on stderr, that what follows is the running mesh's and not the manifests in this folder. */
  protected noteReadFrom(result: {readFrom: 'mesh' | 'manifests'; mesh: {url: string} | null}): void {
    const note = readFromNote(result)
    if (note) this.note(colors(process.stderr).dim(note))
  }

  /** list: kubectl-style table (or -o yaml|json, or --json), live status from a running mesh when there is one. */
  protected async runList(match: KindMatch, table: (views: ResourceView[], allNamespaces: boolean) => Table): Promise<ListResult> {
    const flags = this.flags as unknown as {'all-namespaces'?: boolean; 'no-headers'?: boolean; output?: string}
    const project = this.project()
    const result = await listResources(project, match, {...this.inspectOptions(), allNamespaces: flags['all-namespaces']})
    if (this.jsonEnabled()) return result
    this.noteReadFrom(result)
    if (flags.output) this.print(asList(result.items), flags.output)
    else if (result.items.length === 0) this.log(`No ${match.what} found${flags['all-namespaces'] ? '' : ` in namespace '${project.namespace}'`}.`)
    else for (const line of renderTable(table(result.items, flags['all-namespaces'] === true), flags['no-headers'])) this.log(line)
    if (!result.mesh && result.items.length > 0) this.note(`${result.meshProblem}: live status is unknown (start one with kne dev)`)
    return result
  }

  /** describe: kn-style text (or -o yaml|json|url, or --json). */
  protected async runDescribe(name: string, match: KindMatch): Promise<DescribeResult> {
    const flags = this.flags as unknown as {output?: string}
    const result = await describeResource(this.project(), name, match, this.inspectOptions())
    if (this.jsonEnabled()) return result
    this.noteReadFrom(result)
    if (flags.output === 'url') {
      const url = result.item.live?.url
      if (!url) {
        const why = result.meshProblem ?? result.item.live?.message ?? 'not served'
        throw new KneError(`no URL for ${result.item.kind} '${name}': ${why}`, 'NO_URL', EXIT.unreachable, ['start kne dev'])
      }
      this.log(url)
    } else if (flags.output) {
      this.print(withStatus(result.item), flags.output)
    } else {
      for (const line of describeText(result.item, result.meshProblem)) this.log(line)
    }
    return result
  }
}

const SOURCE_KINDS: Record<string, string> = {ping: 'PingSource', container: 'ContainerSource', binding: 'SinkBinding', apiserver: 'ApiServerSource'}

export const sourceKindFlag = Flags.string({description: 'only sources of this kind: ping, container, binding, apiserver, or any source Kind (e.g. KafkaSource)'})

/** The sources a `kne source …` command acts on, narrowed by --kind. */
export function sourceMatch(kind: string | undefined): KindMatch {
  const wanted = kind === undefined ? undefined : (SOURCE_KINDS[kind.toLowerCase()] ?? kind).toLowerCase()
  return {what: 'sources', kind: (e) => isSource(e) && (wanted === undefined || e.kind.toLowerCase() === wanted)}
}

export {prose} from '../help-text.js'
