// `kne registry browse`: search the registry, read a type, then create a trigger for it or send its example
// event, in one terminal session. Prompts draw on stderr; what a type is and what was done go to stdout.
import {randomUUID} from 'node:crypto'
import {input, search, select} from '@inquirer/prompts'
import {decodeJsonEvent} from '../core/codec/json.js'
import {EXIT, KneError} from '../core/errors.js'
import {formatReference, triggerNameFor, type RegistryEntry} from '../core/registry/index.js'
import {EXAMPLE_SINK_URL} from '../scaffold/init.js'
import {openProject} from '../scaffold/project.js'
import {Prompter} from '../scaffold/prompts.js'
import {scaffoldTrigger} from '../scaffold/scaffold.js'
import {sinkProblem} from '../scaffold/ask.js'
import {findMesh} from './locator.js'
import {postEvent, type SendResult} from './mesh-client.js'
import {describeAttempt, describeProgress, followDeliveries, type AttemptProgress, type Following} from './send.js'
import {colors, formatMs} from './render.js'
import {commandsFor, loadRegistry, type DescribeOptions} from './registry.js'
import {describeEntryText} from './registry-render.js'

const prompt = {output: process.stderr}

/** The entries whose type, source or reference contain every word of `term` (case-insensitive). */
export function searchEntries(entries: readonly RegistryEntry[], term: string | undefined): RegistryEntry[] {
  const words = (term ?? '').toLowerCase().split(/\s+/).filter(Boolean)
  return entries.filter((e) => {
    const text =
      `${e.type} ${e.source ?? e.sourcePattern ?? ''} ${formatReference(e.reference)} ${e.namespace} ${e.description ?? ''}`.toLowerCase()
    return words.every((w) => text.includes(w))
  })
}

