// Caches for values asked for again and again: one-entry caches for the same arguments in a row (the
// encoded event and the request headers of a fan-out's deliveries, the ISO time of a millisecond's
// records), bounded caches of a pure function of a string that comes back on every event (a broker
// path, a media type, a header name), and values derived once per object (a route, a delivery spec).

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

/**
 * `compute` of a string, remembered for every string seen (undefined results too); past `max` entries the
 * cache starts over, so endless distinct inputs cost a bounded amount of memory.
 */
export function memoize<R>(compute: (key: string) => R, max = 1000): (key: string) => R {
  const cache = new Map<string, R>()
  return (key) => {
    const known = cache.get(key)
    if (known !== undefined || cache.has(key)) return known as R
    const value = compute(key)
    if (cache.size >= max) cache.clear()
    cache.set(key, value)
    return value
  }
}

/** `compute` of an object, remembered for as long as the object lives (a WeakMap): what a route or a spec needs on every event. */
export function perObject<K extends object, R>(compute: (key: K) => R): (key: K) => R {
  const cache = new WeakMap<K, R>()
  return (key) => {
    let value = cache.get(key)
    if (value === undefined) cache.set(key, (value = compute(key)))
    return value
  }
}
