import type { FormEvent } from 'react'
import { useMutation } from '../chronicle'
import { ConflictNotice } from '../entity/ConflictNotice'
import { FieldInput } from '../entity/FieldInput'
import { isComplete } from '../entity/fields'
import { defineEditing } from '../entity/model'
import { useEntityEdit } from '../entity/useEntityEdit'
import { graphql } from '../gql'
import type { TrackFieldsFragment } from '../gql/graphql'
import { ErrorNotice } from '../ui/Status'
import { TrackQuery, UpdateTrack } from './documents'

const DeleteTrack = graphql(`
  mutation DeleteTrack($id: ID!) {
    deleteTrack(id: $id)
  }
`)

const trackEditing = defineEditing<TrackFieldsFragment>()({
  fields: [
    { kind: 'int', name: 'position', label: 'Position' },
    { kind: 'string', name: 'name', label: 'Track name' },
  ],
  one: { query: TrackQuery, select: (data) => data.track },
  update: UpdateTrack,
})

/** A track, edited in place (saved with `ifHeads`, like the entity forms). */
export function TrackRow({ track }: { track: TrackFieldsFragment }) {
  const edit = useEntityEdit(trackEditing, track)
  const { state } = edit
  const [remove, removing] = useMutation(DeleteTrack)
  const error = (state.mode === 'open' && !state.conflict ? state.error : undefined) ?? removing.error

  const submit = (e: FormEvent) => {
    e.preventDefault()
    edit.save()
  }

  return (
    <li className="row">
      {state.mode === 'open' ? (
        <form className="inline-form" onSubmit={submit} aria-label={`Edit ${track.name}`}>
          {trackEditing.fields.map((field) => (
            <FieldInput
              key={field.name}
              field={field}
              value={state.draft[field.name] ?? ''}
              onChange={(value) => edit.change(field.name, value)}
              ariaLabel={field.label}
            />
          ))}
          <button
            type="submit"
            disabled={state.saving || state.conflict !== undefined || !isComplete(trackEditing.fields, state.draft)}
          >
            Save
          </button>
          {!state.conflict && (
            <button type="button" onClick={edit.close} disabled={state.saving}>
              Cancel
            </button>
          )}
        </form>
      ) : (
        <>
          <span className="position">{track.position}.</span>
          <span>{track.name}</span>
          <button type="button" onClick={edit.open}>
            Edit
          </button>
          <button
            type="button"
            className="danger"
            onClick={() => remove({ id: track.id }).catch(() => {})}
            aria-label={`Delete ${track.name}`}
          >
            Delete
          </button>
        </>
      )}
      {state.mode === 'open' && state.conflict && (
        <ConflictNotice
          noun="track"
          fields={trackEditing.fields}
          edit={state}
          onReapply={edit.reapply}
          onDiscard={edit.close}
          onReload={edit.reload}
        />
      )}
      {error && <ErrorNotice error={error} />}
    </li>
  )
}
