// The load driver: sends 1 KiB binary-mode CloudEvents to the system under test and is also the subscriber
// every trigger delivers to, so one clock times each event from send to delivery (BENCHMARKING.md §3.1).
//
// Run by bench/run.js with an IPC channel. It starts its sink, answers {kind: 'ready', sinkPort}, then runs
// each {kind: 'run', params} it is sent and answers {kind: 'result', result}; {kind: 'exit'} ends it.
//
// Sender: raw keep-alive sockets, one pre-formatted request head plus the body per event (cork/uncork: one
// writev), responses parsed by status line and Content-Length (or chunked end). It costs about a third of an
// undici request, so the driver saturates after any HTTP relay it measures.
//   open loop  : a 1 ms timer sends floor(rate × elapsed) − sent events; in-flight requests are capped and
//                sends skipped at the cap are counted (they mean the SUT is saturated).
//   closed loop: each connection sends its next event as soon as the previous one is answered. With
//                `steady`, the warm-up goes on past warmupMs until the answer rate stops climbing (see below).
// Every run reports its answer rate per half second from the first send (`timeline`): how long a system
// took to warm up, and whether the window caught a stall.
import {createServer} from 'node:http'
import {connect} from 'node:net'
import {cpuWindow} from './lib/sys.js'
import {Samples} from './lib/stats.js'

const EVENT_TYPE = 'dev.kne.bench.match'
const EVENT_SOURCE = '/bench/driver'

/** Per-event columns indexed by seq − base, grown together. */
class EventTable {
  constructor(capacity = 1 << 16) {
    this.sentAt = new Float64Array(capacity)
    this.delivered = new Uint8Array(capacity)
    this.attempts = new Uint8Array(capacity)
  }

  ensure(index) {
    if (index < this.sentAt.length) return
    let size = this.sentAt.length
    while (size <= index) size *= 2
    const grow = (old, Type) => {
      const next = new Type(size)
      next.set(old)
      return next
    }
    this.sentAt = grow(this.sentAt, Float64Array)
    this.delivered = grow(this.delivered, Uint8Array)
    this.attempts = grow(this.attempts, Uint8Array)
  }
}

let nextSeq = 1
/** The run in progress; deliveries for events of earlier runs are counted as stale and otherwise ignored. */
let current

function newRun(params) {
  return {
    params,
    base: nextSeq,
    table: new EventTable(),
    windowFirst: Infinity,
    windowOpen: false,
    windowClosed: false,
    ackedInWindow: 0,
    deliveriesInWindow: 0,
    uniqueDelivered: 0,
    duplicates: 0,
    injectedFailures: 0,
    stale: 0,
    skipped: 0,
    slices: [],
    inflight: 0,
    transportErrors: 0,
    statuses: {},
    e2e: new Samples(),
    e2eRetried: new Samples(),
    ack: new Samples(),
  }
}

// ---- sink: the subscriber of every trigger ----

const sink = createServer((req, res) => {
  const seq = Number(req.headers['ce-id'])
  req.on('end', () => {
    const run = current
    if (run === undefined || !(seq >= run.base)) {
      if (run) run.stale++
      res.writeHead(200, {'content-length': '0'}).end()
      return
    }
    const i = seq - run.base
    run.table.ensure(i)
    const {failEvery = 0, perEvent = 1} = run.params
    const firstAttempt = run.table.attempts[i] === 0
    if (run.table.attempts[i] < 255) run.table.attempts[i]++
    if (failEvery > 0 && seq % failEvery === 0 && firstAttempt) {
      run.injectedFailures++
      res.writeHead(503, {'content-length': '0'}).end()
      return
    }
    res.writeHead(200, {'content-length': '0'}).end()
    const now = performance.now()
    if (run.windowOpen && !run.windowClosed) run.deliveriesInWindow++
    const count = ++run.table.delivered[i]
    if (count > perEvent) {
      run.duplicates++
      return
    }
    if (seq < run.windowFirst) return
    run.uniqueDelivered++
    const latency = now - run.table.sentAt[i]
    if (failEvery > 0 && seq % failEvery === 0) run.e2eRetried.push(latency)
    else run.e2e.push(latency)
  })
  req.resume()
})
sink.keepAliveTimeout = 60_000

// ---- sender ----

const RESPONSE_END = Buffer.from('\r\n\r\n')
const CHUNKED_END = Buffer.from('0\r\n\r\n')

class Connection {
  constructor(host, port, onResponse) {
    this.host = host
    this.port = port
    this.onResponse = onResponse
    this.pending = []
    this.head = 0
    this.rest = undefined
    this.closed = false
    this.open()
  }

