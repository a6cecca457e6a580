import type { Fetcher } from '@graphiql/toolkit'
import { GraphiQL } from 'graphiql'
import type { Session } from './session'

const DEFAULT_QUERY = `# Ctrl-Enter runs the operation; the book icon
# (left) opens the schema's docs. Subscriptions
# stream over a WebSocket, for example:
# subscription {
#   albumsChanged { kind album { id name } }
# }

query Me {
  me {
    userId
  }
}
`

function SignInNote({ session }: { session: Session }) {
  return (
    <p className="chronicle-graphiql-note" role="note">
      {session.notice ? `${session.notice} ` : ''}
      Not signed in: requests carry no token, so only a server started with <code>--public-read</code> answers them.
      To sign in, open <a href="/">the app</a> (&ldquo;Sign in as dev&rdquo; on a server in dev mode, or paste a
      token), then reload this page; or add <code>?token=&lt;JWT&gt;</code> to this address.
    </p>
  )
}

export function GraphiQLPage({ session, fetcher }: { session: Session; fetcher: Fetcher }) {
  return (
    <>
      {!session.token && <SignInNote session={session} />}
      <GraphiQL fetcher={fetcher} defaultQuery={DEFAULT_QUERY}>
        <GraphiQL.Logo>
          Chronicle{' '}
          <span className="chronicle-graphiql-user" data-user={session.userId ?? ''}>
            {session.userId ? `as ${session.userId}${session.source === 'dev' ? ' (dev token)' : ''}` : 'anonymous'}
          </span>
        </GraphiQL.Logo>
      </GraphiQL>
    </>
  )
}
