import { describe, expect, it } from 'vitest'
import { ChronicleError } from '../chronicle'
import { type Current, type EditAction, type EditState, CLOSED, editReducer, saveError } from './editState'
import { type Fields, type Versioned, draftOf, toUpdateInput } from './fields'

type Album = Versioned & { name: string; year: number }

const fields = [
  { kind: 'string', name: 'name', label: 'Name' },
  { kind: 'int', name: 'year', label: 'Year' },
] as const satisfies Fields<Album>

const loaded: Album = { id: 'b1', heads: ['e1'], updatedBy: 'bob', updatedAt: '', name: 'Kind of Blue', year: 1959 }
const theirs: Album = { ...loaded, heads: ['e2'], updatedBy: 'alice', name: 'Kind of Blue (Legacy)', year: 1960 }
const current = (node: Album): Current<Album> => ({ node, values: draftOf(fields, node), heads: node.heads })
const conflict = new ChronicleError('CONFLICT', 'entity b1 changed since you read it')

const run = (...actions: EditAction<Album>[]) => actions.reduce<EditState<Album>>(editReducer, CLOSED)
const open = (state: EditState<Album>) => {
  if (state.mode !== 'open') throw new Error('the form is closed')
  return state
}
const opened: EditAction<Album> = { type: 'open', values: draftOf(fields, loaded), heads: loaded.heads }
const change = (name: string, value: string): EditAction<Album> => ({ type: 'change', name, value })
/** The form after `edits` were saved and refused with CONFLICT: it waits for the current state. */
const refused = (...edits: EditAction<Album>[]) =>
  run(opened, ...edits, { type: 'save' }, { type: 'failed', error: conflict })

describe('editReducer', () => {
  it('opens over a copy of the entity, at its heads', () => {
    const state = open(run(opened, change('name', 'Blue')))
    expect(state.base).toEqual({ name: 'Kind of Blue', year: '1959' })
    expect(state.draft).toEqual({ name: 'Blue', year: '1959' })
    expect(state.heads).toEqual(['e1'])
  })

  it('saves once at a time, and closes when saved', () => {
    const saving = run(opened, { type: 'save' })
    expect(open(saving).saving).toBe(true)
    expect(editReducer(saving, { type: 'save' })).toBe(saving)
    expect(editReducer(saving, { type: 'saved' })).toEqual(CLOSED)
  })

  it('keeps the values and shows the error when a save fails otherwise', () => {
    const error = new ChronicleError('NETWORK', 'down')
    const state = open(run(opened, change('year', '1961'), { type: 'save' }, { type: 'failed', error }))
    expect(state).toMatchObject({ saving: false, error, conflict: undefined, draft: { year: '1961' } })
    expect(saveError(state)).toBe(error)
  })

  it('on CONFLICT keeps the values, waits for the current state, and refuses to save at the old heads', () => {
    const waiting = refused(change('name', 'Mine'))
    expect(open(waiting)).toMatchObject({ saving: false, error: undefined, conflict: { current: undefined } })
    expect(open(waiting).draft.name).toBe('Mine')
    expect(editReducer(waiting, { type: 'save' })).toBe(waiting)
    expect(editReducer(waiting, { type: 'reapply' })).toBe(waiting)
    const shown = editReducer(waiting, { type: 'current', current: current(theirs) })
    expect(open(shown).conflict?.current?.node.updatedBy).toBe('alice')
    expect(editReducer(shown, { type: 'save' })).toBe(shown)
  })

  it("reapplies the person's changes over the current state, at its heads", () => {
    const shown = editReducer(refused(change('name', 'Kind of Blue (Remaster)')), {
      type: 'current',
      current: current(theirs),
    })
    const state = open(editReducer(shown, { type: 'reapply' }))
    expect(state).toMatchObject({ saving: true, conflict: undefined, heads: ['e2'] })
    expect(state.draft).toEqual({ name: 'Kind of Blue (Remaster)', year: '1960' })
    // Only the person's change is sent: the year alice set stays.
    expect(toUpdateInput(fields, state.base, state.draft)).toEqual({ name: 'Kind of Blue (Remaster)' })
  })

  it('cannot reapply over an entity deleted meanwhile, only discard', () => {
    const gone = editReducer(refused(), { type: 'current', current: null })
    expect(open(gone).conflict).toEqual({ current: null })
    expect(editReducer(gone, { type: 'reapply' })).toBe(gone)
    expect(editReducer(gone, { type: 'close' })).toEqual(CLOSED)
  })

  it('shows a failed read of the current state, and takes a later one', () => {
    const error = new ChronicleError('NETWORK', 'down')
    const failed = editReducer(refused(), { type: 'failed', error })
    expect(open(failed)).toMatchObject({ error, conflict: { current: undefined } })
    // ConflictNotice shows this one, with a retry; the form does not.
    expect(saveError(failed)).toBeUndefined()
    const shown = editReducer(failed, { type: 'current', current: current(theirs) })
    expect(open(shown)).toMatchObject({ error: undefined, conflict: { current: { heads: ['e2'] } } })
  })

  it('ignores a current state nobody waits for', () => {
    const editing = run(opened)
    expect(editReducer(editing, { type: 'current', current: current(theirs) })).toBe(editing)
    expect(editReducer(CLOSED, { type: 'current', current: current(theirs) })).toBe(CLOSED)
    expect(editReducer(CLOSED, { type: 'saved' })).toBe(CLOSED)
  })
})
