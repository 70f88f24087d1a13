// Event files: what `kne record` writes and `kne replay` / `kne send --file` read. YAML is the format of
// cloudevents/conformance (one document per event: Mode, ContextAttributes with Extensions,
// TransportExtensions, Data), so that recordings are readable, diffable and usable by its tools; kne adds a
// comment per document saying where and when the event arrived, which other tools ignore, and DataBase64 for
// data that is not UTF-8 text. JSONL is one JSON object per line for large recordings: the event in the
// CloudEvents JSON format under `event`, kne's note under `kne`.
import {Document, isAlias, isMap, isNode, LineCounter, parseAllDocuments, visit, type Node} from 'yaml'
import {CONTEXT_ATTRIBUTES, SPEC_VERSIONS, type CloudEvent, type SpecVersion} from './cloudevent.js'
import {decodeJsonEvent, encodeJsonEvent, MAX_JSON_DEPTH, nestedDeeperThan, rawMemberText} from './codec/json.js'
import {validateEvent} from './codec/validate.js'
import type {ActivityJson} from './activity.js'
import {KneError} from './errors.js'
import {BROKER_EXTENSIONS} from './registry/observe.js'
import {formatBytes} from './quantity.js'
import {MAX_ALIAS_COUNT} from './resources/yaml.js'

export type EventFileFormat = 'yaml' | 'jsonl'

/** Where kne saw an event arrive from outside the mesh, and when (the mesh's clock, ISO time). */
export interface RecordedArrival {
  /** `namespace/name` of the broker. */
  broker?: string
  /** `namespace/name` of the channel. */
  channel?: string
  at?: string
}

/** One event of a file. */
export interface FileEvent {
  event: CloudEvent
  /** How it is sent over HTTP (the conformance format's Mode; binary unless the file says otherwise). */
  mode: 'binary' | 'structured'
  /** kne's note: where and when it arrived; absent in files kne did not write. */
  recorded?: RecordedArrival
  /** Extra HTTP headers to send it with (the conformance format's TransportExtensions). */
  headers?: Record<string, string>
  /** Where it is in its file, for messages: `document 3, line 17` or `line 5`. */
  position?: string
}

/** The largest YAML event file read: it is parsed whole (JSONL files are read a line at a time). */
export const MAX_YAML_EVENT_FILE_BYTES = 32 * 1024 * 1024
/** The most events read from one file, whatever its format. */
export const MAX_FILE_EVENTS = 1_000_000

const TOP_LEVEL_KEYS = new Set(['Mode', 'ContextAttributes', 'TransportExtensions', 'Data', 'DataBase64'])
const ATTRIBUTE_KEYS = new Set([...CONTEXT_ATTRIBUTES['1.0'], ...CONTEXT_ATTRIBUTES['0.3'], 'Extensions'])
const KNE_NOTE = /^\s*kne:\s+(broker|channel)\s+(\S+\/\S+)(?:\s+at\s+(\S+))?\s*$/
const textDecoder = new TextDecoder('utf-8', {fatal: true})
const textEncoder = new TextEncoder()

/** The format of a file: by its extension (.jsonl, .ndjson, .json; .yaml, .yml), else by its first character. */
export function eventFileFormat(fileName: string, head: string): EventFileFormat {
  const lower = fileName.toLowerCase()
  if (/\.(jsonl|ndjson|json)$/.test(lower)) return 'jsonl'
  if (/\.ya?ml$/.test(lower)) return 'yaml'
  return head.trimStart().startsWith('{') ? 'jsonl' : 'yaml'
}

function fileError(file: string, where: string | undefined, message: string): KneError {
  return new KneError(`${file}${where ? `: ${where}` : ''}: ${message}`, 'EVENT_FILE')
}

// ---------------------------------------------------------------------------------------------- YAML

