// The benchmark scenarios. Each `run(ctx)` measures kne and the baseline it is compared with, back to back
// in the same run, and returns the run's figures (`metrics`) plus the raw driver results (`details`).
// `rows` say which figures the report shows, how the ratio is formed and the target for it.
import {spawnSync} from 'node:child_process'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {wrap} from './lib/procs.js'
import {median, round2} from './lib/stats.js'
import {machineCpu, peakRss, processCpu} from './lib/sys.js'
import {crashTest} from './crash.js'
import {KNE_NODE_FLAGS, startOtlpReceiver, startSystem, startTailReaders} from './lib/systems.js'

const REPO = fileURLToPath(new URL('..', import.meta.url))
const MiB = 1024 * 1024

// ---- measuring helpers ----

/**
 * One closed-loop window against a freshly started system; `setup` may attach helpers (tail streams), `sut`
 * overrides how kne runs (--sut). The warm-up lasts until the system's rate is steady (profile.closed.steady).
 */
async function closedLoop(ctx, label, spec, {conns = ctx.profile.closedConns, perEvent = 1, setup, sut: how} = {}) {
  const sut = await startSystem(ctx.placement, spec, ctx.driver.sinkUrl, {...ctx.sutOptions(label), ...(how ? {sut: how} : {})})
  const helpers = setup ? await setup(sut) : undefined
  try {
    const printedBefore = sut.printed?.()
    const result = await ctx.driver.run({
      target: sut.target,
      mode: 'closed',
      conns,
      perEvent,
      ...ctx.profile.closed,
      pids: [sut.pid, ...(helpers?.pid ? [helpers.pid] : [])],
    })
    if (printedBefore) {
      const after = sut.printed()
      result.printed = {lines: after.lines - printedBefore.lines, bytes: after.bytes - printedBefore.bytes}
    }
    ctx.record(label, result)
    ctx.expectDelivered(label, result)
    for (const line of sut.errors ?? []) ctx.problem(`${label}: kne dev said: ${line}`)
    return {result, helpers}
  } finally {
    await helpers?.stop()
    await sut.stop()
  }
}

/** Knative's default broker and the sync relay answer once every delivery is done: requests/s at saturation. */
async function closedRps(ctx, label, spec, options) {
  return (await closedLoop(ctx, label, spec, options)).result
}

/**
 * Runs two measurements in turn, the first one first in odd runs and second in even ones, so that neither
 * system always gets the machine as it was at the start of a run (a background job starting, caches, heat).
 */
async function inTurn(ctx, first, second) {
  if (ctx.index % 2 === 1) return [await first(), await second()]
  const b = await second()
  return [await first(), b]
}

/** Whether an open-loop step kept up: everything delivered, nothing refused or skipped, p99 within 100 ms. */
function stepVerdict(result) {
  const refused = Object.entries(result.statuses)
    .filter(([k]) => k !== '2xx')
    .reduce((n, [, v]) => n + v, 0)
  if (result.sendRate < result.rate * 0.95) return `the driver sent only ${result.sendRate}/s`
  if (result.skipped > 0) return `${result.skipped} sends skipped at the in-flight cap`
  if (refused > 0) return `${refused} requests refused (${JSON.stringify(result.statuses)})`
  if (result.deliveredRatio < 0.99) return `delivered ${result.deliveredRatio} of offered`
  if ((result.e2eMs?.p99 ?? Infinity) > 100) return `e2e p99 ${result.e2eMs?.p99} ms > 100 ms`
  return undefined
}

/**
 * The knee: the highest offered rate (events/s) a system sustains open-loop. Steps up from 1,000 ev/s by
 * `rampFactor` until a step fails, then bisects between the last pass and the first failure. A fresh
 * system is started after a failure, so a backlog never spills into the next step; it is first warmed up
 * at the last rate that passed (not measured), as the steps before had warmed the first one: started cold
 * at a rate near its limit, a system builds a backlog while its JIT warms up and fails on that instead.
 */
