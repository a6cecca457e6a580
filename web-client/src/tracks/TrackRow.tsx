import { useMutation } from '../chronicle'
import { ConflictNotice } from '../entity/ConflictNotice'
import { EditButtons } from '../entity/EditButtons'
import { saveError } from '../entity/editState'
import { FieldInput } from '../entity/FieldInput'
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
  const error = saveError(state) ?? removing.error

  return (
    <li className="row">
      {state.mode === 'open' ? (
        <form className="inline-form" onSubmit={edit.submit} aria-label={`Edit ${track.name}`}>
          {trackEditing.fields.map((field) => (
            <FieldInput
              key={field.name}
              field={field}
              value={state.draft[field.name] ?? ''}
              onChange={(value) => edit.change(field.name, value)}
              ariaLabel={field.label}
            />
          ))}
          <EditButtons edit={edit} fields={trackEditing.fields} />
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
      <ConflictNotice noun="track" fields={trackEditing.fields} edit={edit} />
      {error && <ErrorNotice error={error} />}
    </li>
  )
}
