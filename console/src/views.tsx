// The Send, Registry and Dead letters views.
import {useEffect, useState} from 'preact/hooks'
import type {EventsAnswer, MeshStatus, SendAnswer} from '../../src/core/api.js'
import type {Registry} from '../../src/core/registry/registry.js'
import {api} from './api.js'
import {EventDetail} from './events.js'

/** Where the form can send: every broker, channel, sequence and parallel, in kn's sink grammar. */
function destinations(status: MeshStatus | undefined): {value: string; label: string}[] {
  if (!status) return []
  return [
    ...status.brokers.map((b) => ({value: `broker:${b.name}:${b.namespace}`, label: `Broker ${b.namespace}/${b.name}`})),
    ...status.channels
      .filter((c) => !c.owner)
      .map((c) => ({value: `channel:${c.name}:${c.namespace}`, label: `${c.kind} ${c.namespace}/${c.name}`})),
    ...status.sequences.map((s) => ({value: `sequence:${s.name}:${s.namespace}`, label: `Sequence ${s.namespace}/${s.name}`})),
    ...status.parallels.map((p) => ({value: `parallel:${p.name}:${p.namespace}`, label: `Parallel ${p.namespace}/${p.name}`})),
  ]
}

function useRegistry(reloads: number): {registry?: Registry; error?: string} {
  const [state, setState] = useState<{registry?: Registry; error?: string}>({})
  useEffect(() => {
    api.registry().then(
      (registry) => setState({registry}),
      (error: Error) => setState({error: error.message}),
    )
  }, [reloads])
  return state
}

interface SendForm {
  to: string
  type: string
  source: string
  subject: string
  datacontenttype: string
  extensions: string
  data: string
}

export function Send({status, reloads}: {status: MeshStatus | undefined; reloads: number}) {
  const targets = destinations(status)
  const {registry} = useRegistry(reloads)
  const [form, setForm] = useState<SendForm>({
    to: '',
    type: '',
    source: 'kne-console',
    subject: '',
    datacontenttype: 'application/json',
    extensions: '',
    data: '{}',
  })
  const [result, setResult] = useState<SendAnswer | undefined>()
  const [error, setError] = useState<string | undefined>()
  const [sending, setSending] = useState(false)
  const to = form.to || targets[0]?.value || ''
  const set = (name: keyof SendForm) => (event: Event) => setForm({...form, [name]: (event.target as HTMLInputElement).value})
  const pickType = (event: Event): void => prefill((event.target as HTMLInputElement).value)
  const prefill = (type: string): void => {
    const entry = registry?.entries.find((e) => e.type === type)
    const example = entry?.example
    if (!entry || !example) return setForm({...form, type})
    const data =
      example.data === undefined ? form.data : typeof example.data === 'string' ? example.data : JSON.stringify(example.data, null, 2)
    setForm({
      ...form,
      type,
      source: typeof example.source === 'string' ? example.source : form.source,
      datacontenttype: typeof example.datacontenttype === 'string' ? example.datacontenttype : form.datacontenttype,
      data,
    })
  }
  // the first known type with an example fills the empty form
  useEffect(() => {
    const entry = registry?.entries.find((e) => e.example !== undefined)
    if (entry && form.type === '') prefill(entry.type)
  }, [registry])
  const submit = async (event: Event): Promise<void> => {
    event.preventDefault()
    setSending(true)
    setError(undefined)
    const extensions: Record<string, string> = {}
    for (const line of form.extensions.split('\n')) {
      const eq = line.indexOf('=')
      if (line.trim() === '') continue
      if (eq <= 0) {
        setSending(false)
        return setError(`extension "${line}": expected NAME=VALUE`)
      }
      extensions[line.slice(0, eq).trim()] = line.slice(eq + 1).trim()
    }
    try {
      const answer = await api.send({
        to,
        event: {
          type: form.type,
          source: form.source || undefined,
          subject: form.subject || undefined,
          datacontenttype: form.datacontenttype || undefined,
          extensions,
          data: form.data === '' ? undefined : form.data,
        },
      })
      setResult(answer)
    } catch (err) {
      setError((err as Error).message)
      setResult(undefined)
    } finally {
      setSending(false)
    }
  }
  return (
    <div class="send">
      <form class="send-form" onSubmit={(event) => void submit(event)} aria-label="Send an event">
        <label>
          To
          <select name="to" value={to} onChange={set('to')} required>
            {targets.map((t) => (
              <option key={t.value} value={t.value}>
                {t.label}
              </option>
            ))}
          </select>
        </label>
        <label>
          Type
          <input name="type" list="known-types" value={form.type} onInput={pickType} required placeholder="com.example.order.created" />
          <datalist id="known-types">
            {[...new Set(registry?.entries.map((e) => e.type))].map((type) => (
              <option key={type} value={type} />
            ))}
          </datalist>
        </label>
        <label>
          Source
          <input name="source" value={form.source} onInput={set('source')} />
        </label>
        <label>
          Subject
          <input name="subject" value={form.subject} onInput={set('subject')} />
        </label>
        <label>
          Content type
          <input name="datacontenttype" value={form.datacontenttype} onInput={set('datacontenttype')} />
        </label>
        <label>
          Extensions (NAME=VALUE, one a line)
          <textarea name="extensions" rows={2} value={form.extensions} onInput={set('extensions')} />
        </label>
        <label>
          Data
          <textarea name="data" rows={8} value={form.data} onInput={set('data')} class="mono" />
        </label>
        <button type="submit" disabled={sending || to === ''}>
          {sending ? 'Sending…' : 'Send'}
        </button>
        {error && (
          <p class="bad" role="alert">
            {error}
          </p>
        )}
      </form>
      <section class="send-result" aria-live="polite" aria-label="Result">
        {result ? (
          <>
            <p class={result.status < 300 ? 'ok' : 'bad'}>
              {result.url} answered {result.status}
              {result.error ? `: ${result.error}` : ''}
              {result.arrival !== undefined ? (
                <>
                  {' '}
                  — <a href={`#/events/${result.arrival}`}>arrival {result.arrival}</a>
                </>
              ) : (
                ''
              )}
            </p>
            {result.arrival !== undefined && <EventDetail arrival={result.arrival} />}
          </>
        ) : (
          <p class="muted">The result and the event's path appear here.</p>
        )}
      </section>
    </div>
  )
}

