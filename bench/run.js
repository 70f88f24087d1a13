// `npm run bench`: measures kne against the LIMIT baselines (bench/relay.js) side by side, scenario by
// scenario, rejects runs the shared machine contaminated, and writes BENCHMARKS.md plus JSON for machines.
// Usage: node bench/run.js [--quick] [--only sync,async,…] [--runs N] [--retries N] [--sut lib|dev]
//        [--no-pin] [--max-background PCT] [--quiet-wait SECONDS] [--profile] [--md PATH] | --render <results.json>
// See docs/benchmarks.md.
import {spawnSync} from 'node:child_process'
import {mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import {join, relative} from 'node:path'
import {fileURLToPath} from 'node:url'
import {parseArgs} from 'node:util'
import {detectPlacement} from './lib/procs.js'
import {evaluateRow, renderMarkdown} from './lib/report.js'
import {summarize} from './lib/stats.js'
import {loadAverage, machineInfo, waitForQuiet} from './lib/sys.js'
import {startDriver} from './lib/systems.js'
import {SCENARIOS} from './scenarios.js'

const REPO = fileURLToPath(new URL('..', import.meta.url))
const RESULTS = join(REPO, 'bench', 'results')

/** Durations and sizes of each mode; `quick` is a smoke run that finishes in under a minute. */
const PROFILES = {
  full: {
    runs: 3,
    retries: 2,
    quietWaitMs: 20_000,
    // the warm-up goes on past warmupMs until the rate is steady (bench/driver.js), for each system alike
    closedConns: 16,
    closed: {warmupMs: 3000, steady: {tolerance: 0.03, maxMs: 15_000}, measureMs: 4000, drainMs: 3000},
    step: {firstWarmupMs: 3000, warmupMs: 1000, measureMs: 4000, drainMs: 3000},
    rampFactor: 1.5,
    bisect: 2,
    maxRate: 32_000,
    triggerCounts: [10, 100, 1000],
    tailStreams: [1, 5],
    retryRate: 1000,
    memoryEvents: 20_000,
    crashEvents: 5000,
    crashKills: 5,
    cliRepeats: 10,
  },
  quick: {
    runs: 1,
    retries: 0,
    quietWaitMs: 0,
    // kne's JIT needs ~1.5 s of load before it reaches its steady rate (the first 0.5 s run at a sixth of it)
    closedConns: 16,
    closed: {warmupMs: 1200, steady: {tolerance: 0.05, maxMs: 4000}, measureMs: 700, drainMs: 1500},
    step: {firstWarmupMs: 1200, warmupMs: 300, measureMs: 700, drainMs: 1500},
    rampFactor: 2,
    bisect: 0,
    maxRate: 32_000,
    triggerCounts: [1000],
    tailStreams: [5],
    retryRate: 500,
    memoryEvents: 4000,
    crashEvents: 500,
    crashKills: 2,
    cliRepeats: 2,
  },
}

const {values: args} = parseArgs({
  options: {
    quick: {type: 'boolean', default: false},
    only: {type: 'string'},
    runs: {type: 'string'},
    retries: {type: 'string'},
    sut: {type: 'string', default: 'lib'},
    'no-pin': {type: 'boolean', default: false},
    'max-background': {type: 'string', default: '12'},
    'quiet-wait': {type: 'string'},
    profile: {type: 'boolean', default: false},
    md: {type: 'string'},
    render: {type: 'string'},
    add: {type: 'string', multiple: true},
    help: {type: 'boolean', default: false},
  },
})

if (args.help) {
  process.stdout.write(`usage: node bench/run.js [--quick] [--only ${SCENARIOS.map((s) => s.id).join(',')}] [--runs N] [--retries N]
       [--sut lib|dev] [--no-pin] [--max-background PCT] [--quiet-wait SECONDS] [--profile] [--md PATH]
       node bench/run.js --render bench/results/<run>.json [--add <later run>.json …] [--md PATH]
         (Markdown again, with today's bench/notes.md; --add puts a later run's scenarios in, dated)
See docs/benchmarks.md.
`)
  process.exit(0)
}

if (args.render) {
  const saved = JSON.parse(readFileSync(args.render, 'utf8'))
  // --add: the scenarios of a later run (--only …) take the place of the same ones, or join them, and are dated
  for (const file of args.add ?? []) {
    const later = JSON.parse(readFileSync(file, 'utf8'))
    const ids = later.scenarios.map((s) => s.id)
    saved.scenarios = [...saved.scenarios.filter((s) => !ids.includes(s.id)), ...later.scenarios]
    saved.merged = [
      ...(saved.merged ?? []),
      {ids, startedAt: later.startedAt, finishedAt: later.finishedAt, source: later.source, mode: later.mode},
    ]
  }
  const mdPath = args.md ?? (saved.mode === 'full' ? join(REPO, 'BENCHMARKS.md') : join(RESULTS, `BENCHMARKS.${saved.mode}.md`))
  writeFileSync(mdPath, renderMarkdown(saved, readNotes()))
  process.stderr.write(`wrote ${relative(REPO, mdPath)} from ${args.render}\n`)
  process.exit(0)
}

/** Hand-written findings (bench/notes.md) that every generated BENCHMARKS.md carries after the figures. */
function readNotes() {
  try {
    return readFileSync(join(REPO, 'bench', 'notes.md'), 'utf8')
  } catch {
    return undefined
  }
}

const mode = args.quick ? 'quick' : 'full'
const profile = {...PROFILES[mode]}
if (args.runs !== undefined) profile.runs = positive(args.runs, '--runs')
if (args.retries !== undefined) profile.retries = Number(args.retries)
if (args['quiet-wait'] !== undefined) profile.quietWaitMs = Number(args['quiet-wait']) * 1000
if (!['lib', 'dev'].includes(args.sut)) fail(`--sut ${args.sut}: expected lib or dev`)
const options = {sut: args.sut, profile: args.profile, maxBackground: Number(args['max-background']), maxDriver: 85, pin: !args['no-pin']}
const selected = args.only
  ? args.only.split(',').map((id) => SCENARIOS.find((s) => s.id === id.trim()) ?? fail(`--only: no scenario ${id}`))
  : SCENARIOS

function positive(text, flag) {
  const n = Number(text)
  if (!Number.isInteger(n) || n < 1) fail(`${flag} ${text}: expected a positive integer`)
  return n
}

function fail(message) {
  process.stderr.write(`bench: ${message}\n`)
  process.exit(2)
}

function log(line) {
  process.stderr.write(`${line}\n`)
}

/** What one scenario run can use: the driver, process placement, and where to record windows and problems. */
function newContext(scenario, index, placement, driver) {
  const windows = []
  const problems = []
  return {
    profile,
    placement,
    driver,
    windows,
    problems,
    index,
    sutOptions: (label) => ({
      sut: options.sut,
      profileDir: options.profile
        ? join(RESULTS, 'profiles', `${scenario.id}-run${index}-${label.replace(/[^a-z0-9]+/gi, '-')}`)
        : undefined,
    }),
    record(label, result, {step = false} = {}) {
      windows.push({label, cpu: result.cpu, step})
    },
    expectDelivered(label, result) {
      const refused = Object.entries(result.statuses ?? {}).filter(([k]) => k !== '2xx')
      if (refused.length > 0) problems.push(`${label}: answers other than 2xx: ${JSON.stringify(Object.fromEntries(refused))}`)
      if (result.deliveredRatio < 1) problems.push(`${label}: delivered ${result.deliveredRatio} of the events sent in the window`)
    },
    problem(text) {
      problems.push(text)
    },
  }
}

/** Why a run cannot be trusted: CPU that is not ours, or a driver that may have been the bottleneck. */
function rejectionReasons(windows, timing) {
  const reasons = []
  for (const w of windows) {
    if (!w.cpu) continue
    if (timing && w.cpu.backgroundPct > options.maxBackground) {
      reasons.push(`${w.label}: background CPU ${w.cpu.backgroundPct} % of a core (limit ${options.maxBackground} %)`)
    }
    if (timing && w.cpu.driverPct !== undefined && w.cpu.driverPct > options.maxDriver) {
      reasons.push(`${w.label}: driver at ${w.cpu.driverPct} % of a core (limit ${options.maxDriver} %)`)
    }
  }
  if (timing && windows.length > 0 && windows.every((w) => !w.cpu))
    reasons.push('CPU accounting unavailable (no /proc): contamination cannot be judged')
  return reasons
}

async function runScenario(scenario, placement) {
  const timing = scenario.timing !== false
  const wanted = timing ? profile.runs : 1
  const runs = []
  let error
  while (runs.filter((r) => r.clean).length < wanted && runs.length < wanted + (timing ? profile.retries : 0)) {
    const index = runs.length + 1
    const quiet =
      timing && profile.quietWaitMs > 0
        ? await waitForQuiet({maxBusyPct: options.maxBackground, maxWaitMs: profile.quietWaitMs})
        : undefined
    if (quiet && !quiet.quiet)
      log(
        `  machine not quiet after ${Math.round(quiet.waitedMs / 1000)} s (busy ${quiet.samples.slice(-3).join(', ')} % of a core): running anyway`,
      )
    const loadBefore = loadAverage()
    const started = Date.now()
    const driver = await startDriver(placement)
    const ctx = newContext(scenario, index, placement, driver)
    let outcome
    try {
      outcome = await scenario.run(ctx)
    } catch (e) {
      error = e.stack ?? String(e)
      outcome = {metrics: {}, error: String(e.message ?? e)}
    } finally {
      await driver.stop()
    }
    const reasons = rejectionReasons(ctx.windows, timing)
    if (outcome.error) reasons.push(`error: ${outcome.error}`)
    const run = {
      index,
      clean: reasons.length === 0,
      reasons,
      problems: ctx.problems,
      seconds: (Date.now() - started) / 1000,
      quiet,
      load: {before: loadBefore, after: loadAverage()},
      windows: ctx.windows,
      metrics: outcome.metrics,
      details: outcome.details,
    }
    runs.push(run)
    const ratio = typeof run.metrics?.ratio === 'number' ? `, ratio ${run.metrics.ratio.toFixed(2)}` : ''
    log(
      `  run ${index}: ${run.clean ? 'clean' : `rejected (${reasons.length} reason(s), first: ${reasons[0]})`} in ${run.seconds.toFixed(1)} s${ratio}`,
    )
    if (outcome.error) break
  }
  const clean = runs.filter((r) => r.clean)
  const basis = clean.length > 0 ? clean : runs.filter((r) => !r.metrics || Object.keys(r.metrics).length > 0)
  const names = new Set(basis.flatMap((r) => Object.keys(r.metrics ?? {})))
  const summary = Object.fromEntries([...names].map((name) => [name, summarize(basis.map((r) => r.metrics[name]))]))
  return {
    id: scenario.id,
    title: scenario.title,
    what: scenario.what,
    timing,
    trusted: clean.length > 0,
    cleanRuns: clean.length,
    runs,
    summary,
    rows: scenario.rows.map((row) => evaluateRow(row, summary)),
    error: error?.split('\n')[0],
  }
}

/** Which kne was measured: the commit, whether the tree had changes, and the build used. */
function source() {
  const git = (args) => {
    const r = spawnSync('git', args, {cwd: REPO, encoding: 'utf8'})
    return r.status === 0 ? r.stdout.trim() : undefined
  }
  const changes = git(['status', '--porcelain', '--', 'src'])
  return {
    commit: git(['rev-parse', '--short', 'HEAD']),
    srcChanged: changes === undefined ? undefined : changes !== '',
    build: process.env.KNE_DIST ?? 'dist',
  }
}

const placement = detectPlacement({pin: options.pin})
const result = {
  version: 1,
  mode,
  startedAt: new Date().toISOString(),
  machine: machineInfo(),
  placement,
  options,
  profile,
  source: source(),
  load: {before: loadAverage()},
  scenarios: [],
}
log(
  `kne bench (${mode}): ${selected.map((s) => s.id).join(', ')}; ${placement.pinned ? `driver on core ${placement.cores.driver}, SUT on core ${placement.cores.sut}` : 'not pinned'}`,
)
for (const scenario of selected) {
  log(`${scenario.id}: ${scenario.title}`)
  const outcome = await runScenario(scenario, placement)
  result.scenarios.push(outcome)
  for (const row of outcome.rows) {
    if (row.kne === undefined) continue
    const ratio = row.ratio ? ` ratio ${row.ratio.median.toFixed(2)}` : ''
    const verdict = row.pass === undefined ? '' : row.pass ? ' pass' : ' FAIL'
    log(
      `  ${row.figure}: kne ${row.kne.median.toFixed(2)}${row.baseline ? ` vs ${row.baseline.median.toFixed(2)}` : ''}${ratio}${verdict}${outcome.trusted ? '' : ' (no clean run)'}`,
    )
  }
}
result.finishedAt = new Date().toISOString()
result.load.after = loadAverage()

mkdirSync(RESULTS, {recursive: true})
const stamp = result.startedAt.replace(/[:.]/g, '-')
const json = JSON.stringify(result, null, 1)
writeFileSync(join(RESULTS, `${stamp}-${mode}.json`), json)
writeFileSync(join(RESULTS, `latest-${mode}.json`), json)
const mdPath = args.md ?? (mode === 'full' && !args.only ? join(REPO, 'BENCHMARKS.md') : join(RESULTS, `BENCHMARKS.${mode}.md`))
writeFileSync(mdPath, renderMarkdown(result, readNotes()))
log(`wrote ${relative(REPO, mdPath)} and bench/results/${stamp}-${mode}.json`)
