// A/B of kne builds: the sync broker (1 trigger, closed loop) in each build, alternated, keeping only windows
// the machine left clean (background ≤ --max-background % of a core), until each build has --samples of them.
// Reports requests/s and CPU µs per request of each build. Use it to measure a change to a hot path:
//   npx tsc -p tsconfig.build.json --outDir bench/results/kne-a      # before (inside the repo: imports need node_modules/)
//   npx tsc -p tsconfig.build.json --outDir bench/results/kne-b      # after
//   node bench/compare.js bench/results/kne-a bench/results/kne-b [relay] [--triggers N] [--match K] [--tail STREAMS] [--samples 3] [--max-background 12]
// --match K: K of the N triggers match (fan-out to K); --rate R: an async broker offered R events/s (open loop);
// --history N: the history bound (records); --otel: spans exported to a local OTLP/HTTP collector (DIST+otel: for that build only); --node-flag F (repeatable): a node flag for the system under test; --profile DIR: a CPU profile of every such process into DIR/<build>/.
import {basename, resolve} from 'node:path'
import {parseArgs} from 'node:util'
import {detectPlacement} from './lib/procs.js'
import {median} from './lib/stats.js'
import {startDriver, startOtlpReceiver, startSystem, startTailReaders} from './lib/systems.js'

const {values, positionals} = parseArgs({
  allowPositionals: true,
  options: {
    samples: {type: 'string', default: '3'},
    'max-background': {type: 'string', default: '12'},
    'max-attempts': {type: 'string', default: '20'},
    triggers: {type: 'string', default: '1'},
    match: {type: 'string'},
    profile: {type: 'string'},
    rate: {type: 'string'},
    history: {type: 'string'},
    otel: {type: 'boolean', default: false},
    'node-flag': {type: 'string', multiple: true},
    tail: {type: 'string', default: '0'},
  },
})
if (positionals.length < 1) {
  process.stderr.write(
    'usage: node bench/compare.js <dist A | relay> [<dist B | relay> ...] [--samples N] [--max-background PCT] [--triggers N] [--match K] [--rate R] [--history N] [--otel] [--node-flag F] [--profile DIR] [--tail STREAMS]\n',
  )
  process.exit(2)
}
const builds = positionals.map((p) => (p.endsWith('+otel') ? `${resolve(p.slice(0, -5))}+otel` : resolve(p)))
const wanted = Number(values.samples)
const maxBackground = Number(values['max-background'])
const placement = detectPlacement({pin: true})
const samples = new Map(builds.map((b) => [b, []]))
const receiver = values.otel || builds.some((b) => b.endsWith('+otel')) ? await startOtlpReceiver(placement) : undefined

for (let attempt = 0; attempt < Number(values['max-attempts']) && [...samples.values()].some((s) => s.length < wanted); attempt++) {
  for (const dist of builds) {
    if (samples.get(dist).length >= wanted) continue
    const driver = await startDriver(placement)
    const profileDir = values.profile === undefined ? undefined : resolve(values.profile, basename(dist))
    // --rate R: an asynchronous broker at a fixed offered rate (open loop) instead of a sync one at saturation
    const rate = values.rate === undefined ? undefined : Number(values.rate)
    // the positional `relay` runs the baseline relay in the same mode, for a profile or a GC trace beside kne's
    const shared = {triggers: Number(values.triggers), match: Number(values.match ?? 1), nodeFlags: values['node-flag'] ?? []}
    const spec =
      basename(dist) === 'relay'
        ? {kind: 'relay', mode: rate === undefined ? 'sync' : 'async', ...shared}
        : {
            kind: 'kne',
            async: rate !== undefined,
            dist: dist.replace(/\+otel$/, ''),
            historyLimit: values.history === undefined ? undefined : Number(values.history),
            otelEndpoint: values.otel || dist.endsWith('+otel') ? receiver?.url : undefined,
            ...shared,
          }
    const sut = await startSystem(placement, spec, driver.sinkUrl, {profileDir})
    const readers = Number(values.tail) > 0 ? await startTailReaders(placement, sut.url, Number(values.tail)) : undefined
    try {
      const pids = [sut.pid, ...(readers ? [readers.pid] : [])]
      const load = rate === undefined ? {mode: 'closed', conns: 16} : {mode: 'open', rate, conns: 32}
      const r = await driver.run({
        target: sut.target,
        ...load,
        perEvent: Number(values.match ?? 1),
        warmupMs: 3000,
        measureMs: 3000,
        drainMs: 2000,
        pids,
      })
      const clean = r.cpu && r.cpu.backgroundPct <= maxBackground && r.cpu.driverPct <= 85
      const usPerRequest = r.cpu ? (r.cpu.processesPct[0] * 10_000) / r.ackRate : undefined
      process.stderr.write(
        `${dist}: ${r.ackRate} req/s (${r.deliveryRate} deliveries/s), ${usPerRequest?.toFixed(0)} µs/req, e2e p50/p99 ${r.e2eMs?.p50}/${r.e2eMs?.p99} ms, background ${r.cpu?.backgroundPct} %${clean ? '' : ' (rejected)'}\n`,
      )
      if (clean) samples.get(dist).push({rps: r.ackRate, usPerRequest})
    } finally {
      await readers?.stop()
      await sut.stop()
      await driver.stop()
    }
  }
}
for (const [dist, list] of samples) {
  const rps = median(list.map((s) => s.rps))
  const us = median(list.map((s) => s.usPerRequest))
  process.stdout.write(`${dist}: ${list.length} clean window(s); median ${rps ?? '–'} req/s, ${us?.toFixed(1) ?? '–'} CPU µs/request\n`)
}
await receiver?.stop()
