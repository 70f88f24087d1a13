// A local OTLP/HTTP collector for the tracing scenario: takes POST /v1/traces, reads the body to the end
// without parsing it, and answers 200 with an empty ExportTraceServiceResponse, as a collector that keeps up would.
// IPC: sends {kind: 'ready', port}; {kind: 'report'} → {kind: 'report', requests, bytes}.
import {createServer} from 'node:http'

let requests = 0
let bytes = 0
const server = createServer((req, res) => {
  req.on('data', (chunk) => (bytes += chunk.length))
  req.on('end', () => {
    requests++
    res.writeHead(200, {'Content-Type': 'application/x-protobuf', 'Content-Length': '0'}).end()
  })
})
server.listen(0, '127.0.0.1', () => process.send({kind: 'ready', port: server.address().port}))
process.on('message', (message) => {
  if (message.kind === 'report') process.send({kind: 'report', requests, bytes})
  else if (message.kind === 'stop') server.close(() => process.exit(0))
})
process.on('disconnect', () => process.exit(0))
