import { type FormEvent, useState } from 'react'
import { useMutation } from '../chronicle'
import { graphql } from '../gql'
import type { TrackFieldsFragment } from '../gql/graphql'
import { ErrorNotice } from '../ui/Status'

const UpdateTrack = graphql(`
  mutation UpdateTrack($id: ID!, $input: TrackUpdateInput!) {
    updateTrack(id: $id, input: $input) {
      id
    }
  }
`)

const DeleteTrack = graphql(`
  mutation DeleteTrack($id: ID!) {
    deleteTrack(id: $id)
  }
`)

interface Draft {
  name: string
  position: string
}

export function TrackRow({ track }: { track: TrackFieldsFragment }) {
  const [draft, setDraft] = useState<Draft | null>(null)
  const [update, updating] = useMutation(UpdateTrack)
  const [remove, removing] = useMutation(DeleteTrack)
  const error = updating.error ?? removing.error

  const submit = (e: FormEvent) => {
    e.preventDefault()
    if (!draft) return
    update({ id: track.id, input: { name: draft.name.trim(), position: Number(draft.position) } }).then(
      () => setDraft(null),
      () => {},
    )
  }

  return (
    <li className="row">
      {draft ? (
        <form className="inline-form" onSubmit={submit} aria-label={`Edit ${track.name}`}>
          <input
            type="number"
            className="position"
            aria-label="Position"
            value={draft.position}
            onChange={(e) => setDraft({ ...draft, position: e.target.value })}
          />
          <input
            aria-label="Track name"
            value={draft.name}
            onChange={(e) => setDraft({ ...draft, name: e.target.value })}
            required
          />
          <button type="submit" disabled={updating.running}>
            Save
          </button>
          <button type="button" onClick={() => setDraft(null)}>
            Cancel
          </button>
        </form>
      ) : (
        <>
          <span className="position">{track.position}.</span>
          <span>{track.name}</span>
          <button type="button" onClick={() => setDraft({ name: track.name, position: String(track.position) })}>
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
      {error && <ErrorNotice error={error} />}
    </li>
  )
}
