// A running ApiServerSource: turns the manifest changes hot reload applies into Knative's add, update
// and delete events for the resources it watches, sent in order, once each (the adapter library's
// client sends without retries).
import {randomUUID} from 'node:crypto'
import {apiServerEvent, watchedOperations, type ObjectChange} from '../../../core/sources/apiserver.js'
import {SINGLE_ATTEMPT} from '../../../core/sources/sender.js'
import type {ApiServerSource} from '../../../core/resources/types.js'
import type {Clock} from '../../../mesh/clock.js'
import type {HttpSender} from '../../../mesh/http-client.js'
import type {SourceCounters} from './ping.js'
import {sendEvent} from './send.js'

export class ApiServerEmitter {
  private readonly abort = new AbortController()
  /** Events go out one after another, so a sink sees an object's add before its update. */
  private queue: Promise<void> = Promise.resolve()

  constructor(
    readonly source: ApiServerSource,
    readonly sinkUri: string,
    private readonly counters: SourceCounters,
    private readonly deps: {clock: Clock; sender: HttpSender; log: (line: string) => void},
  ) {}

  observe(changes: readonly ObjectChange[]): void {
    for (const change of changes) {
      for (const {op, object, apiVersion} of watchedOperations(this.source, change)) {
        const event = apiServerEvent(this.source, op, object, apiVersion, {id: randomUUID(), timeMs: this.deps.clock.now()})
        this.queue = this.queue.then(async () => {
          if (this.abort.signal.aborted) return
          const outcome = await sendEvent({...this.deps, signal: this.abort.signal}, this.sinkUri, event, SINGLE_ATTEMPT)
          if (outcome.ok) {
            this.counters.sent++
            return
          }
          this.counters.failed++
          const {namespace, name} = this.source.metadata
          if (!this.abort.signal.aborted)
            this.deps.log(
              `ApiServerSource ${namespace}/${name}: ${event.type} for ${event.subject} to ${this.sinkUri} failed: ${outcome.error}`,
            )
        })
      }
    }
  }

  /** Resolves once every event observed so far has been sent (or has failed). */
  idle(): Promise<void> {
    return this.queue
  }

  async stop(): Promise<void> {
    this.abort.abort(new Error('the ApiServerSource stopped'))
    await this.queue
  }
}
