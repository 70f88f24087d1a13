// The flags that pick events, shared by `kne events list` and `kne redeliver`, and the query they make.
import {Flags} from '@oclif/core'
import {parseHumanDuration, parseIsoDuration} from '../core/delivery/duration.js'
import {KneError} from '../core/errors.js'
import {QUERY_OUTCOMES, type EventQuery, type QueryOutcome} from '../core/event-log/index.js'

/** A point in time: a duration back from now (10m, 2h, 30s) or a date and time (2026-01-31T09:00:00Z); epoch ms. */
export const timeFlag = Flags.custom<number>({
  helpValue: '<duration|time>',
  async parse(input) {
    const ago = parseHumanDuration(input) ?? parseIsoDuration(input)
    if (ago !== undefined) return Date.now() - ago
    // a date alone, or a date and time with a zone: what Date.parse reads the same everywhere
    const at = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2}))?$/.test(input) ? Date.parse(input) : Number.NaN
    if (Number.isNaN(at))
      throw new KneError(`${input}: expected a duration back from now (10m, 2h) or a time such as 2026-01-31T09:00:00Z`, 'INVALID_FLAG')
    return at
  },
})

export const eventFilterFlags = {
  type: Flags.string({char: 't', description: 'only events of this type'}),
  source: Flags.string({char: 's', description: 'only events from this source'}),
  broker: Flags.string({char: 'b', description: 'only events that arrived at this broker (NAME in --namespace, or NAMESPACE/NAME)'}),
  channel: Flags.string({
    description: 'only events that arrived at this channel (NAME in --namespace, or NAMESPACE/NAME)',
    exclusive: ['broker'],
  }),
  trigger: Flags.string({description: "only this trigger's deliveries (NAME in --namespace, or NAMESPACE/NAME)"}),
  subscription: Flags.string({
    description: "only this subscription's deliveries (NAME in --namespace, or NAMESPACE/NAME)",
    exclusive: ['trigger'],
  }),
  namespace: Flags.string({
    char: 'n',
    default: 'default',
    description: 'namespace of --broker, --channel, --trigger and --subscription',
    env: 'KNE_NAMESPACE',
  }),
  since: timeFlag({description: 'only events that arrived since then: 10m, 2h (back from now) or a time (2026-01-31T09:00:00Z)'}),
  until: timeFlag({description: 'only events that arrived before then (as --since)'}),
}

export function outcomeFlag(description: string) {
  return Flags.string({options: [...QUERY_OUTCOMES], multiple: true, description})
}

/** `namespace/name` of a NAME given with --namespace, or of a NAMESPACE/NAME. */
function keyOf(name: string | undefined, namespace: string): string | undefined {
  return name === undefined || name.includes('/') ? name : `${namespace}/${name}`
}

/** The query the event filter flags make. */
export function eventQueryOf(
  flags: Omit<EventQuery, 'outcomes'> & {
    namespace: string
    /** --outcome, as typed: the flag's options are the query's outcomes. */
    outcome?: string[]
  },
): EventQuery {
  const query: EventQuery = {
    type: flags.type,
    source: flags.source,
    id: flags.id,
    broker: keyOf(flags.broker, flags.namespace),
    channel: keyOf(flags.channel, flags.namespace),
    trigger: keyOf(flags.trigger, flags.namespace),
    subscription: keyOf(flags.subscription, flags.namespace),
    since: flags.since,
    until: flags.until,
    outcomes: flags.outcome as QueryOutcome[] | undefined,
    limit: flags.limit,
  }
  // fields left out pick all: drop the ones not given, so that the query string carries only what was asked
  for (const name of Object.keys(query) as (keyof EventQuery)[]) if (query[name] === undefined) delete query[name]
  return query
}
