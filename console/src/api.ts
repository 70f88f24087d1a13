// The console's only contact with the mesh: kne's control API on the origin that served the page.
import type {ActivityJson} from '../../src/core/activity.js'
import type {
  EventShowAnswer,
  EventsAnswer,
  MeshResources,
  MeshStatus,
  RedeliverAnswer,
  ReloadsAnswer,
  SendAnswer,
  SendRequest,
} from '../../src/core/api.js'
import type {Registry} from '../../src/core/registry/registry.js'
import {MAX_ROWS} from './store.js'

const API = '/_kne/v1'

async function answerOf<T>(response: Response): Promise<T> {
  const body = (await response.json()) as T & {error?: string}
  if (!response.ok) throw new Error(body.error ?? `${response.status} ${response.statusText}`)
  return body
}

async function get<T>(path: string): Promise<T> {
  return answerOf<T>(await fetch(`${API}${path}`, {cache: 'no-store'}))
}

async function post<T>(path: string, body: unknown): Promise<T> {
  return answerOf<T>(
    await fetch(`${API}${path}`, {method: 'POST', headers: {'Content-Type': 'application/json'}, body: JSON.stringify(body)}),
  )
}

export const api = {
  status: () => get<MeshStatus>('/status'),
  resources: () => get<MeshResources>('/resources'),
  reloads: () => get<ReloadsAnswer>('/reloads'),
  registry: () => get<Registry>('/registry/entries'),
  event: (arrival: number) => get<EventShowAnswer>(`/events/${arrival}`),
  events: (params: URLSearchParams) => get<EventsAnswer>(`/events?${params}`),
  send: (request: SendRequest) => post<SendAnswer>('/send', request),
  redeliver: (arrivals: number[]) => post<RedeliverAnswer>('/redeliver', {arrivals}),
}

/**
 * Follows the activity stream (NDJSON) from the latest records of the mesh's history, as `kne tail --history`
 * does from its start; reconnects after the last record seen when the stream ends. Returns what stops it.
 */
export function followActivity(onRecords: (records: ActivityJson[]) => void, onState: (connected: boolean) => void): () => void {
  let stopped = false
  // the first connection asks for the latest records only (about four an event): the history may be hundreds of MiB
  let from = `last=${4 * MAX_ROWS}`
  const controller = new AbortController()
  const run = async (): Promise<void> => {
    while (!stopped) {
      try {
        const response = await fetch(`${API}/activity?follow=true&${from}`, {signal: controller.signal, cache: 'no-store'})
        if (!response.ok || response.body === null) throw new Error(`activity answered ${response.status}`)
        onState(true)
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader()
        let rest = ''
        for (;;) {
          const {done, value} = await reader.read()
          if (done) break
          const lines = (rest + value).split('\n')
          rest = lines.pop() ?? ''
          const records: ActivityJson[] = []
          for (const line of lines) {
            if (line === '') continue
            const record = JSON.parse(line) as ActivityJson | {kind: 'subscribed' | 'overflow'; next?: number}
            if (record.kind === 'subscribed' || record.kind === 'overflow') continue
            from = `since=${(record as ActivityJson).seq + 1}`
            records.push(record as ActivityJson)
          }
          if (records.length > 0) onRecords(records)
        }
      } catch {
        if (stopped) return
      }
      onState(false)
      await new Promise((resolve) => setTimeout(resolve, 1000))
    }
  }
  void run()
  return () => {
    stopped = true
    controller.abort()
  }
}
