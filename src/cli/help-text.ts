// Help text for commands, written across source lines in the code.

/** Help text written across source lines: single line breaks become spaces (oclif wraps to the terminal), blank lines stay. */
export function prose(strings: TemplateStringsArray, ...values: unknown[]): string {
  const text = strings.reduce((out, part, i) => out + part + (i < values.length ? String(values[i]) : ''), '')
  return text
    .split(/\n{2,}/)
    .map((p) => p.replace(/\s*\n\s*/g, ' ').trim())
    .join('\n\n')
}
