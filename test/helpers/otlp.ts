// A local OTLP/HTTP collector: a node:http server that takes POST /v1/traces with OTLP protobuf bodies and
// keeps each span with its attributes read into plain values, as a tracing backend would show them.
import {createServer} from 'node:http'
import type {AddressInfo} from 'node:net'
import {decodeTracesRequest} from './otlp-protobuf.js'

export interface ReceivedSpan {
  traceId: string
  spanId: string
  parentSpanId: string | undefined
  name: string
  /** OTLP's numbers: 1 INTERNAL, 2 SERVER, 3 CLIENT. */
  kind: number
  attributes: Record<string, string | number | boolean>
  /** 2 is ERROR. */
  statusCode: number | undefined
  /** Start and end as Unix milliseconds (from OTLP's nanoseconds). */
  startMs: number
  endMs: number
  serviceName: string | undefined
}

export const SPAN_KIND = {internal: 1, server: 2, client: 3} as const

export interface Collector {
  /** The base URL (what OTEL_EXPORTER_OTLP_ENDPOINT takes). */
  url: string
  spans: ReceivedSpan[]
  /** Export requests received, with the path each went to. */
  paths: string[]
  close(): Promise<void>
}

/** A collector answering every export with `status` (200: taken), or never answering (`'never'`: it only counts the requests). */
export async function startCollector(status: number | 'never' = 200): Promise<Collector> {
  const spans: ReceivedSpan[] = []
  const paths: string[] = []
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      paths.push(req.url ?? '')
      if (status === 'never') return
      if (status === 200) {
        // OTLP/HTTP protobuf, as kne sends it (a body that is not one fails the test that sent it)
        if (req.headers['content-type'] !== 'application/x-protobuf') throw new Error(`content-type ${req.headers['content-type']}`)
        for (const {attributes, scopes} of decodeTracesRequest(Buffer.concat(chunks)).resources) {
          const serviceName = attributes['service.name'] as string | undefined
          for (const {spans: list} of scopes)
            for (const s of list)
              spans.push({
                traceId: s.traceId,
                spanId: s.spanId,
                parentSpanId: s.parentSpanId,
                name: s.name,
                kind: s.kind,
                attributes: s.attributes,
                statusCode: s.status?.code,
                startMs: Number(BigInt(s.startTimeUnixNano) / 1000n) / 1000,
                endMs: Number(BigInt(s.endTimeUnixNano) / 1000n) / 1000,
                serviceName,
              })
        }
      }
      // an empty ExportTraceServiceResponse: all taken
      res.writeHead(status, {'Content-Type': 'application/x-protobuf'}).end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const {port} = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    spans,
    paths,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}
