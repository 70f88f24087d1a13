// CESQL lexer. It follows the official CESQLLexer.g4 as ANTLR runs it in sdk-go: longest match wins, a tie
// goes to the rule listed first (keywords, then IDENTIFIER, IDENTIFIER_WITH_NUMBER, FUNCTION_IDENTIFIER_WITH_UNDERSCORE),
// and keywords match case-insensitively because sdk-go upper-cases the character stream it feeds the lexer.
import {parseErrorAt} from './position.js'

export type TokenKind =
  | 'lparen'
  | 'rparen'
  | 'comma'
  | 'and'
  | 'or'
  | 'xor'
  | 'not'
  | 'like'
  | 'exists'
  | 'in'
  | 'true'
  | 'false'
  | 'star'
  | 'slash'
  | 'percent'
  | 'plus'
  | 'minus'
  | 'eq'
  | 'neq'
  | 'ltgt'
  | 'lt'
  | 'lte'
  | 'gt'
  | 'gte'
  | 'string'
  | 'integer'
  /** [a-zA-Z]+: an attribute name, or a function name when followed by '('. */
  | 'identifier'
  /** [a-zA-Z0-9]+ with at least one digit, e.g. `ext1` or `1abc`: attribute names only. */
  | 'identifierWithNumber'
  /** [A-Z][A-Z_]* with at least one '_', e.g. `CONCAT_WS`: function names only. */
  | 'functionIdentifier'
  | 'eof'

export interface Token {
  kind: TokenKind
  /** The source text of the token (string literals keep their quotes). */
  text: string
  offset: number
}

const KEYWORDS: ReadonlyMap<string, TokenKind> = new Map<string, TokenKind>([
  ['AND', 'and'],
  ['OR', 'or'],
  ['XOR', 'xor'],
  ['NOT', 'not'],
  ['LIKE', 'like'],
  ['EXISTS', 'exists'],
  ['IN', 'in'],
  ['TRUE', 'true'],
  ['FALSE', 'false'],
])

export const KEYWORD_NAMES: ReadonlySet<string> = new Set(KEYWORDS.keys())

const SINGLE_CHAR_TOKENS: Readonly<Record<string, TokenKind>> = {
  '(': 'lparen',
  ')': 'rparen',
  ',': 'comma',
  '*': 'star',
  '/': 'slash',
  '%': 'percent',
  '=': 'eq',
}

const CHAR_HINTS: Readonly<Record<string, string>> = {
  '&': 'use AND',
  '|': 'use OR',
  _: 'attribute names contain only letters and digits; function names start with a letter',
  '`': 'quote strings with \' or "',
}

function isLetter(code: number): boolean {
  return (code >= 65 && code <= 90) || (code >= 97 && code <= 122)
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57
}

function runLength(source: string, start: number, accepts: (code: number) => boolean): number {
  let end = start
  while (end < source.length && accepts(source.charCodeAt(end))) end++
  return end - start
}

/**
 * End (exclusive) of the string literal opening at `start`, or -1 when it never closes.
 * Grammar: quote ( '\' any | quote quote | not(quote or '\') )* quote, with the longest closing position winning,
 * so `'a''b'` is one literal.
 */
function stringLiteralEnd(source: string, start: number): number {
  const quote = source[start]
  let lastClose = -1
  let i = start + 1
  while (i < source.length) {
    const char = source[i]
    if (char === '\\') {
      if (i + 1 >= source.length) break
      i += 2
    } else if (char === quote) {
      lastClose = i + 1
      if (source[i + 1] !== quote) break
      i += 2
    } else {
      i++
    }
  }
  return lastClose
}

/** Kind and length of the word (identifier, keyword or function name) starting with a letter at `start`. */
function scanWord(source: string, start: number): {kind: TokenKind; length: number} {
  const letters = runLength(source, start, isLetter)
  const alphanumerics = runLength(source, start, (c) => isLetter(c) || isDigit(c))
  const functionName = 1 + runLength(source, start + 1, (c) => isLetter(c) || c === 95)
  const longest = Math.max(letters, alphanumerics, functionName)
  if (longest === letters) {
    const keyword = KEYWORDS.get(source.slice(start, start + letters).toUpperCase())
    return {kind: keyword ?? 'identifier', length: letters}
  }
  return {kind: longest === alphanumerics ? 'identifierWithNumber' : 'functionIdentifier', length: longest}
}

export function tokenize(source: string): Token[] {
  const tokens: Token[] = []
  let i = 0
  const push = (kind: TokenKind, length: number): void => {
    tokens.push({kind, text: source.slice(i, i + length), offset: i})
    i += length
  }
  while (i < source.length) {
    const char = source[i]!
    const code = source.charCodeAt(i)
    const next = source.charCodeAt(i + 1)
    if (char === ' ' || char === '\t' || char === '\r' || char === '\n') {
      i++
    } else if (char === "'" || char === '"') {
      const end = stringLiteralEnd(source, i)
      if (end < 0) throw parseErrorAt(source, i, 'unterminated string literal', [`a closing ${char}`])
      push('string', end - i)
    } else if (isDigit(code)) {
      const digits = runLength(source, i, isDigit)
      const alphanumerics = runLength(source, i, (c) => isLetter(c) || isDigit(c))
      if (alphanumerics > digits) push('identifierWithNumber', alphanumerics)
      else push('integer', digits)
    } else if ((char === '-' || char === '+') && isDigit(next)) {
      // INTEGER_LITERAL carries its sign, so `4-1` lexes as `4` `-1` (a parse error), exactly as in sdk-go.
      push('integer', 1 + runLength(source, i + 1, isDigit))
    } else if (isLetter(code)) {
      const word = scanWord(source, i)
      push(word.kind, word.length)
    } else if (char === '-') {
      push('minus', 1)
    } else if (char === '+') {
      push('plus', 1)
    } else if (char === '!') {
      if (source[i + 1] !== '=') throw parseErrorAt(source, i, "unexpected character '!'", ["'!='"], 'use NOT to negate')
      push('neq', 2)
    } else if (char === '<') {
      if (source[i + 1] === '=') push('lte', 2)
      else if (source[i + 1] === '>') push('ltgt', 2)
      else push('lt', 1)
    } else if (char === '>') {
      if (source[i + 1] === '=') push('gte', 2)
      else push('gt', 1)
    } else if (SINGLE_CHAR_TOKENS[char] !== undefined) {
      push(SINGLE_CHAR_TOKENS[char], 1)
    } else {
      const shown = String.fromCodePoint(source.codePointAt(i)!)
      throw parseErrorAt(source, i, `unexpected character ${JSON.stringify(shown)}`, [], CHAR_HINTS[char])
    }
  }
  tokens.push({kind: 'eof', text: '', offset: source.length})
  return tokens
}
