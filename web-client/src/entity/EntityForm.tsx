import { ErrorNotice } from '../ui/Status'
import { formatTime } from '../ui/time'
import { ConflictNotice } from './ConflictNotice'
import { EditButtons } from './EditButtons'
import { saveError } from './editState'
import { FieldInput } from './FieldInput'
import { FieldValues } from './FieldValues'
import { type Fields, type Versioned, formFields } from './fields'
import type { EntityModel } from './model'
import { useEntityEdit } from './useEntityEdit'

interface Props<N extends Versioned, F extends Fields<N>, Q> {
  model: Pick<EntityModel<N, F, Q, unknown, unknown>, 'noun' | 'title' | 'fields' | 'one' | 'update'>
  entity: N
}

/**
 * Shows an entity's fields (but its title and text fields); "Edit" opens a
 * form over a copy, so live changes do not overwrite typing. Saving is
 * conditional on the heads the form was opened at; see ConflictNotice.
 */
export function EntityForm<N extends Versioned, F extends Fields<N>, Q>({ model, entity }: Props<N, F, Q>) {
  const edit = useEntityEdit(model, entity)
  const { state } = edit
  const editable = formFields(model.fields).filter((f) => f.name !== model.title)
  const error = saveError(state)

  if (state.mode === 'closed') {
    return (
      <div className="facts">
        <FieldValues fields={editable} node={entity} />
        <p className="muted">
          Last changed by {entity.updatedBy} at {formatTime(entity.updatedAt)}
        </p>
        <button type="button" onClick={edit.open}>
          Edit
        </button>
      </div>
    )
  }

  return (
    <form className="edit-form" onSubmit={edit.submit} aria-label={`Edit ${model.noun}`}>
      <ConflictNotice noun={model.noun} fields={model.fields} edit={edit} />
      {formFields(model.fields).map((field) => (
        <label key={field.name}>
          {field.label}
          <FieldInput
            field={field}
            value={state.draft[field.name] ?? ''}
            onChange={(value) => edit.change(field.name, value)}
          />
        </label>
      ))}
      <div className="buttons">
        <EditButtons edit={edit} fields={model.fields} />
      </div>
      {error && <ErrorNotice error={error} />}
    </form>
  )
}
