// The LIMIT baseline: the least a Node broker on kne's HTTP stack can do per event (node:http in, undici
// out). It takes a POST, picks the "triggers" whose exact type matches through a Map (the best any index
// can do), and POSTs the event to each one's path on the sink; nothing is parsed, validated, stored or retried.
//   MODE=async  answers 202 at once, then delivers (Knative's async handler)
//   MODE=sync   answers once every delivery is acknowledged (Knative's default)
// Env: SINK (origin of the subscriber), TRIGGERS (count), MATCH (how many of them match the driver's type).
import {createServer} from 'node:http'
import {Pool} from 'undici'

const {MODE = 'async', SINK, TRIGGERS = '1', MATCH = '1', EVENT_TYPE = 'dev.kne.bench.match'} = process.env
const pool = new Pool(SINK, {connections: 64, pipelining: 1})
const routes = new Map()
for (let i = 0; i < Number(TRIGGERS); i++) {
  const type = i < Number(MATCH) ? EVENT_TYPE : `dev.kne.bench.other${i}`
  routes.set(type, [...(routes.get(type) ?? []), `/t/${i}`])
}

async function deliver(path, headers, body) {
  try {
    const response = await pool.request({path, method: 'POST', headers, body})
    await response.body.dump()
    return response.statusCode >= 200 && response.statusCode < 300
  } catch {
    return false
  }
}

const server = createServer((req, res) => {
  const chunks = []
  req.on('data', (chunk) => chunks.push(chunk))
  req.on('end', () => {
    const body = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)
    const headers = {}
    for (const [name, value] of Object.entries(req.headers)) {
      if (name.startsWith('ce-') || name === 'content-type') headers[name] = value
    }
    const paths = routes.get(req.headers['ce-type']) ?? []
    const deliveries = Promise.all(paths.map((path) => deliver(path, headers, body)))
    if (MODE === 'async') {
      res.writeHead(202, {'content-length': '0'}).end()
      return
    }
    deliveries.then((ok) => res.writeHead(ok.every(Boolean) ? 202 : 502, {'content-length': '0'}).end())
  })
})
server.keepAliveTimeout = 65_000

server.listen(0, '127.0.0.1', () => process.send({kind: 'ready', port: server.address().port}))
process.on('message', (message) => {
  if (message.kind === 'stop') process.exit(0)
})
process.on('disconnect', () => process.exit(0))
