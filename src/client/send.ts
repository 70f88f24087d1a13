// `kne send`: builds a CloudEvent from flags, finds where it goes (a broker of the running mesh or a
// URL), posts it in binary or structured mode and reports what the receiver answered.
import {fstatSync, readFileSync} from 'node:fs'
import {buildEvent, type EventInput} from '../core/event-builder.js'
import {eventToJsonObject} from '../core/codec/json.js'
import {EXIT, KneError} from '../core/errors.js'
import {addressOf} from '../core/resources/destination.js'
import {parseSink} from '../core/sink.js'
import {findMesh} from './locator.js'
import {postEvent, type SendResult} from './mesh-client.js'

export interface SendOptions extends Omit<EventInput, 'data'> {
  data?: string
  dataFile?: string
  to: string
  namespace: string
  mode: 'binary' | 'structured'
  dataDir: string
}

export interface SendReport {
  event: Record<string, unknown>
  response: SendResult
}

/** Data from --data, --data-file (`-` for stdin), or piped stdin when neither is given. */
export function readEventData(options: {data?: string; dataFile?: string}): Uint8Array | string | undefined {
  if (options.data !== undefined) return options.data
  if (options.dataFile === '-') return readFileSync(0)
  if (options.dataFile !== undefined) {
    try {
      return readFileSync(options.dataFile)
    } catch (error) {
      throw new KneError(`--data-file ${options.dataFile}: ${(error as Error).message}`, 'DATA_FILE', EXIT.usage)
    }
  }
  // only a pipe or a redirected file counts as data; a terminal or /dev/null does not
  const stdin = fstatSync(0)
  return stdin.isFIFO() || stdin.isFile() ? readFileSync(0) : undefined
}

export function resolveTarget(to: string, namespace: string, dataDir: string): string {
  const sink = parseSink(to, namespace)
  if (!sink.ok) throw new KneError(`--to ${sink.error}`, 'INVALID_FLAG', EXIT.usage)
  const {destination} = sink
  if (destination.uri) return destination.uri
  const {ref} = destination
  if (ref?.kind !== 'Broker' && ref?.kind !== 'Channel') {
    throw new KneError(`--to ${to}: kne send posts to a broker (broker:NAME[:NAMESPACE]), a channel (channel:NAME[:NAMESPACE]) or a URL`, 'INVALID_FLAG', EXIT.usage)
  }
  const {url} = findMesh(dataDir)
  const refNamespace = ref.namespace ?? namespace
  return ref.kind === 'Channel' ? addressOf('Channel', url, refNamespace, ref.name) : `${url}/${refNamespace}/${ref.name}`
}

export async function send(options: SendOptions): Promise<SendReport> {
  if (options.data !== undefined && options.dataFile !== undefined) {
    throw new KneError('use either --data or --data-file, not both', 'INVALID_FLAG', EXIT.usage)
  }
  const built = buildEvent({...options, data: readEventData(options)})
  if (!built.ok) throw new KneError(`invalid event: ${built.error}`, 'INVALID_EVENT', EXIT.usage)
  const url = resolveTarget(options.to, options.namespace, options.dataDir)
  const response = await postEvent(url, built.event, options.mode)
  return {event: eventToJsonObject(built.event), response}
}
