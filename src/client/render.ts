// Human-readable lines for activity records: one line per event, per delivery attempt and per outcome.
// Colour only on a TTY, never when NO_COLOR is set.
import {Chalk, type ChalkInstance} from 'chalk'
import type {ActivityJson} from '../core/activity.js'

export function colors(stream: NodeJS.WriteStream = process.stdout, env: NodeJS.ProcessEnv = process.env): ChalkInstance {
  const enabled = stream.isTTY === true && (env.NO_COLOR === undefined || env.NO_COLOR === '')
  return new Chalk({level: enabled ? 1 : 0})
}

function clock(at: string): string {
  return at.slice(11, 23)
}

export function renderActivity(record: ActivityJson, c: ChalkInstance): string {
  const t = c.dim(clock(record.at))
  switch (record.kind) {
    case 'event': {
      const via = record.via === 'reply' ? c.magenta(` reply from ${record.replyTo?.trigger}`) : ''
      return `${t} ${c.bold(record.broker)} ${c.cyan('←')} ${c.bold(record.type)} id=${record.id} source=${record.source}${via}`
    }
    case 'rejected':
      return `${t} ${c.bold(record.broker ?? '-')} ${c.red(`✗ rejected ${record.status}`)}: ${record.error}`
    case 'routed': {
      if (record.matched.length === 0) return `${t}   ${c.yellow('no trigger matched')}${record.notMatched.length ? c.dim(` (filtered out by ${record.notMatched.join(', ')})`) : ''}`
      return `${t}   matched ${record.matched.join(', ')}${record.notMatched.length ? c.dim(` (not: ${record.notMatched.join(', ')})`) : ''}`
    }
    case 'attempt': {
      const ok = record.status !== undefined && record.status >= 200 && record.status < 300
      const result = record.status !== undefined ? `HTTP ${record.status}` : record.error ?? 'no response'
      const target = record.target === 'subscriber' ? '' : ` ${record.target}`
      const next = record.nextDelayMs !== undefined ? c.yellow(`, retry in ${record.nextDelayMs} ms`) : ''
      const detail = record.error && record.status !== undefined ? c.dim(` (${record.error})`) : ''
      return `${t}   ${ok ? c.green('→') : c.red('→')} ${record.trigger}${target} attempt ${record.attempt}: ${ok ? c.green(result) : c.red(result)}${detail} in ${record.durationMs} ms${next}`
    }
    case 'outcome': {
      const color = record.outcome === 'failed' ? c.red : record.outcome === 'dead-lettered' ? c.yellow : c.green
      const detail = record.error ? c.dim(` (${record.error})`) : ''
      return `${t}   ${color(record.outcome)} ${record.trigger}${detail}`
    }
    case 'settled':
      return `${t}   ${c.dim(`settled ${record.type} id=${record.id}`)}`
  }
}
