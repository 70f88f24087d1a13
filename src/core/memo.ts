// One-entry caches for values asked for again and again in a row with the same arguments: the encoded
// event and the request headers of a fan-out's deliveries, the ISO time of a millisecond's records.

/** `compute`, remembering its last arguments (compared with ===) and what it returned for them. */
export function rememberLast<A, B = undefined, R = unknown>(compute: (a: A, b: B) => R): (a: A, b: B) => R {
  let filled = false
  let lastA: A | undefined
  let lastB: B | undefined
  let last: R | undefined
  return (a, b) => {
    if (!filled || a !== lastA || b !== lastB) {
      last = compute(a, b)
      lastA = a
      lastB = b
      filled = true
    }
    return last as R
  }
}

const isoTimeOf = rememberLast((ms: number, _unused: undefined) => new Date(ms).toISOString())

/** ISO 8601 text of a clock time; the records and events of one millisecond share one string (formatting is not cheap). */
export function isoTime(ms: number): string {
  return isoTimeOf(ms, undefined)
}
