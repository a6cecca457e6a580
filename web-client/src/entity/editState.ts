import type { ChronicleError } from '../chronicle'
import { type Draft, rebase } from './fields'

/** The entity as it is now, read afresh after a save was refused. */
export interface Current<N> {
  node: N
  /** Its values as the form holds them. */
  values: Draft
  heads: string[]
}

export interface OpenEdit<N> {
  mode: 'open'
  /** The values the form was opened with: the person's changes are what differs from them. */
  base: Draft
  /** The heads `base` was read at; the save is conditional on them (`ifHeads`). */
  heads: string[]
  draft: Draft
  saving: boolean
  error: ChronicleError | undefined
  /**
   * Set when a save was refused because someone else changed the entity
   * meanwhile: `current` is undefined while it is read afresh, null when the
   * entity was deleted.
   */
  conflict: { current: Current<N> | null | undefined } | undefined
}

export type EditState<N> = { mode: 'closed' } | OpenEdit<N>

export type EditAction<N> =
  | { type: 'open'; values: Draft; heads: string[] }
  | { type: 'change'; name: string; value: string }
  | { type: 'close' }
  | { type: 'save' }
  /** Save the person's changes over the current state, conditional on its heads. */
  | { type: 'reapply' }
  | { type: 'saved' }
  | { type: 'failed'; error: ChronicleError }
  | { type: 'current'; current: Current<N> | null }

export const CLOSED = { mode: 'closed' } as const

/** The error of a failed save, for the form to show; after a conflict ConflictNotice shows what went wrong. */
export function saveError<N>(state: EditState<N>): ChronicleError | undefined {
  return state.mode === 'open' && !state.conflict ? state.error : undefined
}

/**
 * An edit form over a copy of an entity, saved with `ifHeads`. A CONFLICT
 * keeps the person's values and waits for the current state; then the person
 * reapplies their changes on top of it, or discards them (`close`).
 */
export function editReducer<N>(state: EditState<N>, action: EditAction<N>): EditState<N> {
  if (action.type === 'open') {
    const { values, heads } = action
    return { mode: 'open', base: values, heads, draft: values, saving: false, error: undefined, conflict: undefined }
  }
  if (state.mode === 'closed') return state
  switch (action.type) {
    case 'change':
      return { ...state, draft: { ...state.draft, [action.name]: action.value } }
    case 'close':
    case 'saved':
      return CLOSED
    case 'save':
      // Saving again with the old heads would be refused again.
      if (state.saving || state.conflict) return state
      return { ...state, saving: true, error: undefined }
    case 'reapply': {
      const current = state.conflict?.current
      if (state.saving || !current) return state
      return {
        ...state,
        base: current.values,
        heads: current.heads,
        draft: rebase(state.base, state.draft, current.values),
        saving: true,
        error: undefined,
        conflict: undefined,
      }
    }
    case 'failed':
      if (action.error.code === 'CONFLICT') {
        return { ...state, saving: false, error: undefined, conflict: { current: undefined } }
      }
      return { ...state, saving: false, error: action.error }
    case 'current':
      // Only the read this conflict waits for; a late one for a form since reopened is dropped.
      if (!state.conflict || state.conflict.current !== undefined) return state
      return { ...state, error: undefined, conflict: { current: action.current } }
  }
}
