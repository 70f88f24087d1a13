// Builds CesqlParseErrors with a line/column and a one-line message naming what was expected.
import {CesqlParseError} from './types.js'

export function positionOf(source: string, offset: number): {offset: number; line: number; column: number} {
  let line = 1
  let lineStart = 0
  for (let i = 0; i < offset && i < source.length; i++) {
    if (source.charCodeAt(i) === 10) {
      line++
      lineStart = i + 1
    }
  }
  return {offset, line, column: offset - lineStart + 1}
}

/** "a", "a or b", "a, b or c" */
export function listInWords(items: readonly string[]): string {
  if (items.length <= 1) return items[0] ?? ''
  return `${items.slice(0, -1).join(', ')} or ${items.at(-1)}`
}

export function parseErrorAt(source: string, offset: number, problem: string, expected: string[], hint?: string): CesqlParseError {
  const position = positionOf(source, offset)
  const wanted = expected.length > 0 ? `, expected ${listInWords(expected)}` : ''
  const advice = hint === undefined ? '' : ` (${hint})`
  const message = `CESQL parse error at line ${position.line}, column ${position.column}: ${problem}${wanted}${advice}`
  return new CesqlParseError(message, position, expected)
}
