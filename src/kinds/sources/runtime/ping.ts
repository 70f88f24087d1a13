// A running PingSource: waits on the mesh's clock for each fire time of its schedule, then (after
// Knative's random 0-500 ms spread) sends the ping event to its sink with the sender's retries.
import {randomUUID} from 'node:crypto'
import type {PingSchedule} from '../../../core/sources/cron.js'
import {pingEvent} from '../../../core/sources/ping.js'
import {PING_SENDER_RETRY} from '../../../core/sources/sender.js'
import type {PingSource} from '../../../core/resources/types.js'
import {Cancellation} from '../../../mesh/cancellation.js'
import type {Clock} from '../../../mesh/clock.js'
import type {HttpSender} from '../../../mesh/http-client.js'
import {sendEvent, type SendOutcome} from './send.js'

export interface SourceCounters {
  sent: number
  failed: number
}

export interface PingDeps {
  clock: Clock
  sender: HttpSender
  log: (line: string) => void
  /** Knative waits rand(0..500) ms before each scheduled send to spread load; tests may pass () => 0. */
  jitterMs(): number
}

export interface FireOutcome extends SendOutcome {
  id: string
  sinkUri: string
}

export class PingRunner {
  // every send under way listens to it: a Cancellation takes any number of listeners without Node's leak warning
  private readonly abort = new Cancellation()
  private readonly sends = new Set<Promise<unknown>>()

  constructor(
    readonly source: PingSource,
    private readonly schedule: PingSchedule,
    readonly sinkUri: string,
    private readonly counters: SourceCounters,
    private readonly deps: PingDeps,
  ) {}

  /** Starts waiting for the first fire time after now. */
  start(): void {
    void this.loop()
  }

  private async loop(): Promise<void> {
    const {clock} = this.deps
    let after = clock.now()
    for (;;) {
      const next = this.schedule.next(after)
      if (next === undefined || this.abort.aborted) return
      try {
        await clock.sleep(Math.max(0, next - clock.now()), this.abort)
      } catch {
        return
      }
      after = next
      // each tick sends on its own, as robfig/cron runs each job in its own goroutine
      this.track(this.tick())
    }
  }

  private async tick(): Promise<void> {
    const jitter = this.deps.jitterMs()
    try {
      if (jitter > 0) await this.deps.clock.sleep(jitter, this.abort)
    } catch {
      return
    }
    const outcome = await this.send()
    if (!outcome.ok && !this.abort.aborted) {
      const {namespace, name} = this.source.metadata
      this.deps.log(
        `PingSource ${namespace}/${name}: event ${outcome.id} to ${outcome.sinkUri} was lost after ${outcome.attempts} attempt(s): ${outcome.error}`,
      )
    }
  }

  /** Sends one event now (kne source ping fire), without the spread. */
  fire(): Promise<FireOutcome> {
    const work = this.send()
    this.track(work)
    return work
  }

  private async send(): Promise<FireOutcome> {
    const id = randomUUID()
    const event = pingEvent(this.source, {id, timeMs: this.deps.clock.now()})
    const outcome = await sendEvent(
      {sender: this.deps.sender, clock: this.deps.clock, signal: this.abort},
      this.sinkUri,
      event,
      PING_SENDER_RETRY,
    )
    if (outcome.ok) this.counters.sent++
    else this.counters.failed++
    return {...outcome, id, sinkUri: this.sinkUri}
  }

  private track(work: Promise<unknown>): void {
    this.sends.add(work)
    work.finally(() => this.sends.delete(work)).catch(() => undefined)
  }

  /** Stops the schedule; sends under way are cut off. */
  async stop(): Promise<void> {
    this.abort.abort(new Error('the PingSource stopped'))
    await Promise.allSettled([...this.sends])
  }
}
