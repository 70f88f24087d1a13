// The base of the scaffolding commands (create, list, describe, delete): finds the project, prints manifests,
// tables and kn's messages.
import type {Command} from '@oclif/core'
import {KneCommand} from './command.js'
import type {Manifest} from '../core/manifests/index.js'
import {KneError} from '../core/errors.js'
import {readMesh} from '../client/read-mesh.js'
import {colors} from '../client/render.js'
import type {CreateResult} from '../scaffold/create.js'
import {
  asList,
  describeResource,
  describeText,
  isSource,
  listResources,
  readFromNote,
  renderTable,
  withStatus,
  type DescribeResult,
  type InspectOptions,
  type ListResult,
  type ResourceView,
  type Table,
} from '../scaffold/inspect.js'
import {displayPath, openProject, type ProjectContext} from '../scaffold/project.js'
import {toYaml} from '../scaffold/templates.js'
import type {KindMatch} from '../scaffold/workspace.js'

/** A scaffolding command: finds its project, prints manifests and kn's messages. */
export abstract class ScaffoldCommand<T extends typeof Command> extends KneCommand<T> {
  protected project(): ProjectContext {
    const flags = this.flags as {namespace?: string; dir?: string; config?: string}
    return openProject({namespace: flags.namespace, dir: flags.dir, config: flags.config})
  }

  /** Prints a data structure as YAML (default) or JSON (-o); under --json the returned result is the output. */
  protected print(value: unknown, format: string | undefined): void {
    this.write(format === 'json' ? `${JSON.stringify(value, null, 2)}\n` : toYaml(value))
  }

  /** kn's message (or the manifest, with -o or --dry-run), where it went, and any warnings; returns the manifest for --json. */
  protected report(result: CreateResult, output: string | undefined): Manifest {
    for (const w of result.warnings) this.note(`warning: ${w}`)
    if (!this.jsonEnabled()) {
      if (output || result.action === 'dry-run') this.print(result.manifest, output)
      else this.log(result.message)
      const file = displayPath({cwd: process.cwd()}, result.file)
      this.note(
        result.action === 'dry-run'
          ? `dry run: nothing written (would go to ${file})`
          : `${result.action === 'replaced' ? 'Replaced in' : 'Wrote'} ${file}`,
      )
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
    else if (result.items.length === 0)
      this.log(`No ${match.what} found${flags['all-namespaces'] ? '' : ` in namespace '${project.namespace}'`}.`)
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
        throw new KneError(`no URL for ${result.item.kind} '${name}': ${why}`, 'NO_URL', {suggestions: ['start kne dev']})
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

const SOURCE_KINDS: Record<string, string> = {
  ping: 'PingSource',
  container: 'ContainerSource',
  binding: 'SinkBinding',
  apiserver: 'ApiServerSource',
}

/** The sources a `kne source …` command acts on, narrowed by --kind. */
export function sourceMatch(kind: string | undefined): KindMatch {
  const wanted = kind === undefined ? undefined : (SOURCE_KINDS[kind.toLowerCase()] ?? kind).toLowerCase()
  return {what: 'sources', kind: (e) => isSource(e) && (wanted === undefined || e.kind.toLowerCase() === wanted)}
}
