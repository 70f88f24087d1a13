// The event log's file store on its own (not part of `npm run bench`): bytes on disk per 1 KiB event, alone
// and with the records of its path (accepted, one attempt, outcome, settled), and appends per second with
// --persist-sync always and batch. Needs a build (`npm run build`).
// Usage: node bench/event-log.js [--events N] [--always-events N] [--dir DIR]
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {parseArgs} from 'node:util'
import {attemptRecord, eventRecord, outcomeRecord, settledRecord} from '../dist/core/activity.js'
import {openEventLog} from '../dist/mesh/event-log/file-store.js'

const {values} = parseArgs({
  options: {events: {type: 'string', default: '20000'}, 'always-events': {type: 'string', default: '2000'}, dir: {type: 'string'}},
})
const root = values.dir ?? tmpdir()

function eventPath(seq, arrival, data, datacontenttype) {
  const ref = {broker: 'default/default', arrival, id: `e-${arrival}`, type: 'com.example.order', source: '/bench'}
  const event = {specversion: '1.0', id: ref.id, source: ref.source, type: ref.type, datacontenttype, extensions: {}, data}
  const at = new Date().toISOString()
  const records = [
    eventRecord(ref, 'ingress', undefined, undefined, {matched: ['default/t1'], notMatched: []}, event),
    attemptRecord(ref, {trigger: 'default/t1'}, 'subscriber', 'http://127.0.0.1:8080/', 1, 202, undefined, 1.2, undefined),
    outcomeRecord(ref, {trigger: 'default/t1'}, {outcome: 'delivered', status: 202}),
    settledRecord(ref, {'default/t1': 'delivered'}),
  ]
  for (const [i, record] of records.entries()) {
    record.seq = seq + i
    record.at = at
  }
  return records
}

const KIND_OF_DATA = {
  JSON: [Buffer.from(JSON.stringify({order: 'x'.repeat(1024 - 13)})), 'application/json'],
  text: [Buffer.from('y'.repeat(1024)), 'text/plain'],
  binary: [Buffer.from(Array.from({length: 1024}, (_, i) => (i * 37) & 0xff)), 'application/octet-stream'],
}

function withLog(sync, fn) {
  const dir = mkdtempSync(join(root, 'kne-log-bench-'))
  const log = openEventLog({dir, sync, maxBytes: 4 * 1024 * 1024 * 1024})
  try {
    return fn(log)
  } finally {
    log.close()
    rmSync(dir, {recursive: true, force: true})
  }
}

console.log('bytes on disk per 1 KiB event')
for (const [kind, [data, type]] of Object.entries(KIND_OF_DATA)) {
  withLog('batch', (log) => {
    const count = 1000
    let seq = 1
    let eventBytes = 0
    for (let arrival = 1; arrival <= count; arrival++) {
      const [event, ...rest] = eventPath(seq, arrival, data, type)
      log.append(event)
      if (arrival === 1) eventBytes = log.stats().bytes
      for (const record of rest) log.append(record)
      seq += 4
    }
    const perPath = log.stats().bytes / count
    console.log(`  ${kind.padEnd(6)}  event record ${eventBytes} B, with its path (4 records) ${perPath.toFixed(0)} B`)
  })
}

for (const [sync, events] of [
  ['batch', Number(values.events)],
  ['always', Number(values['always-events'])],
]) {
  withLog(sync, (log) => {
    const [data, type] = KIND_OF_DATA.JSON
    const paths = Array.from({length: Math.min(events, 1000)}, (_, i) => eventPath(0, i + 1, data, type))
    let seq = 1
    const started = process.hrtime.bigint()
    for (let i = 0; i < events; i++) {
      for (const record of paths[i % paths.length]) {
        record.seq = seq++
        log.append(record)
      }
    }
    log.flush()
    const seconds = Number(process.hrtime.bigint() - started) / 1e9
    const appends = events * 4
    console.log(
      `sync ${sync.padEnd(6)}: ${events} events (${appends} records) in ${seconds.toFixed(2)} s: ` +
        `${Math.round(appends / seconds)} appends/s, ${Math.round(events / seconds)} events/s, ${((seconds / appends) * 1e6).toFixed(1)} µs per append`,
    )
    if (sync !== 'batch') return
    const readStarted = process.hrtime.bigint()
    let records = 0
    for (const record of log.read()) if (record.seq > 0) records++
    const readSeconds = Number(process.hrtime.bigint() - readStarted) / 1e9
    const mib = log.stats().bytes / 1024 / 1024
    console.log(
      `read: ${records} records (${mib.toFixed(1)} MiB) in ${readSeconds.toFixed(2)} s: ${Math.round(records / readSeconds)} records/s, ${(mib / readSeconds).toFixed(0)} MiB/s`,
    )
  })
}