export function RegistryView({reloads}: {reloads: number}) {
  const [tick, setTick] = useState(0)
  const {registry, error} = useRegistry(reloads + tick)
  if (error) return <p class="bad">{error}</p>
  if (!registry) return <p class="muted">Loading the registry…</p>
  return (
    <div class="registry">
      <p>
        {registry.entries.length} event types: declared (EventTypes), provided by sources, and observed by the mesh.{' '}
        <button type="button" onClick={() => setTick(tick + 1)}>
          Refresh
        </button>
      </p>
      {registry.problems.length > 0 && (
        <ul class="bad">
          {registry.problems.map((p) => (
            <li key={p}>{p}</li>
          ))}
        </ul>
      )}
      {registry.entries.map((entry) => (
        <details key={`${entry.type} ${entry.broker ?? ''}`} class="registry-entry">
          <summary>
            <strong>{entry.type}</strong> <span class="muted">{entry.origins.join(', ')}</span>
            {entry.broker ? <span class="muted"> · {entry.broker}</span> : null}
            {entry.observed ? <span class="muted"> · seen {entry.observed.count}</span> : null}
          </summary>
          {entry.description && <p>{entry.description}</p>}
          <p>
            Producers: {entry.producers.length ? entry.producers.map((p) => `${p.kind} ${p.name}`).join(', ') : 'none known'}
            <br />
            Consumers: {entry.consumers.length ? entry.consumers.map((c) => `${c.trigger} (${c.verdict})`).join(', ') : 'none'}
          </p>
          {entry.notes.length > 0 && (
            <ul>
              {entry.notes.map((n) => (
                <li key={n}>{n}</li>
              ))}
            </ul>
          )}
          {entry.schema && (
            <>
              <h3>Schema ({entry.schemaOrigin})</h3>
              <pre class="data">{JSON.stringify(entry.schema, null, 2)}</pre>
            </>
          )}
          {entry.example && (
            <>
              <h3>Example ({entry.exampleOrigin})</h3>
              <pre class="data">{JSON.stringify(entry.example, null, 2)}</pre>
            </>
          )}
        </details>
      ))}
    </div>
  )
}

export function DeadLetters() {
  const [answer, setAnswer] = useState<EventsAnswer | undefined>()
  const [error, setError] = useState<string | undefined>()
  const [message, setMessage] = useState<string | undefined>()
  const load = (): void => {
    api
      .events(
        new URLSearchParams([
          ['outcome', 'dead-lettered'],
          ['outcome', 'failed'],
          ['limit', '500'],
        ]),
      )
      .then(
        (a) => {
          setAnswer(a)
          setError(undefined)
        },
        (e: Error) => setError(e.message),
      )
  }
  useEffect(() => {
    load()
    const timer = setInterval(load, 2000)
    return () => clearInterval(timer)
  }, [])
  const redeliver = async (arrival: number): Promise<void> => {
    try {
      const result = await api.redeliver([arrival])
      const sent = result.redeliveries.filter((r) => r.redelivery !== undefined)
      const failed = result.redeliveries.filter((r) => r.error !== undefined)
      setMessage(
        `arrival ${arrival}: ${sent.length} redelivered${sent.length ? ` as arrival ${sent.map((r) => r.redelivery).join(', ')}` : ''}${
          failed.length ? `; ${failed.map((r) => r.error).join('; ')}` : ''
        }`,
      )
      load()
    } catch (err) {
      setMessage((err as Error).message)
    }
  }
  if (error) return <p class="bad">{error}</p>
  if (!answer) return <p class="muted">Loading…</p>
  const canRedeliver = answer.from === 'log'
  return (
    <div class="dead-letters">
      <p>
        {answer.matched} events dead-lettered or failed (from the mesh's {answer.from === 'log' ? 'event log' : 'history'}).
        {canRedeliver ? '' : ' Redeliver needs the event log: start kne dev with --persist.'}
      </p>
      {message && (
        <p class="redelivered" aria-live="polite">
          {message}
        </p>
      )}
      <table>
        <thead>
          <tr>
            <th scope="col">#</th>
            <th scope="col">type</th>
            <th scope="col">broker / channel</th>
            <th scope="col">deliveries</th>
            <th scope="col">
              <span class="visually-hidden">actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {answer.events.map((e) => (
            <tr key={e.arrival}>
              <td>
                <a href={`#/events/${e.arrival}`}>{e.arrival}</a>
              </td>
              <td>{e.type}</td>
              <td>{e.broker ?? e.channel}</td>
              <td>
                {e.deliveries
                  .filter((d) => d.outcome === 'dead-lettered' || d.outcome === 'failed')
                  .map(
                    (d) =>
                      `${d.trigger ?? d.subscription}: ${String(d.outcome)}${d.status !== undefined ? ` (${d.status})` : ''}${d.error ? ` ${d.error}` : ''}`,
                  )
                  .join('; ')}
              </td>
              <td>
                {canRedeliver && (
                  <button type="button" aria-label={`Redeliver arrival ${e.arrival}`} onClick={() => void redeliver(e.arrival)}>
                    Redeliver
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}
