import { describe, expect, it } from 'vitest'
import { decodeToken, isExpired } from './token'

const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url')
const jwt = (claims: object) => `${encode({ alg: 'HS256', typ: 'JWT' })}.${encode(claims)}.signature`

describe('decodeToken', () => {
  it('reads sub and exp', () => {
    expect(decodeToken(jwt({ sub: 'alice', exp: 2_000_000_000 }))).toEqual({ sub: 'alice', exp: 2_000_000_000 })
  })

  it('reads non-ASCII subjects', () => {
    expect(decodeToken(jwt({ sub: 'zoë' }))?.sub).toBe('zoë')
  })

  it('refuses what is not a JWT with a subject', () => {
    expect(decodeToken('hello')).toBeNull()
    expect(decodeToken('a.b.c')).toBeNull()
    expect(decodeToken(jwt({ exp: 1 }))).toBeNull()
  })

  it('knows when a token has expired', () => {
    const now = Date.UTC(2030, 0, 1)
    expect(isExpired({ sub: 'a', exp: now / 1000 - 1 }, now)).toBe(true)
    expect(isExpired({ sub: 'a', exp: now / 1000 + 60 }, now)).toBe(false)
    expect(isExpired({ sub: 'a', exp: undefined }, now)).toBe(false)
  })
})
