// Ready-to-paste command lines for a registry entry: a `kne trigger create` that subscribes to the type
// and a `kne send` that posts an event like the example to its broker.
import {isJsonMediaType, RESERVED_NAMES} from '../cloudevent.js'
import {toKubernetesName} from './export.js'
import type {RegistryEntry} from './types.js'
import {textOf} from '../resources/read.js'

/** Quotes a word for a POSIX shell only when it needs it. */
export function shellQuote(word: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word
  return `'${word.replaceAll("'", "'\\''")}'`
}

/** `order-created` for `com.example.order.created`: the last two parts of the type, as a trigger name. */
export function triggerNameFor(type: string): string {
  const parts = type.split(/[.:/_-]/).filter(Boolean)
  const name = toKubernetesName(parts.slice(-2).join('-').replaceAll('.', '-'), 63)
  return name === 'event-type' ? 'on-event' : name
}

function brokerOf(entry: RegistryEntry): {name: string; namespace: string} {
  if (entry.broker) {
    const slash = entry.broker.indexOf('/')
    return {namespace: entry.broker.slice(0, slash), name: entry.broker.slice(slash + 1)}
  }
  return {namespace: entry.namespace, name: 'default'}
}

export interface SnippetOptions {
  /** Where the trigger's events go (e.g. kne sink's URL). */
  sink: string
  /** The project's namespace: `-n` is written only for another one. */
  namespace: string
}

export function triggerCreateLine(entry: RegistryEntry, options: SnippetOptions): string {
  const broker = brokerOf(entry)
  const words = [
    'kne',
    'trigger',
    'create',
    triggerNameFor(entry.type),
    '--broker',
    broker.name,
    '--filter',
    `type=${entry.type}`,
    '--sink',
    options.sink,
  ]
  if (broker.namespace !== options.namespace) words.push('-n', broker.namespace)
  return words.map(shellQuote).join(' ')
}

/** kne send posts to `broker:NAME[:NAMESPACE]`, its namespace defaulting to `default`. */
export function sendLine(entry: RegistryEntry): string {
  const broker = brokerOf(entry)
  const example = entry.example ?? {}
  const words = ['kne', 'send', '--type', entry.type]
  const source = entry.source ?? (typeof example.source === 'string' ? example.source : undefined)
  if (source) words.push('--source', source)
  words.push('--to', `broker:${broker.name}${broker.namespace === 'default' ? '' : `:${broker.namespace}`}`)
  if (typeof example.subject === 'string') words.push('--subject', example.subject)
  for (const [name, value] of Object.entries(example)) {
    if (RESERVED_NAMES.has(name) || value === null || typeof value === 'object') continue
    words.push('-e', `${name}=${textOf(value)}`)
  }
  const contentType = typeof example.datacontenttype === 'string' ? example.datacontenttype : undefined
  if (Object.hasOwn(example, 'data')) {
    const data = example.data
    const json = isJsonMediaType(contentType)
    words.push('--data', typeof data === 'string' && !json ? data : JSON.stringify(data))
    // kne send guesses application/json for JSON data and text/plain for text; anything else is said
    if (
      contentType &&
      !/^application\/json$/i.test(contentType) &&
      !(typeof data === 'string' && !json && /^text\/plain$/i.test(contentType))
    ) {
      words.push('--content-type', contentType)
    }
  }
  return words.map(shellQuote).join(' ')
}
