import { type LiveSourceOptions, type LiveStatus, useLiveList } from './useLiveList'

export interface EntityOptions<Q, QV, S, SV, N> extends LiveSourceOptions<Q, QV, S, SV, N> {
  /** Picks the entity out of the query's result (e.g. `album(id)`). */
  select: (data: Q) => N | null | undefined
}

export interface EntityResult<N> extends LiveStatus {
  /** Undefined while loading; null when absent or deleted. */
  entity: N | null | undefined
}

/** One entity that stays current: loaded, then updated (or removed) by its `xChanged` subscription. */
export function useEntity<Q, QV, S, SV, N extends { id: string }>(
  options: EntityOptions<Q, QV, S, SV, N>,
): EntityResult<N> {
  const { select, ...rest } = options
  const { list, loading, error, refetch } = useLiveList({
    ...rest,
    list: (data: Q) => {
      const node = select(data)
      return { nodes: node ? [node] : [], totalCount: node ? 1 : 0, hasNextPage: false }
    },
  })
  return { entity: list ? (list.nodes[0] ?? null) : undefined, loading, error, refetch }
}
