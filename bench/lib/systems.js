// The processes of a benchmark run: the driver (sender + subscriber sink), the system under test (the relay
// baseline or kne) and helper clients (tail streams).
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {createInterface} from 'node:readline'
import {fileURLToPath} from 'node:url'
import {benchManifests} from './manifests.js'
import {nextMessage, startNode, stopChild} from './procs.js'

const BENCH = fileURLToPath(new URL('..', import.meta.url))
const REPO = fileURLToPath(new URL('../..', import.meta.url))

/**
 * The node flags kne runs with: those of bin/run.js's shebang (`kne dev` as installed). The relay runs with
 * the same ones: they are Node runtime settings, and the relay measured faster with them (bench/notes.md).
 */
export const KNE_NODE_FLAGS = readFileSync(join(REPO, 'bin', 'run.js'), 'utf8')
  .split('\n', 1)[0]
  .split(/\s+/)
  .filter((word) => word.startsWith('--'))

export async function startDriver(placement) {
  const child = startNode(placement, 'driver', join(BENCH, 'driver.js'))
  const {sinkPort} = await nextMessage(child, 'ready')
  return {
    pid: child.pid,
    sinkUrl: `http://127.0.0.1:${sinkPort}`,
    async run(params) {
      child.send({kind: 'run', params})
      const timeout = (params.warmupMs ?? 0) + (params.measureMs ?? 0) + (params.drainMs ?? 0) + 120_000
      return (await nextMessage(child, 'result', timeout)).result
    },
    stop: () => stopChild(child, {kind: 'exit'}),
  }
}

/**
 * A system under test. spec.kind 'relay': {mode, triggers, match}; 'kne': {async, triggers, match, filter,
 * delivery, historyLimit, output, otelEndpoint}. `options.sut` picks how kne runs: 'lib' (library API) or 'dev' (the built
 * `kne dev`); with 'dev', spec.output picks what it prints to its stdout pipe: 'quiet' (`--quiet --json`,
 * the default: only start-up and shutdown), 'lines' (its default output for people) or 'json' (every record).
 */
export async function startSystem(placement, spec, sinkUrl, options = {}) {
  const nodeFlags = [...KNE_NODE_FLAGS, ...(spec.nodeFlags ?? [])]
  if (options.profileDir) nodeFlags.push('--cpu-prof', `--cpu-prof-dir=${options.profileDir}`)
  if (spec.kind === 'relay') {
    const child = startNode(placement, 'sut', join(BENCH, 'relay.js'), [], {
      nodeFlags,
      env: {MODE: spec.mode, SINK: sinkUrl, TRIGGERS: String(spec.triggers ?? 1), MATCH: String(spec.match ?? 1)},
    })
    const {port} = await nextMessage(child, 'ready')
    return system(child, `http://127.0.0.1:${port}`)
  }
  if ((options.sut ?? 'lib') === 'dev') return startKneDev(placement, spec, sinkUrl, nodeFlags)
  const child = startNode(placement, 'sut', join(BENCH, 'kne-sut.js'), [JSON.stringify({...spec, sinkUrl})], {nodeFlags})
  const {port} = await nextMessage(child, 'ready')
  return system(child, `http://127.0.0.1:${port}`)
}

async function startKneDev(placement, spec, sinkUrl, nodeFlags) {
  const dir = mkdtempSync(join(tmpdir(), 'kne-bench-'))
  const file = join(dir, 'bench.yaml')
  writeFileSync(file, benchManifests({...spec, sinkUrl}))
  const output = spec.output ?? 'quiet'
  const args = ['dev', ...{quiet: ['--quiet', '--json'], lines: [], json: ['--json']}[output], '-f', file, '--port', '0']
  if (spec.historyLimit !== undefined) args.push('--history', String(spec.historyLimit))
  if (spec.persist) args.push('--persist', join(dir, 'log'), '--persist-sync', spec.persist)
  if (spec.otelEndpoint) args.push('--otel-endpoint', spec.otelEndpoint)
  const child = startNode(placement, 'sut', join(REPO, 'bin', 'run.js'), args, {
    nodeFlags,
    stdout: 'pipe',
    stderr: 'pipe',
    ipc: false,
    env: {XDG_DATA_HOME: dir, XDG_CONFIG_HOME: dir, XDG_CACHE_HOME: dir},
  })
  // what kne dev reports about problems goes to stderr: keep the first lines, not a flood
  const errors = []
  createInterface({input: child.stderr}).on('line', (line) => {
    if (errors.length < 5) errors.push(line)
  })
  // stdout is read to the end, as a terminal or `| tee` would; past the ready line it is only counted (the
  // harness's own CPU counts as background, and --json prints megabytes)
  const printed = {lines: 0, bytes: 0}
  let ready = false
  child.stdout.on('data', (chunk) => {
    printed.bytes += chunk.length
    for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, i + 1)) printed.lines++
  })
  const url = await new Promise((resolve, reject) => {
    const lines = createInterface({input: child.stdout})
    lines.on('line', (line) => {
      const url = output === 'lines' ? /^Ready on (\S+)/.exec(line)?.[1] : readyUrl(line)
      if (!url) return
      ready = true
      lines.close()
      child.stdout.resume() // closing readline paused the stream
      resolve(url)
    })
    child.once('exit', (code) => {
      if (!ready) reject(new Error(`kne dev exited (${code}) before it was ready`))
    })
  })
  const sut = system(child, url)
  sut.errors = errors
  sut.printed = () => ({...printed})
  const stop = sut.stop
  sut.stop = async () => {
    // kne dev stops on SIGTERM (drain, then exit)
    child.kill('SIGTERM')
    const exited = await Promise.race([child.exitedPromise.then(() => true), new Promise((r) => setTimeout(() => r(false), 5000))])
    if (!exited) await stop()
    rmSync(dir, {recursive: true, force: true})
  }
  return sut
}

function readyUrl(line) {
  try {
    const record = JSON.parse(line)
    return record.kind === 'ready' ? record.url : undefined
  } catch {
    return undefined
  }
}

function system(child, url) {
  return {
    pid: child.pid,
    url,
    target: `${url}/default/default`,
    async memory() {
      if (!child.send) throw new Error('memory figures need the library host (--sut lib)')
      child.send({kind: 'memory'})
      return nextMessage(child, 'memory')
    },
    /** Bytes of the event log on disk and the events the history holds, once every delivery is done. */
    async disk() {
      if (!child.send) throw new Error('disk figures need the library host (--sut lib)')
      child.send({kind: 'disk'})
      return nextMessage(child, 'disk')
    },
    stop: () => stopChild(child),
  }
}

/** A local OTLP/HTTP collector answering 200 (bench/otlp-receiver.js), on the driver's core. */
export async function startOtlpReceiver(placement) {
  const child = startNode(placement, 'driver', join(BENCH, 'otlp-receiver.js'))
  const {port} = await nextMessage(child, 'ready')
  return {
    pid: child.pid,
    url: `http://127.0.0.1:${port}`,
    async report() {
      child.send({kind: 'report'})
      return nextMessage(child, 'report')
    },
    stop: () => stopChild(child),
  }
}

export async function startTailReaders(placement, url, streams) {
  const child = startNode(placement, 'driver', join(BENCH, 'tail-reader.js'), [url, String(streams)])
  await nextMessage(child, 'ready')
  return {
    pid: child.pid,
    async report() {
      child.send({kind: 'report'})
      return nextMessage(child, 'report')
    },
    stop: () => stopChild(child),
  }
}