async function findKnee(ctx, label, spec, {overload = false} = {}) {
  const {step, rampFactor, bisect, maxRate} = ctx.profile
  const steps = []
  let sut
  let warm = false
  const start = async () => {
    sut = await startSystem(ctx.placement, spec, ctx.driver.sinkUrl, ctx.sutOptions(label))
    warm = false
  }
  const runStep = async (rate) => {
    const result = await ctx.driver.run({
      target: sut.target,
      mode: 'open',
      rate,
      conns: 32,
      ...step,
      warmupMs: warm ? step.warmupMs : step.firstWarmupMs,
      pids: [sut.pid],
    })
    warm = true
    const failure = stepVerdict(result)
    ctx.record(`${label} @${rate}/s`, result, {step: true})
    steps.push({rate, pass: failure === undefined, failure, result})
    return failure === undefined
  }
  let peak
  try {
    await start()
    let pass = 0
    let fail
    for (let rate = 1000; rate <= maxRate; rate = Math.round(rate * rampFactor)) {
      if (await runStep(rate)) pass = rate
      else {
        fail = rate
        break
      }
    }
    for (let i = 0; i < bisect && fail !== undefined; i++) {
      const rate = Math.round((pass + fail) / 2 / 50) * 50
      if (rate <= pass || rate >= fail) break
      if (!steps.at(-1).pass) {
        await sut.stop()
        await start()
        if (pass > 0) {
          await ctx.driver.run({
            target: sut.target,
            mode: 'open',
            rate: pass,
            conns: 32,
            ...step,
            warmupMs: step.firstWarmupMs,
            measureMs: 1000,
            pids: [sut.pid],
          })
          warm = true
        }
      }
      if (await runStep(rate)) pass = rate
      else fail = rate
    }
    if (overload) {
      // far beyond the knee: ingress must push back (429) instead of growing memory
      const rate = Math.min(maxRate, Math.max(2000, (fail ?? pass) * 3))
      const result = await ctx.driver.run({
        target: sut.target,
        mode: 'open',
        rate,
        conns: 32,
        ...step,
        warmupMs: step.warmupMs,
        pids: [sut.pid],
      })
      ctx.record(`${label} overload @${rate}/s`, result, {step: true})
      steps.push({rate, pass: undefined, failure: 'overload probe', result})
    }
    peak = peakRss(sut.pid)
    return {knee: pass, steps, peakRss: peak}
  } finally {
    await sut?.stop()
  }
}

const at = (knee, rate) => knee.steps.find((s) => s.rate === rate)?.result

/** CPU time the system under test spent per answered request in the window, in µs. */
const usPerRequest = (result) => (result.cpu && result.ackRate > 0 ? (result.cpu.processesPct[0] * 10_000) / result.ackRate : undefined)

// ---- scenarios ----

