// LIKE matching (CESQL v1 §3.4.3): `%` matches any run of characters, `_` exactly one, `\%` and `\_` the
// characters themselves. The pattern is a literal, so it becomes an anchored regular expression once, at
// compile time. sdk-go's hand-written matcher lets a literal `%` or `_` in the value swallow the
// wildcard (`'a%xc' LIKE 'a%c'` is false there); kne matches what the spec intends.

/** A LIKE pattern prepared once at compile time. */
export interface LikePattern {
  readonly regex: RegExp
}

export function compileLikePattern(pattern: string): LikePattern {
  let source = ''
  const chars = Array.from(pattern)
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!
    if (c === '\\' && (chars[i + 1] === '%' || chars[i + 1] === '_')) {
      source += escapeRegex(chars[++i]!)
    } else if (c === '%') {
      source += '.*'
    } else if (c === '_') {
      source += '.'
    } else {
      source += escapeRegex(c)
    }
  }
  return {regex: new RegExp(`^${source}$`, 'su')}
}

function escapeRegex(char: string): string {
  return char.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&')
}

export function matchesLike(value: string, pattern: LikePattern): boolean {
  return pattern.regex.test(value)
}
