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
import type {ActivityJson} from '../core/activity.js'
import {followActivity, getStatus, postEvent, type SendResult} from './mesh-client.js'
import {describeAttempt, describeProgress, type DeliveryProgress} from './send.js'
import {colors, formatMs} from './render.js'
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
  // Ctrl-C at a prompt ends the command with exit 130 (KneCommand.catch)
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

/** How long "Send the example event" follows the event before handing the prompt back (a synchronous broker answers only once every delivery ended). */
export const EXAMPLE_SEND_WAIT_MS = 15_000

export interface SendExampleOptions {
  dataDir: string
  env?: NodeJS.ProcessEnv
  /** The bound on the wait (default EXAMPLE_SEND_WAIT_MS). */
  waitMs?: number
  /** Each delivery attempt as it happens, e.g. `waiting for 1 delivery, attempt 3 of 11 (503), next in 6.4 s`. */
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
  const stop = new AbortController()
  let timer: NodeJS.Timeout | undefined
  const waited = new Promise<'waited'>((resolve) => (timer = setTimeout(() => resolve('waited'), options.waitMs ?? EXAMPLE_SEND_WAIT_MS)))
  const tracker = new DeliveryTracker(event.id, `${broker.namespace}/${broker.name}`, await retriesByTrigger(meshUrl))
  try {
    let subscribed!: () => void
    const live = new Promise<void>((resolve) => (subscribed = resolve))
    const following = followActivity(meshUrl, (record) => {
      const line = tracker.record(record)
      if (line) options.progress?.(line)
    }, {signal: stop.signal, onSubscribed: () => subscribed()}).catch(() => undefined)
    await Promise.race([live, following, waited])
    const answer = await Promise.race([
      postEvent(url, event, 'binary', stop.signal).then((response) => ({response}), (error: unknown) => ({error: error as Error})),
      waited,
    ])
    if (answer !== 'waited' && 'error' in answer) return answer.error.message
    if (answer !== 'waited' && answer.response.status >= 300) return notAccepted(event.id, url, answer.response)
    if (answer !== 'waited') await Promise.race([tracker.settled, following, waited])
    return tracker.summary(`Sent event ${event.id} (${entry.type}) to ${url}`, answer === 'waited' ? undefined : answer.response.status,
      options.waitMs ?? EXAMPLE_SEND_WAIT_MS, `kne tail --broker ${broker.name} -n ${broker.namespace} --type ${entry.type}`)
  } finally {
    clearTimeout(timer)
    stop.abort()
  }
}

function notAccepted(id: string, url: string, response: SendResult): string {
  const body = response.body as {error?: unknown} | string | undefined
  const why = typeof body === 'object' && body !== null && typeof body.error === 'string' ? body.error : typeof body === 'string' ? body.slice(0, 300) : ''
  return `Not accepted: event ${id} to ${url}: ${response.status}${why ? ` ${why}` : ''}`
}

/** Retries per trigger key, for "attempt 3 of 11"; empty when the status cannot be read. */
async function retriesByTrigger(meshUrl: string): Promise<Map<string, number>> {
  try {
    const status = await getStatus(meshUrl)
    return new Map(status.triggers.map((t) => [`${t.namespace}/${t.name}`, t.delivery?.retry ?? 0]))
  } catch {
    return new Map()
  }
}

/** What became of one event at one broker, from its activity records. */
class DeliveryTracker {
  private arrival: number | undefined
  private matched: string[] = []
  private readonly outcomes = new Map<string, string>()
  private readonly lastAttempt = new Map<string, NonNullable<DeliveryProgress['lastAttempt']>>()
  private done!: () => void
  readonly settled = new Promise<void>((resolve) => (this.done = resolve))

  constructor(private readonly id: string, private readonly broker: string, private readonly retries: Map<string, number>) {}

  /** Takes a record; returns a progress line when it is a delivery attempt of this event. */
  record(record: ActivityJson): string | undefined {
    if (record.kind === 'rejected' || record.kind === 'not-found' || record.id !== this.id) return undefined
    if (record.kind === 'event') {
      if (this.arrival === undefined && record.broker === this.broker && record.via === 'ingress') {
        this.arrival = record.arrival
        this.matched = record.matched ?? []
        if (this.matched.length === 0) this.done()
      }
      return undefined
    }
    if (record.arrival !== this.arrival) return undefined
    if (record.kind === 'settled') {
      this.done()
      return undefined
    }
    if (record.trigger === undefined) return undefined
    if (record.kind === 'outcome') {
      this.outcomes.set(record.trigger, `${record.outcome}${record.status ? ` (${record.status})` : ''}${record.error ? `: ${record.error}` : ''}`)
      return undefined
    }
    // a dead-letter sink's or reply's attempt is named as such; a subscriber's counts against the trigger's retries
    const attempt = {subscriber: record.trigger, attempt: record.attempt, status: record.status, error: record.error, nextDelayMs: record.nextDelayMs,
      of: record.target === 'subscriber' ? (this.retries.get(record.trigger) ?? 0) + 1 : undefined}
    this.lastAttempt.set(record.trigger, attempt)
    const line = describeProgress({deliveries: this.matched.length, ended: this.outcomes.size, lastAttempt: attempt})
    return record.target === 'subscriber' ? line : `${line} (${record.target})`
  }

  /** The broker's answer (undefined: none within the wait), then one line per matching trigger. */
  summary(sent: string, status: number | undefined, waitedMs: number, follow: string): string {
    const lines = [status === undefined
      ? `${sent}: no answer within ${formatMs(waitedMs)} (a synchronous broker answers once every delivery has ended)`
      : `${sent}: accepted (${status})`]
    if (this.arrival !== undefined && this.matched.length === 0) lines.push('  no trigger matched it')
    for (const trigger of this.matched) {
      const outcome = this.outcomes.get(trigger)
      lines.push(`  trigger ${trigger}: ${outcome ?? `still being delivered, ${describeLastAttempt(this.lastAttempt.get(trigger))}`}`)
    }
    if (this.matched.some((t) => !this.outcomes.has(t))) lines.push(`  the mesh goes on delivering it: ${follow} follows the deliveries`)
    return lines.join('\n')
  }
}

function describeLastAttempt(attempt: NonNullable<DeliveryProgress['lastAttempt']> | undefined): string {
  return attempt ? describeAttempt(attempt) : 'no attempt yet'
}
