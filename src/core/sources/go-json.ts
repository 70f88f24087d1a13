// JSON as Go's encoding/json writes it, for the values Knative marshals and kne must reproduce byte for
// byte (K_CE_OVERRIDES, ApiServerSource data): map keys sorted, no spaces, and HTML-safe escapes
// (<, >, & as \u003c, \u003e, \u0026; U+2028 and U+2029 escaped too).

const HEX = '0123456789abcdef'

/** A JSON string literal as Go's encoder writes it. */
export function goJsonString(text: string): string {
  let out = '"'
  for (const char of text) {
    const code = char.codePointAt(0)!
    switch (char) {
      case '"':
        out += '\\"'
        break
      case '\\':
        out += '\\\\'
        break
      case '\n':
        out += '\\n'
        break
      case '\r':
        out += '\\r'
        break
      case '\t':
        out += '\\t'
        break
      case '\b':
        out += '\\b'
        break
      case '\f':
        out += '\\f'
        break
      default:
        if (code < 0x20 || char === '<' || char === '>' || char === '&') out += `\\u00${HEX[code >> 4]}${HEX[code & 0xf]}`
        else if (code === 0x2028 || code === 0x2029) out += `\\u${code.toString(16)}`
        // a lone surrogate is not valid UTF-8: Go writes the replacement character
        else if (code >= 0xd800 && code <= 0xdfff) out += '\ufffd'
        else out += char
    }
  }
  return `${out}"`
}

/** Marshals a JSON-like value (objects as Go maps: keys sorted; undefined members left out). */
export function goJson(value: unknown): string {
  if (value === null || value === undefined) return 'null'
  if (typeof value === 'string') return goJsonString(value)
  if (typeof value === 'number') return Number.isFinite(value) ? JSON.stringify(value) : 'null'
  if (typeof value === 'boolean') return value ? 'true' : 'false'
  if (Array.isArray(value)) return `[${value.map(goJson).join(',')}]`
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    return `{${entries.map(([k, v]) => `${goJsonString(k)}:${goJson(v)}`).join(',')}}`
  }
  return 'null'
}

/** Marshals a Go struct: fields in declaration order, empty ones left out (`omitempty`). */
export function goJsonStruct(fields: readonly [name: string, value: string | undefined][]): string {
  return `{${fields
    .filter(([, v]) => v !== undefined && v !== '')
    .map(([k, v]) => `${goJsonString(k)}:${goJsonString(v!)}`)
    .join(',')}}`
}
