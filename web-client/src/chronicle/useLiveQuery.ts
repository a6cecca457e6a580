import { type Connection, fromConnection } from './liveList'
import { type LiveListResult, type LivePagingOptions, type LiveSourceOptions, useLiveList } from './useLiveList'

export interface LiveQueryOptions<Q, QV, S, SV, N> extends LiveSourceOptions<Q, QV, S, SV, N>, LivePagingOptions<QV, N> {
  /** Picks the connection out of the list query's result (e.g. `albums(where, orderBy, first)`). */
  connection: (data: Q) => Connection<N>
}

export interface LiveQueryResult<N> extends Omit<LiveListResult<N>, 'list'> {
  /** Undefined until the first page arrives. */
  nodes: N[] | undefined
  totalCount: number
}

/**
 * A list that stays current: the first page of `query`, then every change from
 * `subscription` (CREATED and ENTERED add, UPDATED replaces, DELETED and LEFT remove).
 */
export function useLiveQuery<Q, QV, S, SV, N extends { id: string }>(
  options: LiveQueryOptions<Q, QV, S, SV, N>,
): LiveQueryResult<N> {
  const { connection, ...rest } = options
  const { list, ...status } = useLiveList({ ...rest, list: (data: Q) => fromConnection(connection(data)) })
  return { ...status, nodes: list?.nodes, totalCount: list?.totalCount ?? 0 }
}

/**
 * `variables` and `nextPage` for a list query paged by `first` and `after`:
 * every page is asked for with the same `variables` and size.
 */
export function paged<V extends object>(variables: V, first: number) {
  return {
    variables: { ...variables, first },
    nextPage: (after: string) => ({ ...variables, first, after }),
  }
}
