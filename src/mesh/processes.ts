// Local processes kne runs for a project: services from kne.yaml and ContainerSources. Each one is
// spawned in its own process group, its output passed on line by line under its name, restarted with
// a growing delay whenever it exits (Kubernetes restarts a Deployment's pods whatever their exit code),
// and stopped with SIGTERM, then SIGKILL after a grace period, so that kne leaves no orphans behind.
import {spawn, type ChildProcess} from 'node:child_process'
import {existsSync} from 'node:fs'
import {connect} from 'node:net'
import {Cancellation} from './cancellation.js'
import {realClock} from './clock.js'
import {forEachOutputLine} from './output-lines.js'

export interface ProcessSpec {
  /** What output lines and log lines are prefixed with. */
  name: string
  /** A command line (run by the shell) or an argv list. */
  command: string | string[]
  cwd: string
  /** Variables set over kne's own environment. */
  env: Readonly<Record<string, string>>
}

export interface ProcessOutput {
  process: string
  stream: 'stdout' | 'stderr'
  line: string
}

export interface RestartPolicy {
  /** Wait before the first restart; each further one doubles it. */
  initialDelayMs: number
  maxDelayMs: number
  /** A process that ran this long before exiting is restarted after the initial delay again. */
  resetAfterMs: number
}

/** Restarts come quicker than Kubernetes' CrashLoopBackOff (10 s to 5 min): this is a laptop, not a cluster. */
export const DEFAULT_RESTART_POLICY: RestartPolicy = {initialDelayMs: 1000, maxDelayMs: 30_000, resetAfterMs: 10_000}
export const DEFAULT_STOP_GRACE_MS = 5000

export type ProcessState = 'running' | 'restarting' | 'stopped'

export interface ProcessStatus {
  name: string
  state: ProcessState
  pid?: number
  /** Times it was started again after exiting. */
  restarts: number
  /** How the last run ended: an exit code, a signal, or why it could not start. */
  lastExit?: string
  /** When the next start is due (epoch ms), while restarting. */
  restartAt?: number
}

export interface SupervisorOptions {
  output?: (record: ProcessOutput) => void
  log?: (line: string) => void
  restart?: RestartPolicy
  stopGraceMs?: number
}

/** One supervised process: kept running until stopped. */
export class SupervisedProcess {
  private child: ChildProcess | undefined
  private exited: Promise<void> = Promise.resolve()
  private restartWait: Cancellation | undefined
  private startedAt = 0
  private delayMs: number
  private stopping = false
  private restarts = 0
  private lastExit: string | undefined
  private restartAt: number | undefined

  constructor(
    readonly spec: ProcessSpec,
    private readonly options: Required<SupervisorOptions>,
  ) {
    this.delayMs = options.restart.initialDelayMs
  }

  status(): ProcessStatus {
    const state: ProcessState = this.stopping ? 'stopped' : this.child ? 'running' : 'restarting'
    return {
      name: this.spec.name,
      state,
      restarts: this.restarts,
      ...(this.child?.pid !== undefined ? {pid: this.child.pid} : {}),
      ...(this.lastExit ? {lastExit: this.lastExit} : {}),
      ...(state === 'restarting' && this.restartAt !== undefined ? {restartAt: this.restartAt} : {}),
    }
  }

  get pid(): number | undefined {
    return this.child?.pid
  }

  start(): void {
    if (this.stopping || this.child) return
    const {spec} = this
    const env = {...process.env, ...spec.env}
    const child =
      typeof spec.command === 'string'
        ? spawn(spec.command, {cwd: spec.cwd, env, shell: true, detached: process.platform !== 'win32', stdio: ['ignore', 'pipe', 'pipe']})
        : spawn(spec.command[0]!, spec.command.slice(1), {
            cwd: spec.cwd,
            env,
            detached: process.platform !== 'win32',
            stdio: ['ignore', 'pipe', 'pipe'],
          })
    this.child = child
    this.startedAt = Date.now()
    LIVE.add(this)
    for (const stream of ['stdout', 'stderr'] as const) {
      forEachOutputLine(child[stream], (line) => this.options.output({process: spec.name, stream, line}))
    }
    let settle!: () => void
    this.exited = new Promise((resolve) => (settle = resolve))
    let done = false
    const ended = (how: string): void => {
      if (done) return
      done = true
      this.child = undefined
      LIVE.delete(this)
      this.lastExit = how
      settle()
      if (!this.stopping) this.scheduleRestart(how)
    }
    // Node reports a missing working folder as the command missing: say which it is
    child.once('error', (error) => ended(`could not start: ${existsSync(spec.cwd) ? error.message : `no such folder ${spec.cwd}`}`))
    child.once('exit', (code, signal) => ended(signal ? `killed by ${signal}` : `exit code ${code}`))
    if (child.pid !== undefined) this.options.log(`${spec.name}: started (pid ${child.pid}): ${describeCommand(spec.command)}`)
  }

