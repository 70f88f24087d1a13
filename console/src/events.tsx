// The Live events view (a virtualised list: only the rows in sight are in the DOM) and an event's detail:
// attributes, data, each trigger's decision and why, every attempt, replies and the dead-letter sink.
import {useEffect, useMemo, useRef, useState} from 'preact/hooks'
import type {ActivityJson} from '../../src/core/activity.js'
import type {EventDetail as Detail} from '../../src/core/api.js'
import type {FilterExplanation, FilterExplanationNode} from '../../src/core/filters/types.js'
import {api} from './api.js'
import {filterRows, NO_FILTER, rowOutcome, type EventRow, type EventStore, type RowFilter} from './store.js'

const ROW_HEIGHT = 30
const OVERSCAN = 8
const OUTCOMES = ['', 'delivered', 'replied', 'dead-lettered', 'failed', 'pending', 'no match', 'rejected', 'not found']

export function LiveEvents({store, version, selected}: {store: EventStore; version: number; selected: number | undefined}) {
  const [filter, setFilter] = useState<RowFilter>(NO_FILTER)
  const [paused, setPaused] = useState<{rows: EventRow[]} | undefined>()
  const [scrollTop, setScrollTop] = useState(0)
  const [viewport, setViewport] = useState(600)
  const list = useRef<HTMLDivElement>(null)
  const source = paused?.rows ?? store.rows
  // `version` says the store's rows changed in place
  const rows = useMemo(() => filterRows(source, filter), [source, filter, paused ? 0 : version])
  useEffect(() => {
    const element = list.current
    if (!element) return
    const observer = new ResizeObserver(() => setViewport(element.clientHeight))
    observer.observe(element)
    return () => observer.disconnect()
  }, [])
  const first = Math.max(0, Math.floor(scrollTop / ROW_HEIGHT) - OVERSCAN)
  const last = Math.min(rows.length, Math.ceil((scrollTop + viewport) / ROW_HEIGHT) + OVERSCAN)
  const visible: EventRow[] = []
  // newest first
  for (let i = first; i < last; i++) visible.push(rows[rows.length - 1 - i]!)
  const field = (name: keyof RowFilter, label: string) => (
    <label>
      {label}
      <input
        type="search"
        name={name}
        value={filter[name]}
        onInput={(event) => setFilter({...filter, [name]: (event.target as HTMLInputElement).value})}
      />
    </label>
  )
  return (
    <div class="events">
      <div class="events-list">
        <form class="filters" aria-label="Filter events" onSubmit={(event) => event.preventDefault()}>
          {field('type', 'Type')}
          {field('source', 'Source')}
          {field('broker', 'Broker')}
          {field('trigger', 'Trigger')}
          <label>
            Outcome
            <select
              name="outcome"
              value={filter.outcome}
              onChange={(event) => setFilter({...filter, outcome: (event.target as HTMLSelectElement).value})}
            >
              {OUTCOMES.map((o) => (
                <option key={o} value={o}>
                  {o === '' ? 'any' : o}
                </option>
              ))}
            </select>
          </label>
          <button type="button" aria-pressed={paused !== undefined} onClick={() => setPaused(paused ? undefined : {rows: [...store.rows]})}>
            {paused ? 'Resume' : 'Pause'}
          </button>
        </form>
        <p class="muted count" aria-live="polite">
          {rows.length} of {source.length} events{paused ? ' (paused)' : ''}
        </p>
        <div class="header-row" aria-hidden="true">
          <span>#</span>
          <span>time</span>
          <span>type</span>
          <span>source</span>
          <span>broker / channel</span>
          <span>outcome</span>
        </div>
        <div class="rows" ref={list} onScroll={(event) => setScrollTop((event.target as HTMLDivElement).scrollTop)} aria-label="Events">
          <div style={{height: `${rows.length * ROW_HEIGHT}px`, position: 'relative'}}>
            {visible.map((row, i) => {
              const outcome = rowOutcome(row)
              return (
                <a
                  key={row.arrival}
                  class={`row${row.arrival === selected ? ' selected' : ''}`}
                  href={`#/events/${row.arrival}`}
                  style={{top: `${(first + i) * ROW_HEIGHT}px`}}
                  data-arrival={row.arrival}
                >
                  <span>{row.refused ? '–' : row.arrival}</span>
                  <span>{row.at.slice(11, 23)}</span>
                  <span title={row.type}>{row.type}</span>
                  <span title={row.source}>{row.source}</span>
                  <span>{row.broker ?? row.channel ?? ''}</span>
                  <span class={`outcome outcome-${outcome.replace(' ', '-')}`}>{outcome}</span>
                </a>
              )
            })}
          </div>
        </div>
      </div>
      <section class="event-detail" aria-label="Event detail">
        {selected === undefined ? (
          <p class="muted">Select an event to see its attributes, data and path.</p>
        ) : selected < 0 ? (
          <RefusedDetail row={store.get(selected)} />
        ) : (
          <EventDetail arrival={selected} />
        )}
      </section>
    </div>
  )
}

