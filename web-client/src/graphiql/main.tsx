// GraphiQL, built from npm (no CDN): the server serves this page for `GET /graphql`.
// Queries and mutations go over HTTP POST to `/graphql` on this origin,
// subscriptions over a WebSocket to the same URL (graphql-transport-ws).
import 'graphiql/setup-workers/vite'
import 'graphiql/style.css'
import './graphiql.css'
import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { graphqlEndpoint } from '../config'
import { makeFetcher } from './fetcher'
import { GraphiQLPage } from './GraphiQLPage'
import { resolveSession } from './session'

const root = document.getElementById('root')
if (!root) throw new Error('graphiql.html has no #root')

void resolveSession(graphqlEndpoint()).then((session) => {
  createRoot(root).render(
    <StrictMode>
      <GraphiQLPage session={session} fetcher={makeFetcher(session)} />
    </StrictMode>,
  )
})