export const SCENARIOS = [
  {
    id: 'sync',
    title: 'Synchronous broker, 1 trigger (closed loop)',
    what: "Requests/s at saturation through Knative's default broker, which answers after the delivery; baseline: the sync relay.",
    async run(ctx) {
      const [relay, kne] = await inTurn(
        ctx,
        () => closedRps(ctx, 'relay sync', {kind: 'relay', mode: 'sync'}),
        () => closedRps(ctx, 'kne sync', {kind: 'kne', async: false}),
      )
      return {
        metrics: {
          relayRps: relay.ackRate,
          kneRps: kne.ackRate,
          ratio: kne.ackRate / relay.ackRate,
          relayAckP99: relay.ackMs?.p99,
          kneAckP99: kne.ackMs?.p99,
          relayAckP50: relay.ackMs?.p50,
          kneAckP50: kne.ackMs?.p50,
          relayCpu: relay.cpu?.processesPct[0],
          kneCpu: kne.cpu?.processesPct[0],
          relayWarmupMs: relay.warmupMs,
          kneWarmupMs: kne.warmupMs,
        },
        details: {relay, kne},
      }
    },
    rows: [
      {figure: 'requests/s', unit: 'req/s', baseline: 'relayRps', kne: 'kneRps', ratio: 'ratio', target: {op: '>=', value: 0.7}},
      {figure: 'ack p99 (request → answer after delivery)', unit: 'ms', baseline: 'relayAckP99', kne: 'kneAckP99'},
      {figure: 'warm-up until the rate was steady', unit: 'ms', baseline: 'relayWarmupMs', kne: 'kneWarmupMs'},
    ],
  },
  {
    id: 'devout',
    title: '`kne dev` printing to a pipe vs `kne dev -q` (sync broker, 1 trigger, closed loop)',
    what:
      'Requests/s of the built `kne dev` with its default output (for people) going to a pipe the harness reads to the end, ' +
      'against `kne dev --quiet`; and `kne dev --json` (every record, NDJSON) to the same pipe. All three run as the built CLI, ' +
      'whatever --sut says.',
    async run(ctx) {
      const spec = {kind: 'kne', async: false}
      const dev = (label, output) => closedRps(ctx, label, {...spec, output}, {sut: 'dev'})
      const [quiet, lines] = await inTurn(
        ctx,
        () => dev('kne dev -q', 'quiet'),
        () => dev('kne dev, printing to a pipe', 'lines'),
      )
      const json = await dev('kne dev --json, to a pipe', 'json')
      return {
        metrics: {
          quietRps: quiet.ackRate,
          linesRps: lines.ackRate,
          jsonRps: json.ackRate,
          ratio: lines.ackRate / quiet.ackRate,
          jsonRatio: json.ackRate / quiet.ackRate,
          linesPrinted: lines.printed?.lines,
          jsonPrinted: json.printed?.lines,
          quietUs: usPerRequest(quiet),
          linesUs: usPerRequest(lines),
          jsonUs: usPerRequest(json),
        },
        details: {quiet, lines, json},
      }
    },
    rows: [
      {
        figure: 'requests/s, printing to a pipe (summary lines past 50 records/s)',
        unit: 'req/s',
        baseline: 'quietRps',
        kne: 'linesRps',
        ratio: 'ratio',
        target: {op: '>=', value: 0.8},
      },
      {figure: 'requests/s, --json to a pipe (every record)', unit: 'req/s', baseline: 'quietRps', kne: 'jsonRps', ratio: 'jsonRatio'},
      {figure: 'lines printed in the run, for people / --json', unit: '', kne: 'linesPrinted', extra: 'jsonPrinted'},
      {
        figure: 'CPU µs per request of kne dev: -q vs printing (less sensitive to a busy machine than the rates)',
        unit: 'µs',
        baseline: 'quietUs',
        kne: 'linesUs',
      },
      {figure: 'CPU µs per request of kne dev --json to a pipe', unit: 'µs', baseline: 'quietUs', kne: 'jsonUs'},
    ],
  },
  {
    id: 'async',
    title: 'Asynchronous broker, 1 trigger (open loop, knee search)',
    what:
      'Highest offered rate delivered in full with e2e p99 ≤ 100 ms, and the latency at 1,000 ev/s; baseline: the async relay. ' +
      'kne then gets an overload probe at 3× its knee, where ingress must push back (429) instead of growing memory.',
    async run(ctx) {
      const relay = await findKnee(ctx, 'relay async', {kind: 'relay', mode: 'async'})
      const kne = await findKnee(ctx, 'kne async', {kind: 'kne', async: true}, {overload: true})
      const relay1k = at(relay, 1000)
      const kne1k = at(kne, 1000)
      return {
        metrics: {
          relayKnee: relay.knee,
          kneKnee: kne.knee,
          ratio: relay.knee > 0 ? kne.knee / relay.knee : undefined,
          relayP99At1k: relay1k?.e2eMs?.p99,
          kneP99At1k: kne1k?.e2eMs?.p99,
          relayP50At1k: relay1k?.e2eMs?.p50,
          kneP50At1k: kne1k?.e2eMs?.p50,
          p99RatioAt1k: relay1k?.e2eMs && kne1k?.e2eMs ? kne1k.e2eMs.p99 / relay1k.e2eMs.p99 : undefined,
          knePeakRssMiB: kne.peakRss === undefined ? undefined : kne.peakRss / MiB,
        },
        details: {relay: summarizeSteps(relay), kne: summarizeSteps(kne)},
      }
    },
    rows: [
      {
        figure: 'knee (sustained events/s)',
        unit: 'ev/s',
        baseline: 'relayKnee',
        kne: 'kneKnee',
        ratio: 'ratio',
        target: {op: '>=', value: 0.7},
      },
      {
        figure: 'e2e p99 at 1,000 ev/s',
        unit: 'ms',
        baseline: 'relayP99At1k',
        kne: 'kneP99At1k',
        ratio: 'p99RatioAt1k',
        target: {op: '<', value: 10, on: 'kne', label: '< 10 ms'},
      },
      {figure: 'e2e p50 at 1,000 ev/s', unit: 'ms', baseline: 'relayP50At1k', kne: 'kneP50At1k'},
      {
        figure: 'peak RSS, ramp + overload probe',
        unit: 'MiB',
        kne: 'knePeakRssMiB',
        target: {op: '<', value: 512, on: 'kne', label: '< 512 MiB'},
      },
    ],
  },
  {
    id: 'routing',
    title: 'Trigger count and filter kind (sync broker, closed loop, 1 matching trigger)',
    what: '10/100/1000 triggers with exact `type` filters, one matching, against kne with 1 trigger; 100 CESQL triggers (not indexable) against 100 exact ones.',
    async run(ctx) {
      const relay = await closedRps(ctx, 'relay sync 1000 triggers', {kind: 'relay', mode: 'sync', triggers: 1000, match: 1})
      const kne = {}
      for (const n of [1, ...ctx.profile.triggerCounts]) {
        kne[n] = await closedRps(ctx, `kne sync ${n} triggers`, {kind: 'kne', async: false, triggers: n, match: 1})
      }
      const cesql = await closedRps(ctx, 'kne sync 100 CESQL triggers', {
        kind: 'kne',
        async: false,
        triggers: 100,
        match: 1,
        filter: 'cesql',
      })
      const metrics = {relay1000Rps: relay.ackRate, cesql100Rps: cesql.ackRate}
      for (const [n, r] of Object.entries(kne)) {
        metrics[`kne${n}Rps`] = r.ackRate
        metrics[`ratio${n}`] = r.ackRate / kne[1].ackRate
      }
      metrics.kne1000VsRelay = kne[1000] ? kne[1000].ackRate / relay.ackRate : undefined
      metrics.cesqlVsExact = kne[100] ? cesql.ackRate / kne[100].ackRate : undefined
      metrics.cesqlVsOne = cesql.ackRate / kne[1].ackRate
      return {metrics, details: {relay, kne, cesql}}
    },
    rows: [
      {figure: '10 exact triggers vs 1', unit: 'req/s', baseline: 'kne1Rps', kne: 'kne10Rps', ratio: 'ratio10'},
      {figure: '100 exact triggers vs 1', unit: 'req/s', baseline: 'kne1Rps', kne: 'kne100Rps', ratio: 'ratio100'},
      {
        figure: '1000 exact triggers vs 1',
        unit: 'req/s',
        baseline: 'kne1Rps',
        kne: 'kne1000Rps',
        ratio: 'ratio1000',
        target: {op: '>=', value: 0.8},
      },
      {
        figure: '1000 exact triggers vs the relay (1000, Map index)',
        unit: 'req/s',
        baseline: 'relay1000Rps',
        kne: 'kne1000Rps',
        ratio: 'kne1000VsRelay',
      },
      {figure: '100 CESQL triggers vs 100 exact', unit: 'req/s', baseline: 'kne100Rps', kne: 'cesql100Rps', ratio: 'cesqlVsExact'},
      {figure: '100 CESQL triggers vs 1 exact', unit: 'req/s', baseline: 'kne1Rps', kne: 'cesql100Rps', ratio: 'cesqlVsOne'},
    ],
  },
  {
    id: 'fanout',
    title: 'Fan-out to 10 triggers (sync broker, closed loop)',
    what: 'Deliveries/s when every event matches 10 triggers; baseline: the sync relay with 10 matching routes.',
    async run(ctx) {
      const spec = {triggers: 10, match: 10}
      const [relay, kne] = await inTurn(
        ctx,
        () => closedRps(ctx, 'relay sync fan-out 10', {kind: 'relay', mode: 'sync', ...spec}, {perEvent: 10}),
        () => closedRps(ctx, 'kne sync fan-out 10', {kind: 'kne', async: false, ...spec}, {perEvent: 10}),
      )
      return {
        metrics: {relayDeliveries: relay.deliveryRate, kneDeliveries: kne.deliveryRate, ratio: kne.deliveryRate / relay.deliveryRate},
        details: {relay, kne},
      }
    },
    rows: [
      {
        figure: 'deliveries/s',
        unit: 'del/s',
        baseline: 'relayDeliveries',
        kne: 'kneDeliveries',
        ratio: 'ratio',
        target: {op: '>=', value: 0.8},
      },
    ],
  },
  {
    id: 'retry',
    title: '10 % failing subscriber with retries (async broker, open loop)',
    what: 'The subscriber answers 503 to the first attempt of every 10th event; delivery: retry 3, exponential, PT0.01S. Baseline: the same kne without failures at the same rate.',
    async run(ctx) {
      const delivery = {retry: 3, backoffPolicy: 'exponential', backoffDelay: 'PT0.01S'}
      const rate = ctx.profile.retryRate
      const params = {mode: 'open', rate, conns: 32, ...ctx.profile.step, warmupMs: ctx.profile.step.firstWarmupMs}
      const runOne = async (label, failEvery) => {
        const sut = await startSystem(ctx.placement, {kind: 'kne', async: true, delivery}, ctx.driver.sinkUrl, ctx.sutOptions(label))
        try {
          const result = await ctx.driver.run({...params, target: sut.target, failEvery, pids: [sut.pid]})
          ctx.record(label, result)
          return result
        } finally {
          await sut.stop()
        }
      }
      const clean = await runOne(`kne async @${rate}/s, no failures`, 0)
      const failing = await runOne(`kne async @${rate}/s, 10 % failing`, 10)
      return {
        metrics: {
          rate,
          cleanDelivered: clean.deliveredRatio,
          failingDelivered: failing.deliveredRatio,
          duplicates: failing.duplicates,
          injected: failing.injectedFailures,
          cleanP99: clean.e2eMs?.p99,
          failingP99: failing.e2eMs?.p99,
          retriedP50: failing.e2eRetriedMs?.p50,
          retriedP99: failing.e2eRetriedMs?.p99,
          p99Ratio: clean.e2eMs && failing.e2eMs ? failing.e2eMs.p99 / clean.e2eMs.p99 : undefined,
          cleanCpu: clean.cpu?.processesPct[0],
          failingCpu: failing.cpu?.processesPct[0],
        },
        details: {clean, failing},
      }
    },
    rows: [
      {
        figure: 'delivered / offered',
        unit: '',
        baseline: 'cleanDelivered',
        kne: 'failingDelivered',
        target: {op: '>=', value: 0.999, on: 'kne', label: 'all delivered'},
      },
      {figure: 'e2e p99 of events not failed', unit: 'ms', baseline: 'cleanP99', kne: 'failingP99', ratio: 'p99Ratio'},
      {figure: 'e2e p99 of retried events (first retry after 10 ms)', unit: 'ms', kne: 'retriedP99'},
      {figure: 'duplicate deliveries', unit: '', kne: 'duplicates', target: {op: '<=', value: 0, on: 'kne', label: 'none'}},
    ],
  },
  {
    id: 'tail',
    title: 'Attached `kne tail` streams (sync broker, closed loop)',
    what: 'Requests/s with 0, 1 and 5 clients following GET /_kne/v1/activity?follow=true (what `kne tail` reads); the clients count lines without parsing them.',
    async run(ctx) {
      const rps = {}
      const lines = {}
      for (const streams of [0, ...ctx.profile.tailStreams]) {
        const label = `kne sync, ${streams} tail streams`
        const setup = async (sut) => {
          const readers = await startTailReaders(ctx.placement, sut.url, streams)
          return {
            pid: readers.pid,
            async stop() {
              lines[streams] = await readers.report()
              if (lines[streams].endedEarly > 0)
                ctx.problem(`${label}: ${lines[streams].endedEarly} streams were cut off (fell 16 MiB behind)`)
              await readers.stop()
            },
          }
        }
        const {result} = await closedLoop(ctx, label, {kind: 'kne', async: false}, {setup: streams === 0 ? undefined : setup})
        rps[streams] = result.ackRate
      }
      return {
        metrics: {rps0: rps[0], rps1: rps[1], rps5: rps[5], ratio1: rps[1] && rps[1] / rps[0], ratio5: rps[5] && rps[5] / rps[0]},
        details: {rps, readers: lines},
      }
    },
    rows: [
      {figure: '1 tail stream vs none', unit: 'req/s', baseline: 'rps0', kne: 'rps1', ratio: 'ratio1'},
      {figure: '5 tail streams vs none', unit: 'req/s', baseline: 'rps0', kne: 'rps5', ratio: 'ratio5'},
    ],
  },
  {
    id: 'tracing',
    title: 'Synchronous broker with spans exported over OTLP/HTTP vs no exporter (closed loop)',
    what:
      'Requests/s of the sync broker (1 trigger) recording an ingress, a filter and a delivery span per event and sending them ' +
      'in batches over OTLP/HTTP (protobuf) to a local collector that answers 200, against the same broker without an exporter ' +
      '(trace context is propagated in both).',
    async run(ctx) {
      const receiver = await startOtlpReceiver(ctx.placement)
      try {
        const spec = {kind: 'kne', async: false}
        const [off, on] = await inTurn(
          ctx,
          () => closedRps(ctx, 'kne sync, no exporter', spec),
          () => closedRps(ctx, 'kne sync, spans to OTLP/HTTP', {...spec, otelEndpoint: receiver.url}),
        )
        const received = await receiver.report()
        if (received.requests === 0) ctx.problem('tracing: the collector received no export request')
        return {
          metrics: {
            offRps: off.ackRate,
            onRps: on.ackRate,
            ratio: on.ackRate / off.ackRate,
            offUs: usPerRequest(off),
            onUs: usPerRequest(on),
            offAckP99: off.ackMs?.p99,
            onAckP99: on.ackMs?.p99,
            exports: received.requests,
            exportedMiB: round2(received.bytes / MiB),
          },
          details: {off, on, received},
        }
      } finally {
        await receiver.stop()
      }
    },
    rows: [
      {
        figure: 'requests/s, tracing on vs off',
        unit: 'req/s',
        baseline: 'offRps',
        kne: 'onRps',
        ratio: 'ratio',
        target: {op: '>=', value: 0.8},
      },
      {figure: 'CPU µs per request of kne', unit: 'µs', baseline: 'offUs', kne: 'onUs'},
      {figure: 'ack p99', unit: 'ms', baseline: 'offAckP99', kne: 'onAckP99'},
      {figure: 'export requests / MiB the collector received', unit: '', kne: 'exports', extra: 'exportedMiB'},
    ],
  },
  {
    id: 'memory',
    title: 'Memory per retained event (history)',
    what:
      'The same events (1 KiB data) sent to kne three times: with a history of 1 record, with a history large enough to keep ' +
      'every event, and with the default bound (5,000 records). Bytes per retained event = the difference in heap + external ' +
      'memory between the first two after two full GCs, divided by the events retained (measured over all events sent, so the ' +
      'figure is not lost in heap noise; it does not depend on the bound). RSS is read with the default bound full.',
    timing: false,
    async run(ctx) {
      const events = ctx.profile.memoryEvents
      const measure = async (label, historyLimit) => {
        // the figures are read from inside the process, so always through the library host
        const options = {...ctx.sutOptions(label), sut: 'lib'}
        const sut = await startSystem(
          ctx.placement,
          {kind: 'kne', async: false, historyLimit, nodeFlags: ['--expose-gc']},
          ctx.driver.sinkUrl,
          options,
        )
        try {
          const fill = await ctx.driver.run({
            target: sut.target,
            mode: 'closed',
            conns: 16,
            count: events,
            drainMs: 10_000,
            pids: [sut.pid],
          })
          if (fill.delivered < events) ctx.problem(`${label}: only ${fill.delivered} of ${events} events delivered`)
          return await sut.memory()
        } finally {
          await sut.stop()
        }
      }
      const bounded = await measure('kne, history of 1 record', 1)
      // 5 records per event with one trigger (event, routed, attempt, outcome, settled), and room to spare
      const everything = await measure('kne, history keeping every event', events * 6)
      const standard = await measure('kne, default history bound', undefined)
      if (!everything.gcExposed) ctx.problem('global.gc was not exposed: memory figures include garbage')
      const used = (m) => m.usage.heapUsed + m.usage.external
      const retained = everything.events - bounded.events
      const perEvent = retained > 0 ? (used(everything) - used(bounded)) / retained : undefined
      return {
        metrics: {
          bytesPerEvent: perEvent,
          ratioToPayload: perEvent === undefined ? undefined : perEvent / 1024,
          heapPerEvent: retained > 0 ? (everything.usage.heapUsed - bounded.usage.heapUsed) / retained : undefined,
          externalPerEvent: retained > 0 ? (everything.usage.external - bounded.usage.external) / retained : undefined,
          retainedEvents: standard.events,
          retainedRecords: standard.records,
          rssMiB: standard.usage.rss / MiB,
          peakRssMiB: standard.peakRss / MiB,
        },
        details: {bounded, everything, standard},
      }
    },
    rows: [
      {
        figure: 'bytes per retained 1 KiB event (heap + external)',
        unit: 'B',
        kne: 'bytesPerEvent',
        ratio: 'ratioToPayload',
        ratioLabel: '× payload',
        target: {op: '<=', value: 2, label: '≤ 2 × 1 KiB'},
      },
      {figure: 'of which V8 heap (records, event objects, strings)', unit: 'B', kne: 'heapPerEvent'},
      {
        figure: 'RSS with the default history bound full',
        unit: 'MiB',
        kne: 'rssMiB',
        target: {op: '<', value: 512, on: 'kne', label: '< 512 MiB'},
      },
      {figure: 'events / records retained by the default bound', unit: '', kne: 'retainedEvents', extra: 'retainedRecords'},
    ],
  },
  {
    id: 'persist',
    title: 'Event log: sync broker with `--persist` (closed loop)',
    what:
      'Requests/s of the built `kne dev` as people start it (printing to a pipe) with `--persist` (batch sync, the default) and ' +
      'with `--persist-sync always`, against the same kne dev keeping events in memory only. Bytes on disk per 1 KiB event: ' +
      'a fixed number of events through the library host with the log on, the log folder measured once every delivery is done.',
    async run(ctx) {
      const dev = (label, persist) => closedRps(ctx, label, {kind: 'kne', async: false, output: 'lines', persist}, {sut: 'dev'})
      const [memory, batch] = await inTurn(
        ctx,
        () => dev('kne dev, in memory', undefined),
        () => dev('kne dev --persist (batch)', 'batch'),
      )
      const always = await dev('kne dev --persist --persist-sync always', 'always')
      const events = ctx.profile.memoryEvents
      const sut = await startSystem(ctx.placement, {kind: 'kne', async: false, persist: 'batch'}, ctx.driver.sinkUrl, {
        ...ctx.sutOptions('disk'),
        sut: 'lib',
      })
      let disk
      try {
        const fill = await ctx.driver.run({target: sut.target, mode: 'closed', conns: 16, count: events, drainMs: 10_000, pids: [sut.pid]})
        if (fill.delivered < events) ctx.problem(`disk: only ${fill.delivered} of ${events} events delivered`)
        disk = await sut.disk()
      } finally {
        await sut.stop()
      }
      const index = await eventIndexCost()
      return {
        metrics: {
          indexFillingUs: index.filling,
          indexAtBoundUs: index.atBound,
          indexRatio: index.ratio,
          memoryRps: memory.ackRate,
          batchRps: batch.ackRate,
          alwaysRps: always.ackRate,
          ratio: batch.ackRate / memory.ackRate,
          alwaysRatio: always.ackRate / memory.ackRate,
          memoryP99: memory.ackMs?.p99,
          batchP99: batch.ackMs?.p99,
          alwaysP99: always.ackMs?.p99,
          bytesPerEvent: disk.bytes / events,
          diskRatio: disk.bytes / events / 1024,
          memoryUs: usPerRequest(memory),
          batchUs: usPerRequest(batch),
          alwaysUs: usPerRequest(always),
          usRatio: usPerRequest(memory) / usPerRequest(batch),
        },
        details: {memory, batch, always, disk, index},
      }
    },
    rows: [
      {
        figure: 'requests/s, --persist (batch) vs in memory',
        unit: 'req/s',
        baseline: 'memoryRps',
        kne: 'batchRps',
        ratio: 'ratio',
        target: {op: '>=', value: 0.7},
      },
      {
        figure: 'requests/s, --persist-sync always vs in memory',
        unit: 'req/s',
        baseline: 'memoryRps',
        kne: 'alwaysRps',
        ratio: 'alwaysRatio',
      },
      {
        figure: 'CPU µs per request of kne dev, in memory vs --persist (batch) (less sensitive to a busy machine than the rates)',
        unit: 'µs',
        baseline: 'memoryUs',
        kne: 'batchUs',
        ratio: 'usRatio',
        ratioLabel: 'requests/CPU-s, persist / memory',
      },
      {figure: 'CPU µs per request of kne dev --persist-sync always', unit: 'µs', baseline: 'memoryUs', kne: 'alwaysUs'},
      {figure: 'ack p99, --persist (batch) vs in memory', unit: 'ms', baseline: 'memoryP99', kne: 'batchP99'},
      {figure: 'ack p99, --persist-sync always', unit: 'ms', kne: 'alwaysP99'},
      {
        figure: 'events index: CPU µs per event once at its bound (the oldest dropped for each new one) vs while filling',
        unit: 'µs',
        baseline: 'indexFillingUs',
        kne: 'indexAtBoundUs',
        ratio: 'indexRatio',
        ratioLabel: '× filling',
        target: {op: '<=', value: 1.5},
      },
      {
        figure: 'bytes on disk per 1 KiB event (event, attempt, outcome, settled)',
        unit: 'B',
        kne: 'bytesPerEvent',
        ratio: 'diskRatio',
        ratioLabel: '× payload',
      },
    ],
  },
  {
    id: 'crash',
    title: 'Crash test: `kne dev --persist` killed with SIGKILL while it delivers',
    what:
      'The built kne dev (async broker, one trigger, retry 5, linear PT0.5S; the first attempt of every event fails) takes ' +
      'events from 8 senders and is killed with SIGKILL at random moments, then started again on the same log; at the end ' +
      'every event it accepted (202) must have reached the subscriber. A sender posts each event again until it is accepted: ' +
      'an answer lost to a kill, or a refusal while kne starts again, counts as a refused send.',
    timing: false,
    async run(ctx) {
      const result = await crashTest({events: ctx.profile.crashEvents, kills: ctx.profile.crashKills})
      if (result.lost > 0) ctx.problem(`${result.lost} accepted events never reached the subscriber`)
      return {metrics: {...result, duplicateShare: result.duplicates / Math.max(1, result.delivered)}, details: result}
    },
    rows: [
      {figure: 'accepted events lost', unit: '', kne: 'lost', target: {op: '<=', value: 0, on: 'kne', label: 'none'}},
      {figure: 'accepted / delivered', unit: '', kne: 'accepted', extra: 'delivered'},
      {
        figure: 'duplicate deliveries (at-least-once: in flight at a kill)',
        unit: '',
        kne: 'duplicates',
        ratio: 'duplicateShare',
        ratioLabel: 'of delivered',
      },
      {figure: 'kills / events sent', unit: '', kne: 'kills', extra: 'events'},
    ],
  },
  {
    id: 'cli',
    title: 'CLI start-up',
    what:
      '`kne --version` and `kne send` (end to end against a running mesh, sync broker with one trigger) against bare `node -e 0`; ' +
      'medians of interleaved runs. To see where start-up goes: the import time of @oclif/core and of the send command alone ' +
      "(oclif finds a command through the build's oclif.manifest.json and imports only its module).",
    async run(ctx) {
      const sut = await startSystem(ctx.placement, {kind: 'kne', async: false}, ctx.driver.sinkUrl, ctx.sutOptions('cli mesh'))
      const home = mkdtempSync(join(tmpdir(), 'kne-bench-cli-'))
      const env = {...process.env, KNE_URL: sut.url, XDG_DATA_HOME: home, XDG_CONFIG_HOME: home, XDG_CACHE_HOME: home}
      const node = process.execPath
      const commands = {
        bare: [node, '-e', '0'],
        // as installed: with the flags of bin/run.js's shebang
        version: [node, ...KNE_NODE_FLAGS, 'bin/run.js', '--version'],
        send: [
          node,
          ...KNE_NODE_FLAGS,
          'bin/run.js',
          'send',
          '--type',
          'dev.kne.bench.match',
          '--source',
          '/bench/cli',
          '--data',
          '{"n":1}',
        ],
        importOclif: [node, '--input-type=module', '-e', 'await import("@oclif/core")'],
        importSend: [node, '--input-type=module', '-e', 'await import("./dist/commands/send.js")'],
      }
      const times = Object.fromEntries(Object.keys(commands).map((k) => [k, []]))
      const machine0 = machineCpu()
      const ours0 = processCpu('self', {children: true}) + processCpu(sut.pid) + processCpu(ctx.driver.pid)
      const started = performance.now()
      try {
        for (let i = 0; i < ctx.profile.cliRepeats; i++) {
          for (const [name, argv] of Object.entries(commands)) {
            const [command, ...args] = wrap(ctx.placement, 'sut', argv)
            const t0 = performance.now()
            const result = spawnSync(command, args, {cwd: REPO, env, encoding: 'utf8'})
            times[name].push(performance.now() - t0)
            if (result.status !== 0)
              ctx.problem(`${name} exited ${result.status}: ${(result.stderr || result.stdout).trim().split('\n')[0]}`)
          }
        }
      } finally {
        const seconds = (performance.now() - started) / 1000
        const machine1 = machineCpu()
        const ours1 = processCpu('self', {children: true}) + processCpu(sut.pid) + processCpu(ctx.driver.pid)
        if (machine0 && machine1) {
          const bg = Math.max(0, machine1.busy - machine0.busy - (ours1 - ours0))
          ctx.record('cli start-up batch', {
            cpu: {
              driverPct: undefined,
              processesPct: [],
              backgroundPct: round2((bg / seconds) * 100),
              totalPct: round2(((machine1.busy - machine0.busy) / seconds) * 100),
            },
          })
        }
        await sut.stop()
        rmSync(home, {recursive: true, force: true})
      }
      const m = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)]))
      return {
        metrics: {
          bareMs: m.bare,
          versionMs: m.version,
          sendMs: m.send,
          importOclifMs: m.importOclif,
          importSendMs: m.importSend,
          versionRatio: m.version / m.bare,
          sendRatio: m.send / m.bare,
        },
        details: {times},
      }
    },
    rows: [
      {figure: '`kne --version`', unit: 'ms', baseline: 'bareMs', kne: 'versionMs', ratio: 'versionRatio', target: {op: '<=', value: 6}},
      {figure: '`kne send` end to end', unit: 'ms', baseline: 'bareMs', kne: 'sendMs', ratio: 'sendRatio'},
      {figure: 'import @oclif/core alone', unit: 'ms', kne: 'importOclifMs'},
      {figure: 'import dist/commands/send.js alone', unit: 'ms', kne: 'importSendMs'},
    ],
  },
]

