// Attribute values that repeat from event to event (specversion, source, type, datacontenttype) are kept
// once: each event retained in the activity history would otherwise hold its own copy of every one.
// The table is bounded, so a producer that sends endless distinct values costs at most ~1 MiB.

const MAX_ENTRIES = 4096
const MAX_LENGTH = 256
const table = new Map<string, string>()

/** The one shared copy of an equal string seen before (or this one, now remembered while there is room). */
export function intern(value: string): string {
  if (value.length > MAX_LENGTH) return value
  const known = table.get(value)
  if (known !== undefined) return known
  if (table.size < MAX_ENTRIES) table.set(value, value)
  return value
}
