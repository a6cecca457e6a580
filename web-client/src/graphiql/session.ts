import { fetchDevToken } from '../auth/devToken'
import { decodeToken, initialToken, isExpired } from '../auth/token'

/** Who GraphiQL speaks as, and where that came from. */
export interface Session {
  /** The JWT sent with every request; null sends none (fine on a --public-read server). */
  token: string | null
  /** `app`: the web client's token (or `?token=`, which the app keeps too); `dev`: the server's dev token. */
  source: 'app' | 'dev' | null
  /** The token's subject, when it is a JWT. */
  userId: string | null
  /** Why a token the page had was not used (e.g. it expired). */
  notice: string | null
}

export interface SessionSources {
  /** `?token=` in the address (kept, and removed from the address), else the app's stored token. */
  initialToken: () => string | null
  /** The server's dev token; null when it is not in dev mode. */
  fetchDevToken: (endpoint: string) => Promise<string | null>
  now: () => number
}

const browserSources: SessionSources = { initialToken, fetchDevToken, now: Date.now }

/**
 * The token to use: the one the web client keeps (or `?token=` in the
 * address, which the client takes and keeps the same way), else, on a server in
 * dev mode, its dev token, else none.
 */
export async function resolveSession(endpoint: string, sources: SessionSources = browserSources): Promise<Session> {
  let notice: string | null = null
  const kept = sources.initialToken()
  if (kept) {
    const claims = decodeToken(kept)
    if (claims && !isExpired(claims, sources.now())) return { token: kept, source: 'app', userId: claims.sub, notice }
    notice = claims ? 'Your token has expired.' : 'The token given is not a JWT.'
  }
  const dev = await sources.fetchDevToken(endpoint).catch(() => null)
  if (dev) return { token: dev, source: 'dev', userId: decodeToken(dev)?.sub ?? 'dev', notice: null }
  return { token: null, source: null, userId: null, notice }
}

/** The WebSocket URL for subscriptions beside an HTTP(S) GraphQL endpoint. */
export function subscriptionUrl(endpoint: string): string {
  const url = new URL(endpoint)
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:'
  return url.toString()
}

/** The `connection_init` payload that carries the token (Chronicle reads `authorization`). */
export function connectionParams(token: string | null): Record<string, string> {
  return token ? { authorization: `Bearer ${token}` } : {}
}

/**
 * `fetch` that adds `Authorization: Bearer <token>` unless the request already
 * has one (typed into GraphiQL's headers editor, which then wins).
 */
export function authorizedFetch(token: string | null, base: typeof fetch = fetch): typeof fetch {
  if (!token) return base
  return (input, init) => {
    const headers = new Headers(init?.headers)
    if (!headers.has('authorization')) headers.set('authorization', `Bearer ${token}`)
    return base(input, { ...init, headers })
  }
}
