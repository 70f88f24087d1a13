// kne sink (and kne test's stand-ins, which are sinks) over real HTTP: a body past the mesh's own 64 MiB bound
// is read to its end, not kept, and answered 413; the sink goes on answering.
import {onTestFinished, describe, expect, it} from 'vitest'
import {MAX_BODY_BYTES} from '../../src/mesh/bodies.js'
import {startSink, type SinkRequest} from '../../src/mesh/sink.js'
import {binaryHeaders, post} from '../helpers/subscriber.js'

describe('kne sink', () => {
  it('answers 413 to a body over 64 MiB without keeping it, and goes on answering', async () => {
    const requests: SinkRequest[] = []
    const sink = await startSink({}, (request) => requests.push(request))
    onTestFinished(() => sink.close())
    const big = await post(sink.url, binaryHeaders('com.example.big'), Buffer.alloc(MAX_BODY_BYTES + 1, 0x61))
    expect(big.status).toBe(413)
    expect(big.text).toContain(`the body is over ${MAX_BODY_BYTES} bytes`)
    expect(requests[0]).toMatchObject({n: 1, error: `the body is over ${MAX_BODY_BYTES} bytes`})
    expect((await post(sink.url, binaryHeaders('com.example.small'), '{}')).status).toBe(202)
  })
})