/** A request ingress refused: what it was sent to and why (it never became an arrival, so it has no path). */
function RefusedDetail({row}: {row: EventRow | undefined}) {
  if (!row?.refused) return <p class="muted">That request is no longer in the list.</p>
  return (
    <div class="detail">
      <h2>
        {row.type} <span class="muted">refused with {row.refused.status}</span>
      </h2>
      <p class="bad">{row.refused.error}</p>
      <p>
        {row.refused.path ? `posted to ${row.refused.path}` : `at ${row.broker ?? row.channel ?? '?'}`}
        {row.id ? ` · id ${row.id}` : ''}
        {row.source ? ` · source ${row.source}` : ''} · {row.at}
      </p>
    </div>
  )
}

/** An arrival's detail, read again every second until every delivery has its outcome. */
export function EventDetail({arrival}: {arrival: number}) {
  const [detail, setDetail] = useState<Detail | undefined>()
  const [error, setError] = useState<string | undefined>()
  useEffect(() => {
    let stopped = false
    let timer: ReturnType<typeof setTimeout> | undefined
    setDetail(undefined)
    setError(undefined)
    const load = async (): Promise<void> => {
      try {
        const answer = await api.event(arrival)
        const found = answer.events.find((e) => e.summary.arrival === arrival)
        if (stopped) return
        setDetail(found)
        setError(undefined)
        if (found?.summary.settled) return
      } catch (err) {
        if (stopped) return
        setError((err as Error).message)
      }
      timer = setTimeout(() => void load(), 1000)
    }
    void load()
    return () => {
      stopped = true
      clearTimeout(timer)
    }
  }, [arrival])
  if (error) return <p class="bad">{error}</p>
  if (!detail) return <p class="muted">Loading arrival {arrival}…</p>
  const {summary, event} = detail
  return (
    <div class="detail">
      <h2>
        {summary.type} <span class="muted">arrival {summary.arrival}</span>
      </h2>
      <p>
        {summary.broker ? `broker ${summary.broker}` : `channel ${summary.channel ?? '?'}`} · {summary.via} ·{' '}
        {summary.settled ? 'settled' : 'deliveries under way'}
      </p>
      <h3>Deliveries</h3>
      {summary.deliveries.length === 0 ? (
        <p class="muted">No trigger or subscription took it.</p>
      ) : (
        <ul class="deliveries">
          {summary.deliveries.map((d) => (
            <li key={d.trigger ?? d.subscription}>
              <strong>{d.trigger ?? d.subscription}</strong>:{' '}
              <span class={`outcome outcome-${String(d.outcome)}`}>{String(d.outcome)}</span> after {d.attempts} attempt(s)
              {d.status !== undefined ? `, status ${d.status}` : ''}
              {d.error ? `, ${d.error}` : ''}
            </li>
          ))}
        </ul>
      )}
      {detail.explanation && (
        <>
          <h3>Triggers of {detail.explanation.broker}</h3>
          {detail.explanation.triggers.length === 0 && <p class="muted">The broker has no triggers: the event went nowhere.</p>}
          <ul class="explanations">
            {detail.explanation.triggers.map((t) => (
              <li key={t.trigger} class={t.explanation.delivers ? 'matched' : 'not-matched'}>
                <strong>{t.trigger}</strong> {t.explanation.delivers ? 'matched' : 'did not match'}
                {t.ready ? '' : ' (trigger not Ready)'}: {t.explanation.reason}
                <Explanation explanation={t.explanation} />
              </li>
            ))}
          </ul>
        </>
      )}
      <h3>Path</h3>
      <ol class="path">
        {detail.path.map((record) => (
          <li key={record.seq}>
            <PathStep record={record} arrival={arrival} />
          </li>
        ))}
      </ol>
      <h3>Attributes</h3>
      {event ? <Attributes event={event} /> : <p class="muted">Its record is no longer kept.</p>}
      <h3>Data</h3>
      {event ? <Data event={event} truncated={detail.dataTruncated === true} /> : null}
    </div>
  )
}

function Explanation({explanation}: {explanation: FilterExplanation}) {
  if (!explanation.root) return null
  return <ul class="checks">{renderNode(explanation.root)}</ul>
}

function renderNode(node: FilterExplanationNode) {
  const head = (
    <>
      <code>{node.path}</code> {node.dialect} → {node.result}
      {'shortCircuited' in node && node.shortCircuited ? ' (not reached by Knative)' : ''}
    </>
  )
  switch (node.dialect) {
    case 'skipped':
      return (
        <li>
          <code>{node.path}</code> skipped: {node.reason}
        </li>
      )
    case 'attributes':
    case 'exact':
    case 'prefix':
    case 'suffix':
      return (
        <li>
          {head}
          <ul>
            {node.checks.map((check) => (
              <li key={check.name} class={check.matched ? 'ok' : 'bad'}>
                {check.matched ? '✓' : '✗'} {check.name}: wants {JSON.stringify(check.expected)}, saw{' '}
                {check.actual === null ? '(absent)' : JSON.stringify(check.actual)}
                {check.note ? ` — ${check.note}` : ''}
              </li>
            ))}
          </ul>
        </li>
      )
    case 'cesql':
      return (
        <li>
          {head}: <code>{node.expression}</code>
          {node.value === undefined ? '' : ` = ${JSON.stringify(node.value)}`}
          {node.errors.map((e) => (
            <div key={e.message} class="bad">
              {e.kind}: {e.message}
            </div>
          ))}
        </li>
      )
    case 'not':
      return (
        <li>
          {head}
          <ul>{renderNode(node.child)}</ul>
        </li>
      )
    case 'all':
    case 'any':
      return (
        <li>
          {head}
          <ul>{node.children.map((child) => renderNode(child))}</ul>
        </li>
      )
  }
}

