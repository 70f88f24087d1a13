// Text from a test run (names, messages, event data in details) made safe for a report file: XML 1.0 forbids
// most C0 control characters even as references, and a lone surrogate is not valid UTF-8.

/**
 * The text with each character a report cannot carry (C0 controls other than tab, LF and CR; U+FFFE, U+FFFF;
 * a lone surrogate) written as a `\uXXXX` escape, the way the same value reads in JSON.
 */
export function printable(text: string): string {
  let out = ''
  for (const char of text) {
    const code = char.codePointAt(0)!
    const forbidden =
      (code < 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d) ||
      (code >= 0xd800 && code <= 0xdfff) ||
      code === 0xfffe ||
      code === 0xffff
    out += forbidden ? `\\u${code.toString(16).padStart(4, '0')}` : char
  }
  return out
}
