/** Where the signed-in user's token is kept between visits. */
export const TOKEN_KEY = 'chronicle.token'

export interface TokenClaims {
  sub: string
  /** Expiry, in seconds since the epoch. */
  exp: number | undefined
}

function decodeBase64Url(part: string): string {
  const base64 = part.replace(/-/g, '+').replace(/_/g, '/')
  const padded = base64 + '='.repeat((4 - (base64.length % 4)) % 4)
  const bytes = Uint8Array.from(atob(padded), (c) => c.charCodeAt(0))
  return new TextDecoder().decode(bytes)
}

/** The claims of a JWT, unverified (the server verifies); null when it is not a JWT. */
export function decodeToken(token: string): TokenClaims | null {
  const parts = token.split('.')
  if (parts.length !== 3) return null
  try {
    const payload: unknown = JSON.parse(decodeBase64Url(parts[1]))
    if (typeof payload !== 'object' || payload === null) return null
    const sub = 'sub' in payload && typeof payload.sub === 'string' ? payload.sub : null
    const exp = 'exp' in payload && typeof payload.exp === 'number' ? payload.exp : undefined
    return sub === null ? null : { sub, exp }
  } catch {
    return null
  }
}

export function isExpired(claims: TokenClaims, now = Date.now()): boolean {
  return claims.exp !== undefined && claims.exp * 1000 <= now
}

/**
 * The token to start with: `?token=…` in the address (then kept, and removed
 * from the address), else the one kept from last time.
 */
export function initialToken(): string | null {
  const url = new URL(window.location.href)
  const fromUrl = url.searchParams.get('token')?.trim()
  if (fromUrl) {
    storeToken(fromUrl)
    url.searchParams.delete('token')
    window.history.replaceState(null, '', url)
    return fromUrl
  }
  return window.localStorage.getItem(TOKEN_KEY)
}

export function storeToken(token: string | null): void {
  if (token) window.localStorage.setItem(TOKEN_KEY, token)
  else window.localStorage.removeItem(TOKEN_KEY)
}
