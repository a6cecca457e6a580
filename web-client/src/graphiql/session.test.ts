import { describe, expect, it } from 'vitest'
import { authorizedFetch, connectionParams, resolveSession, type SessionSources, subscriptionUrl } from './session'

const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url')
const jwt = (claims: object) => `${encode({ alg: 'HS256', typ: 'JWT' })}.${encode(claims)}.signature`
const NOW = Date.UTC(2030, 0, 1)

function sources(kept: string | null, dev: string | null | Error): SessionSources & { devAsked: number } {
  const s = {
    devAsked: 0,
    initialToken: () => kept,
    fetchDevToken: async () => {
      s.devAsked += 1
      if (dev instanceof Error) throw dev
      return dev
    },
    now: () => NOW,
  }
  return s
}

describe('resolveSession', () => {
  it("uses the app's token without asking for a dev token", async () => {
    const alice = jwt({ sub: 'alice', exp: NOW / 1000 + 60 })
    const s = sources(alice, jwt({ sub: 'dev' }))
    expect(await resolveSession('/graphql', s)).toEqual({ token: alice, source: 'app', userId: 'alice', notice: null })
    expect(s.devAsked).toBe(0)
  })

  it('falls back to the dev token', async () => {
    const dev = jwt({ sub: 'dev' })
    expect(await resolveSession('/graphql', sources(null, dev))).toEqual({ token: dev, source: 'dev', userId: 'dev', notice: null })
  })

  it('skips an expired token, saying so', async () => {
    const stale = jwt({ sub: 'alice', exp: NOW / 1000 - 1 })
    const session = await resolveSession('/graphql', sources(stale, null))
    expect(session).toEqual({ token: null, source: null, userId: null, notice: 'Your token has expired.' })
  })

  it('goes without a token when the server has no dev token or cannot be reached', async () => {
    for (const dev of [null, new Error('offline')]) {
      expect((await resolveSession('/graphql', sources(null, dev))).token).toBeNull()
    }
  })
})

describe('transport', () => {
  it('puts subscriptions on a WebSocket at the same URL', () => {
    expect(subscriptionUrl('http://127.0.0.1:8000/graphql')).toBe('ws://127.0.0.1:8000/graphql')
    expect(subscriptionUrl('https://chronicle.example/graphql')).toBe('wss://chronicle.example/graphql')
  })

  it('sends the token in connection_init', () => {
    expect(connectionParams('abc')).toEqual({ authorization: 'Bearer abc' })
    expect(connectionParams(null)).toEqual({})
  })

  it('adds the Authorization header unless the request has one', async () => {
    const seen: (string | null)[] = []
    const base = (async (_input: RequestInfo | URL, init?: RequestInit) => {
      seen.push(new Headers(init?.headers).get('authorization'))
      return new Response('{}')
    }) as typeof fetch
    const f = authorizedFetch('abc', base)
    await f('/graphql', { headers: { 'content-type': 'application/json' } })
    await f('/graphql', { headers: { Authorization: 'Bearer mine' } })
    await authorizedFetch(null, base)('/graphql', {})
    expect(seen).toEqual(['Bearer abc', 'Bearer mine', null])
  })
})