  open() {
    this.socket = connect({host: this.host, port: this.port, noDelay: true})
    this.socket.on('data', (chunk) => this.onData(chunk))
    this.socket.on('error', () => {})
    this.socket.on('close', () => {
      // requests on a closed socket are lost: count them (as transport errors) and reconnect
      const lost = this.pending.slice(this.head)
      this.pending = []
      this.head = 0
      this.rest = undefined
      if (this.closed) return
      this.open()
      for (const seq of lost) this.onResponse(this, seq, undefined)
    })
  }

  get inflight() {
    return this.pending.length - this.head
  }

  send(headPrefix, seq, headSuffix, body) {
    this.pending.push(seq)
    const socket = this.socket
    socket.cork()
    socket.write(`${headPrefix}${seq}${headSuffix}`, 'latin1')
    socket.write(body)
    socket.uncork()
  }

  onData(chunk) {
    let data = this.rest === undefined ? chunk : Buffer.concat([this.rest, chunk])
    let offset = 0
    for (;;) {
      const end = data.indexOf(RESPONSE_END, offset)
      if (end < 0) break
      const head = data.toString('latin1', offset, end)
      let bodyEnd = end + 4
      const length = /\r\ncontent-length: *(\d+)/i.exec(head)
      if (length) {
        bodyEnd += Number(length[1])
        if (bodyEnd > data.length) break
      } else if (/\r\ntransfer-encoding: *chunked/i.test(head)) {
        const last = data.indexOf(CHUNKED_END, end + 4)
        if (last < 0) break
        bodyEnd = last + CHUNKED_END.length
      }
      offset = bodyEnd
      const seq = this.pending[this.head++]
      if (this.head === this.pending.length) {
        this.pending = []
        this.head = 0
      }
      this.onResponse(this, seq, Number(head.slice(9, 12)))
    }
    this.rest = offset < data.length ? data.subarray(offset) : undefined
  }

  close() {
    this.closed = true
    this.socket.destroy()
  }
}

function statusClass(status) {
  if (status === undefined) return 'transport'
  if (status >= 200 && status < 300) return '2xx'
  return String(status)
}

