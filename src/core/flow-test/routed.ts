// Checks which triggers the events with given attributes reached, from what the mesh recorded of their
// arrivals (each event record at a broker names the triggers whose filters passed it), and explains a miss
// with each arrival's path as the other checks do (check.ts).
import {arrivalPath, eventDifferences, keyMatches, type FlowObservation} from './check.js'
import type {EventMatch} from './format.js'

/** The events a routing check is about: their attributes (and data, as a subset), and the broker they arrived at. */
export interface RoutedEvent extends EventMatch {
  /** `name` or `namespace/name`; any broker when not given. */
  broker?: string
}

export interface RoutingResult {
  pass: boolean
  message: string
  details: string[]
}

const MAX_PATHS = 5

/**
 * Whether every arrival at a broker of an event that has the attributes asked for reached exactly the
 * triggers named (`name` or `namespace/name`), and at least one such event arrived.
 */
export function checkRouting(event: RoutedEvent, triggers: readonly string[], observation: FlowObservation): RoutingResult {
  const until = observation.until ?? Number.POSITIVE_INFINITY
  const described = describeRouting(event, triggers)
  const {broker, ...match} = event
  const arrivals = observation.records.flatMap((r) =>
    r.kind === 'event' &&
    r.matched !== undefined &&
    r.broker !== undefined &&
    Date.parse(r.at) <= until &&
    (broker === undefined || keyMatches(broker, r.broker)) &&
    eventDifferences(match, r.event).length === 0
      ? [{arrival: r.arrival, matched: r.matched}]
      : [],
  )
  if (arrivals.length === 0) {
    return {
      pass: false,
      message: `expected ${described}, but no event that has the attributes asked for arrived at a broker`,
      details: sentPaths(observation),
    }
  }
  const differing = arrivals.filter(
    ({matched}) =>
      !triggers.every((t) => matched.some((key) => keyMatches(t, key))) ||
      !matched.every((key) => triggers.some((t) => keyMatches(t, key))),
  )
  if (differing.length === 0) return {pass: true, message: described, details: []}
  const reached = (matched: readonly string[]): string => (matched.length === 0 ? 'no trigger' : matched.join(', '))
  const [first] = differing as [(typeof differing)[number], ...typeof differing]
  return {
    pass: false,
    message:
      arrivals.length === 1
        ? `expected ${described}, but it reached ${reached(first.matched)}`
        : `expected ${described}, but ${differing.length} of its ${arrivals.length} arrivals did not (arrival ${first.arrival} reached ${reached(first.matched)})`,
    details: [
      differing.length === 1
        ? 'what the mesh did with the event:'
        : `what the mesh did with the ${differing.length} events routed otherwise:`,
      ...differing.slice(0, MAX_PATHS).flatMap(({arrival}) => arrivalPath(arrival, observation)),
      ...(differing.length > MAX_PATHS ? [`  … and ${differing.length - MAX_PATHS} more`] : []),
    ],
  }
}

/** One line for a routing expectation: `com.example.order.created at broker default routed to triggers orders, vip`. */
export function describeRouting(event: RoutedEvent, triggers: readonly string[]): string {
  const what = [
    event.type ?? 'an event',
    ...(['source', 'id', 'subject', 'dataschema', 'datacontenttype'] as const).flatMap((a) =>
      event[a] === undefined ? [] : [`${a}=${event[a]}`],
    ),
    ...Object.entries(event.extensions ?? {}).map(([k, v]) => `${k}=${v}`),
    ...(event.data === undefined ? [] : [`data ${JSON.stringify(event.data)}`]),
  ].join(' ')
  const where = event.broker === undefined ? '' : ` at broker ${event.broker}`
  const to = triggers.length === 0 ? 'no trigger' : `${triggers.length === 1 ? 'trigger' : 'triggers'} ${triggers.join(', ')}`
  return `${what}${where} routed to ${to}`
}

/** The paths of the events sent in from outside, for a check no event was about. */
function sentPaths(observation: FlowObservation): string[] {
  const until = observation.until ?? Number.POSITIVE_INFINITY
  const sent = observation.records.filter(
    (r) => r.kind === 'event' && r.via === 'ingress' && r.from === undefined && Date.parse(r.at) <= until,
  )
  if (sent.length === 0) return ['what the mesh did: no event arrived']
  return [
    'what the mesh did with the events sent:',
    ...sent.slice(0, MAX_PATHS).flatMap((r) => (r.kind === 'event' ? arrivalPath(r.arrival, observation) : [])),
  ]
}
