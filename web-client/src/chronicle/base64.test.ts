import { describe, expect, it } from 'vitest'
import { fromBase64, toBase64 } from './base64'

describe('base64', () => {
  it('round-trips bytes, as Node encodes them', () => {
    for (const size of [0, 1, 2, 3, 255, 0x8000 + 7, 70_000]) {
      const bytes = new Uint8Array(size).map((_, i) => (i * 31 + 7) & 0xff)
      const text = toBase64(bytes)
      expect(text).toBe(Buffer.from(bytes).toString('base64'))
      expect(Buffer.from(fromBase64(text)).equals(Buffer.from(bytes))).toBe(true)
    }
  })

  it('rejects text that is not base64', () => {
    expect(() => fromBase64('not base64!')).toThrow()
  })
})
