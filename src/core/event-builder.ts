// Builds the CloudEvent `kne send` posts from its flags: sensible defaults (source `kne`, a fresh id,
// the current time), a content type guessed from the data, and the same validation ingress applies.
import {randomUUID} from 'node:crypto'
import {RESERVED_NAMES, type CloudEvent, type SpecVersion} from './cloudevent.js'
import {validateEvent} from './codec/validate.js'

export interface EventInput {
  type: string
  source?: string
  id?: string
  subject?: string
  time?: string
  specversion?: SpecVersion
  dataschema?: string
  /** Raw data bytes or text; undefined for an event without data. */
  data?: Uint8Array | string
  contentType?: string
  /** `name=value` pairs. */
  extensions?: readonly string[]
  now?: Date
}

export type BuildResult = {ok: true; event: CloudEvent} | {ok: false; error: string}

export function buildEvent(input: EventInput): BuildResult {
  const event: CloudEvent = {
    specversion: input.specversion ?? '1.0',
    id: input.id ?? randomUUID(),
    source: input.source ?? 'kne',
    type: input.type,
    time: input.time ?? (input.now ?? new Date()).toISOString(),
    extensions: {},
  }
  if (input.subject !== undefined) event.subject = input.subject
  if (input.dataschema !== undefined) event.dataschema = input.dataschema
  for (const pair of input.extensions ?? []) {
    const eq = pair.indexOf('=')
    if (eq <= 0) return {ok: false, error: `--extension ${pair}: expected NAME=VALUE`}
    const name = pair.slice(0, eq)
    if (RESERVED_NAMES.has(name)) return {ok: false, error: `--extension ${pair}: ${name} is a CloudEvents attribute; use its own flag`}
    event.extensions[name] = pair.slice(eq + 1)
  }
  if (input.data !== undefined) {
    const bytes = typeof input.data === 'string' ? Buffer.from(input.data, 'utf8') : input.data
    event.data = bytes
    const contentType = input.contentType === undefined ? guessContentType(bytes) : {type: input.contentType}
    if ('error' in contentType) return {ok: false, error: contentType.error}
    event.datacontenttype = contentType.type
  } else if (input.contentType !== undefined) {
    event.datacontenttype = input.contentType
  }
  const problem = validateEvent(event)
  return problem ? {ok: false, error: problem} : {ok: true, event}
}

/** JSON, text or bytes; data that opens like a JSON object or array but does not parse is refused, not sent as text. */
function guessContentType(bytes: Uint8Array): {type: string} | {error: string} {
  const text = Buffer.from(bytes).toString('utf8')
  try {
    JSON.parse(text)
    return {type: 'application/json'}
  } catch (error) {
    if (/^\s*[[{]/.test(text)) {
      return {
        error: `the data is not valid JSON (${(error as Error).message}); fix it, or give --content-type text/plain to send it as text`,
      }
    }
    return {type: Buffer.from(text, 'utf8').equals(Buffer.from(bytes)) ? 'text/plain' : 'application/octet-stream'}
  }
}
