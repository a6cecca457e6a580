import { describe, expect, it } from 'vitest'
import { type ChronicleEvent, type EventPage, appendPage, prependEvent } from './eventFeed'

const event = (id: string, userId = 'alice'): ChronicleEvent => ({
  id,
  cursor: `c${id}`,
  kind: 'UPDATED',
  collection: 'album',
  entityId: 'e1',
  userId,
  at: '2026-01-01T00:00:00Z',
  changes: [],
})

const page = (ids: string[], more: Partial<EventPage> = {}): EventPage => ({
  events: ids.map((id) => event(id)),
  totalCount: ids.length,
  hasNextPage: false,
  endCursor: null,
  ...more,
})

describe('event feed', () => {
  it('puts live events on top and counts them', () => {
    const p = prependEvent(page(['2', '1']), event('3', 'bob'))
    expect(p.events.map((e) => e.id)).toEqual(['3', '2', '1'])
    expect(p.totalCount).toBe(3)
  })

  it('skips events replayed after a reconnect', () => {
    const p = page(['2', '1'])
    expect(prependEvent(p, event('2'))).toBe(p)
  })

  it('adds older pages below, without duplicates', () => {
    const p = appendPage(page(['4', '3'], { totalCount: 4, hasNextPage: true, endCursor: 'c3' }), page(['3', '2', '1'], { totalCount: 4 }))
    expect(p.events.map((e) => e.id)).toEqual(['4', '3', '2', '1'])
    expect(p.hasNextPage).toBe(false)
  })
})
