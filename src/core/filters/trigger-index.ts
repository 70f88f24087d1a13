// Narrows the triggers of one broker to those an event can possibly match. A compiled filter states
// the `type` / `source` values it requires exactly (see CompiledTriggerFilter.requires); a trigger
// whose requirement differs from the event's value is certain to `fail`, so it is not a candidate.
// Every trigger without a requirement is always a candidate. The index never changes a decision: it
// only avoids evaluating triggers whose result is already known to be `fail`.
import type {CloudEvent} from '../cloudevent.js'
import type {CompiledTriggerFilter} from './compile.js'
import {filterDelivers} from './compile.js'
import type {FilterResult, TriggerFilterSpec} from './types.js'

export interface TriggerIndexEntry<T> {
  /** The compiled filter; the index reads its `requires` and `evaluate`. */
  filter: CompiledTriggerFilter
  /** Accepted for convenience and not used: requirements come from the compiled filter, never the raw spec. */
  spec?: TriggerFilterSpec
  /** What the caller wants back (a trigger, its name, a route...). */
  value: T
}

export interface TriggerMatch<T> {
  value: T
  result: FilterResult
}

interface Slot<T> {
  /** Insertion position: candidates come back in this order. */
  readonly order: number
  readonly entry: TriggerIndexEntry<T>
  /** A required source checked on top of the bucket key (triggers bucketed by type). */
  readonly source: string | undefined
}

/**
 * An immutable index over the compiled triggers of one broker. Build a new one when the triggers
 * change (it is cheap: one pass over the entries).
 */
export class TriggerIndex<T> {
  private readonly byType = new Map<string, Slot<T>[]>()
  private readonly bySource = new Map<string, Slot<T>[]>()
  private readonly always: Slot<T>[] = []
  readonly size: number

  constructor(entries: Iterable<TriggerIndexEntry<T>>) {
    let order = 0
    for (const entry of entries) {
      const {type, source} = entry.filter.requires
      if (type !== undefined) push(this.byType, type, {order, entry, source})
      else if (source !== undefined) push(this.bySource, source, {order, entry, source: undefined})
      else this.always.push({order, entry, source: undefined})
      order++
    }
    this.size = order
  }

  /** The entries that can possibly match the event, in insertion order. */
  candidateEntries(event: CloudEvent): TriggerIndexEntry<T>[] {
    const typed = this.byType.get(event.type) ?? EMPTY
    const sourced = this.bySource.get(event.source) ?? EMPTY
    const always = this.always
    const out: TriggerIndexEntry<T>[] = []
    // Three-way merge of lists that are each sorted by insertion order.
    let a = 0,
      b = 0,
      c = 0
    for (;;) {
      while (a < typed.length && typed[a]!.source !== undefined && typed[a]!.source !== event.source) a++
      const next = minSlot(typed[a], sourced[b], always[c])
      if (next === undefined) return out
      out.push(next.entry)
      if (next === typed[a]) a++
      else if (next === sourced[b]) b++
      else c++
    }
  }

  /** The values of the candidate entries, in insertion order. */
  candidates(event: CloudEvent): T[] {
    return this.candidateEntries(event).map((e) => e.value)
  }

  /** Evaluates the candidates (trigger level, as `CompiledTriggerFilter.evaluate`) and returns those that deliver. */
  matches(event: CloudEvent): TriggerMatch<T>[] {
    const out: TriggerMatch<T>[] = []
    for (const entry of this.candidateEntries(event)) {
      const result = entry.filter.evaluate(event)
      if (filterDelivers(result)) out.push({value: entry.value, result})
    }
    return out
  }
}

const EMPTY: readonly never[] = []

function push<T>(map: Map<string, Slot<T>[]>, key: string, slot: Slot<T>): void {
  const list = map.get(key)
  if (list === undefined) map.set(key, [slot])
  else list.push(slot)
}

function minSlot<T>(x: Slot<T> | undefined, y: Slot<T> | undefined, z: Slot<T> | undefined): Slot<T> | undefined {
  let best = x
  if (y !== undefined && (best === undefined || y.order < best.order)) best = y
  if (z !== undefined && (best === undefined || z.order < best.order)) best = z
  return best
}