/**
 * CPU per event of the events index (what `kne events list` reads) fed an event's records, while it is filling
 * and once it is at its bound and drops its oldest for every new one: a long-running kne dev lives at the bound.
 */
async function eventIndexCost(bound = 50_000) {
  const {EventIndex} = await import(join(REPO, 'dist/core/event-log/index.js'))
  const {eventRecord, attemptRecord, outcomeRecord, settledRecord} = await import(join(REPO, 'dist/core/activity.js'))
  const index = new EventIndex({events: bound})
  const who = {trigger: 'default/t1'}
  let seq = 0
  const feed = (from, to) => {
    const started = process.cpuUsage()
    for (let arrival = from; arrival < to; arrival++) {
      const id = `event-${arrival}`
      const event = {specversion: '1.0', id, source: '/bench', type: 'bench.event', extensions: {}}
      const ref = {broker: 'default/default', arrival, id, type: event.type, source: event.source}
      for (const record of [
        eventRecord(ref, 'ingress', undefined, undefined, {matched: ['default/t1'], notMatched: []}, event),
        attemptRecord(ref, who, 'subscriber', 'http://127.0.0.1/', 1, 200, undefined, 1, undefined),
        outcomeRecord(ref, who, {outcome: 'delivered', status: 200}),
        settledRecord(ref, {'default/t1': 'delivered'}),
      ]) {
        record.seq = ++seq
        record.at = '2026-01-01T00:00:00.000Z'
        index.add(record)
      }
    }
    const used = process.cpuUsage(started)
    return (used.user + used.system) / (to - from)
  }
  const filling = feed(1, bound + 1)
  const atBound = feed(bound + 1, 3 * bound + 1)
  return {filling, atBound, ratio: atBound / filling, dropped: index.dropped}
}

function summarizeSteps(knee) {
  return {
    knee: knee.knee,
    peakRss: knee.peakRss,
    steps: knee.steps.map(({rate, pass, failure, result}) => ({
      rate,
      pass,
      failure,
      sendRate: result.sendRate,
      deliveredRatio: result.deliveredRatio,
      statuses: result.statuses,
      e2eMs: result.e2eMs,
      ackMs: result.ackMs,
      cpu: result.cpu,
    })),
  }
}
