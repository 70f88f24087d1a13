// The event a PingSource sends on each tick, as Knative's mtping adapter makes it (semantics §5.2,
// pkg/adapter/mtping/runner.go makeEvent): fixed type and source, a fresh id, the send time, the bytes
// of data (or the decoded dataBase64) with contentType as datacontenttype, and the ceOverrides.
import type {CloudEvent} from '../cloudevent.js'
import {PING_SOURCE_TYPE, pingSourceSource} from '../registry/source-types.js'
import type {PingSource} from '../resources/types.js'
import {applyCeOverrides, cloudEventTime} from './events.js'

export {PING_SOURCE_TYPE, pingSourceSource}

/** The payload bytes: decoded dataBase64, else data as UTF-8; undefined when neither is set (no data). */
export function pingData(source: Pick<PingSource, 'spec'>): Uint8Array | undefined {
  const {data, dataBase64} = source.spec
  if (dataBase64) return Buffer.from(dataBase64.replace(/[\r\n]/g, ''), 'base64')
  if (data) return Buffer.from(data, 'utf8')
  return undefined
}

export function pingEvent(source: PingSource, at: {id: string; timeMs: number}): CloudEvent {
  const {namespace, name} = source.metadata
  const event: CloudEvent = {
    specversion: '1.0',
    id: at.id,
    source: pingSourceSource(namespace, name),
    type: PING_SOURCE_TYPE,
    time: cloudEventTime(at.timeMs),
    extensions: {},
  }
  const data = pingData(source)
  if (data !== undefined) {
    event.data = data
    // SetData(contentType, bytes): an empty contentType leaves datacontenttype unset, and without data SetData is not called
    const contentType = source.spec.contentType?.trim()
    if (contentType) event.datacontenttype = contentType
  }
  return applyCeOverrides(event, source.spec.ceOverrides)
}
