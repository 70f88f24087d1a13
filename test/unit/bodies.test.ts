import {describe, expect, it} from 'vitest'
import {retainedBody} from '../../src/mesh/bodies.js'

const bytes = (n: number, seed: number): Buffer => Buffer.from(Array.from({length: n}, (_, i) => (i * 31 + seed) % 256))

describe('event bodies as the mesh keeps them', () => {
  it('keeps every body byte for byte across slabs, however it arrived in chunks', () => {
    const kept: [Buffer, Buffer][] = []
    // 600 bodies of ~1 KiB fill more than two 256 KiB slabs
    for (let i = 0; i < 600; i++) {
      const body = bytes(1000 + (i % 50), i)
      const chunks = i % 3 === 0 ? [body.subarray(0, 10), body.subarray(10, 700), body.subarray(700)] : [body]
      kept.push([body, retainedBody(chunks, body.length)])
    }
    for (const [sent, retained] of kept) expect(Buffer.compare(retained, sent)).toBe(0)
  })

  it('puts small bodies side by side in one buffer, and keeps a large one as it came', () => {
    const a = retainedBody([bytes(100, 1)], 100)
    const b = retainedBody([bytes(100, 2)], 100)
    expect(a.buffer).toBe(b.buffer)
    const large = bytes(64 * 1024, 3)
    expect(retainedBody([large], large.length)).toBe(large)
    expect(retainedBody([], 0)).toHaveLength(0)
  })
})