function PathStep({record, arrival}: {record: ActivityJson; arrival: number}) {
  const who = 'trigger' in record && record.trigger ? record.trigger : 'subscription' in record ? (record.subscription ?? '') : ''
  switch (record.kind) {
    case 'event': {
      const link =
        record.arrival === arrival ? `arrival ${record.arrival}` : <a href={`#/events/${record.arrival}`}>arrival {record.arrival}</a>
      const why = record.replyTo
        ? `reply of ${record.replyTo.trigger ?? record.replyTo.subscription} to arrival ${record.replyTo.arrival}`
        : record.redelivers
          ? `redelivery of arrival ${record.redelivers.arrival}`
          : record.from
            ? `sent on by ${record.from.trigger ?? record.from.subscription}`
            : 'from a producer'
      return (
        <>
          {link}: {record.type} at {record.broker ?? record.channel} ({why})
          {record.matched ? ` — matched ${record.matched.length ? record.matched.join(', ') : 'no trigger'}` : ''}
        </>
      )
    }
    case 'attempt':
      return (
        <>
          attempt {record.attempt} for <strong>{who}</strong> to {record.target === 'subscriber' ? '' : `${record.target} `}
          <code>{record.url}</code>:{' '}
          <span class={record.status !== undefined && record.status < 300 ? 'ok' : 'bad'}>
            {record.status !== undefined ? `status ${record.status}` : (record.error ?? 'no answer')}
          </span>{' '}
          in {record.durationMs} ms
          {record.nextDelayMs !== undefined ? `, next in ${(record.nextDelayMs / 1000).toFixed(1)} s` : ''}
        </>
      )
    case 'outcome':
      return (
        <>
          <strong>{who}</strong>: <span class={`outcome outcome-${record.outcome}`}>{record.outcome}</span>
          {record.status !== undefined ? ` (${record.status})` : ''}
          {record.error ? ` — ${record.error}` : ''}
          {record.replyArrival !== undefined && (
            <>
              {' '}
              → reply <a href={`#/events/${record.replyArrival}`}>arrival {record.replyArrival}</a>
            </>
          )}
          {record.replyDropped ? ' (reply dropped: no reply destination)' : ''}
        </>
      )
    case 'settled':
      return <>settled: every delivery has its outcome</>
    case 'resumed':
      return (
        <>
          resumed after a restart for <strong>{who}</strong>, attempt {record.attempt}
        </>
      )
    default:
      return <>{record.kind}</>
  }
}

function Attributes({event}: {event: Record<string, unknown>}) {
  const names = Object.keys(event).filter((name) => name !== 'data' && name !== 'data_base64')
  return (
    <table class="attributes">
      <tbody>
        {names.map((name) => (
          <tr key={name}>
            <th scope="row">{name}</th>
            <td>
              <code>{typeof event[name] === 'string' ? event[name] : JSON.stringify(event[name])}</code>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}

/** Bytes as a hex dump: offset, 16 bytes, and their printable characters. */
export function hexDump(bytes: Uint8Array, max = 4096): string {
  const lines: string[] = []
  for (let offset = 0; offset < Math.min(bytes.length, max); offset += 16) {
    const chunk = bytes.subarray(offset, offset + 16)
    const hex = [...chunk].map((b) => b.toString(16).padStart(2, '0')).join(' ')
    const text = [...chunk].map((b) => (b >= 32 && b < 127 ? String.fromCharCode(b) : '.')).join('')
    lines.push(`${offset.toString(16).padStart(8, '0')}  ${hex.padEnd(47)}  ${text}`)
  }
  if (bytes.length > max) lines.push(`… ${bytes.length - max} more bytes`)
  return lines.join('\n')
}

function Data({event, truncated}: {event: Record<string, unknown>; truncated: boolean}) {
  let text: string
  if (typeof event.data_base64 === 'string') {
    const binary = atob(event.data_base64)
    text = hexDump(Uint8Array.from(binary, (c) => c.charCodeAt(0)))
  } else if (event.data === undefined) text = '(no data)'
  else if (typeof event.data === 'string') text = event.data
  else text = JSON.stringify(event.data, null, 2)
  return (
    <>
      {truncated && <p class="muted">The history kept only the start of its data (kne dev --persist keeps events whole).</p>}
      <pre class="data">{text}</pre>
    </>
  )
}
