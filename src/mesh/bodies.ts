// Message bodies: how much of one the mesh reads, and how it keeps an event's.
// Event bodies live as long as the activity history keeps their events. Node's HTTP parser gives every body
// its own ArrayBuffer, which costs ~90 B of heap per event on top of the data (about a tenth of a retained
// 1 KiB event); small bodies are therefore copied into shared slabs, each body a view of its slab. The
// history drops events oldest first, so a slab is freed soon after its last event goes.

/**
 * Knative sets no limit on a body (a request's or a subscriber's answer); kne stops reading at 64 MiB so
 * that one message cannot exhaust memory.
 */
export const MAX_BODY_BYTES = 64 * 1024 * 1024

const SLAB_BYTES = 256 * 1024
/** Larger bodies keep their own buffer: copying them would cost more than it saves. */
const MAX_SLAB_BODY_BYTES = 16 * 1024
const EMPTY = Buffer.alloc(0)

let slab: Buffer | undefined
let slabUsed = 0

/** The body of a request, from its chunks (`size` bytes in all), as the mesh keeps it. */
export function retainedBody(chunks: Buffer[], size: number): Buffer {
  if (size === 0) return EMPTY
  if (size > MAX_SLAB_BODY_BYTES) return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size)
  if (slab === undefined || slabUsed + size > SLAB_BYTES) {
    slab = Buffer.allocUnsafeSlow(SLAB_BYTES)
    slabUsed = 0
  }
  const start = slabUsed
  for (const chunk of chunks) {
    slab.set(chunk, slabUsed)
    slabUsed += chunk.length
  }
  // 8-byte aligned starts, as Node's own buffer pool keeps them
  slabUsed = (slabUsed + 7) & ~7
  return slab.subarray(start, start + size)
}