/** Every event of a YAML event file; throws a KneError naming the file, the document, its line and the field. */
export function parseYamlEventFile(text: string, file: string): FileEvent[] {
  if (text.length > MAX_YAML_EVENT_FILE_BYTES)
    throw fileError(
      file,
      undefined,
      `larger than ${formatBytes(MAX_YAML_EVENT_FILE_BYTES)}; write large recordings as JSONL (--format jsonl)`,
    )
  const lineCounter = new LineCounter()
  let documents
  try {
    // the package's own duplicate-key check compares each key with every other: quadratic in a large mapping
    documents = parseAllDocuments(text, {schema: 'failsafe', prettyErrors: true, uniqueKeys: false, lineCounter})
  } catch (error) {
    throw fileError(file, undefined, `invalid YAML: ${(error as Error).message.split('\n')[0]}`)
  }
  if (!Array.isArray(documents)) documents = [documents]
  const events: FileEvent[] = []
  documents.forEach((doc, index) => {
    if (events.length >= MAX_FILE_EVENTS) throw fileError(file, undefined, `more than ${MAX_FILE_EVENTS} events`)
    const lineOf = (node: unknown): number => {
      const range = (node as Node | undefined)?.range ?? doc.contents?.range ?? doc.range
      return lineCounter.linePos(range[0]).line
    }
    const at = (path: string[]): string => `document ${index + 1}, line ${lineOf(doc.getIn(path, true))}`
    if (doc.errors.length > 0) {
      const error = doc.errors[0]!
      const line = error.linePos?.[0]?.line ?? lineOf(undefined)
      throw fileError(
        file,
        `document ${index + 1}, line ${line}`,
        `invalid YAML: ${error.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}`,
      )
    }
    const shared = anchorOrAlias(doc)
    if (shared) throw fileError(file, `document ${index + 1}, line ${lineOf(shared)}`, 'an event file uses no YAML anchors or aliases')
    let value: unknown
    try {
      value = doc.toJS({maxAliasCount: MAX_ALIAS_COUNT})
    } catch (error) {
      throw fileError(file, at([]), `invalid YAML: ${(error as Error).message.split('\n')[0]}`)
    }
    if (value === null || value === '') return // an empty document (a trailing ---)
    const recorded = kneNote(doc)
    const event = yamlEvent(value, (path, message) => fileError(file, at(path), message))
    events.push({...event, ...(recorded ? {recorded} : {}), position: at([])})
  })
  return events
}

/** The first anchor or alias of a document: the yaml package resolves each alias by a scan over all of them. */
function anchorOrAlias(doc: Document.Parsed): Node | undefined {
  let found: Node | undefined
  visit(doc, (_key, node) => {
    if (isAlias(node) || (isNode(node) && node.anchor !== undefined)) {
      found = node
      return visit.BREAK
    }
    return undefined
  })
  return found
}

/** kne's comment before a document: wherever the yaml package puts a comment at that place. */
function kneNote(doc: Document.Parsed): RecordedArrival | undefined {
  const contents = doc.contents
  const firstKey = isMap(contents) ? (contents.items[0]?.key as Node | undefined) : undefined
  const comments = [doc.commentBefore, contents?.commentBefore, firstKey?.commentBefore].filter((c): c is string => typeof c === 'string')
  for (const line of comments.join('\n').split('\n')) {
    const match = KNE_NOTE.exec(line)
    if (match) return {[match[1] as 'broker' | 'channel']: match[2]!, ...(match[3] === undefined ? {} : {at: match[3]})}
  }
  return undefined
}

type Fail = (path: string[], message: string) => KneError

