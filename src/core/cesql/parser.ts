// Recursive-descent (precedence-climbing) parser for CESQL. It accepts exactly what the official CESQLParser.g4 accepts
// and groups the same way, because ANTLR turns that left-recursive rule into this very loop: each alternative gets a
// precedence from its position in the rule (earlier binds tighter), prefix operators parse their operand at their own
// precedence, left-associative operators parse their right side one level higher, right-associative ones at the same level.
import type {BinaryOperator, CesqlNode} from './ast.js'
import {tokenize, type Token, type TokenKind} from './lexer.js'
import {parseErrorAt} from './position.js'
import {INT32_MAX, INT32_MIN} from './types.js'

// Precedence of each alternative in CESQLParser.g4 (12 alternatives: the n-th gets 13 - n).
const NOT_PRECEDENCE = 11
const NEGATE_PRECEDENCE = 10
const LIKE_PRECEDENCE = 9
const IN_PRECEDENCE = 7

interface BinaryRule {
  operator: BinaryOperator
  precedence: number
  rightAssociative: boolean
}

const BINARY_RULES: Partial<Record<TokenKind, BinaryRule>> = {
  star: {operator: '*', precedence: 6, rightAssociative: false},
  slash: {operator: '/', precedence: 6, rightAssociative: false},
  percent: {operator: '%', precedence: 6, rightAssociative: false},
  plus: {operator: '+', precedence: 5, rightAssociative: false},
  minus: {operator: '-', precedence: 5, rightAssociative: false},
  eq: {operator: '=', precedence: 4, rightAssociative: false},
  neq: {operator: '!=', precedence: 4, rightAssociative: false},
  ltgt: {operator: '<>', precedence: 4, rightAssociative: false},
  lt: {operator: '<', precedence: 4, rightAssociative: false},
  lte: {operator: '<=', precedence: 4, rightAssociative: false},
  gt: {operator: '>', precedence: 4, rightAssociative: false},
  gte: {operator: '>=', precedence: 4, rightAssociative: false},
  // AND, OR and XOR share one level and are right-associative (`<assoc=right>` in the grammar), unlike SQL.
  and: {operator: 'AND', precedence: 3, rightAssociative: true},
  or: {operator: 'OR', precedence: 3, rightAssociative: true},
  xor: {operator: 'XOR', precedence: 3, rightAssociative: true},
}

/** Deeper nesting is refused with a parse error rather than overflowing the stack (here or when evaluating). */
const MAX_NESTING = 500

const AFTER_OPERAND = 'an operator'
const AN_EXPRESSION = 'an expression'

class Parser {
  private index = 0
  private depth = 0

  constructor(
    private readonly source: string,
    private readonly tokens: Token[],
  ) {}

  parseRoot(): CesqlNode {
    const root = this.parseExpression(0)
    if (this.peek().kind !== 'eof') throw this.unexpected(this.peek(), [AFTER_OPERAND, 'end of input'])
    return root
  }

  private peek(ahead = 0): Token {
    return this.tokens[Math.min(this.index + ahead, this.tokens.length - 1)]!
  }

  private advance(): Token {
    const token = this.peek()
    if (token.kind !== 'eof') this.index++
    return token
  }

  private parseExpression(minPrecedence: number): CesqlNode {
    if (++this.depth > MAX_NESTING) {
      throw parseErrorAt(this.source, this.peek().offset, `expression nested more than ${MAX_NESTING} levels deep`, [])
    }
    const node = this.parseOperations(minPrecedence)
    this.depth--
    return node
  }

  private parseOperations(minPrecedence: number): CesqlNode {
    let left = this.parsePrimary()
    for (;;) {
      const token = this.peek()
      const negated = token.kind === 'not'
      const operatorToken = negated ? this.peek(1) : token
      if (negated && operatorToken.kind !== 'like' && operatorToken.kind !== 'in') {
        throw this.unexpected(operatorToken, ['LIKE', 'IN'], 'NOT after a value only forms NOT LIKE and NOT IN; write NOT (a = b)')
      }
      if (operatorToken.kind === 'like') {
        if (LIKE_PRECEDENCE < minPrecedence) return left
        this.index += negated ? 2 : 1
        left = {kind: 'like', operand: left, pattern: this.parseLikePattern(), negated}
        continue
      }
      if (operatorToken.kind === 'in') {
        if (IN_PRECEDENCE < minPrecedence) return left
        this.index += negated ? 2 : 1
        left = {kind: 'in', operand: left, set: this.parseSet(), negated}
        continue
      }
      const rule = BINARY_RULES[token.kind]
      if (rule === undefined || rule.precedence < minPrecedence) return left
      this.advance()
      const right = this.parseExpression(rule.rightAssociative ? rule.precedence : rule.precedence + 1)
      left = {kind: 'binary', operator: rule.operator, left, right}
    }
  }

