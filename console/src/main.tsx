// kne's web console: one page served by the mesh at /_kne/ui/, talking only to the control API.
import {render} from 'preact'
import {useEffect, useState} from 'preact/hooks'
import type {MeshResources, MeshStatus, ReloadsAnswer} from '../../src/core/api.js'
import {api, followActivity} from './api.js'
import {LiveEvents} from './events.js'
import {EventStore} from './store.js'
import {Topology} from './topology.js'
import {DeadLetters, RegistryView, Send} from './views.js'

const VIEWS = [
  ['topology', 'Topology'],
  ['events', 'Live events'],
  ['send', 'Send'],
  ['registry', 'Registry'],
  ['dead-letters', 'Dead letters'],
] as const
type View = (typeof VIEWS)[number][0]

function route(): {view: View; arrival?: number} {
  const [, view, arrival] = location.hash.split('/')
  const known = VIEWS.find(([name]) => name === view)?.[0] ?? 'topology'
  return {view: known, arrival: arrival !== undefined && /^-?\d+$/.test(arrival) ? Number(arrival) : undefined}
}

const store = new EventStore()

function App() {
  const [where, setWhere] = useState(route())
  const [status, setStatus] = useState<MeshStatus | undefined>()
  const [resources, setResources] = useState<MeshResources | undefined>()
  const [reloads, setReloads] = useState<ReloadsAnswer>({count: 0, problems: []})
  const [problem, setProblem] = useState<string | undefined>()
  const [connected, setConnected] = useState(false)
  const [version, setVersion] = useState(0)

  useEffect(() => {
    const onHash = (): void => setWhere(route())
    addEventListener('hashchange', onHash)
    return () => removeEventListener('hashchange', onHash)
  }, [])

  // status every second: Ready states and counters; the resources again whenever the manifests were reloaded
  useEffect(() => {
    let stopped = false
    let seenReloads = -1
    let startedAt: string | undefined
    const poll = async (): Promise<void> => {
      try {
        const [next, reloaded] = await Promise.all([api.status(), api.reloads()])
        if (stopped) return
        // another mesh on this port: its arrival numbers start again, so the page starts again too
        if (startedAt !== undefined && next.startedAt !== startedAt) return location.reload()
        startedAt = next.startedAt
        setStatus(next)
        setProblem(undefined)
        if (reloaded.count !== seenReloads) {
          seenReloads = reloaded.count
          setReloads(reloaded)
          setResources(await api.resources())
        }
      } catch (error) {
        if (!stopped) setProblem(`the mesh does not answer: ${(error as Error).message}`)
      }
    }
    void poll()
    const timer = setInterval(() => void poll(), 1000)
    return () => {
      stopped = true
      clearInterval(timer)
    }
  }, [])

  // one activity stream for the page; the list draws at most once a frame
  useEffect(() => {
    let frame: number | undefined
    return followActivity((records) => {
      store.add(records)
      frame ??= requestAnimationFrame(() => {
        frame = undefined
        setVersion(store.version)
      })
    }, setConnected)
  }, [])

  const {problems} = reloads
  return (
    <>
      <header>
        <h1>kne</h1>
        <nav aria-label="Views">
          {VIEWS.map(([name, label]) => (
            <a key={name} href={`#/${name}`} aria-current={where.view === name ? 'page' : undefined}>
              {label}
            </a>
          ))}
        </nav>
        <span class={`connection ${connected ? 'ok' : 'bad'}`} role="status">
          {connected ? `live · ${status?.url ?? ''}` : 'not connected'}
        </span>
      </header>
      {problem && (
        <p class="banner bad" role="alert">
          {problem}
        </p>
      )}
      {problems.length > 0 && (
        <section class="banner bad manifest-problems" role="alert" aria-label="Manifest problems">
          <strong>
            The manifests have {problems.length} problem(s); the last good version of each file stays in force until it is fixed:
          </strong>
          <ul>
            {problems.map((p, i) => (
              <li key={i}>
                <code>{p.file}</code>
                {p.resource ? ` ${p.resource}` : ''}
                {p.field ? ` ${p.field}` : ''}: {p.message}
              </li>
            ))}
          </ul>
        </section>
      )}
      <main>
        {where.view === 'topology' && <Topology status={status} resources={resources} />}
        {where.view === 'events' && <LiveEvents store={store} version={version} selected={where.arrival} />}
        {where.view === 'send' && <Send status={status} reloads={reloads.count} />}
        {where.view === 'registry' && <RegistryView reloads={reloads.count} />}
        {where.view === 'dead-letters' && <DeadLetters />}
      </main>
    </>
  )
}

render(<App />, document.getElementById('app')!)
