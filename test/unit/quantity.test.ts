import {describe, expect, it} from 'vitest'
import {formatBytes, parseByteQuantity} from '../../src/core/quantity.js'

describe('sizes in bytes (kne dev --history-bytes, --max-pending-bytes)', () => {
  it('reads Kubernetes quantities and plain byte counts', () => {
    expect(parseByteQuantity('64Mi')).toBe(64 * 1024 * 1024)
    expect(parseByteQuantity('512Ki')).toBe(512 * 1024)
    expect(parseByteQuantity('1Gi')).toBe(1024 ** 3)
    expect(parseByteQuantity('500M')).toBe(500_000_000)
    expect(parseByteQuantity('2k')).toBe(2000)
    expect(parseByteQuantity(' 1048576 ')).toBe(1_048_576)
  })

  it('refuses what is not a whole number of bytes', () => {
    for (const text of ['', '64MB', '64mi', '1.5Mi', '-1', '1e6', 'Mi', '99999999999999999Ti'])
      expect(parseByteQuantity(text), text).toBeUndefined()
  })

  it('writes sizes for people', () => {
    expect(formatBytes(512)).toBe('512 B')
    expect(formatBytes(64 * 1024)).toBe('64 KiB')
    expect(formatBytes(1536 * 1024)).toBe('1.5 MiB')
  })
})
