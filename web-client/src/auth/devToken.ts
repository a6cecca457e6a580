/** Where a server in dev mode hands out its token for user `dev`, beside its GraphQL endpoint. */
export function devTokenUrl(endpoint: string): string {
  return endpoint.replace(/\/graphql\/?$/, '/dev-token')
}

/**
 * The server's dev token, when it runs in dev mode (no JWT key configured).
 * Null when the server has none (it answers 404 outside dev mode).
 */
export async function fetchDevToken(endpoint: string): Promise<string | null> {
  const response = await fetch(devTokenUrl(endpoint), { headers: { accept: 'application/json' } })
  if (!response.ok) return null
  const body: unknown = await response.json()
  if (typeof body === 'object' && body !== null && 'token' in body && typeof body.token === 'string') {
    return body.token
  }
  return null
}
