// Where a kne process spent its CPU: reads .cpuprofile files (node --cpu-prof, or `npm run bench -- --profile`)
// and prints the functions with the most self time, and the time grouped by file (kne's own modules, node
// internals, each dependency), as % of all samples.
// Usage: node bench/profile-summary.js <file.cpuprofile | folder> [--top N]
import {readdirSync, readFileSync, statSync} from 'node:fs'
import {join} from 'node:path'
import {parseArgs} from 'node:util'

const {values, positionals} = parseArgs({allowPositionals: true, options: {top: {type: 'string', default: '25'}}})
const top = Number(values.top)

const files = positionals.flatMap((p) =>
  statSync(p).isDirectory()
    ? readdirSync(p)
        .filter((f) => f.endsWith('.cpuprofile'))
        .map((f) => join(p, f))
    : [p],
)
if (files.length === 0) {
  process.stderr.write('usage: node bench/profile-summary.js <file.cpuprofile | folder> [--top N]\n')
  process.exit(2)
}

/** A short place name: kne's own file relative to dist/, a package name, or node's internal module. */
function place(url) {
  if (!url) return '(native / VM)'
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)
  if (pkg) return pkg[1]
  // kne's own modules, from dist/ or another build of it (an A/B copy)
  const kne = /\/((?:mesh|core|client|commands|scaffold)\/.+|[^/]+\.js)$/.exec(url)
  if (kne && !url.startsWith('node:') && !/\/bench\/[^/]+\.js$/.test(url)) return `kne:${kne[1]}`
  if (url.startsWith('node:')) return url
  return url.replace(/^file:\/\//, '')
}

for (const file of files) {
  const profile = JSON.parse(readFileSync(file, 'utf8'))
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  const selfTime = new Map()
  profile.samples.forEach((id, i) => selfTime.set(id, (selfTime.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)))
  let total = 0
  let idle = 0
  const byFunction = new Map()
  const byPlace = new Map()
  for (const [id, time] of selfTime) {
    const {callFrame} = byId.get(id)
    total += time
    if (callFrame.functionName === '(idle)') {
      idle += time
      continue
    }
    const name = `${callFrame.functionName || '(anonymous)'} ${place(callFrame.url)}${callFrame.url ? `:${callFrame.lineNumber + 1}` : ''}`
    byFunction.set(name, (byFunction.get(name) ?? 0) + time)
    const where = ['(garbage collector)', '(program)'].includes(callFrame.functionName) ? callFrame.functionName : place(callFrame.url)
    byPlace.set(where, (byPlace.get(where) ?? 0) + time)
  }
  // inclusive time of kne's own functions: every function on a sample's stack gets the sample once
  const parent = new Map()
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
  const inclusive = new Map()
  for (const [id, time] of selfTime) {
    if (byId.get(id).callFrame.functionName === '(idle)') continue
    const seen = new Set()
    for (let at = id; at !== undefined; at = parent.get(at)) {
      const {callFrame} = byId.get(at)
      const where = place(callFrame.url)
      if (!where.startsWith('kne:')) continue
      const name = `${callFrame.functionName || '(anonymous)'} ${where}:${callFrame.lineNumber + 1}`
      if (seen.has(name)) continue
      seen.add(name)
      inclusive.set(name, (inclusive.get(name) ?? 0) + time)
    }
  }
  const busy = total - idle
  const pct = (t) => `${((t / busy) * 100).toFixed(1).padStart(5)} %`
  process.stdout.write(
    `\n${file}\n  ${(total / 1e6).toFixed(2)} s sampled, ${(busy / 1e6).toFixed(2)} s busy (percentages are of busy time)\n`,
  )
  process.stdout.write('  self time by function:\n')
  for (const [name, t] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, top)) process.stdout.write(`    ${pct(t)}  ${name}\n`)
  process.stdout.write('  total time (self + callees) of kne functions:\n')
  for (const [name, t] of [...inclusive].sort((a, b) => b[1] - a[1]).slice(0, top)) process.stdout.write(`    ${pct(t)}  ${name}\n`)
  process.stdout.write('  self time by place:\n')
  for (const [name, t] of [...byPlace].sort((a, b) => b[1] - a[1]).slice(0, top)) process.stdout.write(`    ${pct(t)}  ${name}\n`)
}
