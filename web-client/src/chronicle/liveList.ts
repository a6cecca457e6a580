/** How a change relates to what a live query watches (the server's `ChangeKind`). */
export type ChangeKind = 'CREATED' | 'UPDATED' | 'DELETED' | 'ENTERED' | 'LEFT'

/** One change from an `xsChanged` / `xChanged` subscription, reduced to what a list needs. */
export interface LiveChange<N> {
  kind: ChangeKind
  id: string
  /** The entity after the change; null when deleted. */
  node: N | null | undefined
}

export interface LiveList<N> {
  nodes: N[]
  totalCount: number
  /** More matching entities exist past the loaded ones. */
  hasNextPage: boolean
}

export type Compare<N> = (a: N, b: N) => number

interface Identified {
  id: string
}

function insert<N>(nodes: N[], node: N, compare?: Compare<N>): N[] {
  if (!compare) return [...nodes, node]
  const at = nodes.findIndex((n) => compare(node, n) < 0)
  return at < 0 ? [...nodes, node] : [...nodes.slice(0, at), node, ...nodes.slice(at)]
}

/** Whether `node` sorts past the last loaded one of an incomplete page (so it is not shown yet). */
function beyondPage<N>(list: LiveList<N>, node: N, compare?: Compare<N>): boolean {
  if (!list.hasNextPage) return false
  const last = list.nodes.at(-1)
  return compare !== undefined && last !== undefined && compare(node, last) > 0
}

/**
 * Applies one change to a loaded list. CREATED and ENTERED add the entity,
 * UPDATED replaces it (moving it if the order changed), DELETED and LEFT remove
 * it. Idempotent: a change already reflected in the list leaves it as it is.
 */
export function applyChange<N extends Identified>(
  list: LiveList<N>,
  change: LiveChange<N>,
  compare?: Compare<N>,
): LiveList<N> {
  const index = list.nodes.findIndex((n) => n.id === change.id)
  const present = index >= 0
  switch (change.kind) {
    case 'DELETED':
    case 'LEFT': {
      if (!present) {
        // Matched the filter but was beyond the loaded page.
        return list.hasNextPage ? { ...list, totalCount: Math.max(0, list.totalCount - 1) } : list
      }
      return {
        ...list,
        nodes: list.nodes.filter((n) => n.id !== change.id),
        totalCount: Math.max(0, list.totalCount - 1),
      }
    }
    case 'CREATED':
    case 'ENTERED':
    case 'UPDATED': {
      const node = change.node
      if (!node) return list
      if (present) {
        const rest = list.nodes.filter((n) => n.id !== change.id)
        const nodes = compare ? insert(rest, node, compare) : list.nodes.map((n, i) => (i === index ? node : n))
        return { ...list, nodes }
      }
      // An update of an entity that was never loaded: past the page, or its
      // creation raced the first page.
      if (change.kind === 'UPDATED' && list.hasNextPage) return list
      const totalCount = list.totalCount + 1
      if (beyondPage(list, node, compare)) return { ...list, totalCount }
      return { ...list, nodes: insert(list.nodes, node, compare), totalCount }
    }
  }
}

/** A relay connection as the server returns it. */
export interface Connection<N> {
  nodes: N[]
  totalCount: number
  pageInfo: { hasNextPage: boolean; endCursor?: string | null }
}

export interface LoadedList<N> extends LiveList<N> {
  endCursor?: string | null
}

export function fromConnection<N>(c: Connection<N>): LoadedList<N> {
  return {
    nodes: c.nodes,
    totalCount: c.totalCount,
    hasNextPage: c.pageInfo.hasNextPage,
    endCursor: c.pageInfo.endCursor,
  }
}

/** A live list and the changes that arrived while it was being (re)loaded. */
export interface LiveState<N, E> {
  list: LoadedList<N> | undefined
  /** Changes seen during a fetch, replayed on its result (which may predate them). */
  buffer: LiveChange<N>[]
  fetching: boolean
  error: E | undefined
}

export type LiveAction<N, E> =
  | { type: 'reset' }
  | { type: 'fetch' }
  | { type: 'loaded'; list: LoadedList<N>; compare?: Compare<N> }
  | { type: 'more'; page: LoadedList<N> }
  | { type: 'failed'; error: E }
  | { type: 'change'; change: LiveChange<N>; compare?: Compare<N> }

export function initialLiveState<N, E>(): LiveState<N, E> {
  return { list: undefined, buffer: [], fetching: false, error: undefined }
}

export function liveReducer<N extends Identified, E>(state: LiveState<N, E>, action: LiveAction<N, E>): LiveState<N, E> {
  switch (action.type) {
    case 'reset':
      return initialLiveState()
    case 'fetch':
      return { ...state, fetching: true, buffer: [] }
    case 'loaded': {
      const replayed = state.buffer.reduce<LiveList<N>>((l, c) => applyChange(l, c, action.compare), action.list)
      return { list: { ...action.list, ...replayed }, buffer: [], fetching: false, error: undefined }
    }
    case 'more': {
      if (!state.list) return state
      const known = new Set(state.list.nodes.map((n) => n.id))
      const nodes = [...state.list.nodes, ...action.page.nodes.filter((n) => !known.has(n.id))]
      return { ...state, list: { ...action.page, nodes } }
    }
    case 'failed':
      return { ...state, fetching: false, error: action.error }
    case 'change': {
      const list = state.list && { ...state.list, ...applyChange(state.list, action.change, action.compare) }
      const buffer = state.fetching || !state.list ? [...state.buffer, action.change] : state.buffer
      return { ...state, list, buffer }
    }
  }
}