function yamlEvent(value: unknown, fail: Fail): Omit<FileEvent, 'recorded' | 'position'> {
  const top = mapping(value, [], fail, 'a mapping with ContextAttributes and Data')
  for (const key of Object.keys(top)) {
    if (!TOP_LEVEL_KEYS.has(key)) throw fail([key], `${key}: not a field of an event document (expected ${[...TOP_LEVEL_KEYS].join(', ')})`)
  }
  const modeText = top.Mode === undefined ? 'binary' : scalar(top.Mode, ['Mode'], fail).trim().toLowerCase()
  if (modeText !== 'binary' && modeText !== 'structured')
    throw fail(['Mode'], `Mode: ${JSON.stringify(top.Mode)} is neither binary nor structured`)
  if (top.ContextAttributes === undefined) throw fail([], 'ContextAttributes: missing')
  const attributes = mapping(top.ContextAttributes, ['ContextAttributes'], fail, 'a mapping of context attributes')
  const specversion =
    attributes.specversion === undefined ? '' : scalar(attributes.specversion, ['ContextAttributes', 'specversion'], fail).trim()
  if (specversion === '') throw fail(['ContextAttributes'], 'ContextAttributes.specversion: missing')
  if (!SPEC_VERSIONS.includes(specversion))
    throw fail(
      ['ContextAttributes', 'specversion'],
      `ContextAttributes.specversion: ${JSON.stringify(specversion)} (kne reads 1.0 and 0.3)`,
    )
  const event: CloudEvent = {specversion: specversion as SpecVersion, id: '', source: '', type: '', extensions: {}}
  for (const [key, raw] of Object.entries(attributes)) {
    if (!ATTRIBUTE_KEYS.has(key))
      throw fail(
        ['ContextAttributes', key],
        `ContextAttributes.${key}: not a context attribute (extensions go under ContextAttributes.Extensions)`,
      )
    if (key === 'Extensions' || key === 'specversion') continue
    // as the conformance tool sends them: trimmed, and left out when empty
    const text = scalar(raw, ['ContextAttributes', key], fail).trim()
    if (text !== '') setAttribute(event, key, text)
  }
  if (attributes.Extensions !== undefined) {
    const path = ['ContextAttributes', 'Extensions']
    for (const [name, raw] of Object.entries(mapping(attributes.Extensions, path, fail, 'a mapping of extension names to values'))) {
      const text = scalar(raw, [...path, name], fail).trim()
      if (text !== '') event.extensions[name.toLowerCase()] = text
    }
  }
  if (top.Data !== undefined && top.DataBase64 !== undefined) throw fail(['DataBase64'], 'Data and DataBase64: give one of them, not both')
  if (top.Data !== undefined) event.data = textEncoder.encode(scalar(top.Data, ['Data'], fail))
  if (top.DataBase64 !== undefined) {
    const b64 = scalar(top.DataBase64, ['DataBase64'], fail).replace(/\s/g, '')
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64) || b64.length % 4 !== 0) throw fail(['DataBase64'], 'DataBase64: not valid base64')
    event.data = Buffer.from(b64, 'base64')
  }
  const problem = validateEvent(event)
  if (problem) throw fail(['ContextAttributes'], `ContextAttributes.${problem}`)
  const headers =
    top.TransportExtensions === undefined
      ? undefined
      : Object.fromEntries(
          Object.entries(mapping(top.TransportExtensions, ['TransportExtensions'], fail, 'a mapping of HTTP header names to values')).map(
            ([name, raw]) => [name, scalar(raw, ['TransportExtensions', name], fail).trim()],
          ),
        )
  return {event, mode: modeText, ...(headers ? {headers} : {})}
}

function mapping(value: unknown, path: string[], fail: Fail, expected: string): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw fail(path, `${path.join('.') || 'the document'}: expected ${expected}`)
  return value as Record<string, unknown>
}

function scalar(value: unknown, path: string[], fail: Fail): string {
  // the failsafe schema reads every scalar as a string; an empty value is null
  if (value === null) return ''
  if (typeof value !== 'string')
    throw fail(path, `${path.join('.')}: expected a text value, not ${Array.isArray(value) ? 'a list' : 'a mapping'}`)
  return value
}

function setAttribute(event: CloudEvent, name: string, value: string): void {
  switch (name) {
    case 'id':
    case 'source':
    case 'type':
    case 'datacontenttype':
    case 'subject':
    case 'time':
    case 'datacontentencoding':
      event[name] = value
      break
    case 'dataschema':
    case 'schemaurl':
      event.dataschema = value
      break
  }
}

