// The parsed form of a CESQL expression, and a printer that shows its grouping with explicit parentheses.
import type {CesqlValue} from './types.js'

export type MathOperator = '+' | '-' | '*' | '/' | '%'
export type EqualityOperator = '=' | '!=' | '<>'
export type OrderOperator = '<' | '<=' | '>' | '>='
export type LogicOperator = 'AND' | 'OR' | 'XOR'
export type BinaryOperator = MathOperator | EqualityOperator | OrderOperator | LogicOperator

export type CesqlNode =
  | {kind: 'literal'; value: CesqlValue}
  /** An attribute or extension; `name` is lower-cased, as sdk-go does. */
  | {kind: 'attribute'; name: string}
  | {kind: 'exists'; name: string}
  | {kind: 'not'; operand: CesqlNode}
  | {kind: 'negate'; operand: CesqlNode}
  | {kind: 'binary'; operator: BinaryOperator; left: CesqlNode; right: CesqlNode}
  | {kind: 'like'; operand: CesqlNode; pattern: string; negated: boolean}
  | {kind: 'in'; operand: CesqlNode; set: CesqlNode[]; negated: boolean}
  /** A function call; `name` is upper-cased, as sdk-go does. */
  | {kind: 'call'; name: string; args: CesqlNode[]}

function formatLiteral(value: CesqlValue): string {
  if (typeof value === 'string') return `'${value.replaceAll("'", "\\'")}'`
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE'
  return String(value)
}

/** Prints the tree with every operation in parentheses, e.g. `FALSE AND FALSE OR TRUE` → `(FALSE AND (FALSE OR TRUE))`. */
export function formatCesqlNode(node: CesqlNode): string {
  switch (node.kind) {
    case 'literal':
      return formatLiteral(node.value)
    case 'attribute':
      return node.name
    case 'exists':
      return `(EXISTS ${node.name})`
    case 'not':
      return `(NOT ${formatCesqlNode(node.operand)})`
    case 'negate':
      return `(-${formatCesqlNode(node.operand)})`
    case 'binary':
      return `(${formatCesqlNode(node.left)} ${node.operator} ${formatCesqlNode(node.right)})`
    case 'like':
      return `(${formatCesqlNode(node.operand)} ${node.negated ? 'NOT LIKE' : 'LIKE'} ${formatLiteral(node.pattern)})`
    case 'in':
      return `(${formatCesqlNode(node.operand)} ${node.negated ? 'NOT IN' : 'IN'} (${node.set.map(formatCesqlNode).join(', ')}))`
    case 'call':
      return `${node.name}(${node.args.map(formatCesqlNode).join(', ')})`
  }
}
