import { useCallback, useMemo, useState } from 'react'
import { ChronicleProvider } from './chronicle'
import { graphqlEndpoint } from './config'
import { Shell } from './Shell'
import { SignIn } from './auth/SignIn'
import { decodeToken, initialToken, isExpired, storeToken } from './auth/token'

function startingToken(): { token: string | null; notice: string | null } {
  const token = initialToken()
  const claims = token ? decodeToken(token) : null
  if (token && (!claims || isExpired(claims))) {
    storeToken(null)
    return { token: null, notice: 'Your token has expired (or is not a token): sign in again.' }
  }
  return { token, notice: null }
}

export function App() {
  const endpoint = useMemo(() => graphqlEndpoint(), [])
  const [{ token, notice }, setSession] = useState(startingToken)

  const signIn = useCallback((next: string) => {
    storeToken(next)
    setSession({ token: next, notice: null })
  }, [])
  const signOut = useCallback((why: string | null) => {
    storeToken(null)
    setSession({ token: null, notice: why })
  }, [])

  if (!token) return <SignIn endpoint={endpoint} notice={notice} onSignIn={signIn} />
  return (
    <ChronicleProvider endpoint={endpoint} token={token}>
      <Shell token={token} onSignOut={signOut} />
    </ChronicleProvider>
  )
}