export async function browseRegistry(options: DescribeOptions): Promise<void> {
  const c = colors()
  const out = (line = ''): void => {
    process.stdout.write(`${line}\n`)
  }
  // Ctrl-C at a prompt ends the command with exit 130 (KneCommand.catch)
  for (;;) {
    const loaded = await loadRegistry(options)
    const entries = loaded.registry.entries.filter((e) => options.namespace === undefined || e.namespace === options.namespace)
    if (entries.length === 0) {
      out('No event types found. Declare one with kne eventtype create, or send events through kne dev and browse again.')
      return
    }
    if (!loaded.mesh && loaded.meshProblem) process.stderr.write(c.dim(`${loaded.meshProblem}\n`))
    const key = await search<string>(
      {
        message: `Event type (${entries.length} known; type to search)`,
        source: (term) =>
          searchEntries(entries, term).map((e) => ({
            value: e.key,
            name: `${e.type}  ${c.dim(`${formatReference(e.reference)} · ${e.origins.join(',')}`)}`,
            description: e.description,
          })),
      },
      prompt,
    )
    const entry = entries.find((e) => e.key === key)!
    const described = {...entry, commands: commandsFor(entry, loaded.namespace)}
    out()
    for (const line of describeEntryText(described, c)) out(line)
    out()
    let next: string
    do {
      next = await select<string>(
        {
          message: 'What now?',
          choices: [
            {value: 'trigger', name: 'Create a trigger for this type', description: described.commands.triggerCreate},
            {value: 'send', name: 'Send the example event', description: described.commands.send},
            {value: 'search', name: 'Back to the search'},
            {value: 'quit', name: 'Quit'},
          ],
        },
        prompt,
      )
      if (next === 'trigger') out(await createTrigger(entry, options, loaded.namespace))
      if (next === 'send') out(await sendExample(entry, {...options, progress: (line) => process.stderr.write(c.dim(`${line}\n`))}))
    } while (next === 'trigger' || next === 'send')
    if (next === 'quit') return
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
  const sink = await input(
    {
      message: 'Sink (ksvc:NAME, svc:NAME, broker:NAME or an http(s) URL)',
      default: EXAMPLE_SINK_URL,
      validate: (answer) => sinkProblem(answer.trim()) ?? true,
    },
    prompt,
  )
  const project = openProject({config: options.config, ...(broker.namespace === projectNamespace ? {} : {namespace: broker.namespace})})
  try {
    const result = await scaffoldTrigger(
      {name: name.trim(), broker: broker.name, sink: sink.trim(), filter: [`type=${entry.type}`]},
      {project, prompter: new Prompter(true)},
    )
    return [result.message, ...result.warnings.map((w) => `warning: ${w}`), `Wrote ${result.file}`].join('\n')
  } catch (error) {
    if (error instanceof KneError && error.exitCode !== EXIT.internal)
      return `${error.message}${error.suggestions.length ? ` (${error.suggestions.join('; ')})` : ''}`
    throw error
  }
}

/** How long "Send the example event" follows the event before handing the prompt back (a synchronous broker answers only once every delivery ended). */
export const EXAMPLE_SEND_WAIT_MS = 15_000

export interface SendExampleOptions {
  dataDir: string
  env?: NodeJS.ProcessEnv
  /** The bound on the wait (default EXAMPLE_SEND_WAIT_MS). */
  waitMs?: number
  /** Each delivery attempt as it happens, e.g. `waiting for 1 delivery, attempt 3 of 11 answered 503, next in 6.4 s`. */
  progress?: (line: string) => void
}

/**
 * Sends the entry's example event (with a fresh id and time) to its broker in the running mesh and follows
 * its deliveries, at most `waitMs`; says in a few lines what the broker answered and what became of each delivery.
 */
export async function sendExample(entry: RegistryEntry, options: SendExampleOptions): Promise<string> {
  if (!entry.example) return 'no example event for this type'
  const decoded = decodeJsonEvent({...entry.example, id: randomUUID(), time: new Date().toISOString()})
  if (!decoded.ok) return `the example is not a valid event: ${decoded.error}`
  const {event} = decoded
  const broker = brokerOf(entry, entry.namespace)
  let meshUrl: string
  try {
    meshUrl = findMesh(options.dataDir, options.env).url
  } catch (error) {
    return (error as Error).message + ': start kne dev to send events'
  }
  const url = `${meshUrl}/${broker.namespace}/${broker.name}`
  const waitMs = options.waitMs ?? EXAMPLE_SEND_WAIT_MS
  const stop = new AbortController()
  let timer: NodeJS.Timeout | undefined
  const waited = new Promise<'waited'>((resolve) => (timer = setTimeout(() => resolve('waited'), waitMs)))
  // one line per delivery attempt (the prompt's screen is no place for every change kne send reports)
  let shown: AttemptProgress | undefined
  const follow = followDeliveries(meshUrl, event.id, stop.signal, (progress) => {
    if (progress.lastAttempt === shown) return
    shown = progress.lastAttempt
    options.progress?.(describeProgress(progress))
  })
  try {
    await Promise.race([follow.subscribed, follow.failed.catch(() => undefined), waited])
    const answer = await Promise.race([
      postEvent(url, event, 'binary', stop.signal).then(
        (response) => ({response}),
        (error: unknown) => ({error: error as Error}),
      ),
      waited,
    ])
    if (answer !== 'waited' && 'error' in answer) return answer.error.message
    if (answer !== 'waited' && answer.response.status >= 300) return notAccepted(event.id, url, answer.response)
    if (answer !== 'waited') await Promise.race([follow.settled, follow.failed.catch(() => undefined), waited])
    const sent = `Sent event ${event.id} (${entry.type}) to ${url}`
    return summarizeDeliveries(
      follow,
      answer === 'waited'
        ? `${sent}: no answer within ${formatMs(waitMs)} (a synchronous broker answers once every delivery has ended)`
        : `${sent}: accepted (${answer.response.status})`,
      `kne tail --broker ${broker.name} -n ${broker.namespace} --type ${entry.type}`,
    )
  } finally {
    clearTimeout(timer)
    stop.abort()
  }
}

function notAccepted(id: string, url: string, response: SendResult): string {
  const body = response.body as {error?: unknown} | string | undefined
  const why =
    typeof body === 'object' && body !== null && typeof body.error === 'string'
      ? body.error
      : typeof body === 'string'
        ? body.slice(0, 300)
        : ''
  return `Not accepted: event ${id} to ${url}: ${response.status}${why ? ` ${why}` : ''}`
}

/** The broker's answer, then one line per matching trigger: its outcome, or where its delivery stands. */
function summarizeDeliveries(follow: Following, answered: string, tail: string): string {
  const lines = [answered]
  const deliveries = [...follow.progress.bySubscriber]
  if (follow.progress.deliveries === 0) lines.push('  no trigger matched it')
  for (const [trigger, {outcome, lastAttempt}] of deliveries) {
    const ended = outcome && `${outcome.outcome}${outcome.status ? ` (${outcome.status})` : ''}${outcome.error ? `: ${outcome.error}` : ''}`
    lines.push(
      `  trigger ${trigger}: ${ended ?? `still being delivered, ${lastAttempt ? describeAttempt(lastAttempt) : 'no attempt yet'}`}`,
    )
  }
  if (deliveries.some(([, d]) => d.outcome === undefined)) lines.push(`  the mesh goes on delivering it: ${tail} follows the deliveries`)
  return lines.join('\n')
}
