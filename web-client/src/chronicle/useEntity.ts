import type { TypedDocumentNode } from '@graphql-typed-document-node/core'
import type { ChronicleError } from './errors'
import type { LiveChange } from './liveList'
import { useLiveList } from './useLiveList'

export interface EntityOptions<Q, QV, S, SV, N> {
  /** A query for one entity (e.g. `album(id)`). */
  query: TypedDocumentNode<Q, QV>
  variables: QV
  /** Picks the entity out of the query's result. */
  select: (data: Q) => N | null | undefined
  /** The matching `xChanged(id)` subscription. */
  subscription: TypedDocumentNode<S, SV>
  subscriptionVariables: SV
  change: (data: S) => LiveChange<N>
  skip?: boolean
}

export interface EntityResult<N> {
  /** Undefined while loading; null when absent or deleted. */
  entity: N | null | undefined
  loading: boolean
  error: ChronicleError | undefined
  refetch: () => void
}

/** One entity that stays current: loaded, then updated (or removed) by its `xChanged` subscription. */
export function useEntity<Q, QV, S, SV, N extends { id: string }>(
  options: EntityOptions<Q, QV, S, SV, N>,
): EntityResult<N> {
  const { select, ...rest } = options
  const live = useLiveList({
    ...rest,
    list: (data: Q) => {
      const node = select(data)
      return { nodes: node ? [node] : [], totalCount: node ? 1 : 0, hasNextPage: false }
    },
  })
  return {
    entity: live.list ? (live.list.nodes[0] ?? null) : undefined,
    loading: live.loading,
    error: live.error,
    refetch: live.refetch,
  }
}
