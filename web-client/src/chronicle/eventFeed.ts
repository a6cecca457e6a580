import type { ChronicleEventFieldsFragment } from './gql/graphql'

export type ChronicleEvent = ChronicleEventFieldsFragment

/** Events newest first, as the audit log lists them. */
export interface EventPage {
  events: ChronicleEvent[]
  totalCount: number
  hasNextPage: boolean
  endCursor: string | null
}

/** Adds a live event on top, unless it is already there (a replay after a reconnect). */
export function prependEvent(page: EventPage, event: ChronicleEvent): EventPage {
  if (page.events.some((e) => e.id === event.id)) return page
  return { ...page, events: [event, ...page.events], totalCount: page.totalCount + 1 }
}

/** Adds an older page below. */
export function appendPage(page: EventPage, older: EventPage): EventPage {
  const known = new Set(page.events.map((e) => e.id))
  return {
    events: [...page.events, ...older.events.filter((e) => !known.has(e.id))],
    totalCount: Math.max(page.totalCount, older.totalCount),
    hasNextPage: older.hasNextPage,
    endCursor: older.endCursor,
  }
}
