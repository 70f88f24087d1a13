// What the live list shows, built from activity records: one row per arrival, its matches and outcomes.
import type {ActivityJson, Outcome} from '../../src/core/activity.js'

export interface EventRow {
  arrival: number
  id: string
  type: string
  source: string
  /** `namespace/name` of the broker or channel it arrived at. */
  at: string
  broker?: string
  channel?: string
  via: 'ingress' | 'reply'
  matched: string[]
  notMatched: string[]
  outcomes: Record<string, Outcome>
  settled: boolean
  /** Ingress refused it (no arrival: the row's number is minus its record's seq). */
  refused?: {status: number; error: string; path?: string}
}

/** The summary the list and its outcome filter use. */
export type RowOutcome = Outcome | 'pending' | 'no match' | 'rejected' | 'not found'

export function rowOutcome(row: EventRow): RowOutcome {
  if (row.refused) return row.refused.status === 404 ? 'not found' : 'rejected'
  const outcomes = Object.values(row.outcomes)
  if (row.broker !== undefined && row.matched.length === 0) return 'no match'
  for (const worst of ['failed', 'dead-lettered'] as const) if (outcomes.includes(worst)) return worst
  if (!row.settled && outcomes.length < Math.max(row.matched.length, 1)) return 'pending'
  return outcomes.includes('replied') ? 'replied' : outcomes.length > 0 ? 'delivered' : 'pending'
}

/** Rows kept; the oldest go first past this (the mesh's history and event log keep the rest). */
export const MAX_ROWS = 20_000

export class EventStore {
  rows: EventRow[] = []
  private readonly byArrival = new Map<number, EventRow>()
  /** Bumped on every change, so views know when to draw again. */
  version = 0

  get(arrival: number): EventRow | undefined {
    return this.byArrival.get(arrival)
  }

  private push(row: EventRow): void {
    this.rows.push(row)
    this.byArrival.set(row.arrival, row)
  }

  add(records: readonly ActivityJson[]): void {
    for (const record of records) {
      if (record.kind === 'event') {
        const row: EventRow = {
          arrival: record.arrival,
          id: record.id,
          type: record.type,
          source: record.source,
          at: record.at,
          broker: record.broker,
          channel: record.channel,
          via: record.via,
          matched: record.matched ?? [],
          notMatched: record.notMatched ?? [],
          outcomes: {},
          settled: false,
        }
        this.push(row)
      } else if (record.kind === 'rejected' || record.kind === 'not-found') {
        const notFound = record.kind === 'not-found' ? record : undefined
        const rejected = record.kind === 'rejected' ? record : undefined
        this.push({
          arrival: -record.seq,
          id: notFound?.id ?? '',
          type: notFound?.type ?? '(refused)',
          source: notFound?.source ?? '',
          at: record.at,
          broker: notFound ? notFound.path : rejected?.broker,
          channel: rejected?.channel,
          via: 'ingress',
          matched: [],
          notMatched: [],
          outcomes: {},
          settled: true,
          refused: {status: record.status, error: record.error, path: notFound?.path},
        })
      } else if (record.kind === 'outcome') {
        const row = this.byArrival.get(record.arrival)
        if (row) row.outcomes[record.trigger ?? record.subscription ?? ''] = record.outcome
      } else if (record.kind === 'settled') {
        const row = this.byArrival.get(record.arrival)
        if (row) {
          row.outcomes = {...row.outcomes, ...record.outcomes}
          row.settled = true
        }
      }
    }
    if (this.rows.length > MAX_ROWS) for (const row of this.rows.splice(0, this.rows.length - MAX_ROWS)) this.byArrival.delete(row.arrival)
    this.version++
  }
}

export interface RowFilter {
  type: string
  source: string
  broker: string
  trigger: string
  outcome: string
}

export const NO_FILTER: RowFilter = {type: '', source: '', broker: '', trigger: '', outcome: ''}

/** Case-insensitive substring match on each field given; trigger: the events that trigger matched. */
export function filterRows(rows: readonly EventRow[], filter: RowFilter): EventRow[] {
  const want = (text: string): string => text.trim().toLowerCase()
  const [type, source, broker, trigger] = [want(filter.type), want(filter.source), want(filter.broker), want(filter.trigger)]
  if (!type && !source && !broker && !trigger && !filter.outcome) return rows as EventRow[]
  return rows.filter(
    (row) =>
      (!type || row.type.toLowerCase().includes(type)) &&
      (!source || row.source.toLowerCase().includes(source)) &&
      (!broker || (row.broker ?? row.channel ?? '').toLowerCase().includes(broker)) &&
      (!trigger || row.matched.some((t) => t.toLowerCase().includes(trigger))) &&
      (!filter.outcome || rowOutcome(row) === filter.outcome),
  )
}
