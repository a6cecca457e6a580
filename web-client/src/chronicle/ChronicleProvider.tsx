import { useEffect, useMemo, type ReactNode } from 'react'
import { ChronicleClient } from './client'
import { ChronicleContext } from './context'

export interface ChronicleProviderProps {
  /** The GraphQL endpoint, e.g. `https://host/graphql`. */
  endpoint: string
  /** The signed-in user's JWT (null: anonymous, for servers with --public-read). */
  token: string | null
  children: ReactNode
}

/** Gives the hooks below a client for `endpoint` as the user of `token`; a new token means a new client. */
export function ChronicleProvider({ endpoint, token, children }: ChronicleProviderProps) {
  const client = useMemo(() => new ChronicleClient({ endpoint, token }), [endpoint, token])
  // Disposing only closes the socket; the client reopens it if used again (as StrictMode does).
  useEffect(() => () => client.dispose(), [client])
  return <ChronicleContext value={client}>{children}</ChronicleContext>
}
