// Child processes of a benchmark: started at raised priority (`nice -n -10`) and pinned to a core
// (`taskset`) when the machine allows it, talked to over an IPC channel, always stopped by their own pid.
import {spawn, spawnSync} from 'node:child_process'
import {cpus} from 'node:os'

/** What this machine lets the harness do: checked once, recorded in the results. */
export function detectPlacement({pin}) {
  const nice = spawnSync('nice', ['-n', '-10', 'true'], {encoding: 'utf8'})
  const canNice = nice.status === 0 && (nice.stderr ?? '') === ''
  const taskset = spawnSync('taskset', ['-c', '0', 'true'], {encoding: 'utf8'})
  const canPin = pin && taskset.status === 0 && cpus().length >= 2
  return {
    nice: canNice ? -10 : 0,
    pinned: canPin,
    // the driver (sender + sink) and helper clients on one core, the system under test alone on the other
    cores: canPin ? {driver: 0, sut: 1} : undefined,
  }
}

/** The command prefix that applies priority and core placement to `node …`. */
export function wrap(placement, role, argv) {
  const prefix = []
  if (placement.nice !== 0) prefix.push('nice', '-n', String(placement.nice))
  if (placement.pinned) prefix.push('taskset', '-c', String(placement.cores[role === 'sut' ? 'sut' : 'driver']))
  return [...prefix, ...argv]
}

/** Starts `node <script>`, with an IPC channel unless told otherwise; stdout is piped when asked (kne dev prints its URL there). */
export function startNode(
  placement,
  role,
  script,
  args = [],
  {env, nodeFlags = [], stdout = 'inherit', stderr = 'inherit', ipc = true} = {},
) {
  const [command, ...rest] = wrap(placement, role, [process.execPath, ...nodeFlags, script, ...args])
  const stdio = ipc ? ['ignore', stdout, stderr, 'ipc'] : ['ignore', stdout, stderr]
  const child = spawn(command, rest, {stdio, env: {...process.env, ...env}})
  child.exitedPromise = new Promise((resolve) => child.once('exit', (code, signal) => resolve({code, signal})))
  return child
}

/** The next IPC message of a kind; rejects if the child exits first or nothing comes in time. */
export function nextMessage(child, kind, timeoutMs = 30_000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => finish(new Error(`no '${kind}' message from pid ${child.pid} within ${timeoutMs} ms`)), timeoutMs)
    const onMessage = (message) => {
      if (message?.kind === kind) finish(undefined, message)
      else if (message?.kind === 'error') finish(new Error(`pid ${child.pid}: ${message.error}`))
    }
    const onExit = (code, signal) => finish(new Error(`pid ${child.pid} exited (${code ?? signal}) before sending '${kind}'`))
    function finish(error, message) {
      clearTimeout(timer)
      child.off('message', onMessage)
      child.off('exit', onExit)
      if (error) reject(error)
      else resolve(message)
    }
    child.on('message', onMessage)
    child.once('exit', onExit)
  })
}

/** Asks a child to stop over IPC, waits for it, and kills it (by its pid) if it does not go. */
export async function stopChild(child, message = {kind: 'stop'}, timeoutMs = 5000) {
  if (child.exitCode !== null || child.signalCode !== null) return
  try {
    if (child.connected) child.send(message)
  } catch {
    // the channel closed: the child is on its way out
  }
  const exited = await Promise.race([child.exitedPromise.then(() => true), new Promise((r) => setTimeout(() => r(false), timeoutMs))])
  if (!exited) {
    child.kill('SIGKILL')
    await child.exitedPromise
  }
}
