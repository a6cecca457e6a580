import { type FormEvent, useState } from 'react'
import { toChronicleError, useChronicle } from '../chronicle'
import { type EditAction, type EditState, CLOSED, editReducer } from './editState'
import { type Fields, type Versioned, draftOf, toUpdateInput } from './fields'
import type { EditBinding } from './model'

export interface EntityEdit<N> {
  state: EditState<N>
  /** Opens the form over the entity as it is now. */
  open: () => void
  change: (name: string, value: string) => void
  /** Cancel, or discard the person's changes after a conflict. */
  close: () => void
  /** The form's `onSubmit`: saves (instead of the browser's own submission). */
  submit: (e: FormEvent) => void
  /** After a conflict: saves the person's changes over the current state. */
  reapply: () => void
  /** Reads the current state again (after reading it failed). */
  reload: () => void
}

/**
 * Editing one entity over a copy of it (so live changes do not overwrite
 * typing), saved with `ifHeads`: a change someone else saved meanwhile is
 * never silently overwritten. See editReducer.
 */
export function useEntityEdit<N extends Versioned, F extends Fields<N>, Q>(
  binding: EditBinding<N, F, Q>,
  entity: N,
): EntityEdit<N> {
  const client = useChronicle()
  const { fields, one, update } = binding
  const [state, setState] = useState<EditState<N>>(CLOSED)
  const dispatch = (action: EditAction<N>) => setState((s) => editReducer(s, action))

  const reload = () => {
    client.request(one.query, { id: entity.id }).then(
      (data) => {
        const node = one.select(data)
        dispatch({ type: 'current', current: node ? { node, values: draftOf(fields, node), heads: node.heads } : null })
      },
      (e: unknown) => dispatch({ type: 'failed', error: toChronicleError(e) }),
    )
  }

  const send = (edit: EditState<N>) => {
    if (edit.mode !== 'open' || !edit.saving) return
    const input = toUpdateInput(fields, edit.base, edit.draft)
    if (Object.keys(input).length === 0) {
      dispatch({ type: 'saved' })
      return
    }
    client.request(update, { id: entity.id, input, ifHeads: edit.heads }).then(
      () => dispatch({ type: 'saved' }),
      (e: unknown) => {
        const error = toChronicleError(e)
        dispatch({ type: 'failed', error })
        if (error.code === 'CONFLICT') reload()
      },
    )
  }

  /** Moves to the next state and sends what it says to save. */
  const run = (action: EditAction<N>) => {
    const next = editReducer(state, action)
    if (next === state) return
    setState(next)
    send(next)
  }

  return {
    state,
    open: () => dispatch({ type: 'open', values: draftOf(fields, entity), heads: entity.heads }),
    change: (name, value) => dispatch({ type: 'change', name, value }),
    close: () => dispatch({ type: 'close' }),
    submit: (e) => {
      e.preventDefault()
      run({ type: 'save' })
    },
    reapply: () => run({ type: 'reapply' }),
    reload,
  }
}
