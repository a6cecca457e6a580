import type { TypedDocumentNode } from '@graphql-typed-document-node/core'
import type { ChronicleError } from './errors'
import { type Compare, type Connection, type LiveChange, fromConnection } from './liveList'
import { useLiveList } from './useLiveList'

export interface LiveQueryOptions<Q, QV, S, SV, N> {
  /** A list query (e.g. `albums(where, orderBy, first)`). */
  query: TypedDocumentNode<Q, QV>
  variables: QV
  /** Picks the connection out of the query's result. */
  connection: (data: Q) => Connection<N>
  /** The matching `xsChanged(where)` subscription, with the same `where`. */
  subscription: TypedDocumentNode<S, SV>
  subscriptionVariables: SV
  /** Picks `{ kind, id, node }` out of a subscription result. */
  change: (data: S) => LiveChange<N>
  /** The query's order, so that new and changed entities land in the right place. */
  compare?: Compare<N>
  /** The variables for the page after `endCursor`; enables `loadMore`. */
  nextPage?: (endCursor: string) => QV
  skip?: boolean
}

export interface LiveQueryResult<N> {
  /** Undefined until the first page arrives. */
  nodes: N[] | undefined
  totalCount: number
  loading: boolean
  error: ChronicleError | undefined
  refetch: () => void
  /** Loads the next page; undefined when everything is loaded. */
  loadMore: (() => void) | undefined
}

/**
 * A list that stays current: the first page of `query`, then every change from
 * `subscription` (CREATED and ENTERED add, UPDATED replaces, DELETED and LEFT remove).
 */
export function useLiveQuery<Q, QV, S, SV, N extends { id: string }>(
  options: LiveQueryOptions<Q, QV, S, SV, N>,
): LiveQueryResult<N> {
  const { connection, ...rest } = options
  const live = useLiveList({ ...rest, list: (data: Q) => fromConnection(connection(data)) })
  return {
    nodes: live.list?.nodes,
    totalCount: live.list?.totalCount ?? 0,
    loading: live.loading,
    error: live.error,
    refetch: live.refetch,
    loadMore: live.loadMore,
  }
}
