import { ErrorNotice } from '../ui/Status'
import { formatTime } from '../ui/time'
import { type Fields, type Versioned, changedFields, formFields } from './fields'
import { FieldValues } from './FieldValues'
import type { EntityEdit } from './useEntityEdit'

interface Props<N extends Versioned> {
  noun: string
  fields: Fields<N>
  edit: EntityEdit<N>
}

/**
 * A save was refused because someone else changed the entity meanwhile:
 * shows their change, and lets the person reapply theirs over it or drop it.
 * Renders nothing while there is no conflict.
 */
export function ConflictNotice<N extends Versioned>({ noun, fields, edit }: Props<N>) {
  const { state } = edit
  if (state.mode === 'closed' || !state.conflict) return null
  const { current } = state.conflict
  if (current === undefined) {
    return (
      <div className="conflict" role="alert">
        {state.error ? (
          <ErrorNotice error={state.error} retry={edit.reload} />
        ) : (
          <p>Someone else changed this {noun} while you were editing it. Loading their change…</p>
        )}
      </div>
    )
  }
  if (current === null) {
    return (
      <div className="conflict" role="alert">
        <p>Someone deleted this {noun} while you were editing it; your changes cannot be saved.</p>
        <div className="buttons">
          <button type="button" onClick={edit.close}>
            Discard mine
          </button>
        </div>
      </div>
    )
  }
  const theirs = new Set(changedFields(fields, state.base, current.values).map((f) => f.name))
  return (
    <div className="conflict" role="alert">
      <p>
        <strong data-user={current.node.updatedBy}>{current.node.updatedBy}</strong> changed this {noun} at{' '}
        {formatTime(current.node.updatedAt)}, while you were editing it. Nothing of yours was saved. It is now:
      </p>
      <FieldValues fields={formFields(fields)} node={current.node} changed={theirs} className="fields snapshot" />
      <p className="muted">
        Your values are still in the form. Reapplying saves the fields you changed over theirs; the others keep
        their values.
      </p>
      <div className="buttons">
        <button type="button" onClick={edit.reapply}>
          Reapply my changes
        </button>
        <button type="button" onClick={edit.close}>
          Discard mine
        </button>
      </div>
    </div>
  )
}