/**
 * One event as a YAML document of the conformance format, preceded by kne's comment when it was recorded;
 * every document after the first starts with `---`. Text data is written as it is (a literal block where
 * YAML allows one), data that is not UTF-8 as DataBase64.
 */
export function yamlEventDocument(item: FileEvent, first: boolean): string {
  const {event} = item
  const attributes: Record<string, unknown> = {specversion: event.specversion, type: event.type, id: event.id, source: event.source}
  if (event.time !== undefined) attributes.time = event.time
  if (event.subject !== undefined) attributes.subject = event.subject
  if (event.dataschema !== undefined) attributes[event.specversion === '0.3' ? 'schemaurl' : 'dataschema'] = event.dataschema
  if (event.datacontenttype !== undefined) attributes.datacontenttype = event.datacontenttype
  if (event.datacontentencoding !== undefined) attributes.datacontentencoding = event.datacontentencoding
  const extensions = Object.entries(event.extensions)
  if (extensions.length > 0) attributes.Extensions = Object.fromEntries(extensions.map(([name, value]) => [name, String(value)]))
  const body: Record<string, unknown> = {Mode: item.mode, ContextAttributes: attributes}
  if (item.headers !== undefined && Object.keys(item.headers).length > 0) body.TransportExtensions = item.headers
  const text = event.data === undefined ? undefined : utf8Text(event.data)
  if (text !== undefined) body.Data = text
  else if (event.data !== undefined) body.DataBase64 = Buffer.from(event.data).toString('base64')
  const doc = new Document(body)
  if (text !== undefined) {
    const data = doc.get('Data', true) as Node & {type?: string}
    data.type = 'BLOCK_LITERAL'
  }
  const note = kneNoteText(item.recorded)
  // written by hand: the yaml package puts a blank line after a document's comment
  return `${first ? '' : '---\n'}${note === undefined ? '' : `# ${note}\n`}${doc.toString({lineWidth: 0})}`
}

function kneNoteText(recorded: RecordedArrival | undefined): string | undefined {
  if (recorded === undefined) return undefined
  const where =
    recorded.broker !== undefined ? `broker ${recorded.broker}` : recorded.channel !== undefined ? `channel ${recorded.channel}` : undefined
  if (where === undefined) return undefined
  return `kne: ${where}${recorded.at === undefined ? '' : ` at ${recorded.at}`}`
}

function utf8Text(bytes: Uint8Array): string | undefined {
  try {
    return textDecoder.decode(bytes)
  } catch {
    return undefined
  }
}

// ---------------------------------------------------------------------------------------------- JSONL

/**
 * One line of a JSONL event file: `{"kne": {"broker": "ns/name", "at": "…"}, "event": {CloudEvents JSON}}`,
 * or a CloudEvents JSON object alone. Throws a KneError naming the file, the line and the field.
 */
