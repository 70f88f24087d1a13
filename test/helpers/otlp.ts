// A local OTLP/HTTP collector: a node:http server that takes POST /v1/traces with OTLP JSON and keeps each
// span with its attributes read into plain values, as a tracing backend would show them.
import {createServer} from 'node:http'
import type {AddressInfo} from 'node:net'

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

type OtlpValue = {stringValue?: string; intValue?: string | number; boolValue?: boolean; doubleValue?: number}
interface OtlpSpan {
  traceId: string
  spanId: string
  parentSpanId?: string
  name: string
  kind: number
  attributes?: {key: string; value: OtlpValue}[]
  status?: {code?: number}
  startTimeUnixNano: string
  endTimeUnixNano: string
}
interface OtlpBody {
  resourceSpans: {resource?: {attributes?: {key: string; value: OtlpValue}[]}; scopeSpans: {spans: OtlpSpan[]}[]}[]
}

function valueOf(value: OtlpValue): string | number | boolean {
  if (value.stringValue !== undefined) return value.stringValue
  if (value.intValue !== undefined) return Number(value.intValue)
  if (value.boolValue !== undefined) return value.boolValue
  return value.doubleValue ?? NaN
}

function attributesOf(list: {key: string; value: OtlpValue}[] | undefined): Record<string, string | number | boolean> {
  return Object.fromEntries((list ?? []).map(({key, value}) => [key, valueOf(value)]))
}

/** A collector answering every export with `status` (200: taken). */
export async function startCollector(status = 200): Promise<Collector> {
  const spans: ReceivedSpan[] = []
  const paths: string[] = []
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      paths.push(req.url ?? '')
      if (status === 200) {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as OtlpBody
        for (const {resource, scopeSpans} of body.resourceSpans) {
          const serviceName = attributesOf(resource?.attributes)['service.name'] as string | undefined
          for (const {spans: list} of scopeSpans)
            for (const s of list)
              spans.push({
                traceId: s.traceId,
                spanId: s.spanId,
                parentSpanId: s.parentSpanId || undefined,
                name: s.name,
                kind: s.kind,
                attributes: attributesOf(s.attributes),
                statusCode: s.status?.code,
                startMs: Number(BigInt(s.startTimeUnixNano) / 1000n) / 1000,
                endMs: Number(BigInt(s.endTimeUnixNano) / 1000n) / 1000,
                serviceName,
              })
        }
      }
      res.writeHead(status, {'Content-Type': 'application/json'}).end('{}')
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
