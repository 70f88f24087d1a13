// N attached `kne tail` streams: each follows GET /_kne/v1/activity?follow=true (what `kne tail` reads) and
// counts the NDJSON lines it gets, without parsing them, so the cost measured is the mesh's, not a
// client's. Args: <mesh url> <streams>. IPC: {kind: 'ready'} once every stream is subscribed;
// {kind: 'report'} → {kind: 'report', lines, bytes, endedEarly}.
import {get} from 'node:http'

const [url, streamsArg] = process.argv.slice(2)
const streams = Number(streamsArg)
let lines = 0
let bytes = 0
let endedEarly = 0
let subscribed = 0
let stopping = false

for (let i = 0; i < streams; i++) {
  get(`${url}/_kne/v1/activity?follow=true`, (res) => {
    let first = true
    res.on('data', (chunk) => {
      bytes += chunk.length
      for (let at = chunk.indexOf(10); at >= 0; at = chunk.indexOf(10, at + 1)) {
        lines++
        if (first) {
          first = false
          if (++subscribed === streams) process.send({kind: 'ready'})
        }
      }
    })
    // the mesh ends a stream that falls 16 MiB behind (an overflow line): that run is not valid
    res.on('end', () => {
      if (!stopping) endedEarly++
    })
  }).on('error', () => {
    if (!stopping) endedEarly++
  })
}

process.on('message', (message) => {
  if (message.kind === 'report') process.send({kind: 'report', lines, bytes, endedEarly})
  if (message.kind === 'stop') {
    stopping = true
    process.exit(0)
  }
})
process.on('disconnect', () => process.exit(0))
