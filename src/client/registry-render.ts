// The registry for people: the list table, describe text and lint report.
import type {ChalkInstance} from 'chalk'
import {formatReference, type LintProblem, type RegistryEntry} from '../core/registry/index.js'
import {renderTable, type Table} from '../scaffold/inspect.js'
import type {DescribedEntry, RegistryLintResult, RegistryRow} from './registry.js'
import {roleOf} from '../kinds/descriptors.js'

/** TYPE SOURCE REFERENCE ORIGIN PRODUCERS CONSUMERS, NAMESPACE first when types span several namespaces. */
export function registryTable(rows: readonly RegistryRow[]): string[] {
  const namespaces = new Set(rows.map((r) => r.namespace))
  const table: Table = {
    headers: ['TYPE', 'SOURCE', 'REFERENCE', 'ORIGIN', 'PRODUCERS', 'CONSUMERS'],
    rows: rows.map((r) => [
      r.type,
      r.source ?? '<unknown>',
      formatReference(r.reference),
      r.origins.join(','),
      String(r.producers),
      `${r.consumers}${r.mayConsume > 0 ? ` (+${r.mayConsume} may)` : ''}`,
    ]),
  }
  if (namespaces.size > 1) {
    table.headers.unshift('NAMESPACE')
    table.rows.forEach((row, i) => row.unshift(rows[i]!.namespace))
  }
  return renderTable(table)
}

function indent(text: string, spaces: number): string[] {
  return text.split('\n').map((line) => `${' '.repeat(spaces)}${line}`)
}

function originText(e: RegistryEntry): string {
  return e.origins
    .map((o) => {
      if (o === 'declared') return `declared (${e.declaredBy.map((d) => `EventType ${d.name} in ${d.file}`).join('; ')})`
      if (o === 'source')
        return `source (${e.producers
          .filter((p) => p.via === 'manifest')
          .map((p) => `${p.kind} ${p.name}`)
          .join(', ')})`
      const seen = e.observed
      return seen
        ? `observed (${seen.count} event${seen.count === 1 ? '' : 's'}, first ${seen.firstSeen}, last ${seen.lastSeen})`
        : 'observed'
    })
    .join(', ')
}

/** One entry of `kne registry describe`. */
export function describeEntryText(e: DescribedEntry, c: ChalkInstance): string[] {
  const lines: string[] = [c.bold(e.type)]
  const attr = (label: string, value: string | undefined): void => {
    if (value !== undefined && value !== '') lines.push(`  ${`${label}:`.padEnd(14)}${value}`)
  }
  attr('Namespace', e.namespace)
  attr(
    'Reference',
    e.reference
      ? `${formatReference(e.reference)}${e.broker && roleOf(e.reference.kind) !== 'broker' ? ` (into broker ${e.broker})` : ''}`
      : '- (any broker in the namespace)',
  )
  attr('Origin', originText(e))
  attr('Description', e.description)
  attr('Source', e.source ?? (e.sourcePattern ? `${e.sourcePattern} (pattern)` : '<unknown>'))
  if (!e.source && e.sources.length > 1) attr('Sources seen', e.sources.slice(0, 5).join(', ') + (e.sources.length > 5 ? ', …' : ''))
  attr('Schema URI', e.schemaUrl)

  const attributes = e.attributes.filter((a) => !a.absent)
  if (attributes.length > 0) {
    lines.push('  Attributes:')
    const width = Math.max(...attributes.map((a) => a.name.length)) + 2
    for (const a of attributes) {
      const value =
        a.value ?? (a.template ? `${a.template} (template)` : a.examples?.length ? `e.g. ${a.examples.slice(0, 3).join(', ')}` : '')
      lines.push(`    ${a.name.padEnd(width)}${(a.required ? 'required' : 'optional').padEnd(10)}${value}`.trimEnd())
    }
  }
  if (e.schema) {
    const from = e.schemaOrigin === 'inferred' ? `inferred from ${e.observed?.inferredFrom ?? 0} event(s)` : e.schemaOrigin
    lines.push(`  Schema (${from}):`, ...indent(JSON.stringify(e.schema, null, 2), 4))
  } else if (e.schemaText) {
    lines.push('  Schema (declared, not JSON):', ...indent(e.schemaText.trimEnd(), 4))
  } else if (e.observed && e.observed.data.json === 0) {
    const d = e.observed.data
    const kinds = Object.entries(d)
      .filter(([, n]) => n > 0)
      .map(([k, n]) => `${k} ${n}`)
      .join(', ')
    lines.push(`  Schema:       none inferred (data: ${kinds})`)
  }
  if (e.example)
    lines.push(
      `  Example event (${e.exampleOrigin === 'schema' ? 'made from the schema' : e.exampleOrigin}):`,
      ...indent(JSON.stringify(e.example, null, 2), 4),
    )
  lines.push('  Producers:')
  if (e.producers.length === 0) lines.push(c.dim('    none known'))
  for (const p of e.producers) {
    const what =
      roleOf(p.kind) === 'trigger'
        ? `the subscriber of trigger ${p.namespace}/${p.name} (replies)`
        : p.kind === 'Source'
          ? `source ${p.name}`
          : `${p.kind} ${p.namespace}/${p.name}`
    lines.push(`    ${what} ${c.dim(`(${p.via})`)}`)
  }
  lines.push('  Consumers:')
  if (e.consumers.length === 0) lines.push(c.dim(`    no trigger ${e.broker ? `on broker ${e.broker} ` : ''}consumes it`))
  for (const consumer of e.consumers) {
    const mark = consumer.verdict === 'matches' ? c.green('✓ matches  ') : c.yellow('? may match')
    lines.push(`    ${mark} trigger ${consumer.trigger} ${c.dim(`— ${consumer.reason}`)}`)
  }
  if (e.notes.length > 0) {
    lines.push('  Notes:')
    for (const note of e.notes) lines.push(`    ${c.yellow(note)}`)
  }
  lines.push('  Try:', `    ${e.commands.triggerCreate}`, `    ${e.commands.send}`)
  return lines
}

export function lintText(report: RegistryLintResult, c: ChalkInstance): string[] {
  const lines: string[] = []
  for (const p of report.problems) lines.push(...problemText(p, c))
  const summary =
    `${report.errors} error${report.errors === 1 ? '' : 's'}, ${report.warnings} warning${report.warnings === 1 ? '' : 's'}` +
    ` (checked ${report.checked.brokers} broker(s), ${report.checked.triggers} trigger(s), ${report.checked.sources} source(s), ${report.checked.types} event type(s))`
  lines.push(report.errors > 0 ? c.red(summary) : report.warnings > 0 ? c.yellow(summary) : c.green(summary))
  return lines
}

function problemText(p: LintProblem, c: ChalkInstance): string[] {
  const label = p.severity === 'error' ? c.red('error  ') : c.yellow('warning')
  const lines = [`${label} ${p.check.padEnd(20)} ${c.bold(p.resource)}: ${p.message}`]
  if (p.hint) lines.push(c.dim(`        ${''.padEnd(20)} hint: ${p.hint}`))
  return lines
}
