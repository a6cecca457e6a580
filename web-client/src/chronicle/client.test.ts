import { parse } from 'graphql'
import type { TypedDocumentNode } from '@graphql-typed-document-node/core'
import { describe, expect, it } from 'vitest'
import { ChronicleClient, webSocketUrl } from './client'
import { ChronicleError } from './errors'

const Me = parse('query Me { me { userId } }') as TypedDocumentNode<{ me: { userId: string } | null }, object>

function clientAnswering(answer: () => Promise<Response>) {
  const calls: RequestInit[] = []
  const client = new ChronicleClient({
    endpoint: 'http://127.0.0.1:9/graphql',
    token: 'tok',
    fetch: async (_url, init) => {
      calls.push(init ?? {})
      return answer()
    },
  })
  return { client, calls }
}

const json = (body: unknown, status = 200) =>
  Promise.resolve(new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } }))

describe('ChronicleClient', () => {
  it('posts the query with the token and returns data', async () => {
    const { client, calls } = clientAnswering(() => json({ data: { me: { userId: 'alice' } } }))
    await expect(client.request(Me, {})).resolves.toEqual({ me: { userId: 'alice' } })
    const headers = calls[0].headers as Record<string, string>
    expect(headers.authorization).toBe('Bearer tok')
    expect(JSON.parse(String(calls[0].body)).query).toContain('me {')
  })

  it('turns GraphQL errors into ChronicleErrors with their code', async () => {
    const { client } = clientAnswering(() =>
      json({ data: null, errors: [{ message: 'no such album', extensions: { code: 'NOT_FOUND' } }] }),
    )
    const error = await client.request(Me, {}).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ChronicleError)
    expect(error).toMatchObject({ code: 'NOT_FOUND', message: 'no such album' })
    expect(client.status).toBe('idle')
  })

  it('marks the client unauthorized when the token is refused', async () => {
    const { client } = clientAnswering(() =>
      json({ errors: [{ message: 'the token has expired', extensions: { code: 'UNAUTHENTICATED' } }] }, 401),
    )
    const seen: string[] = []
    client.onStatus(() => seen.push(client.status))
    await expect(client.request(Me, {})).rejects.toMatchObject({ code: 'UNAUTHENTICATED' })
    expect(seen).toEqual(['unauthorized'])
  })

  it('reports an unreachable server as a NETWORK error', async () => {
    const { client } = clientAnswering(() => Promise.reject(new TypeError('fetch failed')))
    const error = await client.request(Me, {}).catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'NETWORK' })
    expect((error as ChronicleError).transient).toBe(true)
  })

  it('reports a non-GraphQL answer as an HTTP error', async () => {
    const { client } = clientAnswering(() => Promise.resolve(new Response('<html>bad gateway</html>', { status: 502 })))
    await expect(client.request(Me, {})).rejects.toMatchObject({ code: 'HTTP' })
  })
})

describe('webSocketUrl', () => {
  it('maps http to ws and https to wss, keeping the path', () => {
    expect(webSocketUrl('http://127.0.0.1:8000/graphql')).toBe('ws://127.0.0.1:8000/graphql')
    expect(webSocketUrl('https://example.test/api/graphql')).toBe('wss://example.test/api/graphql')
  })
})
