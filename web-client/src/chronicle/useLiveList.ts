import type { TypedDocumentNode } from '@graphql-typed-document-node/core'
import { useEffect, useEffectEvent, useReducer } from 'react'
import { useChronicle } from './context'
import { type ChronicleError, toChronicleError } from './errors'
import {
  type Compare,
  type LiveChange,
  type LoadedList,
  initialLiveState,
  liveReducer,
} from './liveList'
import { useReload, useSettleReload } from './useReload'
import { useStableValue } from './useStableValue'
import { useSubscription } from './useSubscription'

/** A query and the subscription that keeps its result current: what every live hook watches. */
export interface LiveSourceOptions<Q, QV, S, SV, N> {
  query: TypedDocumentNode<Q, QV>
  variables: QV
  /** The matching `xChanged(id)` / `xsChanged(where)` subscription, watching what the query reads. */
  subscription: TypedDocumentNode<S, SV>
  subscriptionVariables: SV
  /** Picks `{ kind, id, node }` out of a subscription result. */
  change: (data: S) => LiveChange<N>
  skip?: boolean
}

/** The order and paging of a list of entities. */
export interface LivePagingOptions<QV, N> {
  /** The query's order, so that new and changed entities land in the right place. */
  compare?: Compare<N>
  /** The query's variables for the page after `endCursor`; enables `loadMore`. */
  nextPage?: (endCursor: string) => QV
}

export interface LiveListOptions<Q, QV, S, SV, N> extends LiveSourceOptions<Q, QV, S, SV, N>, LivePagingOptions<QV, N> {
  list: (data: Q) => LoadedList<N>
}

/** Where a live hook's load stands. */
export interface LiveStatus {
  loading: boolean
  error: ChronicleError | undefined
  refetch: () => void
}

export interface LiveListResult<N> extends LiveStatus {
  list: LoadedList<N> | undefined
  /** Loads the next page; undefined when everything is loaded. */
  loadMore: (() => void) | undefined
}

/**
 * The engine of useLiveQuery and useEntity: loads a first page, applies every
 * change the subscription reports (replaying those that raced the load), and
 * loads again after the connection comes back or the subscription restarts.
 */
export function useLiveList<Q, QV, S, SV, N extends { id: string }>(
  options: LiveListOptions<Q, QV, S, SV, N>,
): LiveListResult<N> {
  const client = useChronicle()
  const { query, subscription, skip = false } = options
  const vars = useStableValue(options.variables)
  const [state, dispatch] = useReducer(liveReducer<N, ChronicleError>, undefined, initialLiveState<N, ChronicleError>)
  const [reload, refetch] = useReload(!skip)
  useSettleReload(!skip, JSON.stringify([vars, options.subscriptionVariables]), refetch)
  const onLoaded = useEffectEvent((data: Q) =>
    dispatch({ type: 'loaded', list: options.list(data), compare: options.compare }),
  )

  // A new query starts from nothing.
  useEffect(() => {
    if (!skip) dispatch({ type: 'reset' })
  }, [query, vars, skip])

  useEffect(() => {
    if (skip) return
    let current = true
    dispatch({ type: 'fetch' })
    client.request(query, vars).then(
      (data) => {
        if (current) onLoaded(data)
      },
      (e: unknown) => {
        if (current) dispatch({ type: 'failed', error: toChronicleError(e) })
      },
    )
    return () => {
      current = false
    }
  }, [client, query, vars, skip, reload])

  const live = useSubscription(
    subscription,
    options.subscriptionVariables,
    (data) => dispatch({ type: 'change', change: options.change(data), compare: options.compare }),
    { skip, onRestart: refetch },
  )

  const { nextPage, list: toList } = options
  const endCursor = state.list?.hasNextPage ? state.list.endCursor : undefined
  const loadMore =
    nextPage && typeof endCursor === 'string'
      ? () => {
          client.request(query, nextPage(endCursor)).then(
            (data) => dispatch({ type: 'more', page: toList(data) }),
            (e: unknown) => dispatch({ type: 'failed', error: toChronicleError(e) }),
          )
        }
      : undefined

  return {
    list: state.list,
    loading: state.fetching,
    error: state.error ?? live.error,
    refetch,
    loadMore,
  }
}
