// Talks to a running mesh over HTTP: posts events to broker ingress, reads status, follows activity.
import {MAX_ANSWER_BYTES, request} from './http.js'
import type {ActivityJson} from '../core/activity.js'
import type {CloudEvent} from '../core/cloudevent.js'
import {encodeBinary, encodeStructured} from '../core/codec/http.js'
import {KneError} from '../core/errors.js'
import type {ArrivalExplanation} from '../core/api.js'
import type {MeshResources, MeshStatus} from '../core/api.js'

export interface SendResult {
  url: string
  status: number
  /** The ingress's explanation (JSON body) for a non-2xx answer, or the raw body. */
  body?: unknown
}

function unreachable(url: string, error: unknown): KneError {
  const err = error as {code?: string; cause?: {code?: string}; message?: string}
  const code = err.cause?.code ?? err.code ?? err.message
  return new KneError(`cannot reach ${url}: ${code}`, 'MESH_UNREACHABLE', {
    suggestions: ['is `kne dev` running? start it, or check KNE_URL'],
  })
}

/** Headers an event file's TransportExtensions cannot set: the event's own, and the ones that frame the message. */
const FRAMING_HEADERS = new Set(['content-type', 'content-length', 'transfer-encoding', 'host', 'connection'])

function withHeaders(own: Record<string, string>, extra: Record<string, string> | undefined): Record<string, string> {
  if (extra === undefined) return own
  const merged = {...own}
  for (const [name, value] of Object.entries(extra)) {
    const lower = name.toLowerCase()
    if (!lower.startsWith('ce-') && !FRAMING_HEADERS.has(lower)) merged[lower] = value
  }
  return merged
}

/** Posts an event; `headers` are sent besides the event's own (never instead of them). */
export async function postEvent(
  url: string,
  event: CloudEvent,
  mode: 'binary' | 'structured',
  signal?: AbortSignal,
  headers?: Record<string, string>,
): Promise<SendResult> {
  const message = mode === 'structured' ? encodeStructured(event) : encodeBinary(event)
  let response
  try {
    response = await request(url, {method: 'POST', headers: withHeaders(message.headers, headers), body: message.body, signal})
  } catch (error) {
    throw unreachable(url, error)
  }
  let text: string
  try {
    text = await response.body.text()
  } catch (error) {
    return {url, status: response.statusCode, body: `(an answer not read: ${(error as Error).message})`}
  }
  let body: unknown = text === '' ? undefined : text
  try {
    if (text !== '') body = JSON.parse(text)
  } catch {
    // not JSON: keep the text
  }
  return {url, status: response.statusCode, body}
}

export async function getStatus(baseUrl: string): Promise<MeshStatus> {
  try {
    const response = await request(`${baseUrl}/_kne/v1/status`)
    if (response.statusCode !== 200) throw new Error(`HTTP ${response.statusCode}`)
    return (await response.body.json()) as MeshStatus
  } catch (error) {
    if (error instanceof KneError) throw error
    throw unreachable(baseUrl, error)
  }
}

/** The resources the mesh runs; undefined when it does not serve them (a kne from before the endpoint). */
export async function getResources(baseUrl: string): Promise<MeshResources | undefined> {
  try {
    const response = await request(`${baseUrl}/_kne/v1/resources`)
    if (response.statusCode === 404) {
      await response.body.dump()
      return undefined
    }
    if (response.statusCode !== 200) throw new Error(`HTTP ${response.statusCode}`)
    return (await response.body.json()) as MeshResources
  } catch (error) {
    throw unreachable(baseUrl, error)
  }
}

/** Why a retained event did or did not reach each trigger of its broker. */
export async function getExplanation(baseUrl: string, arrival: number): Promise<ArrivalExplanation | undefined> {
  try {
    const response = await request(`${baseUrl}/_kne/v1/explain?arrival=${arrival}`)
    if (response.statusCode === 404) {
      await response.body.dump()
      return undefined
    }
    return (await response.body.json()) as ArrivalExplanation
  } catch (error) {
    throw unreachable(baseUrl, error)
  }
}

export interface FollowOptions {
  /** Also replay the records the mesh still holds. */
  history?: boolean
  signal?: AbortSignal
  /** Called once the subscription is live: nothing published after this is missed. */
  onSubscribed?: () => void
}

/**
 * Streams activity records until the signal aborts (`aborted`) or the mesh ends the stream (`ended`, as it
 * does when it stops); a stream cut off mid-way is a KneError (exit 4).
 */
export async function followActivity(
  baseUrl: string,
  /** `line` is the record's JSON text, for a reader that needs an event's data exactly as sent. */
  onRecord: (record: ActivityJson, line: string) => void,
  options: FollowOptions = {},
): Promise<'aborted' | 'ended'> {
  let response
  try {
    response = await request(`${baseUrl}/_kne/v1/activity?follow=true${options.history ? '&since=1' : ''}`, {signal: options.signal})
  } catch (error) {
    if (options.signal?.aborted) return 'aborted'
    throw unreachable(baseUrl, error)
  }
  let buffered = ''
  try {
    for await (const chunk of response.body) {
      buffered += chunk.toString()
      // a record is at most an event and its metadata: a line longer than any message is not the mesh's
      if (buffered.length > 2 * MAX_ANSWER_BYTES)
        throw new KneError(`the activity stream from ${baseUrl} sent a line of more than ${2 * MAX_ANSWER_BYTES} bytes`, 'STREAM_BROKEN')
      let newline: number
      while ((newline = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, newline)
        buffered = buffered.slice(newline + 1)
        if (line === '') continue
        const record = JSON.parse(line) as ActivityJson | {kind: 'subscribed' | 'overflow'; error?: string}
        if (record.kind === 'subscribed') options.onSubscribed?.()
        else if (record.kind === 'overflow') throw new KneError(`the mesh cut the stream: ${record.error}`, 'STREAM_OVERFLOW')
        else onRecord(record as ActivityJson, line)
      }
    }
  } catch (error) {
    if (options.signal?.aborted) return 'aborted'
    if (error instanceof KneError) throw error
    const code = (error as {code?: string}).code ?? (error as Error).message
    throw new KneError(`the activity stream from ${baseUrl} broke off (${code})`, 'STREAM_BROKEN', {
      suggestions: ['is `kne dev` still running?'],
    })
  }
  return options.signal?.aborted ? 'aborted' : 'ended'
}
