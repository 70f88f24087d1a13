// Source patterns and names: the template that covers several sources of one type (in the `{placeholder}`
// syntax v1beta3 EventTypes use for attribute values), matching a value against such a template, and the
// known names nearest to a mistyped one.

/**
 * A template covering every source given: segments (split on `/`) that differ become `{placeholder}`s
 * named after the segment before them (`…/pingsources/{pingsource}`); sources of different lengths keep
 * their common prefix. Undefined for fewer than two distinct sources.
 */
export function sourcePattern(sources: readonly string[]): string | undefined {
  const distinct = [...new Set(sources)]
  if (distinct.length < 2) return undefined
  const split = distinct.map((s) => s.split('/'))
  const length = split[0]!.length
  if (length > 1 && split.every((parts) => parts.length === length)) {
    const used = new Set<string>()
    const out: string[] = []
    for (let i = 0; i < length; i++) {
      const values = new Set(split.map((parts) => parts[i]!))
      if (values.size === 1) {
        out.push(split[0]![i]!)
        continue
      }
      let name = placeholderName(i > 0 ? split[0]![i - 1]! : '')
      for (let n = 2; used.has(name); n++) name = `${placeholderName(i > 0 ? split[0]![i - 1]! : '')}${n}`
      used.add(name)
      out.push(`{${name}}`)
    }
    return out.join('/')
  }
  let prefix = distinct[0]!
  for (const s of distinct) {
    let i = 0
    while (i < prefix.length && i < s.length && prefix[i] === s[i]) i++
    prefix = prefix.slice(0, i)
  }
  const cut = Math.max(prefix.lastIndexOf('/'), prefix.lastIndexOf(':'))
  return `${cut >= 0 ? prefix.slice(0, cut + 1) : ''}{source}`
}

function placeholderName(previous: string): string {
  const word = previous.toLowerCase().replace(/[^a-z0-9]/g, '')
  if (word === '') return 'value'
  // `namespaces` → `namespace`, `pingsources` → `pingsource`
  return word.length > 3 && word.endsWith('s') ? word.slice(0, -1) : word
}

/** True when a template has `{placeholder}`s (a v1beta3 attribute value that varies). */
export function isTemplate(value: string): boolean {
  return /\{[^{}]*\}/.test(value)
}

/** Whether `value` can be an instance of `template` (each placeholder stands for any text). */
export function matchesTemplate(template: string, value: string): boolean {
  const pattern = template
    .split(/\{[^{}]*\}/)
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*')
  return new RegExp(`^${pattern}$`, 's').test(value)
}

/** Levenshtein distance (case-insensitive), bounded work for long strings. */
export function editDistance(a: string, b: string): number {
  const s = a.toLowerCase().slice(0, 200)
  const t = b.toLowerCase().slice(0, 200)
  let previous = Array.from({length: t.length + 1}, (_, i) => i)
  for (let i = 1; i <= s.length; i++) {
    const current = [i]
    for (let j = 1; j <= t.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (s[i - 1] === t[j - 1] ? 0 : 1))
    }
    previous = current
  }
  return previous[t.length]!
}

/**
 * The known names closest to `wanted`: names containing it (or contained in it) first, then by edit
 * distance, keeping only those within a third of the longer name's length (at least 3 edits).
 */
export function nearestNames(wanted: string, known: readonly string[], limit = 3): string[] {
  const needle = wanted.toLowerCase()
  const scored = [...new Set(known)]
    .map((name) => {
      const lower = name.toLowerCase()
      const contains = needle.length >= 3 && (lower.includes(needle) || needle.includes(lower))
      return {name, contains, distance: editDistance(wanted, name)}
    })
    .filter((s) => s.contains || s.distance <= Math.max(3, Math.floor(Math.max(s.name.length, wanted.length) / 3)))
  scored.sort((a, b) => Number(b.contains) - Number(a.contains) || a.distance - b.distance || a.name.localeCompare(b.name))
  return scored.slice(0, limit).map((s) => s.name)
}
