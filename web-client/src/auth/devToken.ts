const BEARER = /Bearer ([\w-]+\.[\w-]+\.[\w-]+)/

/**
 * The server's dev token, when it runs in dev mode (no JWT key configured):
 * its GraphiQL page is pre-filled with it. Null otherwise.
 */
export async function fetchDevToken(endpoint: string): Promise<string | null> {
  const response = await fetch(endpoint, { headers: { accept: 'text/html' } })
  if (!response.ok) return null
  return BEARER.exec(await response.text())?.[1] ?? null
}
