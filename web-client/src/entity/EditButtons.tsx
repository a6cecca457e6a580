import { type Named, isComplete } from './fields'
import type { EntityEdit } from './useEntityEdit'

interface Props<N> {
  edit: EntityEdit<N>
  fields: readonly Named[]
}

/**
 * An open edit form's Save and Cancel. After a conflict only ConflictNotice's
 * choices go on: a save at the old heads would be refused again.
 */
export function EditButtons<N>({ edit, fields }: Props<N>) {
  const { state } = edit
  if (state.mode === 'closed') return null
  return (
    <>
      <button type="submit" disabled={state.saving || state.conflict !== undefined || !isComplete(fields, state.draft)}>
        Save
      </button>
      {!state.conflict && (
        <button type="button" onClick={edit.close} disabled={state.saving}>
          Cancel
        </button>
      )}
    </>
  )
}
