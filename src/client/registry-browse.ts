// `kne registry browse`: search the registry, read a type, then create a trigger for it or send its example
// event, in one terminal session. Prompts draw on stderr; what a type is and what was done go to stdout.
import {randomUUID} from 'node:crypto'
import {input, search, select} from '@inquirer/prompts'
import {decodeJsonEvent} from '../core/codec/json.js'
import {EXIT, KneError} from '../core/errors.js'
import {formatReference, triggerNameFor, type RegistryEntry} from '../core/registry/index.js'
import {EXAMPLE_SINK_URL} from '../scaffold/init.js'
import {openProject} from '../scaffold/project.js'
import {cancelledOr, Prompter} from '../scaffold/prompts.js'
import {scaffoldTrigger} from '../scaffold/scaffold.js'
import {sinkProblem} from '../scaffold/ask.js'
import {findMesh} from './locator.js'
import {postEvent} from './mesh-client.js'
import {colors} from './render.js'
import {commandsFor, loadRegistry, type DescribeOptions} from './registry.js'
import {describeEntryText} from './registry-render.js'

const prompt = {output: process.stderr}

/** The entries whose type, source or reference contain every word of `term` (case-insensitive). */
export function searchEntries(entries: readonly RegistryEntry[], term: string | undefined): RegistryEntry[] {
  const words = (term ?? '').toLowerCase().split(/\s+/).filter(Boolean)
  return entries.filter((e) => {
    const text = `${e.type} ${e.source ?? e.sourcePattern ?? ''} ${formatReference(e.reference)} ${e.namespace} ${e.description ?? ''}`.toLowerCase()
    return words.every((w) => text.includes(w))
  })
}

export async function browseRegistry(options: DescribeOptions): Promise<void> {
  const c = colors()
  const out = (line = ''): void => {
    process.stdout.write(`${line}\n`)
  }
  try {
    for (;;) {
      const loaded = await loadRegistry(options)
      const entries = loaded.registry.entries.filter((e) => options.namespace === undefined || e.namespace === options.namespace)
      if (entries.length === 0) {
        out('No event types found. Declare one with kne eventtype create, or send events through kne dev and browse again.')
        return
      }
      if (!loaded.mesh && loaded.meshProblem) process.stderr.write(c.dim(`${loaded.meshProblem}\n`))
      const key = await search<string>({
        message: `Event type (${entries.length} known; type to search)`,
        source: (term) => searchEntries(entries, term).map((e) => ({
          value: e.key,
          name: `${e.type}  ${c.dim(`${formatReference(e.reference)} · ${e.origins.join(',')}`)}`,
          description: e.description,
        })),
      }, prompt)
      const entry = entries.find((e) => e.key === key)!
      const described = {...entry, commands: commandsFor(entry, loaded.namespace)}
      out()
      for (const line of describeEntryText(described, c)) out(line)
      out()
      let next: string
      do {
        next = await select<string>({message: 'What now?', choices: [
          {value: 'trigger', name: 'Create a trigger for this type', description: described.commands.triggerCreate},
          {value: 'send', name: 'Send the example event', description: described.commands.send},
          {value: 'search', name: 'Back to the search'},
          {value: 'quit', name: 'Quit'},
        ]}, prompt)
        if (next === 'trigger') out(await createTrigger(entry, options, loaded.namespace))
        if (next === 'send') out(await sendExample(entry, options))
      } while (next === 'trigger' || next === 'send')
      if (next === 'quit') return
    }
  } catch (error) {
    throw cancelledOr(error)
  }
}

function brokerOf(entry: RegistryEntry, namespace: string): {namespace: string; name: string} {
  if (!entry.broker) return {namespace, name: 'default'}
  const [ns, name] = entry.broker.split('/') as [string, string]
  return {namespace: ns, name}
}

async function createTrigger(entry: RegistryEntry, options: DescribeOptions, projectNamespace: string): Promise<string> {
  const broker = brokerOf(entry, projectNamespace)
  const name = await input({message: 'Trigger name', default: triggerNameFor(entry.type)}, prompt)
  const sink = await input({message: 'Sink (ksvc:NAME, svc:NAME, broker:NAME or an http(s) URL)', default: EXAMPLE_SINK_URL,
    validate: (answer) => sinkProblem(answer.trim()) ?? true}, prompt)
  const project = openProject({config: options.config, ...(broker.namespace === projectNamespace ? {} : {namespace: broker.namespace})})
  try {
    const result = await scaffoldTrigger({name: name.trim(), broker: broker.name, sink: sink.trim(), filter: [`type=${entry.type}`]},
      {project, prompter: new Prompter(true)})
    return [result.message, ...result.warnings.map((w) => `warning: ${w}`), `Wrote ${result.file}`].join('\n')
  } catch (error) {
    if (error instanceof KneError && error.exitCode !== EXIT.internal) return `${error.message}${error.suggestions.length ? ` (${error.suggestions.join('; ')})` : ''}`
    throw error
  }
}

async function sendExample(entry: RegistryEntry, options: DescribeOptions): Promise<string> {
  if (!entry.example) return 'no example event for this type'
  const decoded = decodeJsonEvent({...entry.example, id: randomUUID(), time: new Date().toISOString()})
  if (!decoded.ok) return `the example is not a valid event: ${decoded.error}`
  const broker = brokerOf(entry, entry.namespace)
  let url: string
  try {
    url = `${findMesh(options.dataDir, options.env).url}/${broker.namespace}/${broker.name}`
  } catch (error) {
    return (error as Error).message + ': start kne dev to send events'
  }
  try {
    const response = await postEvent(url, decoded.event, 'binary')
    const ok = response.status >= 200 && response.status < 300
    return `${ok ? 'Sent' : 'Not accepted:'} event ${decoded.event.id} (${entry.type}) to ${url}: ${response.status}${ok ? '' : ` ${JSON.stringify(response.body)}`}`
  } catch (error) {
    return (error as Error).message
  }
}
