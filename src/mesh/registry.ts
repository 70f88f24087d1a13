// kne's eventtype-auto-create (semantics §6.3), on by default: every event a broker or channel accepts,
// from a producer or as a subscriber's reply, is recorded in the registry's observations by following the
// mesh's activity journal. It runs as each record is appended, so it is bounded and cheap (a sample of a
// busy type's data is parsed), and a failure is logged, never thrown into the broker that appended it.
import {ObservedTypes, type ObservationLimits, type ObservedRegistry, type RegistryReference} from '../core/registry/index.js'
import type {Activity} from '../core/activity.js'
import type {Journal} from './journal.js'

export class EventTypeObserver {
  readonly types: ObservedTypes
  private readonly unsubscribe: () => void
  private failed = false
  private readonly log: ((line: string) => void) | undefined

  constructor(
    journal: Journal,
    options: {
      limits?: ObservationLimits
      log?: (line: string) => void
      /** The addressable behind a channel key (default: a messaging.knative.dev/v1 Channel). */
      channelReference?: (channelKey: string) => RegistryReference
    } = {},
  ) {
    this.types = new ObservedTypes(options.limits, options.channelReference)
    this.log = options.log
    this.unsubscribe = journal.subscribe((record) => this.observe(record))
  }

  /** Records the event type of an event record (one the journal appends, or one a restart restores). */
  observe(record: Activity): void {
    if (record.kind !== 'event') return
    try {
      this.types.record(record.event, {
        broker: record.broker,
        channel: record.channel,
        via: record.via,
        replyTrigger: record.replyTo?.trigger,
        at: record.at,
      })
    } catch (error) {
      if (!this.failed)
        this.log?.(`event type observation failed (further failures are not reported): ${(error as Error).stack ?? String(error)}`)
      this.failed = true
    }
  }

  /** What `GET /_kne/v1/registry` answers. */
  snapshot(): ObservedRegistry {
    return this.types.snapshot()
  }

  close(): void {
    this.unsubscribe()
  }
}
