import { ErrorNotice } from '../ui/Status'
import { formatTime } from '../ui/time'
import type { OpenEdit } from './editState'
import { type Fields, type Versioned, changedFields, formFields } from './fields'
import { FieldValues } from './FieldValues'

interface Props<N extends Versioned> {
  noun: string
  fields: Fields<N>
  edit: OpenEdit<N>
  onReapply: () => void
  onDiscard: () => void
  onReload: () => void
}

/**
 * A save was refused because someone else changed the entity meanwhile:
 * shows their change, and lets the person reapply theirs over it or drop it.
 */
export function ConflictNotice<N extends Versioned>({ noun, fields, edit, onReapply, onDiscard, onReload }: Props<N>) {
  const current = edit.conflict?.current
  if (current === undefined) {
    return (
      <div className="conflict" role="alert">
        {edit.error ? (
          <ErrorNotice error={edit.error} retry={onReload} />
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
          <button type="button" onClick={onDiscard}>
            Discard mine
          </button>
        </div>
      </div>
    )
  }
  const theirs = new Set(changedFields(fields, edit.base, current.values).map((f) => f.name))
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
        <button type="button" onClick={onReapply}>
          Reapply my changes
        </button>
        <button type="button" onClick={onDiscard}>
          Discard mine
        </button>
      </div>
    </div>
  )
}
