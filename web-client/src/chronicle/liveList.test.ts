import { describe, expect, it } from 'vitest'
import {
  type LiveChange,
  type LiveList,
  type LiveState,
  applyChange,
  initialLiveState,
  liveReducer,
} from './liveList'

interface Item {
  id: string
  name: string
}

const byName = (a: Item, b: Item) => a.name.localeCompare(b.name)
const list = (names: string[], more: Partial<LiveList<Item>> = {}): LiveList<Item> => ({
  nodes: names.map((name) => ({ id: name.toLowerCase(), name })),
  totalCount: names.length,
  hasNextPage: false,
  ...more,
})
const names = (l: LiveList<Item> | undefined) => l?.nodes.map((n) => n.name)
const change = (kind: LiveChange<Item>['kind'], id: string, name?: string): LiveChange<Item> => ({
  kind,
  id,
  node: name === undefined ? null : { id, name },
})

describe('applyChange', () => {
  it('adds CREATED and ENTERED entities in order and counts them', () => {
    let l = applyChange(list(['Abbey Road', 'Revolver']), change('CREATED', 'help', 'Help!'), byName)
    expect(names(l)).toEqual(['Abbey Road', 'Help!', 'Revolver'])
    expect(l.totalCount).toBe(3)
    l = applyChange(l, change('ENTERED', 'zz', 'Zzz'), byName)
    expect(names(l)).toEqual(['Abbey Road', 'Help!', 'Revolver', 'Zzz'])
    expect(l.totalCount).toBe(4)
  })

  it('appends when there is no order', () => {
    const l = applyChange(list(['B']), change('CREATED', 'a', 'A'))
    expect(names(l)).toEqual(['B', 'A'])
  })

  it('replaces UPDATED entities and moves them when their order changed', () => {
    const l = applyChange(list(['A', 'B', 'C']), change('UPDATED', 'a', 'D'), byName)
    expect(names(l)).toEqual(['B', 'C', 'D'])
    expect(l.totalCount).toBe(3)
    const unordered = applyChange(list(['A', 'B', 'C']), change('UPDATED', 'a', 'D'))
    expect(names(unordered)).toEqual(['D', 'B', 'C'])
  })

  it('removes DELETED and LEFT entities', () => {
    let l = applyChange(list(['A', 'B', 'C']), change('DELETED', 'b'), byName)
    expect(names(l)).toEqual(['A', 'C'])
    expect(l.totalCount).toBe(2)
    l = applyChange(l, change('LEFT', 'a', 'A (moved)'), byName)
    expect(names(l)).toEqual(['C'])
    expect(l.totalCount).toBe(1)
  })

  it('is idempotent: a change already in the list changes nothing', () => {
    const l = list(['A', 'B'])
    expect(applyChange(l, change('CREATED', 'a', 'A'), byName)).toEqual(l)
    expect(applyChange(l, change('DELETED', 'zz'), byName)).toEqual(l)
    expect(applyChange(l, change('LEFT', 'zz'), byName)).toEqual(l)
  })

  it('counts but does not show changes past a partly loaded page', () => {
    const page = list(['A', 'B'], { totalCount: 10, hasNextPage: true })
    const created = applyChange(page, change('CREATED', 'z', 'Z'), byName)
    expect(names(created)).toEqual(['A', 'B'])
    expect(created.totalCount).toBe(11)
    const inside = applyChange(page, change('CREATED', 'aa', 'AA'), byName)
    expect(names(inside)).toEqual(['A', 'AA', 'B'])
    // An update of an entity that was never loaded stays out.
    expect(applyChange(page, change('UPDATED', 'q', 'Q'), byName)).toEqual(page)
    // A deletion past the page still lowers the count.
    expect(applyChange(page, change('DELETED', 'q'), byName).totalCount).toBe(9)
  })

  it('ignores a change without an entity where one is needed', () => {
    const l = list(['A'])
    expect(applyChange(l, change('UPDATED', 'a'), byName)).toEqual(l)
  })
})

describe('liveReducer', () => {
  type State = LiveState<Item, string>
  const run = (actions: Parameters<typeof liveReducer<Item, string>>[1][], from: State = initialLiveState()) =>
    actions.reduce(liveReducer<Item, string>, from)

  it('replays changes that arrived while the first page was loading', () => {
    const s = run([
      { type: 'fetch' },
      { type: 'change', change: change('CREATED', 'c', 'C'), compare: byName },
      { type: 'change', change: change('DELETED', 'a'), compare: byName },
      { type: 'loaded', list: list(['A', 'B']), compare: byName },
    ])
    expect(names(s.list)).toEqual(['B', 'C'])
    expect(s.list?.totalCount).toBe(2)
    expect(s.fetching).toBe(false)
    expect(s.buffer).toEqual([])
  })

  it('keeps a shown list current during a refetch, and replays onto the result', () => {
    let s = run([{ type: 'fetch' }, { type: 'loaded', list: list(['A']) }])
    s = run([{ type: 'fetch' }, { type: 'change', change: change('CREATED', 'b', 'B'), compare: byName }], s)
    expect(names(s.list)).toEqual(['A', 'B'])
    // The refetch's answer was read before B was created.
    s = run([{ type: 'loaded', list: list(['A']), compare: byName }], s)
    expect(names(s.list)).toEqual(['A', 'B'])
  })

  it('appends a further page without duplicates', () => {
    const s = run([
      { type: 'fetch' },
      { type: 'loaded', list: { ...list(['A', 'B'], { totalCount: 3, hasNextPage: true }), endCursor: 'x' } },
      { type: 'more', page: { ...list(['B', 'C']), totalCount: 3 } },
    ])
    expect(names(s.list)).toEqual(['A', 'B', 'C'])
    expect(s.list?.hasNextPage).toBe(false)
  })

  it('keeps the list when a refetch fails', () => {
    const s = run([{ type: 'fetch' }, { type: 'loaded', list: list(['A']) }, { type: 'fetch' }, { type: 'failed', error: 'down' }])
    expect(names(s.list)).toEqual(['A'])
    expect(s.error).toBe('down')
  })
})
