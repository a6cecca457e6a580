import { useEffect } from 'react'
import { useConnectionStatus, useQuery } from './chronicle'
import { graphql } from './gql'
import { AlbumList } from './albums/AlbumList'
import { AlbumPage } from './albums/AlbumPage'
import { ArtistList } from './artists/ArtistList'
import { ArtistPage } from './artists/ArtistPage'
import { AuditPage } from './audit/AuditPage'
import { decodeToken } from './auth/token'
import { type Route, href, useRoute } from './router'
import { ConnectionBadge } from './ui/ConnectionBadge'
import { ErrorNotice } from './ui/Status'

const MeQuery = graphql(`
  query Me {
    me {
      userId
    }
  }
`)

/** Longest wait setTimeout handles. */
const MAX_TIMER = 2 ** 31 - 1

interface Props {
  token: string
  onSignOut: (why: string | null) => void
}

function Page({ route, me }: { route: Route; me: string }) {
  switch (route.page) {
    case 'albums':
      return <AlbumList />
    case 'album':
      return <AlbumPage key={route.id} id={route.id} />
    case 'artists':
      return <ArtistList />
    case 'artist':
      return <ArtistPage key={route.id} id={route.id} />
    case 'audit':
      return <AuditPage key={route.userId ?? me} userId={route.userId ?? me} />
  }
}

/** The signed-in app: a header, and the page the address names. */
export function Shell({ token, onSignOut }: Props) {
  const route = useRoute()
  const status = useConnectionStatus()
  const me = useQuery(MeQuery, {})
  const claims = decodeToken(token)
  const userId = me.data?.me?.userId ?? claims?.sub ?? '?'

  // The server refused the token (or it expired while open): back to sign-in, saying why.
  useEffect(() => {
    if (status === 'unauthorized') onSignOut('Your token was refused or has expired: sign in again.')
  }, [status, onSignOut])

  // Sign out when the token expires, rather than failing on the next request.
  const exp = claims?.exp
  useEffect(() => {
    if (exp === undefined) return
    const timer = setTimeout(
      () => onSignOut('Your token has expired: sign in again.'),
      Math.min(Math.max(0, exp * 1000 - Date.now()), MAX_TIMER),
    )
    return () => clearTimeout(timer)
  }, [exp, onSignOut])

  const current = route.page
  return (
    <div className="app">
      <header className="top">
        <h1>
          <a href={href({ page: 'albums' })}>Chronicle</a>
        </h1>
        <nav>
          <a href={href({ page: 'albums' })} aria-current={current.startsWith('album') ? 'page' : undefined}>
            Albums
          </a>
          <a href={href({ page: 'artists' })} aria-current={current.startsWith('artist') ? 'page' : undefined}>
            Artists
          </a>
          <a href={href({ page: 'audit', userId: null })} aria-current={current === 'audit' ? 'page' : undefined}>
            Audit
          </a>
        </nav>
        <ConnectionBadge />
        <span className="user" data-user={userId}>
          {userId}
        </span>
        <button type="button" onClick={() => onSignOut(null)}>
          Sign out
        </button>
      </header>
      {me.error && !me.error.unauthenticated && <ErrorNotice error={me.error} retry={me.refetch} />}
      <main>
        <Page route={route} me={userId} />
      </main>
    </div>
  )
}
