import { describe, expect, it } from 'vitest'
import { type Route, href, parseRoute } from './router'

describe('routes', () => {
  it('round-trip through the address hash', () => {
    const routes: Route[] = [
      { page: 'albums' },
      { page: 'album', id: '01ABC' },
      { page: 'artists' },
      { page: 'artist', id: '01XYZ' },
      { page: 'audit', userId: null },
      { page: 'audit', userId: 'jo é/x' },
    ]
    for (const route of routes) expect(parseRoute(href(route))).toEqual(route)
  })

  it('falls back to the album list', () => {
    expect(parseRoute('')).toEqual({ page: 'albums' })
    expect(parseRoute('#/nowhere')).toEqual({ page: 'albums' })
  })
})