async function execute(params) {
  const {
    target,
    mode,
    rate = 0,
    conns = 16,
    warmupMs = 1000,
    measureMs = 3000,
    drainMs = 3000,
    bodyBytes = 1024,
    maxInflight = 4000,
    pids = [],
    count,
  } = params
  const run = newRun(params)
  current = run
  const url = new URL(target)
  const headPrefix = `POST ${url.pathname} HTTP/1.1\r\nhost: ${url.host}\r\nce-specversion: 1.0\r\nce-id: `
  // a JSON object of exactly bodyBytes bytes: {"data":"xxx…"}
  const body = Buffer.from(`{"data":"${'x'.repeat(Math.max(0, bodyBytes - 11))}"}`)
  const headSuffix = `\r\nce-source: ${EVENT_SOURCE}\r\nce-type: ${EVENT_TYPE}\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n`
  const perEvent = params.perEvent ?? 1
  let sending = true
  let sentTotal = 0

  const sendOn = (conn) => {
    const seq = nextSeq++
    const i = seq - run.base
    run.table.ensure(i)
    run.table.sentAt[i] = performance.now()
    run.inflight++
    sentTotal++
    conn.send(headPrefix, seq, headSuffix, body)
  }

  let finishCount
  const onResponse = (conn, seq, status) => {
    run.inflight--
    const now = performance.now()
    if (seq !== undefined && seq >= run.windowFirst) {
      const key = statusClass(status)
      run.statuses[key] = (run.statuses[key] ?? 0) + 1
      if (status === undefined) run.transportErrors++
      run.ack.push(now - run.table.sentAt[seq - run.base])
    }
    if (run.windowOpen && !run.windowClosed) run.ackedInWindow++
    if (!run.windowClosed) {
      const slice = Math.floor((now - run.started) / SLICE_MS)
      run.slices[slice] = (run.slices[slice] ?? 0) + 1
    }
    if (mode === 'closed' && sending && (count === undefined || sentTotal < count)) sendOn(conn)
    if (count !== undefined && run.inflight === 0 && sentTotal >= count) finishCount?.()
  }

  const connections = []
  for (let i = 0; i < conns; i++) connections.push(new Connection(url.hostname, Number(url.port), onResponse))
  await Promise.all(
    connections.map(
      (c) =>
        new Promise((resolve, reject) => {
          c.socket.once('connect', resolve)
          c.socket.once('error', reject)
        }),
    ),
  )

  // count mode (memory fill): a fixed number of events, closed loop, no window
  if (count !== undefined) {
    run.windowOpen = true
    run.windowFirst = run.base
    const started = performance.now()
    await new Promise((resolve) => {
      finishCount = resolve
      for (const c of connections) if (sentTotal < count) sendOn(c)
    })
    const seconds = (performance.now() - started) / 1000
    await waitFor(() => run.uniqueDelivered >= count * perEvent, drainMs)
    for (const c of connections) c.close()
    current = undefined
    return {mode, count, seconds, rate: Math.round(count / seconds), statuses: run.statuses, delivered: run.uniqueDelivered}
  }

  let timer
  let rr = 0
  let skippedTotal = 0
  const started = performance.now()
  run.started = started
  if (mode === 'open') {
    timer = setInterval(() => {
      if (!sending) return
      const due = Math.floor((rate * (performance.now() - started)) / 1000)
      while (sentTotal + skippedTotal < due) {
        if (run.inflight >= maxInflight) {
          const missed = due - sentTotal - skippedTotal
          skippedTotal += missed
          if (run.windowOpen) run.skipped += missed
          break
        }
        sendOn(connections[rr])
        rr = (rr + 1) % connections.length
      }
    }, 1)
  } else {
    for (const c of connections) sendOn(c)
  }

  await sleep(warmupMs)
  if (mode === 'closed' && params.steady) await untilSteady(run, started, params.steady)
  const warmedMs = performance.now() - started
  run.windowFirst = nextSeq
  run.windowOpen = true
  const window = cpuWindow(['self', ...pids])
  const windowStarted = performance.now()
  await sleep(measureMs)
  run.windowClosed = true
  sending = false
  const seconds = (performance.now() - windowStarted) / 1000
  const cpu = window.stop()
  clearInterval(timer)
  const windowLast = nextSeq
  const sentInWindow = windowLast - run.windowFirst
  await waitFor(() => run.inflight === 0 && run.uniqueDelivered >= sentInWindow * perEvent, drainMs)
  for (const c of connections) c.close()
  current = undefined

  const expected = sentInWindow * perEvent
  return {
    mode,
    rate,
    conns,
    seconds: round(seconds, 3),
    sent: sentInWindow,
    sendRate: round(sentInWindow / seconds),
    ackRate: round(run.ackedInWindow / seconds),
    statuses: run.statuses,
    skipped: run.skipped,
    expectedDeliveries: expected,
    delivered: run.uniqueDelivered,
    deliveredRatio: expected === 0 ? 0 : round(run.uniqueDelivered / expected, 4),
    deliveryRate: round(run.deliveriesInWindow / seconds),
    duplicates: run.duplicates,
    injectedFailures: run.injectedFailures,
    stale: run.stale,
    warmupMs: Math.round(warmedMs),
    timeline: {sliceMs: SLICE_MS, rps: Array.from(run.slices, (n) => Math.round(((n ?? 0) * 1000) / SLICE_MS))},
    e2eMs: run.e2e.percentiles(),
    e2eRetriedMs: run.e2eRetried.percentiles(),
    ackMs: run.ack.percentiles(),
    cpu: cpu.available
      ? {
          driverPct: cpu.processes[0],
          processesPct: cpu.processes.slice(1),
          backgroundPct: cpu.backgroundPct,
          totalPct: cpu.totalPct,
          stealPct: cpu.stealPct,
        }
      : undefined,
  }
}

const SLICE_MS = 500

/**
 * Warms a closed loop up until its answer rate is steady: the answers of the last whole second within
 * `tolerance` of those of the second before it (a JIT still compiling, or a heap still growing, shows as a
 * climb), for at most `maxMs` from the first send. A fixed warm-up suits one system and not another: kne
 * has more code to compile than the relay, so a time that warms the relay fully can leave kne climbing.
 */
async function untilSteady(run, started, {tolerance = 0.03, maxMs = 15_000} = {}) {
  const slice = (i) => run.slices[i] ?? 0
  for (;;) {
    const elapsed = performance.now() - started
    const whole = Math.floor(elapsed / SLICE_MS)
    const last = slice(whole - 1) + slice(whole - 2)
    const before = slice(whole - 3) + slice(whole - 4)
    if (whole >= 4 && last > 0 && Math.abs(last - before) <= tolerance * Math.max(last, before)) return
    if (elapsed >= maxMs) return
    await sleep(SLICE_MS - (elapsed % SLICE_MS) + 1)
  }
}

function round(value, digits = 1) {
  const f = 10 ** digits
  return Math.round(value * f) / f
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

async function waitFor(condition, timeoutMs) {
  const until = performance.now() + timeoutMs
  while (!condition() && performance.now() < until) await sleep(10)
}

sink.listen(0, '127.0.0.1', () => {
  process.send({kind: 'ready', sinkPort: sink.address().port})
})

process.on('message', (message) => {
  if (message.kind === 'run') {
    execute(message.params).then(
      (result) => process.send({kind: 'result', result}),
      (error) => process.send({kind: 'error', error: String(error?.stack ?? error)}),
    )
  } else if (message.kind === 'exit') {
    sink.close()
    sink.closeAllConnections()
    process.exit(0)
  }
})
process.on('disconnect', () => process.exit(0))
