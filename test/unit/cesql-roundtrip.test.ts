// Property-style: random expression trees print to CESQL text that parses back to the same tree, and a
// compiled expression evaluates exactly like the text it was printed from.
import {describe, expect, it} from 'vitest'
import type {CloudEvent} from '../../src/core/cloudevent.js'
import {compileCesql, formatCesqlNode, parseCesql, type CesqlNode} from '../../src/core/cesql/index.js'

/** A small deterministic PRNG (mulberry32) so a failure can be replayed from its seed. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const OPERATORS = ['+', '-', '*', '/', '%', '=', '!=', '<>', '<', '<=', '>', '>=', 'AND', 'OR', 'XOR'] as const
const ATTRIBUTES = ['type', 'source', 'subject', 'id', 'priority', 'flag', 'missing']
const FUNCTIONS: [string, number][] = [
  ['LENGTH', 1],
  ['UPPER', 1],
  ['CONCAT', 2],
  ['ABS', 1],
  ['INT', 1],
  ['BOOL', 1],
  ['STRING', 1],
  ['LEFT', 2],
]

function tree(next: () => number, depth: number): CesqlNode {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!
  const leaf = depth <= 0 || next() < 0.25
  if (leaf) {
    const r = next()
    if (r < 0.25) return {kind: 'literal', value: Math.floor(next() * 2000) - 1000}
    if (r < 0.45) return {kind: 'literal', value: pick(['', 'a', "it's", 'com.example.%', 'x_y', 'TRUE'])}
    if (r < 0.55) return {kind: 'literal', value: next() < 0.5}
    if (r < 0.65) return {kind: 'exists', name: pick(ATTRIBUTES)}
    return {kind: 'attribute', name: pick(ATTRIBUTES)}
  }
  const r = next()
  if (r < 0.1) return {kind: 'not', operand: tree(next, depth - 1)}
  if (r < 0.15) return {kind: 'negate', operand: {kind: 'attribute', name: pick(ATTRIBUTES)}}
  if (r < 0.25) return {kind: 'like', operand: tree(next, depth - 1), pattern: pick(['com.%', '_b%', 'a\\%b', '%']), negated: next() < 0.5}
  if (r < 0.35) return {kind: 'in', operand: tree(next, depth - 1), set: [tree(next, 0), tree(next, 0)], negated: next() < 0.5}
  if (r < 0.45) {
    const [name, arity] = pick(FUNCTIONS)
    return {kind: 'call', name, args: Array.from({length: arity}, () => tree(next, depth - 1))}
  }
  return {kind: 'binary', operator: pick(OPERATORS), left: tree(next, depth - 1), right: tree(next, depth - 1)}
}

const events: CloudEvent[] = [
  {specversion: '1.0', id: '1', source: '/shop', type: 'com.example.order', subject: "it's", extensions: {priority: 3, flag: true}},
  {specversion: '1.0', id: '2', source: 'x', type: 'TRUE', extensions: {priority: '-7'}},
]

/** Applies `change` to the text outside single-quoted string literals (which may contain \' escapes). */
function outsideQuotes(text: string, change: (part: string) => string): string {
  return text
    .split(/('(?:[^'\\]|\\.)*')/)
    .map((part, i) => (i % 2 === 1 ? part : change(part)))
    .join('')
}

describe('CESQL printing and re-parsing', () => {
  it.each([1, 2, 3, 4, 5, 6, 7, 8])('seed %i: 250 random trees survive print → parse → print, in any letter case', (seed) => {
    const next = random(seed)
    for (let i = 0; i < 250; i++) {
      const original = tree(next, 4)
      const printed = formatCesqlNode(original)
      const reparsed = parseCesql(printed)
      expect(reparsed, printed).toEqual(original)
      expect(formatCesqlNode(reparsed)).toBe(printed)
      // keywords, function names and attribute names are case-insensitive: the same tree, the same results
      const shouted = outsideQuotes(printed, (part) => part.replace(/[a-z]+/gi, (w) => (next() < 0.5 ? w.toLowerCase() : w.toUpperCase())))
      expect(parseCesql(shouted), shouted).toEqual(original)
      const a = compileCesql(printed)
      const b = compileCesql(shouted)
      for (const event of events) expect(b.evaluate(event)).toEqual(a.evaluate(event))
    }
  })
})
