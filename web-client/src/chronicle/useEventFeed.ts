import { useEffect, useState } from 'react'
import { useChronicle } from './context'
import { type ChronicleError, toChronicleError } from './errors'
import { type ChronicleEvent, type EventPage, appendPage, prependEvent } from './eventFeed'
import { EventFeedSubscription, EventsQuery } from './eventDocuments'
import type { ChronicleEventsQuery, EventWhere } from './gql/graphql'
import { useReload } from './useReload'
import { useStableValue } from './useStableValue'
import { useSubscription } from './useSubscription'

export interface EventFeedResult {
  /** Newest first; undefined until loaded. */
  events: ChronicleEvent[] | undefined
  totalCount: number
  loading: boolean
  error: ChronicleError | undefined
  loadMore: (() => void) | undefined
  refetch: () => void
}

function toPage(data: ChronicleEventsQuery): EventPage {
  return {
    events: data.events.nodes,
    totalCount: data.events.totalCount,
    hasNextPage: data.events.pageInfo.hasNextPage,
    endCursor: data.events.pageInfo.endCursor ?? null,
  }
}

interface FeedState {
  /** The filter this page is for. */
  where: EventWhere
  page: EventPage | undefined
  /** Where the live feed starts: the newest event the page has seen. */
  after: string | null
  error: ChronicleError | undefined
  reload: number
}

/**
 * The audit log for `where` (newest first), kept current by the `events`
 * subscription. The subscription starts after the newest loaded event, so the
 * server replays anything committed in between, and replays again after a
 * reconnect; events already shown are skipped.
 */
export function useEventFeed(where: EventWhere, options: { first?: number; skip?: boolean } = {}): EventFeedResult {
  const client = useChronicle()
  const filter = useStableValue(where)
  const first = options.first ?? 50
  const skip = options.skip ?? false
  const [reload, refetch] = useReload(!skip)
  const [loaded, setState] = useState<FeedState | undefined>(undefined)
  const state = loaded?.where === filter ? loaded : undefined

  useEffect(() => {
    if (skip) return
    let current = true
    client.request(EventsQuery, { where: filter, first }).then(
      (data) => {
        if (!current) return
        const page = toPage(data)
        const after = page.events[0]?.cursor ?? data.latest.nodes[0]?.cursor ?? null
        setState({ where: filter, page, after, error: undefined, reload })
      },
      (e: unknown) => {
        if (!current) return
        setState((s) => ({
          ...(s?.where === filter ? s : { page: undefined, after: null }),
          where: filter,
          error: toChronicleError(e),
          reload,
        }))
      },
    )
    return () => {
      current = false
    }
  }, [client, filter, first, skip, reload])

  const page = state?.page
  const live = useSubscription(
    EventFeedSubscription,
    { where: filter, after: state?.after ?? null },
    (data) => setState((s) => (s?.page ? { ...s, page: prependEvent(s.page, data.events) } : s)),
    { skip: skip || page === undefined },
  )

  const loadMore =
    page?.hasNextPage && page.endCursor
      ? () => {
          client.request(EventsQuery, { where: filter, first, after: page.endCursor }).then(
            (data) => setState((s) => (s?.page ? { ...s, page: appendPage(s.page, toPage(data)) } : s)),
            (e: unknown) => setState((s) => s && { ...s, error: toChronicleError(e) }),
          )
        }
      : undefined

  return {
    events: page?.events,
    totalCount: page?.totalCount ?? 0,
    loading: !skip && state?.reload !== reload,
    error: state?.error ?? live.error,
    loadMore,
    refetch,
  }
}

/** Who changed an entity, what and when (newest first), live. */
export function useHistory(entityId: string, options: { first?: number; skip?: boolean } = {}): EventFeedResult {
  return useEventFeed({ entityId }, options)
}

/** Everything a user changed (newest first), live. */
export function useAudit(userId: string, options: { first?: number; skip?: boolean } = {}): EventFeedResult {
  return useEventFeed({ userId }, { ...options, skip: options.skip || userId === '' })
}