export function parseJsonlEventLine(line: string, file: string, lineNumber: number): FileEvent {
  const where = `line ${lineNumber}`
  const fail = (message: string): KneError => fileError(file, where, message)
  if (nestedDeeperThan(Buffer.from(line), MAX_JSON_DEPTH)) throw fail(`nested deeper than ${MAX_JSON_DEPTH} levels`)
  let parsed: unknown
  try {
    parsed = JSON.parse(line)
  } catch (error) {
    throw fail(`not JSON: ${(error as Error).message}`)
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
    throw fail('expected a JSON object (an event, or {"kne": …, "event": …})')
  const object = parsed as Record<string, unknown>
  const wrapped = object.specversion === undefined && object.event !== undefined
  const eventObject = wrapped ? object.event : object
  const eventText = wrapped ? rawMemberText(line, 'event') : line
  const decoded = decodeJsonEvent(eventObject, eventText === undefined ? undefined : rawMemberText(eventText, 'data'))
  if (!decoded.ok) throw fail(`${wrapped ? 'event.' : ''}${decoded.error}`)
  if (!wrapped) return {event: decoded.event, mode: 'binary', position: where}
  const note = object.kne
  if (note !== undefined && (note === null || typeof note !== 'object' || Array.isArray(note))) throw fail('kne: expected an object')
  const {broker, channel, at, mode} = (note ?? {}) as Record<string, unknown>
  for (const [name, value] of Object.entries({broker, channel, at})) {
    if (value !== undefined && typeof value !== 'string') throw fail(`kne.${name}: expected a string`)
  }
  if (mode !== undefined && mode !== 'binary' && mode !== 'structured')
    throw fail(`kne.mode: ${JSON.stringify(mode)} is neither binary nor structured`)
  const recorded: RecordedArrival = {}
  if (broker !== undefined) recorded.broker = broker as string
  if (channel !== undefined) recorded.channel = channel as string
  if (at !== undefined) recorded.at = at as string
  return {
    event: decoded.event,
    mode: mode ?? 'binary',
    ...(Object.keys(recorded).length > 0 ? {recorded} : {}),
    position: where,
  }
}

/** One event as a JSONL line (with its newline); JSON data is embedded as JSON, so its spacing may change. */
export function jsonlEventLine(item: FileEvent): string {
  let eventText = encodeJsonEvent(item.event)
  // JSON data is embedded as it came; a line break in it would split the line
  if (eventText.includes('\n') || eventText.includes('\r')) eventText = JSON.stringify(JSON.parse(eventText))
  const note: Record<string, string> = {}
  if (item.recorded?.broker !== undefined) note.broker = item.recorded.broker
  if (item.recorded?.channel !== undefined) note.channel = item.recorded.channel
  if (item.recorded?.at !== undefined) note.at = item.recorded.at
  if (item.mode === 'structured') note.mode = item.mode
  return `${Object.keys(note).length > 0 ? `{"kne":${JSON.stringify(note)},` : '{'}"event":${eventText}}\n`
}

/** The event as it came from outside the mesh: without the extensions a broker adds to what it accepts. */
export function withoutBrokerExtensions(event: CloudEvent): CloudEvent {
  let found = false
  for (const name in event.extensions) if (BROKER_EXTENSIONS.has(name)) found = true
  if (!found) return event
  const extensions: CloudEvent['extensions'] = {}
  for (const name in event.extensions) if (!BROKER_EXTENSIONS.has(name)) extensions[name] = event.extensions[name]!
  return {...event, extensions}
}

type EventActivity = Extract<ActivityJson, {kind: 'event'}>

/**
 * Whether an activity record is an event arriving at a broker or a channel from outside the mesh: what a
 * recording keeps. Replies, in-mesh hops and redeliveries are left out: replaying what caused them makes them again.
 */
export function arrivedFromOutside(record: ActivityJson): record is EventActivity {
  return (
    record.kind === 'event' &&
    record.via === 'ingress' &&
    record.from === undefined &&
    record.replyTo === undefined &&
    record.redelivers === undefined
  )
}

/**
 * The event of such a record as kne records it: as it came (without the broker's extensions), with where and
 * when it arrived. `line` is the record's JSON text, which keeps JSON data as it was sent.
 */
export function recordedEvent(record: EventActivity, line?: string): {ok: true; item: FileEvent} | {ok: false; error: string} {
  const eventText = line === undefined ? undefined : rawMemberText(line, 'event')
  const decoded = decodeJsonEvent(record.event, eventText === undefined ? undefined : rawMemberText(eventText, 'data'))
  if (!decoded.ok) return {ok: false, error: `event ${record.id}: ${decoded.error}`}
  const where = record.broker !== undefined ? {broker: record.broker} : {channel: record.channel}
  return {ok: true, item: {event: withoutBrokerExtensions(decoded.event), mode: 'binary', recorded: {...where, at: record.at}}}
}