  private scheduleRestart(how: string): void {
    // a process that ran a while was healthy: its next crash starts the backoff over
    if (Date.now() - this.startedAt >= this.options.restart.resetAfterMs) this.delayMs = this.options.restart.initialDelayMs
    const delay = this.delayMs
    this.delayMs = Math.min(this.delayMs * 2, this.options.restart.maxDelayMs)
    this.restartAt = Date.now() + delay
    this.options.log(`${this.spec.name}: ${how}; restarting in ${formatDelay(delay)}`)
    const wait = (this.restartWait = new Cancellation())
    realClock.sleep(delay, wait).then(
      () => {
        this.restartWait = undefined
        this.restartAt = undefined
        this.restarts++
        this.start()
      },
      () => undefined,
    )
  }

  /** Stops it for good: SIGTERM to its process group, SIGKILL after the grace period. */
  async stop(): Promise<void> {
    this.stopping = true
    this.stopWaiting()
    const child = this.child
    if (!child) return
    signalGroup(child, 'SIGTERM')
    const killer = setTimeout(() => signalGroup(child, 'SIGKILL'), this.options.stopGraceMs)
    await this.exited
    clearTimeout(killer)
    // the shell or the command may have left children of its own in the group
    signalGroup(child, 'SIGKILL')
  }

  private stopWaiting(): void {
    this.restartWait?.abort(new Error('stopped'))
    this.restartWait = undefined
  }

  /** Kills it at once, without waiting (process exit). */
  killNow(): void {
    this.stopping = true
    this.stopWaiting()
    if (this.child) signalGroup(this.child, 'SIGKILL')
  }
}

/** The processes of one owner (a mesh), by key: started, replaced when their spec changes, stopped. */
export class Supervisor {
  private readonly processes = new Map<string, SupervisedProcess>()
  private readonly options: Required<SupervisorOptions>

  constructor(options: SupervisorOptions = {}) {
    this.options = {
      output: options.output ?? writePrefixed,
      log: options.log ?? ((line) => process.stderr.write(`${line}\n`)),
      restart: options.restart ?? DEFAULT_RESTART_POLICY,
      stopGraceMs: options.stopGraceMs ?? DEFAULT_STOP_GRACE_MS,
    }
  }

  get(key: string): SupervisedProcess | undefined {
    return this.processes.get(key)
  }

  keys(): string[] {
    return [...this.processes.keys()]
  }

  /** Runs `spec` under `key`; a process already there with another spec is stopped first. */
  async ensure(key: string, spec: ProcessSpec): Promise<SupervisedProcess> {
    const current = this.processes.get(key)
    if (current && sameSpec(current.spec, spec)) return current
    if (current) {
      this.processes.delete(key)
      await current.stop()
    }
    const supervised = new SupervisedProcess(spec, this.options)
    this.processes.set(key, supervised)
    supervised.start()
    return supervised
  }

  async remove(key: string): Promise<void> {
    const current = this.processes.get(key)
    if (!current) return
    this.processes.delete(key)
    await current.stop()
  }

  async stopAll(): Promise<void> {
    const all = [...this.processes.values()]
    this.processes.clear()
    await Promise.all(all.map((p) => p.stop()))
  }
}

function sameSpec(a: ProcessSpec, b: ProcessSpec): boolean {
  return (
    JSON.stringify([a.name, a.command, a.cwd, Object.entries(a.env).sort()]) ===
    JSON.stringify([b.name, b.command, b.cwd, Object.entries(b.env).sort()])
  )
}

export function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return
  try {
    // detached: the child leads its own group, so the signal reaches everything the command started
    if (process.platform !== 'win32') process.kill(-child.pid, signal)
    else child.kill(signal)
  } catch {
    // already gone
  }
}

/** `[name] line`, stdout to stdout and stderr to stderr. */
export function writePrefixed(record: ProcessOutput): void {
  ;(record.stream === 'stdout' ? process.stdout : process.stderr).write(`${prefixedLine(record)}\n`)
}

/** A process's output line under its name: `[name] line`. */
export function prefixedLine(record: ProcessOutput): string {
  return `[${record.process}] ${record.line}`
}

/** How often a port is tried while waiting for a process to listen on it. */
const LISTEN_POLL_MS = 50

/**
 * Resolves true once something accepts connections on `host:port`; false when `timeoutMs` passes first, or
 * as soon as `running()` says the process that should listen is gone.
 */
export async function waitForListening(
  port: number,
  options: {timeoutMs: number; host?: string; running?: () => boolean},
): Promise<boolean> {
  const deadline = Date.now() + options.timeoutMs
  for (;;) {
    if (await accepts(options.host ?? '127.0.0.1', port)) return true
    if (Date.now() >= deadline || options.running?.() === false) return false
    await new Promise((resolve) => setTimeout(resolve, Math.min(LISTEN_POLL_MS, Math.max(0, deadline - Date.now()))))
  }
}

function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({host, port})
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => {
      socket.destroy()
      resolve(false)
    })
  })
}

export function describeCommand(command: string | string[]): string {
  return typeof command === 'string' ? command : command.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : JSON.stringify(a))).join(' ')
}

function formatDelay(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`
}

// Whatever ends kne (an uncaught error, process.exit on a second Ctrl-C), its children go with it.
const LIVE = new Set<SupervisedProcess>()
process.on('exit', () => {
  for (const p of LIVE) p.killNow()
})