  private parsePrimary(): CesqlNode {
    const token = this.peek()
    switch (token.kind) {
      case 'not':
        this.advance()
        return {kind: 'not', operand: this.parseExpression(NOT_PRECEDENCE)}
      case 'minus':
        this.advance()
        return {kind: 'negate', operand: this.parseExpression(NEGATE_PRECEDENCE)}
      case 'exists': {
        this.advance()
        const name = this.peek()
        if (name.kind !== 'identifier' && name.kind !== 'identifierWithNumber') {
          throw this.unexpected(name, ['an attribute name'])
        }
        this.advance()
        return {kind: 'exists', name: name.text.toLowerCase()}
      }
      case 'lparen': {
        this.advance()
        const inner = this.parseExpression(0)
        this.expectClosing([AFTER_OPERAND, "')'"])
        return inner
      }
      case 'true':
      case 'false':
        this.advance()
        return {kind: 'literal', value: token.kind === 'true'}
      case 'integer':
        this.advance()
        return {kind: 'literal', value: this.integerValue(token)}
      case 'string':
        this.advance()
        return {kind: 'literal', value: stringLiteralValue(token.text)}
      case 'identifier':
        if (this.peek(1).kind === 'lparen') return this.parseCall()
        this.advance()
        return {kind: 'attribute', name: token.text.toLowerCase()}
      case 'identifierWithNumber':
        this.advance()
        return {kind: 'attribute', name: token.text.toLowerCase()}
      case 'functionIdentifier':
        if (this.peek(1).kind !== 'lparen') {
          throw this.unexpected(
            this.peek(1),
            ["'('"],
            `'${token.text}' can only be a function name: attribute names contain only letters and digits`,
          )
        }
        return this.parseCall()
      default:
        throw this.unexpected(token, [AN_EXPRESSION], primaryHint(token))
    }
  }

  private parseCall(): CesqlNode {
    const name = this.advance().text.toUpperCase()
    this.advance() // '('
    const args: CesqlNode[] = []
    if (this.peek().kind === 'rparen') {
      this.advance()
      return {kind: 'call', name, args}
    }
    for (;;) {
      args.push(this.parseExpression(0))
      if (this.peek().kind !== 'comma') break
      this.advance()
    }
    this.expectClosing([AFTER_OPERAND, "','", "')'"])
    return {kind: 'call', name, args}
  }

  private parseLikePattern(): string {
    const token = this.peek()
    if (token.kind !== 'string') throw this.unexpected(token, ['a string literal'], 'the LIKE pattern must be a string literal')
    this.advance()
    return stringLiteralValue(token.text)
  }

  private parseSet(): CesqlNode[] {
    const open = this.peek()
    if (open.kind !== 'lparen') throw this.unexpected(open, ["'('"])
    this.advance()
    if (this.peek().kind === 'rparen') throw this.unexpected(this.peek(), [AN_EXPRESSION], 'the IN set cannot be empty')
    const set: CesqlNode[] = []
    for (;;) {
      set.push(this.parseExpression(0))
      if (this.peek().kind !== 'comma') break
      this.advance()
    }
    this.expectClosing([AFTER_OPERAND, "','", "')'"])
    return set
  }

  private expectClosing(expected: string[]): void {
    const token = this.peek()
    if (token.kind !== 'rparen') throw this.unexpected(token, expected)
    this.advance()
  }

  /** The spec requires integer literals to fit in 32 bits; anything else is a parse error. */
  private integerValue(token: Token): number {
    const sign = token.text.startsWith('-') ? -1 : 1
    const digits = token.text.replace(/^[+-]/, '').replace(/^0+(?=\d)/, '')
    const magnitude = digits.length > 10 ? Number.POSITIVE_INFINITY : Number(digits)
    const value = sign * magnitude
    if (value < INT32_MIN || value > INT32_MAX) {
      throw parseErrorAt(this.source, token.offset, `integer literal ${token.text} does not fit in 32 bits`, [
        `an integer from ${INT32_MIN} to ${INT32_MAX}`,
      ])
    }
    return value | 0
  }

  private unexpected(token: Token, expected: string[], hint?: string) {
    const previous = this.tokens[this.tokens.indexOf(token) - 1]
    const advice = hint ?? (expected.includes(AFTER_OPERAND) ? afterOperandHint(token, previous) : undefined)
    return parseErrorAt(this.source, token.offset, `unexpected ${describeToken(token)}`, expected, advice)
  }
}

function describeToken(token: Token): string {
  if (token.kind === 'eof') return 'end of input'
  const text = token.text.length > 24 ? `${token.text.slice(0, 21)}...` : token.text
  return token.kind === 'string' ? `string ${text}` : `'${text}'`
}

function primaryHint(token: Token): string | undefined {
  if (token.kind === 'eq') return "compare with a single '='"
  if (token.kind === 'plus') return 'there is no unary +'
  return undefined
}

function afterOperandHint(token: Token, previous: Token | undefined): string | undefined {
  if (token.kind === 'integer' && /^[+-]/.test(token.text)) {
    const [sign, digits] = [token.text[0], token.text.slice(1)]
    return `a sign right before a digit makes a signed literal, so '${token.text}' is a number: write '${sign} ${digits}' with a space`
  }
  if (token.kind === 'lparen' && previous?.kind === 'identifierWithNumber') {
    return "function names contain only letters and '_'"
  }
  return undefined
}

/** sdk-go strips the quotes and un-escapes only the quote character (`\'` or `\"`); `''` stays two quotes. */
function stringLiteralValue(text: string): string {
  const quote = text[0]!
  return text.slice(1, -1).replaceAll(`\\${quote}`, quote)
}

/** Parses CESQL text into its tree; throws CesqlParseError. */
export function parseCesql(source: string): CesqlNode {
  return new Parser(source, tokenize(source)).parseRoot()
}
