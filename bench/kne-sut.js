// kne as the system under test: one broker `default/default` and its triggers, served by the library API
// (`createMesh` with manifests from `parseManifests`) in a process of its own — the same request path as
// `kne dev --quiet`, without the CLI's start-up. Configured by a JSON argument:
//   {sinkUrl, triggers, match, filter: 'exact'|'cesql', async, delivery, historyLimit, persist: 'batch'|'always', dist,
//    otelEndpoint (spans exported over OTLP/HTTP to this base URL)}
// IPC: answers {kind: 'ready', port, pid}; {kind: 'memory'} → {kind: 'memory', ...} after two full GCs;
// {kind: 'stop'} closes the mesh and exits (so that --cpu-prof writes its profile).
import {mkdtempSync, readdirSync, readFileSync, rmSync, statSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join, resolve} from 'node:path'
import {pathToFileURL} from 'node:url'
import {benchManifests} from './lib/manifests.js'

const config = JSON.parse(process.argv[2] ?? '{}')
// another build of kne (an A/B comparison of a change) can be named by config.dist or KNE_DIST
const dist = resolve(config.dist ?? process.env.KNE_DIST ?? new URL('../dist', import.meta.url).pathname)
const {createMesh, parseManifests} = await import(pathToFileURL(resolve(dist, 'index.js')).href)

const parsed = parseManifests(benchManifests(config), 'bench.yaml')
if (parsed.errors.length > 0) {
  process.stderr.write(`bench manifests are invalid: ${JSON.stringify(parsed.errors)}\n`)
  process.exit(3)
}
// with config.persist, the event log goes to a folder of its own, removed when the mesh stops
const logDir = config.persist ? mkdtempSync(join(tmpdir(), 'kne-bench-log-')) : undefined
const mesh = await createMesh({
  resources: parsed.resources,
  historyLimit: config.historyLimit,
  persist: logDir ? {dir: logDir, sync: config.persist} : undefined,
  otel: config.otelEndpoint ? {endpoint: config.otelEndpoint} : undefined,
  log: () => {},
})

/** Bytes of every file under a folder. */
function bytesUnder(dir) {
  let total = 0
  for (const entry of readdirSync(dir, {withFileTypes: true})) {
    const path = join(dir, entry.name)
    total += entry.isDirectory() ? bytesUnder(path) : statSync(path).size
  }
  return total
}

function peakRss() {
  const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))
  return match ? Number(match[1]) * 1024 : undefined
}

process.send({kind: 'ready', port: mesh.port, pid: process.pid})
process.on('message', async (message) => {
  if (message.kind === 'memory') {
    globalThis.gc?.()
    globalThis.gc?.()
    const records = mesh.journal.since(0)
    process.send({
      kind: 'memory',
      usage: process.memoryUsage(),
      peakRss: peakRss(),
      gcExposed: typeof globalThis.gc === 'function',
      records: records.length,
      events: records.filter((r) => r.kind === 'event').length,
    })
  } else if (message.kind === 'disk') {
    await mesh.idle()
    const records = mesh.journal.since(0)
    process.send({kind: 'disk', bytes: logDir ? bytesUnder(logDir) : 0, events: records.filter((r) => r.kind === 'event').length})
  } else if (message.kind === 'stop') {
    await mesh.close({drainTimeoutMs: 1000})
    if (logDir) rmSync(logDir, {recursive: true, force: true})
    process.exit(0)
  }
})
process.on('disconnect', () => process.exit(0))
