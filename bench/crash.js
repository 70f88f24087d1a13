// The crash test at scale: the built `kne dev --persist` (asynchronous broker, one trigger with retries)
// takes N events, is killed with SIGKILL at random moments while it delivers, and is started again on the
// same log each time; at the end every accepted event must have reached the subscriber. Counts what was
// accepted, delivered, lost and delivered twice. Usage as a script: node bench/crash.js [events] [kills].
import {spawn} from 'node:child_process'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {createServer} from 'node:http'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

const REPO = fileURLToPath(new URL('..', import.meta.url))

/** Runs the crash test; `random` (0..1) places the kills, so a seeded one repeats a run. */
export async function crashTest({events = 5000, kills = 5, random = Math.random, log = () => {}} = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'kne-bench-crash-'))
  // the first attempt of every event fails: at any moment many deliveries wait for their retry
  const attempts = new Map()
  const delivered = new Map()
  const subscriber = createServer((req, res) => {
    req.resume()
    req.on('end', () => {
      const id = req.headers['ce-id']
      const n = (attempts.get(id) ?? 0) + 1
      attempts.set(id, n)
      if (n === 1) return res.writeHead(503).end()
      delivered.set(id, (delivered.get(id) ?? 0) + 1)
      res.writeHead(200).end()
    })
  })
  await new Promise((resolve) => subscriber.listen(0, '127.0.0.1', resolve))
  const sinkUrl = `http://127.0.0.1:${subscriber.address().port}`
  writeFileSync(
    join(dir, 'app.yaml'),
    `apiVersion: eventing.knative.dev/v1
kind: Broker
metadata:
  name: default
  annotations:
    messaging.knative.dev/async-handler: "true"
---
apiVersion: eventing.knative.dev/v1
kind: Trigger
metadata:
  name: orders
spec:
  broker: default
  delivery: {retry: 5, backoffPolicy: linear, backoffDelay: PT0.5S}
  subscriber:
    uri: ${sinkUrl}
`,
  )
  const env = {...process.env, XDG_DATA_HOME: dir, XDG_CONFIG_HOME: dir, XDG_CACHE_HOME: dir, NO_COLOR: '1'}
  delete env.KNE_URL
  const start = async () => {
    const child = spawn(
      process.execPath,
      [
        join(REPO, 'bin', 'run.js'),
        'dev',
        '-f',
        join(dir, 'app.yaml'),
        '--port',
        '0',
        '--persist',
        join(dir, 'log'),
        '--quiet',
        '--no-watch',
      ],
      {env, stdio: ['ignore', 'pipe', 'pipe']},
    )
    let out = ''
    const url = await new Promise((resolve, reject) => {
      child.stdout.on('data', (d) => {
        out += d
        const m = /Ready on (http:\/\/127\.0\.0\.1:\d+)/.exec(out)
        if (m) resolve(m[1])
      })
      child.stderr.on('data', (d) => (out += d))
      child.once('exit', (code) => reject(new Error(`kne dev exited (${code}) before it was ready:\n${out}`)))
    })
    return {child, url, exited: new Promise((resolve) => child.once('exit', resolve))}
  }
  let dev = await start()
  const accepted = new Set()
  let refused = 0
  let killed = 0
  const started = performance.now()
  try {
    // a sender posts each event until kne accepts it, as a producer retries: an answer lost to a kill, or a
    // refusal while kne starts again, is counted and the event sent again (so it may be accepted twice)
    let next = 0
    const post = async (id) => {
      try {
        const res = await fetch(`${dev.url}/default/default`, {
          method: 'POST',
          headers: {
            'ce-specversion': '1.0',
            'ce-id': id,
            'ce-type': 'dev.kne.bench.crash',
            'ce-source': '/bench/crash',
            'content-type': 'application/json',
          },
          body: JSON.stringify({id, pad: 'x'.repeat(900)}),
        })
        await res.arrayBuffer()
        return res.status === 202
      } catch {
        return false
      }
    }
    const send = async () => {
      while (next < events) {
        const id = `e-${next++}`
        while (!(await post(id))) {
          refused++
          await new Promise((resolve) => setTimeout(resolve, 50))
        }
        accepted.add(id)
      }
    }
    const sending = Promise.all(Array.from({length: 8}, send))
    while (killed < kills) {
      await new Promise((resolve) => setTimeout(resolve, 300 + random() * 1500))
      dev.child.kill('SIGKILL')
      await dev.exited
      killed++
      log(`crash: killed kne dev (${killed}/${kills}); ${accepted.size} accepted, ${delivered.size} delivered so far`)
      dev = await start()
    }
    await sending
    const deadline = Date.now() + 120_000
    while ([...accepted].some((id) => !delivered.has(id)) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100))
    const lost = [...accepted].filter((id) => !delivered.has(id)).length
    const duplicates = [...delivered.values()].reduce((sum, n) => sum + n - 1, 0)
    return {
      events,
      kills: killed,
      accepted: accepted.size,
      refused,
      delivered: [...accepted].filter((id) => delivered.has(id)).length,
      lost,
      duplicates,
      seconds: Math.round((performance.now() - started) / 100) / 10,
    }
  } finally {
    dev.child.kill('SIGKILL')
    await dev.exited
    subscriber.close()
    subscriber.closeAllConnections()
    rmSync(dir, {recursive: true, force: true})
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const result = await crashTest({
    events: Number(process.argv[2] ?? 5000),
    kills: Number(process.argv[3] ?? 5),
    log: (line) => process.stderr.write(`${line}\n`),
  })
  process.stdout.write(`${JSON.stringify(result)}\n`)
}
