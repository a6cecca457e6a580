import { type FormEvent, useState } from 'react'
import { decodeToken, isExpired } from './token'
import { fetchDevToken } from './devToken'

interface Props {
  endpoint: string
  /** Why the user is here again (e.g. the token expired). */
  notice: string | null
  onSignIn: (token: string) => void
}

export function SignIn({ endpoint, notice, onSignIn }: Props) {
  const [token, setToken] = useState('')
  const [problem, setProblem] = useState<string | null>(null)
  const [fetching, setFetching] = useState(false)

  const submit = (e: FormEvent) => {
    e.preventDefault()
    const value = token.trim().replace(/^Bearer\s+/i, '')
    const claims = decodeToken(value)
    if (!claims) setProblem('That is not a token: paste the whole JWT (three parts separated by dots).')
    else if (isExpired(claims)) setProblem('That token has expired: ask for a fresh one.')
    else onSignIn(value)
  }

  const useDevToken = () => {
    setFetching(true)
    setProblem(null)
    fetchDevToken(endpoint)
      .then((dev) => {
        if (dev) onSignIn(dev)
        else setProblem('This server is not in dev mode, so it has no dev token: paste a token instead.')
      })
      .catch(() => setProblem('Cannot reach the server to ask for its dev token.'))
      .finally(() => setFetching(false))
  }

  return (
    <main className="sign-in">
      <h1>Chronicle</h1>
      {notice && (
        <p className="status error" role="alert">
          {notice}
        </p>
      )}
      <form onSubmit={submit} aria-label="Sign in">
        <label htmlFor="token">Paste your token</label>
        <textarea
          id="token"
          rows={4}
          value={token}
          onChange={(e) => setToken(e.target.value)}
          placeholder="eyJ…  (chronicle token --sub YOUR_NAME --jwt-secret …)"
        />
        <button type="submit" disabled={!token.trim()}>
          Sign in
        </button>
      </form>
      <p>
        Server in dev mode?{' '}
        <button type="button" className="link" onClick={useDevToken} disabled={fetching}>
          Sign in as <code>dev</code>
        </button>
      </p>
      {problem && (
        <p className="status error" role="alert">
          {problem}
        </p>
      )}
    </main>
  )
}
