import { createGraphiQLFetcher, type Fetcher } from '@graphiql/toolkit'
import { createClient } from 'graphql-ws'
import { graphqlEndpoint } from '../config'
import { currentOperation } from './operation'
import { authorizedFetch, connectionParams, type Session, subscriptionUrl } from './session'

/** The server refused the token in `connection_init`: retrying will not help. */
const FORBIDDEN = 4403

/** Queries and mutations over HTTP POST, subscriptions over one lazy WebSocket. */
export function makeFetcher(session: Session): Fetcher {
  const endpoint = graphqlEndpoint()
  const wsClient = createClient({
    url: subscriptionUrl(endpoint),
    connectionParams: connectionParams(session.token),
    lazy: true,
    shouldRetry: (e) => !(e instanceof CloseEvent && e.code === FORBIDDEN),
  })
  const fetcher = createGraphiQLFetcher({
    url: endpoint,
    wsClient,
    fetch: authorizedFetch(session.token),
    // The server answers with one JSON body; it does not stream multipart responses.
    enableIncrementalDelivery: false,
  })
  return (params, opts) => {
    const current = currentOperation(params.query, params.operationName)
    if (!current) return fetcher(params, opts)
    return fetcher({ ...params, operationName: current.operationName }, { ...opts, documentAST: current.documentAST })
  }
}
