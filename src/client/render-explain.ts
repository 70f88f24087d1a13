// A filter explanation as indented lines: the decision, which of filter/filters applied, each node's
// dialect and result, the attribute values it saw, and CESQL values and errors.
import type {ChalkInstance} from 'chalk'
import type {FilterExplanation, FilterExplanationNode, FilterResult} from '../core/filters/index.js'
import type {ArrivalExplanation} from '../core/api.js'
import type {BrokerFilterReport} from './filter-test.js'

function badge(result: FilterResult, c: ChalkInstance): string {
  return result === 'pass' ? c.green('pass') : result === 'fail' ? c.red('fail') : c.yellow('no filter')
}

function seen(value: unknown): string {
  return value === null ? '(absent)' : JSON.stringify(value)
}

export function renderExplanation(explanation: FilterExplanation, c: ChalkInstance, indent = ''): string[] {
  const verdict = explanation.delivers ? c.green('DELIVERED') : c.red('NOT DELIVERED')
  const lines = [`${indent}${verdict} (${badge(explanation.result, c)}): ${explanation.reason}`]
  if (explanation.ttlRemoved) lines.push(`${indent}  ${c.dim('knativebrokerttl was removed before filtering, as Knative does')}`)
  if (explanation.root) lines.push(...renderNode(explanation.root, c, `${indent}  `))
  return lines
}

function renderNode(node: FilterExplanationNode, c: ChalkInstance, indent: string): string[] {
  const head = `${indent}${node.path} ${c.bold(node.dialect)}`
  if (node.dialect === 'skipped') return [`${head}: ${c.dim(`skipped: ${node.reason}`)}`]
  const note = node.shortCircuited ? c.dim(' (not reached by Knative: an earlier sibling decided)') : ''
  switch (node.dialect) {
    case 'attributes':
    case 'exact':
    case 'prefix':
    case 'suffix':
      return [
        `${head} → ${badge(node.result, c)}${note}`,
        ...node.checks.map((check) => {
          const mark = check.matched ? c.green('✓') : c.red('✗')
          const compared = check.compared !== undefined ? ` (compared as ${JSON.stringify(check.compared)})` : ''
          const extra = check.note ? c.dim(` — ${check.note}`) : ''
          return `${indent}  ${mark} ${check.name}: want ${JSON.stringify(check.expected)}, saw ${seen(check.actual)}${compared}${extra}`
        }),
      ]
    case 'cesql': {
      const value = node.value === undefined ? '' : ` = ${JSON.stringify(node.value)}`
      const errors = node.errors.map((e) => `${indent}  ${c.red('error')} ${e.kind}: ${e.message}`)
      return [`${head} ${JSON.stringify(node.expression)}${value} → ${badge(node.result, c)}${note}`, ...errors]
    }
    case 'not':
      return [`${head} → ${badge(node.result, c)}${note}`, ...renderNode(node.child, c, `${indent}  `)]
    case 'all':
    case 'any':
      return [`${head} → ${badge(node.result, c)}${note}`, ...node.children.flatMap((child) => renderNode(child, c, `${indent}  `))]
  }
}

/** `kne tail --explain`: one block per trigger of the event's broker. */
export function renderArrivalExplanation(explanation: ArrivalExplanation | undefined, c: ChalkInstance): string[] {
  if (!explanation) return [c.dim("    (no explanation: the event is no longer in the mesh's history)")]
  if (explanation.triggers.length === 0) return [c.yellow(`    broker ${explanation.broker} has no triggers: the event went nowhere`)]
  return explanation.triggers.flatMap((t) => {
    const target = t.ready ? `→ ${t.subscriberUri}` : c.red('(trigger not Ready)')
    return [`    trigger ${c.bold(t.trigger)} ${target}`, ...renderExplanation(t.explanation, c, '      ')]
  })
}

/** `kne filter test` without a trigger or a filter: one block per trigger of the broker. */
export function renderBrokerFilterReport(report: BrokerFilterReport, c: ChalkInstance): string[] {
  if (report.triggers.length === 0) return [c.yellow(`${report.subject} has no triggers: the event would go nowhere`)]
  return [
    `${report.subject}:`,
    ...report.triggers.flatMap((t) => [`  trigger ${c.bold(t.trigger)}`, ...renderExplanation(t.explanation, c, '    ')]),
  ]
}
