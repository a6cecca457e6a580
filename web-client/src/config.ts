/**
 * The GraphQL endpoint: always this page's own origin. In production the
 * server serves the client; in development Vite proxies `/graphql` (HTTP and
 * WebSocket) to VITE_CHRONICLE_URL (see vite.config.ts).
 */
export function graphqlEndpoint(): string {
  return new URL('/graphql', window.location.origin).toString()
}
